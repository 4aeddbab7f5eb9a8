"""Recording a plan through the application's commands: issued, then the events that reach the ledger's status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from domain.errors import DuplicateReference, RectifyError
from domain.values import Actor, Outcome, Role, Status, finding_id
from service.application import Rectify
from service.commands import CommandOptions
from service.imports.planning import ImportPlan
from service.imports.rows import PlannedFinding, Refusal

MARK = "（台账导入）"  # the names of the people a ledger says acted, as recorded: 张三（台账导入）
STATUS_WORDS = {Status.ISSUED: "未整改", Status.ASSIGNED: "正在整改", Status.RECTIFIED: "待审核",
                Status.CLOSED: "已销号", Status.WITHDRAWN: "已撤回"}  # fmt: skip
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do), row by row."""

    dry_run: bool
    total: int
    created: list[dict[str, Any]] = field(default_factory=list)
    already_imported: list[dict[str, Any]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain values, as the HTTP answer and the job's record carry them."""
        return {
            "dry_run": self.dry_run,
            "total": self.total,
            "counts": {
                "created": len(self.created),
                "already_imported": len(self.already_imported),
                "refused": len(self.refused),
            },
            "sheets": self.sheets,
            "skipped_sheets": self.skipped_sheets,
            "created": self.created,
            "already_imported": self.already_imported,
            "refused": [asdict(refusal) for refusal in self.refused],
        }


def record_plan(
    application: Rectify, plan: ImportPlan, importer: Actor, *, dry_run: bool, progress: Progress | None = None
) -> ImportResult:
    """Record each planned finding not recorded before; a refusal by the rules is reported, not raised."""
    total = len(plan.planned) + len(plan.refused)
    result = ImportResult(dry_run, total, refused=list(plan.refused), sheets=plan.sheets,
                          skipped_sheets=plan.skipped_sheets)  # fmt: skip
    for done, planned in enumerate(plan.planned, start=1):
        row = {"sheet": planned.sheet, "row": planned.row, "reference": planned.reference,
               "unit": planned.fields["unit"], "title": planned.fields["title"],
               "status": planned.status.value}  # fmt: skip
        if finding_id(planned.reference) in application.repository:
            result.already_imported.append(row)
        elif dry_run:
            result.created.append(row)
        else:
            try:
                row["id"] = str(record_finding(application, planned, importer))
                result.created.append(row)
            except DuplicateReference:  # recorded meanwhile by another import of the same file
                result.already_imported.append(row)
            except RectifyError as error:
                reasons = f"refused by the rules: {error}", f"不符合规则：{error}"
                result.refused.append(Refusal(planned.sheet, planned.row, "", planned.reference, *reasons))
        if progress is not None:
            progress(done + len(plan.refused), total)
    result.refused.sort(key=lambda refusal: (plan.sheets.index(refusal.sheet), refusal.row))
    return result


def record_finding(application: Rectify, planned: PlannedFinding, importer: Actor) -> Any:
    """Issue the finding, then take it to its status, every event at the issue moment (the ledger says no later one)."""
    options = CommandOptions(occurred_at=planned.issued_at)
    issued = application.issue_finding(importer, options, reference=planned.reference, **planned.fields)
    id = issued.finding["id"]
    unit, target = planned.fields["unit"], planned.status
    unit_name = planned.unit_name or unit
    reviewer = Actor(f"{importer.name}{MARK}", Role.REVIEWER)
    in_unit = Actor(f"{planned.assignee or unit_name}{MARK}", Role.UNIT, unit)
    if in_unit.name == reviewer.name:  # the person who reports a fix never accepts it
        in_unit = Actor(f"{unit_name}{MARK}", Role.UNIT, unit)
    if target is Status.WITHDRAWN:
        application.withdraw(id, importer, options, reason=f"台账记载：{STATUS_WORDS[target]}")
        return id
    if target is Status.ISSUED:
        return id
    application.assign(id, in_unit, options, assignee=planned.assignee or unit_name, note="台账导入")
    if target is Status.ASSIGNED:
        return id
    measures = planned.measures or f"台账记载：{STATUS_WORDS[target]}"
    application.rectify(id, in_unit, options, measures=measures, evidence=[])
    if target is Status.CLOSED:
        application.review(id, reviewer, options, outcome=Outcome.ACCEPTED, comment=f"台账记载：{STATUS_WORDS[target]}")
    return id
