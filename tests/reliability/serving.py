"""A real `rectify serve` on loopback, its processes, and a PostgreSQL cluster of a test's own."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

RECTIFY = [sys.executable, "-m", "service.cli"]
# Straight to loopback: a proxy from the environment must not carry these requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A `rectify serve` on a store, started (and restarted) on one port, with its log."""

    folder: Path
    env: dict[str, str]
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    seen: set[int] = field(default_factory=set)  # every worker and projector met, to end them even orphaned

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "serve.log"

    def start(self, timeout: float = 20) -> None:
        """Start `rectify serve` and wait until /healthz answers."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [*RECTIFY, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)],
                env=self.env,
                cwd=self.folder,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"rectify serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if self.call("GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        pytest.fail(f"rectify serve did not answer /healthz within {timeout} s:\n{self.log.read_text()}")

    def projected(self, timeout: float = 20) -> None:
        """Wait until the read model holds everything the log held when asked (`/readyz` says no lag)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, answer, _ = self.call("GET", "/readyz", timeout=2)
            if status == 200 and answer["lag"] == 0:
                return
            time.sleep(0.1)
        pytest.fail(f"the read model did not catch up within {timeout} s:\n{self.log.read_text()}")

    @property
    def master(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the master (its workers and projector are left to notice) and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.seen.update(descendants(self.process.pid))
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server and every process it left behind, even after a SIGKILL of its master."""
        if self.process is None:
            return
        family = self.seen | set(descendants(self.process.pid)) | set(projectors_of(self.folder))
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        table = processes()
        for pid in family:
            if pid in table and ("gunicorn" in table[pid][1] or "service.cli" in table[pid][1]):
                kill_quietly(pid, signal.SIGKILL)

    def call(
        self, method: str, path: str, token: str | None = None, body: Any = None, *, headers: Any = None, timeout=10
    ) -> tuple[int, Any, Any]:
        """Status, body (JSON when it is) and headers of one request."""
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        sent.update(headers or {})
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, headers=sent, method=method)
        try:
            with OPENER.open(request, timeout=timeout) as response:
                return response.status, parsed(response.read()), response.headers
        except urllib.error.HTTPError as error:
            with error:
                return error.code, parsed(error.read()), error.headers

    def rectify(self, *argv: str) -> str:
        """Run a `rectify` command against the same store and return what it printed."""
        done = subprocess.run(
            [*RECTIFY, *argv], env=self.env, cwd=self.folder, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def add_people(self) -> dict[str, str]:
        """An inspector and a unit BJ, their tokens by role."""
        self.rectify("units", "add", "BJ", "--name", "北京分公司")
        tokens = {}
        for role in ("inspector", "reviewer"):
            printed = self.rectify("users", "add", f"{role}.one", "--role", role)
            tokens[role] = [line for line in printed.splitlines() if line.startswith("rfy_")][-1]
        return tokens

    def workers_now(self) -> list[int]:
        found = [pid for pid, command in child_pids(self.master).items() if "service.cli project" not in command]
        self.seen.update(found)
        return found

    def projectors_now(self) -> list[int]:
        found = [pid for pid, command in child_pids(self.master).items() if "service.cli project" in command]
        self.seen.update(found)
        return found


def parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def processes() -> dict[int, tuple[int, str]]:
    """Every process: its parent and its command line, read from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # the process ended while we looked
        if fields[0] != "Z":
            found[int(stat.parent.name)] = (int(fields[1]), command)
    return found


def child_pids(parent: int) -> dict[int, str]:
    return {pid: command for pid, (ppid, command) in processes().items() if ppid == parent}


def descendants(root: int) -> list[int]:
    table = processes()
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def projectors_of(folder: Path) -> list[int]:
    """`rectify project` processes started for a server in `folder`, whoever their parent is now."""
    found = []
    for pid, (_, command) in processes().items():
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if "service.cli project" in command and cwd == str(folder):
            found.append(pid)
    return found


def kill_quietly(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_for(condition: Any, timeout: float, what: str, every: float = 0.1) -> Any:
    """Poll until `condition()` is truthy; fail naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    pytest.fail(f"{what}: not within {timeout} s")


def finding_body(title: str, due_date: str) -> dict[str, Any]:
    return {
        "source": "inspection",
        "batch": "2026年第三轮巡察",
        "title": title,
        "description": "可靠性测试",
        "category": "作风建设",
        "severity": "general",
        "unit": "BJ",
        "due_date": due_date,
    }


class PostgresCluster:
    """A PostgreSQL cluster of the test's own, in a temporary folder, run by the `postgres` OS user."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries or shutil.which("runuser") is None:
            raise RuntimeError("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) or no runuser")
        self.bin = Path(binaries[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="rectify-pg-"))
        self.port = free_port()
        shutil.chown(self.folder, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", timeout=120)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres?connect_timeout=2"

    def run(self, tool: str, *argv: str, timeout: float = 60) -> None:
        command = ["runuser", "-u", "postgres", "--", str(self.bin / tool), *argv]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "pg.log"), "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
