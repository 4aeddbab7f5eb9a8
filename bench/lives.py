"""Planning each finding's life, command by command, for a demo-sized history. No I/O.

A life is planned the way the service would see it: commands in office hours,
each no earlier than the last, none after `now`, warnings (预警函) recorded by
the system when a deadline comes near or passes while the finding is open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bench.tree import UnitPlan, unit_person
from domain.values import SYSTEM_ACTOR, Actor, Outcome, Role, Severity, Source, WarningLevel

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
PROBLEMS = {
    "作风建设": "违规发放津贴补贴 公务接待超标准 公务用车管理不规范 会议费列支不规范".split(),
    "财经管理": "往来款项长期挂账未清理 差旅费报销审核不严 固定资产账实不符 预算执行进度滞后".split(),
    "工程项目": "工程项目未批先建 工程变更签证管理不规范 竣工决算办理滞后 规避招标化整为零".split(),
    "物资采购": "物资采购未按规定比价 供应商准入审核不严 库存物资积压 应急采购程序缺失".split(),
}
ASSIGNEES = "张伟 王芳 李娜 刘洋 陈静 杨帆 赵磊 黄敏 周强 吴琳".split()
MEASURES = "已清退违规款项并修订管理制度 已对责任人进行约谈 已建立台账实行销号管理 已补办审批手续并开展培训".split()
SEVERITIES = [Severity.GENERAL] * 6 + [Severity.SERIOUS] * 3 + [Severity.MAJOR]
INSPECTORS = [Actor(f"inspector.{n:02d}", Role.INSPECTOR) for n in range(1, 7)]
REVIEWERS = [Actor(f"reviewer.{n:02d}", Role.REVIEWER) for n in range(1, 5)]
# Days before the due date at which each level is sent; red goes out the morning after the due date.
WARNING_DAYS = ((WarningLevel.GREEN, 20), (WarningLevel.YELLOW, 10), (WarningLevel.RED, -1))


@dataclass(slots=True)
class Step:
    """One command on one finding: the aggregate's method, who, when, and its fields."""

    at: datetime
    life: Life
    method: str
    actor: Actor
    fields: dict[str, Any]


@dataclass(slots=True)
class Life:
    """One finding's life, planned command by command until it reaches `now`."""

    rng: random.Random
    now: datetime
    unit: UnitPlan
    at: datetime
    due: date
    status: str = "issued"
    warned: set[WarningLevel] = field(default_factory=set)
    steps: list[Step] = field(default_factory=list)
    finding: Any = None  # the aggregate, once issued

    def later(self, min_hours: float, max_days: float) -> datetime:
        hours = self.rng.uniform(min_hours, max(min_hours, max_days * 24))
        return on_duty(self.at + timedelta(hours=hours), self.rng)

    def add(self, method: str, actor: Actor, at: datetime, status: str | None = None, **fields: Any) -> bool:
        """Plan a command (after any warning due before it); a life stops at `now`."""
        self.warn_until(min(at, self.now))
        if at > self.now:
            return False
        self.steps.append(Step(at, self, method, actor, fields))
        self.at, self.status = at, status or self.status
        return True

    def warn_until(self, until: datetime) -> None:
        """The warnings the daily run (08:00) records while the finding stays open up to `until`."""
        for level, days in WARNING_DAYS:
            if self.status not in ("issued", "assigned") or level in self.warned:
                continue
            morning = datetime.combine(self.due - timedelta(days=days), time(8), self.at.tzinfo)
            first_run = datetime.combine(self.at.date() + DAY, time(8), self.at.tzinfo)
            at = max(morning, first_run)
            if at <= until:
                self.steps.append(Step(at, self, "warn", SYSTEM_ACTOR, {"level": level}))
                self.at = at
                self.warned.add(level)

    def extend(self, at: datetime, due: date, reason: str) -> bool:
        if due > self.due and self.add("extend", self.inspector(), at, due_date=due, reason=reason):
            self.due, self.warned = due, set()
            return True
        return False

    def inspector(self) -> Actor:
        return self.rng.choice(INSPECTORS)


def on_duty(at: datetime, rng: random.Random) -> datetime:
    """A moment in office hours (Monday to Friday, 9:00 to 18:00) at or soon after `at`."""
    while at.weekday() >= 5 or not 9 <= at.hour < 18:
        if at.weekday() >= 5:
            at = (at + DAY).replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59))
        else:
            moved = at.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59))
            at = moved if at.hour < 9 else moved + DAY
    return at


