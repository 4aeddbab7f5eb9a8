"""The console's pages on the benchmark's history: `python -m bench.console_pages [--store sqlite|postgres|both]`.

Each page is asked for through Flask's test client by the user who would open it
(an inspector, a branch's unit staff, the auditor), each signed in through the
sign-in form in a client of their own, with the read model caught up. A page
that does not answer 200 is reported as not built. Beside each page's median
and p95, its median as a multiple of `/healthz` through the same client: the
least any request costs in this process, measured in the same run.
"""

from __future__ import annotations

import argparse
import html
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from bench.history import AUDITOR
from bench.lives import INSPECTORS
from bench.measure import PageLatency
from bench.queries import SCOPE, TEXT, weeks_of
from bench.report import Table, load
from bench.stores import POSTGRES_URL, Size, prepared_store
from bench.tree import unit_person
from service.projector import run_projector
from service.read_store import open_view

TARGET_MS = 300.0
LATER_PAGE = 10  # "a later page": the tenth of the list, reached by following each page's next link
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
NEXT_PAGE = re.compile(r'<a rel="next" href="([^"]+)">')
# Who opens the pages: names of the history's users (bench/history.py keeps their tokens).
USERS = {"inspector": INSPECTORS[0].name, "unit": unit_person(SCOPE).name, "auditor": AUDITOR}


@dataclass(frozen=True)
class Page:
    name: str
    user: str  # a key of USERS
    path: str


@dataclass(frozen=True)
class PageTiming:
    page: Page
    status: int  # of the first request
    latency: PageLatency | None  # None: the page is not built (it did not answer 200)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    size = Size(args.findings, args.units, args.weeks)
    table = Table()
    for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        settings, history = prepared_store(kind, size, args.postgres_url, say, regenerate=args.regenerate)
        say(f"{kind}: bringing the read model and the seals up to the head of the log")
        run_projector(settings, threading.Event(), say, until_caught_up=True)
        table.note(f"{kind}: {load()} at the start")
        measure_console(kind, settings, history, size, args.runs, table)
        table.note(f"{kind}: {load()} at the end")
    print()
    print(table.render())
    return 1 if args.check and table.missed else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.console_pages", description=__doc__.splitlines()[0])
    p.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--findings", type=int, default=20_000)
    p.add_argument("--units", type=int, default=500)
    p.add_argument("--weeks", type=int, default=26, help="how far back findings are issued")
    p.add_argument("--runs", type=int, default=10, help="timed requests of each page (after one cold request)")
    p.add_argument("--regenerate", action="store_true", help="generate the history again even if it is kept")
    p.add_argument("--check", action="store_true", help="exit with status 1 when a built page misses the target")
    p.add_argument("--postgres-url", default=POSTGRES_URL, help="server and database; the schema is named by size")
    return p


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure_console(
    kind: str,
    settings: dict[str, Any],
    history: dict[str, Any],
    size: Size,
    runs: int,
    table: Table,
    later: int = LATER_PAGE,
) -> list[PageTiming]:
    """Every console page, timed, into the table (the read model must be caught up); `later`: which list page."""
    app = bench_app(settings)  # first: making the app sets the request log up, which the quiet spell must follow
    with request_log_quiet():
        clients = {user: signed_in(app, name, history["tokens"][name]) for user, name in USERS.items()}
        _, floor = time_page(clients["inspector"], "/healthz", runs)
        assert floor is not None, "/healthz did not answer 200"
        say(f"{kind}: /healthz: median {floor.median:.1f} ms, p95 {floor.p95:.1f} ms, CPU {floor.cpu_median:.2f} ms")
        zone = ZoneInfo(settings["RECTIFY_TIMEZONE"])
        week = weeks_of(datetime.fromisoformat(history["now"]).astimezone(zone), size.weeks)["last"].label
        timings = []
        for page in console_pages(settings, clients["inspector"], week, later):
            status, latency = time_page(clients[page.user], page.path, runs)
            timings.append(PageTiming(page, status, latency))
            shown = (
                f"median {latency.median:,.0f} ms, p95 {latency.p95:,.0f} ms, CPU {latency.cpu_median:,.1f} ms"
                if latency
                else f"not built ({status})"
            )
            say(f"{kind}: {page.name} as {USERS[page.user]}: {shown}")
            table.page(kind, f"{page.name} ({page.user})", latency, status, floor, TARGET_MS)
        return timings


