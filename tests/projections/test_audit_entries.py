"""The audit entries the projection writes: any text the log holds, the actors' roles, the same after a rebuild."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.values import Actor, Role, Severity, Source
from service.application import CommandOptions
from service.read_store import open_read_side
from tests.projections.conftest import catch_up

NUL = "\x00"
AUDITOR = Actor("auditor", Role.AUDITOR)


def every_entry(settings: dict[str, Any], rectify, **where: Any) -> list[dict[str, Any]]:
    """Every audit entry the view holds, as the read side answers them."""
    side = open_read_side(settings, rectify)
    try:
        page = side.audit(AUDITOR, unit=None, cursor=None, limit=1000, **where)
    finally:
        side.view.datastore.close()
    assert page.next_cursor is None
    return page.items


def issue(rectify, actor: Actor, title: str, **fields: Any) -> str:
    """Issue a finding straight through the application (as events were recorded before HTTP refused such text)."""
    values = dict(source=Source.INSPECTION, batch="第三轮巡察", description="", category="", severity=Severity.SERIOUS)
    values |= dict(unit="HQ", due_date=date(2030, 1, 1)) | fields
    return str(rectify.issue_finding(actor, CommandOptions(), title=title, **values).finding["id"])


def test_entries_whose_texts_the_view_cannot_store_are_projected_and_the_projector_goes_on(settings, rectify):
    inspector = Actor(f"巡察{NUL}组", Role.INSPECTOR)
    rectify.register_unit(inspector, code="HQ", name=f"集团{NUL}公司")
    finding = issue(rectify, inspector, f"公务{NUL}接待\x01超标", batch=f"第{NUL}轮")
    later = issue(rectify, Actor("inspector", Role.INSPECTOR), "之后的问题")
    catch_up(settings)
    catch_up(settings)  # and a restart finds nothing left to do
    entries = every_entry(settings, rectify)
    assert [(e["type"], e["finding_id"]) for e in entries] == [
        ("Registered", None),
        ("Issued", finding),
        ("Issued", later),
    ]
    assert entries[0]["actor"] == entries[1]["actor"] == "巡察\ufffd组"
    # The data is JSON, which writes control characters as escapes: it keeps the text as the log holds it.
    assert entries[0]["data"]["name"] == f"集团{NUL}公司"
    assert entries[1]["data"]["title"] == f"公务{NUL}接待\x01超标"


def test_entries_name_the_actors_role_even_after_the_projector_restarts(settings, rectify):
    rectify.register_unit(Actor("setup", Role.ADMIN), code="HQ", name="集团公司")
    rectify.add_user("wang", Role.INSPECTOR)
    rectify.add_user("hq", Role.UNIT, "HQ")
    finding = issue(rectify, Actor("wang", Role.INSPECTOR), "公务接待超标准")
    catch_up(settings)
    rectify.assign(UUID(finding), Actor("hq", Role.UNIT, "HQ"), CommandOptions(), assignee="王芳", note="")
    catch_up(settings)  # a new projector: it knows the users from the view, not from the events it saw
    roles = [(e["type"], e["actor"], e["role"]) for e in every_entry(settings, rectify)]
    assert roles == [("Registered", "setup", None), ("Issued", "wang", "inspector"), ("Assigned", "hq", "unit")]


def test_a_rebuild_writes_the_same_entries_as_following_the_log(settings, rectify):
    rectify.register_unit(Actor("setup", Role.ADMIN), code="HQ", name="集团公司")
    rectify.add_user("wang", Role.INSPECTOR)
    inspector = Actor("wang", Role.INSPECTOR)
    first = issue(rectify, inspector, "问题一")
    catch_up(settings)
    second = issue(rectify, inspector, "问题二")
    rectify.escalate(UUID(first), inspector, CommandOptions(), note="督办")
    catch_up(settings)
    followed = every_entry(settings, rectify)
    catch_up(settings, rebuild=True)
    assert every_entry(settings, rectify) == followed
    assert [(e["type"], e["finding_id"]) for e in followed[1:]] == [("Issued", first), ("Issued", second),
                                                                     ("Escalated", first)]  # fmt: skip


def test_users_whose_names_differ_only_in_characters_the_view_cannot_store_do_not_stop_the_projector(settings, rectify):
    rectify.register_unit(Actor("setup", Role.ADMIN), code="HQ", name="集团公司")
    rectify.add_user("wang\x01", Role.INSPECTOR)
    rectify.add_user("wang\x02", Role.REVIEWER)
    catch_up(settings)
    later = issue(rectify, Actor("li", Role.INSPECTOR), "之后的问题")
    catch_up(settings)
    assert [e["finding_id"] for e in every_entry(settings, rectify, type="Issued")] == [later]
