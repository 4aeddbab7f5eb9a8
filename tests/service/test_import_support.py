"""What the import tests share: the moment they run at, the fixture ledgers, and what each should give."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask.testing import FlaskClient

from service.imports.planning import LONG_TERM_RECORDED

ZONE = ZoneInfo("Asia/Shanghai")
# The ledgers were filled in on 30 June 2026; they are imported the next morning.
MOMENT = datetime(2026, 7, 1, 10, 0, tzinfo=ZONE)
LEDGERS = Path(__file__).parent.parent / "fixtures" / "ledgers"
API = "/api/v1/imports"
LONG_TERM_REFUSAL = "long-term items (长期坚持) cannot be recorded by this version of the service yet"

# Each fixture ledger: the rows that become findings (row → unit, due date, status) and the refusals, exactly.
EXPECTED: dict[str, dict[str, Any]] = {
    "inspection.xlsx": {
        "created": {
            6: ("BJ", "2026-06-30", "closed"),
            7: ("BJ", "2026-06-30", "assigned"),
            8: ("BJ", "2026-09-30", "issued"),
            9: ("BJ-01", "2026-04-21", "closed"),
            12: ("BJ", "2026-06-30", "assigned"),
        },  # fmt: skip
        "refused": [
            ("整改台账", 15, "责任单位", "天津分公司", "no registered unit is called 天津分公司 (nor has that code)"),
            ("整改台账", 16, "问题描述", "", "no description of the problem"),
            ("整改台账", 17, "整改时限", "2026-02-30", "2026-02-30 is not a day of the calendar"),
        ],
    },
    "audit.xlsx": {
        "created": {
            4: ("SH", "2026-03-31", "closed"),
            5: ("BJ-01", "2026-06-30", "assigned"),
            6: ("SH", "2026-09-30", "issued"),
        },  # fmt: skip
        "refused": [
            (
                "审计问题",
                7,
                "整改责任单位",
                "上海",
                "上海 could be any of 上海分公司（SH）、上海研究院（SHY）: write the unit's code or full name",
            ),
            ("审计问题", 8, "完成时限", "2026年13月1日", "2026-13-01 is not a day of the calendar"),
            (
                "审计问题",
                9,
                "问题编号",
                "审计-005",
                "a reference has letters, digits and . _ / - only, up to 64 characters",
            ),
        ],  # fmt: skip
    },
    "list-utf8-bom.csv": {
        "created": {
            4: ("SH", "2026-03-31", "closed"),
            5: ("SH", "2026-09-30", "assigned"),
            7: ("HQ", "2026-08-31", "issued"),
        },  # fmt: skip
        "refused": [("CSV", 8, "问题来源", "外部检查", "a source is 巡察 (inspection) or 审计 (audit)")],
    },
    "special-audit-gb18030.csv": {
        "created": {
            3: ("BJ-01", "2026-06-30", "closed"),
            4: ("BJ-01", "2026-08-31", "assigned"),
            5: ("BJ", "2026-07-01", "closed"),
        },  # fmt: skip
        "refused": [("CSV", 6, "整改期限", "下月底前", "'下月底前' is not a date")],
    },
}
# The inspection ledger's long-term rows: 长期坚持 (no due date) and 立行立改并长期坚持 (first stage the issue date).
LONG_TERM_ROWS = {13: ("BJ", None, "assigned"), 14: ("BJ", "2026-04-22", "closed")}


def expected_refusals(name: str) -> list[tuple[Any, ...]]:
    """The refusals of a fixture ledger, the long-term rows among them while they cannot be recorded."""
    refused = list(EXPECTED[name]["refused"])
    if name == "inspection.xlsx" and not LONG_TERM_RECORDED:
        refused[:0] = [("整改台账", 13, "整改时限", "长期坚持", LONG_TERM_REFUSAL),
                       ("整改台账", 14, "整改时限", "立行立改并长期坚持", LONG_TERM_REFUSAL)]  # fmt: skip
    return refused


def expected_created(name: str) -> dict[int, tuple[Any, ...]]:
    created = dict(EXPECTED[name]["created"])
    if name == "inspection.xlsx" and LONG_TERM_RECORDED:
        created |= LONG_TERM_ROWS
    return created


@pytest.fixture
def at_import_moment() -> Iterator[None]:
    """The tests run on the morning after the ledgers were filled in, whatever day it is."""
    with time_machine.travel(MOMENT, tick=True):
        yield


def refusals(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(r["sheet"], r["row"], r["column"], r["value"], r["reason"]) for r in result["refused"]]


def upload(client: FlaskClient, headers: dict[str, str], name: str, **form: Any) -> Any:
    """POST a fixture ledger to /imports."""
    data = {"file": (io.BytesIO((LEDGERS / name).read_bytes()), name), **form}
    return client.post(API, data=data, headers=headers, content_type="multipart/form-data")


def finished(client: FlaskClient, headers: dict[str, str], location: str, timeout: float = 60) -> dict[str, Any]:
    """Poll a job until it is no longer running, and return it."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(location, headers=headers).get_json()
        if job["status"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def imported(client: FlaskClient, headers: dict[str, str], name: str, **form: Any) -> dict[str, Any]:
    """Import a fixture ledger through HTTP and wait for the job's result."""
    response = upload(client, headers, name, **form)
    assert response.status_code == 202, response.get_json()
    job = finished(client, headers, response.headers["Location"])
    assert job["status"] == "finished", job
    return job["result"]