def console_pages(settings: dict[str, Any], inspector: FlaskClient, week: str, later: int) -> list[Page]:
    """The pages to time, with the addresses the history gives them: a finding with a long history, a later page."""
    findings = "/console/findings"
    return [
        Page("工作台", "inspector", "/console/"),
        Page("工作台", "unit", "/console/"),
        Page("工作台", "auditor", "/console/"),
        Page("问题清单, first page", "inspector", findings),
        Page(f"问题清单, q={TEXT} unit={SCOPE}", "inspector", f"{findings}?q={TEXT}&unit={SCOPE}"),
        Page("问题清单, overdue", "unit", f"{findings}?overdue=true"),
        Page("问题清单, by due date", "inspector", f"{findings}?sort=due_date"),
        Page(f"问题清单, page {later} by cursor", "inspector", later_page(inspector, findings, later)),
        Page("a finding's page (longest history)", "inspector", f"{findings}/{longest_history(settings)}"),
        Page(f"每周通报 {week}", "inspector", f"/console/circulars?week={week}"),
        Page("审计", "auditor", "/console/audit"),
        Page("下发问题 (issue form)", "inspector", f"{findings}/new"),
        Page("台账导入", "inspector", "/console/imports"),
    ]


def bench_app(settings: dict[str, Any]) -> Flask:
    """The service as the timings reach it: in this process, rate limits off, no request log."""
    from service import create_app

    # The rate limits are off: the cases measure what a request costs, and send hundreds a minute with one token.
    unlimited = {"TESTING": True, "RECTIFY_RATE_LIMIT_AUTH": "off", "RECTIFY_RATE_LIMIT_TOKEN": "off"}
    return create_app(settings | unlimited)


@contextmanager
def request_log_quiet() -> Iterator[None]:
    """No JSON line per request while the pages are timed (they would bury the report); as it was afterwards."""
    log = logging.getLogger("rectify.requests")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def signed_in(app: Flask, name: str, token: str) -> FlaskClient:
    """A client of its own, signed in to the console through the sign-in form, as a person would."""
    client = app.test_client()
    form = client.get("/console/login").get_data(as_text=True)
    csrf = CSRF_FIELD.search(form)
    assert csrf is not None, "the sign-in form has no CSRF token"
    answer = client.post("/console/login", data={"name": name, "token": token, "csrf_token": csrf.group(1)})
    assert answer.status_code == 302, f"{name} could not sign in ({answer.status_code})"
    return client


def later_page(client: FlaskClient, path: str, page: int) -> str:
    """The address of a later page of the list, reached by following each page's next link."""
    for _ in range(page - 1):
        following = NEXT_PAGE.search(client.get(path).get_data(as_text=True))
        assert following is not None, f"the list has fewer than {page} pages"
        path = html.unescape(following.group(1))
    return path


def longest_history(settings: dict[str, Any]) -> str:
    """The id of a finding with the most events (ties: the first id)."""
    view = open_view(settings)
    try:
        sql = "SELECT finding_id, COUNT(*) AS n FROM {facts} GROUP BY finding_id ORDER BY n DESC, finding_id LIMIT 1"
        return str(view.select(sql)[0]["finding_id"])
    finally:
        view.datastore.close()


def time_page(client: FlaskClient, path: str, runs: int) -> tuple[int, PageLatency | None]:
    """The first request's status, and if it was 200 the milliseconds of it (on cold caches) and of `runs` more,
    wall-clock and this process's CPU (None: the page is not built)."""
    times, cpu, size = [], [], 0
    for run in range(runs + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        answer = client.get(path)
        size = len(answer.get_data())
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if answer.status_code != 200 and run == 0:
            return answer.status_code, None
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code} after answering 200")
    return 200, PageLatency(times[0], times[1:], size, cpu[1:])


if __name__ == "__main__":
    raise SystemExit(main())
