"""审计: the audit query, its export and the verification of the record, for auditors.

The page is for the roles that may verify the whole log (every role but a unit's): the API answers a unit's
audit query within its subtree, but the console's 审计 is the query and the check of the chain together.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import g, request

from domain.errors import UnknownUnit
from projections.audit import ENTRY_TYPES
from projections.listing import InvalidCursor
from projections.sealing import Mark
from service.audit.export import audit_download
from service.audit.schemas import AuditArgsSchema
from service.console.arguments import filled, loaded, with_zone
from service.console.views import blp, page
from service.console.words import Words
from service.integrity.schemas import VerifyArgsSchema
from service.integrity.verdict import chain_verdict, check_may_verify
from service.reads import read_side

FILTERS = ("actor", "unit", "type", "finding", "since", "until", "occurred_since", "occurred_until", "backdated_over")
MOMENTS = ("since", "until", "occurred_since", "occurred_until")
CHECKPOINT = ("position", "seal")

WORDS: Words = {
    "query": ("查询记录", "Query the record"),
    "actor": ("操作人", "Actor"),
    "type": ("操作类型", "Event type"),
    "finding": ("问题（编号或ID）", "Finding (reference or id)"),
    "since": ("记录时间起", "Recorded from"),
    "until": ("记录时间止", "Recorded until"),
    "occurred_since": ("发生时间起", "Happened from"),
    "occurred_until": ("发生时间止", "Happened until"),
    "backdated_over": ("补录超过天数", "Recorded more than N days late"),
    "times_hint": ("时间按服务所在时区（{zone}）", "Times are in the service's time zone ({zone})"),
    "backdated_hint": (
        "补录：记录时间比发生时间晚一天以上的操作，审计应首先关注",
        "Back-dated: recorded more than a day after it happened; look at these first",
    ),
    "export": ("导出CSV（本查询的全部记录）", "Export CSV (every entry of this query)"),
    "position": ("位置号", "Position"),
    "recorded_at": ("记录时间", "Recorded"),
    "occurred_at": ("发生时间", "Happened"),
    "what": ("操作", "What"),
    "data": ("内容", "Data"),
    "seal": ("封印", "Seal"),
    "no_entries": ("没有符合条件的记录", "No entry matches"),
    "read_at": ("读取时记录位置", "Read model at position"),
    "backdated": ("补录", "Back-dated"),
    "unit_event": ("单位", "Unit"),
    "no_user": ("命令行", "command line"),
    "unreadable": ("记录已无法读取", "The record cannot be read"),
    "integrity.sealed": ("封印一致", "Sealed"),
    "integrity.edited": ("已被改动", "Edited"),
    "integrity.inserted": ("被插入", "Inserted"),
    "integrity.missing": ("已被删除", "Removed"),
    "integrity.unsealed": ("尚未封印", "Not sealed yet"),
    "verify": ("核验记录链", "Verify the record"),
    "verify_hint": (
        "重新计算全部记录的封印链，并重新计算每个佐证材料的校验值。可填入通报上印的数据校验码（位置号:校验码）核对该期通报。",
        "Recomputes the seal chain over every stored record and rehashes every file of evidence. Give a circular's "
        "printed seal (position:seal) to check the log it was built from.",
    ),
    "checkpoint_position": ("通报上的位置号", "Position printed on a circular"),
    "checkpoint_seal": ("通报上的校验码（64位）", "Seal printed on a circular (64 digits)"),
    "run_verify": ("开始核验", "Verify"),
    "verdict": ("核验结论", "Verdict"),
    "verdict.intact": (
        "记录链完好：已核验 {checked} 条记录，完好至位置 {position}，该处封印为：",
        "The record is intact: {checked} records checked, intact up to position {position}, whose seal is:",
    ),
    "verdict.empty": ("记录链完好：尚无已封印的记录。", "The record is intact: nothing has been sealed yet."),
    "verdict.unsealed": (
        "另有 {n} 条最新记录尚未封印，未纳入本次核验。",
        "{n} newest records are not sealed yet and were not checked.",
    ),
    "verdict.checkpoint_ok": (
        "与通报上的数据校验码一致：该期通报所依据的记录（至位置 {position}）至今未改、未删、未插。",
        "The printed seal matches: no record the circular was built from (up to position {position}) has been "
        "changed, removed or inserted since.",
    ),
    "verdict.edited": (
        "记录链在位置 {position} 断开：该位置的记录已不是当初封印的那条（已被改动）。此前 {checked} 条记录完好。",
        "The record is broken at position {position}: the record there is not the one sealed (it was edited). "
        "The {checked} records before it are intact.",
    ),
    "verdict.missing": (
        "记录链在位置 {position} 断开：该位置的记录已被删除。此前 {checked} 条记录完好。",
        "The record is broken at position {position}: the sealed record there is missing (removed). "
        "The {checked} records before it are intact.",
    ),
    "verdict.inserted": (
        "记录链在位置 {position} 断开：该位置原本没有记录，现被插入了一条。此前 {checked} 条记录完好。",
        "The record is broken at position {position}: a record was inserted where none was sealed. "
        "The {checked} records before it are intact.",
    ),
    "verdict.checkpoint": (
        "与通报上的数据校验码不一致：记录链在位置 {position} 的封印不是您提供的封印。此前 {checked} 条记录完好。",
        "The printed seal does not match: the chain's seal at position {position} is not the one given. "
        "The {checked} records before it are intact.",
    ),
    "evidence.ok": ("佐证材料：{checked} 个文件均完好。", "Evidence: {checked} files rehashed; all intact."),
    "evidence.broken": ("以下佐证材料的内容已被改动：", "These files of evidence no longer match their hash:"),
    "evidence.missing": ("以下佐证材料已缺失：", "These files of evidence are missing:"),
    "evidence.unattached": (
        "另有 {n} 个已存储的文件未被任何记录引用（上传中断或被拒绝时留下），不属于任何问题的佐证材料，不影响核验结果。",
        "{n} stored file(s) are named by no record (left by an upload cut short or refused): nobody's evidence, "
        "and no fault.",
    ),
    "invalid_query": ("查询条件无效", "A query field is not valid"),
    "invalid_checkpoint": ("数据校验码无效", "The printed seal is not valid"),
    "invalid.cursor": ("翻页位置无效，请从第一页开始。", "Not a page of this query; start from the first page."),
    "invalid.unit": ("单位不存在。", "There is no such unit."),
    "invalid.seal": (
        "请同时填写位置号和64位小写十六进制校验码，或都不填。",
        "Give both the position and the 64 lower-case hexadecimal digits of the seal, or neither.",
    ),
    "invalid.position": ("位置号应为非负整数。", "The position is a whole number, 0 or more."),
    "event.Issued": ("下发", "Issued"),
    "event.Assigned": ("分派", "Assigned"),
    "event.Rectified": ("报送整改", "Rectified"),
    "event.Reviewed": ("审核", "Reviewed"),
    "event.DeadlineExtended": ("延期", "Deadline extended"),
    "event.Escalated": ("督办", "Escalated"),
    "event.Reopened": ("回头看重新交办", "Reopened"),
    "event.Withdrawn": ("撤销", "Withdrawn"),
    "event.EvidenceAttached": ("上传佐证材料", "Evidence attached"),
    "event.Warned": ("预警", "Warned"),
    "event.Registered": ("登记单位", "Unit registered"),
    "event.Renamed": ("单位更名", "Unit renamed"),
    "event.Moved": ("单位调整隶属", "Unit moved"),
}


@blp.route("/audit", methods=["GET"])
def audit() -> Any:
    """审计: a page of the entries the query selects, in log order, with the export and the verify form."""
    check_may_verify(g.actor)
    query = filled(request.args, (*FILTERS, "cursor", "limit"))
    args, problems = loaded(AuditArgsSchema(), moments_with_zone(query))
    found = None
    if not problems:
        unit, cursor, limit = args.pop("unit", None), args.pop("cursor", None), args.pop("limit")
        for name in ("format", "min_position"):
            args.pop(name)
        try:
            found = read_side().audit(g.actor, unit=unit, cursor=cursor, limit=limit, **args)
        except (UnknownUnit, InvalidCursor) as error:
            problems = {"unit" if isinstance(error, UnknownUnit) else "cursor": [str(error)]}
    return audit_page(query, found=found, problems=problems)


@blp.route("/audit/export", methods=["GET"])
def audit_export() -> Any:
    """Every entry the query selects as CSV: the same file as the API's `format=csv` and `rectify audit --csv`."""
    check_may_verify(g.actor)
    query = filled(request.args, FILTERS)
    args, problems = loaded(AuditArgsSchema(), moments_with_zone(query) | {"format": "csv"})
    if not problems:
        unit = args.pop("unit", None)
        for name in ("format", "min_position", "limit"):
            args.pop(name)
        try:
            return audit_download(read_side(), g.actor, unit, None, **args)
        except UnknownUnit as error:
            problems = {"unit": [str(error)]}
    return audit_page(query, problems=problems)


