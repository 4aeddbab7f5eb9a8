"""The XLSX ledger the service exports imports back into an empty store with the same findings and statuses."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from domain.values import Actor, Role, finding_id
from service.application import Rectify
from service.config import build_application, initialise_store, load_settings
from service.imports.importing import import_ledger
from service.imports.planning import ImportRequest
from tests.service.conftest import SETUP
from tests.service.helpers import last_position
from tests.service.test_import_support import (
    at_import_moment,  # noqa: F401 - a fixture
    finished,
    imported,
)

pytestmark = pytest.mark.usefixtures("at_import_moment")
KEYS = ("reference", "title", "unit", "due_date", "status", "term", "source", "severity", "assignee")
# Rows for the statuses the fixture ledgers do not reach: awaiting review, and withdrawn.
MORE = "问题,责任单位,整改时限,整改情况,问题来源,严重程度\n报销单据缺少审批签字,SH,2026-08-31,待审核,审计,重大\n"
MORE += "重复下发的问题,BJ-01,2026-08-31,已撤回,巡察,一般\n"


UNITS = [("HQ", "集团公司", None), ("BJ", "北京分公司", "HQ"), ("BJ-01", "北京分公司财务部", "BJ"),
         ("SH", "上海分公司", "HQ"), ("SHY", "上海研究院", "HQ")]  # fmt: skip


def register_units(application: Rectify) -> None:
    for code, name, parent in UNITS:
        application.register_unit(SETUP, code=code, name=name, parent=parent)


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Rectify]:
    """Another store, with nothing but the same units."""
    settings = load_settings({"RECTIFY_DATABASE_URL": f"sqlite:///{tmp_path}/round-trip.db"})
    initialise_store(settings)
    application = build_application(settings)
    register_units(application)
    yield application
    application.close()


def state(application: Rectify, reference: str) -> tuple[Any, ...]:
    finding = application.get_finding(finding_id(reference), SETUP)
    return tuple(str(finding.get(key)) if finding.get(key) is not None else None for key in KEYS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_exported_ledger_imports_back_with_the_same_findings_and_statuses(
    client: FlaskClient, auth: dict, application: Rectify, projector: Any, empty_store: Rectify, lang: str
) -> None:
    application.register_unit(SETUP, code="SHY", name="上海研究院", parent="HQ")
    references = []
    for name in ("inspection.xlsx", "audit.xlsx", "list-utf8-bom.csv", "special-audit-gb18030.csv"):
        references += [row["reference"] for row in imported(client, auth["inspector"], name)["created"]]
    extra = {"file": (io.BytesIO(MORE.encode("utf-8-sig")), "more.csv"), "batch": "补充"}
    response = client.post("/api/v1/imports", data=extra, headers=auth["inspector"])
    job = finished(client, auth["inspector"], response.headers["Location"])
    references += [row["reference"] for row in job["result"]["created"]]

    ledger = client.get(
        f"/api/v1/circulars/weekly?week=2026-W27&format=xlsx&ledger=all&lang={lang}"
        f"&min_position={last_position(application)}",
        headers=auth["inspector"],
    )
    assert ledger.status_code == 200, ledger.get_data(as_text=True)
    result = import_ledger(empty_store, ImportRequest(ledger.data, "ledger.xlsx"), Actor("importer", Role.INSPECTOR))

    assert result.refused == []
    assert sorted(row["reference"] for row in result.created) == sorted(references)
    statuses = {state(application, reference)[4] for reference in references}
    assert statuses == {"issued", "assigned", "rectified", "closed", "withdrawn"}
    for reference in references:
        assert state(empty_store, reference) == state(application, reference), reference
