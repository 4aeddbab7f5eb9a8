"""A load generator in processes of its own: clients on keep-alive connections, each walking its findings' lives.

`python -m bench.load PLAN.json` reads what to send (the server, the tokens, each client's findings, how
long, which kind of load) and prints one JSON line: how many answers of each status, and every latency.
Each client owns its findings, so no two clients race on one finding: a 409 or 412 is an error here.

A client sends its requests back to back, or, when the plan gives a `rate` (requests a second, each
client), each at its turn on a fixed schedule; a latency is then counted from the moment the request was
due, not from when it left, so a request held back by a slow answer before it counts that wait too.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Life:
    """One finding as a client knows it: where it is in its life and its version."""

    id: str
    unit_token: str
    status: str = "issued"
    version: int = 1


@dataclass
class Tally:
    statuses: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def next_command(life: Life, tokens: dict[str, str], rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """The next step of a finding's life: (command, token, body), as an office would send it."""
    if life.status == "issued":
        return "assign", life.unit_token, {"assignee": rng.choice(["王芳", "李明", "张伟"]), "note": "请按期整改"}
    if life.status == "assigned":
        roll = rng.random()
        if roll < 0.15:
            return "assign", life.unit_token, {"assignee": rng.choice(["赵磊", "陈静"]), "note": "改派"}  # reassign
        if roll < 0.22:
            return "escalate", tokens["inspector"], {"note": "请加快整改进度"}
        return "rectify", life.unit_token, {"measures": "已制定整改方案并落实到位，建立长效机制。", "evidence": []}
    if life.status == "rectified":
        if rng.random() < 0.6:
            return "review", tokens["reviewer"], {"outcome": "rejected", "comment": "佐证材料不足，请补充"}
        return "review", tokens["reviewer"], {"outcome": "accepted", "comment": ""}
    return "reopen", tokens["inspector"], {"reason": "回头看发现问题反弹"}  # closed


def client(plan: dict[str, Any], lives: list[Life], tally: Tally, start: float, seed: int) -> None:
    """Send requests back to back, or each at its turn at the plan's `rate`, until the plan's time is up
    (latencies kept only inside the measured window)."""
    url = urlsplit(plan["url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    rng = random.Random(seed)
    tokens = plan["tokens"]
    warmup, end = start + plan["warmup"], start + plan["warmup"] + plan["seconds"]
    interval = 1 / plan["rate"] if plan.get("rate") else 0.0
    first = start + (rng.random() * interval if interval else 0.0)  # clients' turns spread over the interval
    turn = 0
    try:
        while (now := time.perf_counter()) < end:
            due = first + turn * interval if interval else now
            if due > now:
                time.sleep(due - now)
                now = time.perf_counter()
            if plan["kind"] == "ceiling":
                method, path, body, headers = "GET", "/healthz", None, {}
                life = None
            else:
                life = lives[turn % len(lives)]
                command, token, fields = next_command(life, tokens, rng)
                method, path, body = "POST", f"/api/v1/findings/{life.id}/{command}", json.dumps(fields).encode()
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                if rng.random() < 0.3:
                    headers["If-Match"] = f'"{life.version}"'
                if rng.random() < 0.2:
                    headers["Idempotency-Key"] = uuid.uuid4().hex
            turn += 1
            sent = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                tally.errors.append(f"{type(error).__name__}: {error}")
                continue
            took = time.perf_counter() - (due if interval else sent)
            if now >= warmup:
                key = str(response.status)
                tally.statuses[key] = tally.statuses.get(key, 0) + 1
                tally.latencies.append(took)
            if life is not None:
                if response.status == 200:
                    state = json.loads(answer)
                    life.status, life.version = state["status"], state["version"]
                elif len(tally.errors) < 20:
                    tally.errors.append(f"{response.status} {path}: {answer[:200]!r}")
    finally:
        connection.close()


def main() -> None:
    plan = json.loads(open(sys.argv[1], encoding="utf-8").read())
    tallies, threads, every_life = [], [], []
    start = time.perf_counter()
    for number, owned in enumerate(plan["clients"]):
        lives = [Life(**life) for life in owned]
        every_life.append(lives)
        tally = Tally()
        tallies.append(tally)
        thread = threading.Thread(target=client, args=(plan, lives, tally, start, plan["seed"] + number))
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join()
    statuses: dict[str, int] = {}
    for tally in tallies:
        for key, count in tally.statuses.items():
            statuses[key] = statuses.get(key, 0) + count
    print(
        json.dumps(
            {
                "statuses": statuses,
                "latencies": [round(x, 6) for tally in tallies for x in tally.latencies],
                "errors": [error for tally in tallies for error in tally.errors][:20],
                "lives": [[life.__dict__ for life in lives] for lives in every_life],  # where the next run goes on
            }
        )
    )


if __name__ == "__main__":
    main()
