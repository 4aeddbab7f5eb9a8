"""A preview's ledger is kept PREVIEW_KEPT for its 导入, then forgotten unless imported, on every store."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient

from domain.values import Source
from service.console.ledgers import PREVIEW_KEPT, KeptLedgers, kept_ledgers
from service.imports.planning import ImportRequest
from service.imports.views import jobs
from tests.service.console_helpers import csrf_token, signed_in
from tests.service.helpers import last_position
from tests.service.test_console_imports import (
    counts,
    previewed,
    settled,
    units,  # noqa: F401 - a fixture
)
from tests.service.test_import_support import (
    MOMENT,
    at_import_moment,  # noqa: F401 - a fixture
    expected_created,
)

pytestmark = pytest.mark.usefixtures("at_import_moment", "units")

BUTTON = ">导入</button>"


@contextmanager
def days_later(client: FlaskClient, auth, days: int) -> Iterator[FlaskClient]:
    """The app's clock this many days after the ledgers' import moment, signed in again (the session has expired)."""
    with time_machine.travel(MOMENT + timedelta(days=days), tick=True):
        yield signed_in(client, auth, "inspector")


def import_of(client: FlaskClient, preview: str):
    """The preview page's 导入."""
    return client.post(f"{preview}/import", data={"csrf_token": csrf_token(client, preview)})


def kept(client: FlaskClient, preview: str):
    return kept_ledgers(client.application).kept(uuid.UUID(preview.rsplit("/", 1)[1]))


def test_a_preview_not_imported_within_the_period_loses_its_ledger_and_its_import_is_refused(client, auth, application):
    old, text = previewed(signed_in(client, auth, "inspector"), "inspection.xlsx")
    assert BUTTON in text and kept(client, old) is not None
    with days_later(client, auth, PREVIEW_KEPT.days + 1):
        previewed(client, "audit.xlsx")  # another preview is kept: the old one's ledger is forgotten
        assert kept(client, old) is None
        position, submitted = last_position(application), len(jobs(client.application).recent(100))
        response = import_of(client, old)
        assert response.status_code == 409
        text = response.get_data(as_text=True)
        assert 'data-refused="import"' in text and "只保留 7 天" in text and "请重新上传台账" in text
        assert BUTTON not in text
        assert last_position(application) == position and len(jobs(client.application).recent(100)) == submitted
        page = settled(client, old)
        assert 'data-kept="expired"' in page and "只保留 7 天" in page and BUTTON not in page
        english = client.get(f"{old}?lang=en").get_data(as_text=True)
        assert (
            "kept for 7 days" in english and "Upload the ledger again" in english and ">Import</button>" not in english
        )


def test_a_preview_younger_than_the_period_keeps_its_ledger_and_imports(client, auth, application):
    old, _ = previewed(signed_in(client, auth, "inspector"), "list-utf8-bom.csv")
    with days_later(client, auth, 2):
        fresh, _ = previewed(client, "inspection.xlsx")
    with days_later(client, auth, PREVIEW_KEPT.days + 1):  # the old one 8 days old, the fresh one 6
        previewed(client, "audit.xlsx")
        assert kept(client, old) is None
        assert kept(client, fresh) is not None
        page = settled(client, fresh)
        assert BUTTON in page and 'data-kept="expired"' not in page
        response = import_of(client, fresh)
        assert response.status_code == 303
        assert counts(settled(client, response.headers["Location"]))["created"] == len(
            expected_created("inspection.xlsx")
        )


def test_an_imported_preview_outlives_the_period_and_its_second_import_finds_its_job(client, auth, application):
    imported, _ = previewed(signed_in(client, auth, "inspector"), "inspection.xlsx")
    job = import_of(client, imported).headers["Location"]
    settled(client, job)
    forgotten, _ = previewed(client, "list-utf8-bom.csv")
    with days_later(client, auth, PREVIEW_KEPT.days + 1):
        previewed(client, "audit.xlsx")
        assert kept(client, forgotten) is None
        assert kept(client, imported).imported_as == job.rsplit("/", 1)[1]
        position = last_position(application)
        again = import_of(client, imported)
        assert (again.status_code, again.headers["Location"]) == (303, job)
        assert last_position(application) == position
        assert f'href="{job}"' in settled(client, imported)


def test_a_ledger_kept_without_its_moment_is_forgotten_when_a_preview_is_kept(client, auth):
    table = kept_ledgers(client.application)
    unmarked, imported = str(uuid.uuid4()), str(uuid.uuid4())  # as a build that did not record kept_at kept them
    table.save({"id": unmarked, "data": base64.b64encode(b"x").decode("ascii"), "file_name": "台账.csv",
                "source": None, "batch": None, "sheet": None})  # fmt: skip
    table.save({"id": imported, "imported_as": str(uuid.uuid4())})
    previewed(signed_in(client, auth, "inspector"), "list-utf8-bom.csv")
    assert table.kept(uuid.UUID(unmarked)) is None
    assert table.kept(uuid.UUID(imported)) is not None


def test_the_memory_store_forgets_the_same_previews():
    table = KeptLedgers(recorder=None)
    request = ImportRequest(b"x", "台账.csv", Source.AUDIT, "第一批", None, dry_run=True)
    old, fresh, imported = (str(uuid.uuid4()) for _ in range(3))
    table.keep(old, request, MOMENT)
    table.keep(imported, request, MOMENT)
    table.imported(imported, str(uuid.uuid4()))
    table.keep(fresh, request, MOMENT + timedelta(days=2))
    table.keep(str(uuid.uuid4()), request, MOMENT + PREVIEW_KEPT + timedelta(days=1))
    assert table.kept(uuid.UUID(old)) is None
    assert table.kept(uuid.UUID(fresh)) is not None and table.kept(uuid.UUID(imported)) is not None