@blp.route("/audit/verify", methods=["GET"])
def audit_verify() -> Any:
    """The check of `GET /api/v1/audit/verify`, against a circular's printed seal if given, in words."""
    check_may_verify(g.actor)
    checkpoint = filled(request.args, CHECKPOINT)
    args, problems = loaded(VerifyArgsSchema(), checkpoint)
    verdict = None if problems else chain_verdict(g.actor, args["position"], args["seal"])
    return page(
        "console/audit.html",
        422 if problems else 200,
        more=WORDS,
        query={},
        checkpoint=checkpoint,
        verdict=verdict,
        verify_problems=problems,
        **choices(),
    )


def audit_page(query: dict[str, str], found: Any = None, problems: dict[str, list[str]] | None = None) -> Any:
    """The page with the query form, its problems or the entries found, and the verify form."""
    kept = {key: value for key, value in query.items() if key in FILTERS}
    return page(
        "console/audit.html",
        422 if problems else 200,
        more=WORDS,
        query=query,
        problems=problems or {},
        found=found,
        checkpoint={},
        filters=urlencode(kept),
        next_query=urlencode(kept | {"cursor": found.next_cursor}) if found and found.next_cursor else None,
        **choices(),
    )


def choices() -> dict[str, Any]:
    """What the forms offer and how entries are marked."""
    return {"types": ENTRY_TYPES, "zone": read_side().zone, "marks": [mark.value for mark in Mark]}


def moments_with_zone(query: dict[str, str]) -> dict[str, str]:
    """The query, a time picked in a form (no offset) read in the service's time zone, as the API takes it."""
    return with_zone(query, MOMENTS, read_side().zone)