def plan_life(rng: random.Random, now: datetime, start: datetime, units: list[UnitPlan]) -> Life:
    """A finding issued some time between `start` and `now`, and what happened to it since."""
    issued_at = min(on_duty(start + (now - 2 * HOUR - start) * rng.random(), rng), now - HOUR)
    unit = rng.choice(units[1:])  # the root issues findings; it does not receive them
    life = Life(rng, now, unit, issued_at, issued_at.date() + timedelta(days=rng.randint(30, 90)))
    life.add("issue", life.inspector(), issued_at, **issue_fields(rng, unit, issued_at), due_date=life.due)
    live(life)
    return life


def issue_fields(rng: random.Random, unit: UnitPlan, issued_at: datetime) -> dict[str, Any]:
    """What an inspector writes down: source, round, the problem and how serious it is."""
    source = rng.choice([Source.INSPECTION] * 3 + [Source.AUDIT] * 2)
    category = rng.choice(list(PROBLEMS))
    title = rng.choice(PROBLEMS[category])
    found = f"经核查，{unit.name}存在{title}问题，涉及金额{rng.randint(2, 300)}万元，相关制度执行不到位。"
    round_ = "第三轮巡察" if source is Source.INSPECTION else "年度财务审计"
    return {
        "source": source,
        "batch": f"{issued_at.year}年{round_}",
        "title": title,
        "description": f"{title}：{found}",
        "category": category,
        "severity": rng.choice(SEVERITIES),
        "unit": unit.code,
    }


def live(life: Life) -> None:
    """Assigned, fixed, reviewed (perhaps rejected, perhaps reopened later), unless withdrawn first."""
    rng, staff = life.rng, unit_person(life.unit.branch or "HQ")
    if rng.random() < 0.04:
        reason = "经复核，该问题系重复认定，予以撤销"
        life.add("withdraw", life.inspector(), life.later(2, 5), "withdrawn", reason=reason)
        return
    assignee = rng.choice(ASSIGNEES)
    if not life.add("assign", staff, life.later(1, 3), "assigned", assignee=assignee, note="请按期完成整改"):
        return
    for attempt in range(4):
        outcome = fix_and_review(life, staff, reject_chance=0.25 / (attempt + 1))
        if outcome is None or (outcome is Outcome.ACCEPTED and not reopen(life)):
            return


def fix_and_review(life: Life, staff: Actor, reject_chance: float) -> Outcome | None:
    """Report a fix and have it reviewed; None when the life reaches `now` first."""
    rng = life.rng
    fix_at = life.later(24, rng.choice([8, 20, 35, 60, 90]))
    chase(life, fix_at)
    if rng.random() < 0.05:
        reassigned = life.later(1, max((fix_at - life.at).days / 2, 0.1))
        if reassigned < fix_at:
            life.add("assign", staff, reassigned, assignee=rng.choice(ASSIGNEES), note="责任人调整")
    evidence = [f"{life.unit.code}-整改报告.pdf", f"{life.unit.code}-制度文件.pdf"][: rng.randint(1, 2)]
    if not life.add("rectify", staff, fix_at, "rectified", measures=rng.choice(MEASURES), evidence=evidence):
        return None
    if rng.random() < reject_chance:
        outcome, status, comment = Outcome.REJECTED, "assigned", "整改不彻底，佐证材料不充分"
    else:
        outcome, status, comment = Outcome.ACCEPTED, "closed", "整改措施到位，同意销号"
    reviewed = life.add("review", rng.choice(REVIEWERS), life.later(4, 7), status, outcome=outcome, comment=comment)
    return outcome if reviewed else None


def chase(life: Life, fix_at: datetime) -> None:
    """Laggards: an extension granted near the deadline, a supervision notice (督办) after it."""
    rng = life.rng
    due_at = datetime.combine(life.due, time(18), life.at.tzinfo)
    if fix_at > due_at and rng.random() < 0.3:
        at = on_duty(max(life.at + HOUR, due_at - rng.uniform(1, 4) * DAY), rng)
        if at < fix_at:
            life.extend(at, life.due + timedelta(days=rng.randint(15, 30)), "涉及历史遗留问题，需协调多方")
    due_at = datetime.combine(life.due, time(18), life.at.tzinfo)
    if fix_at > due_at + 2 * DAY and rng.random() < 0.6:
        at = on_duty(max(life.at + HOUR, due_at + rng.uniform(1, 5) * DAY), rng)
        if at < fix_at:
            life.add("escalate", life.inspector(), at, note="该问题已超期，请于5个工作日内报送整改情况")


def reopen(life: Life) -> bool:
    """Now and then a look-back review (回头看) finds the problem back, with a new deadline."""
    if life.rng.random() >= 0.06:
        return False
    if not life.add("reopen", life.inspector(), life.later(72, 20), "assigned", reason="回头看发现问题反弹"):
        return False
    life.extend(life.later(1, 1), life.at.date() + timedelta(days=30), "重新整改期限")
    return True
