"""`rectify demo`: a unit tree, findings over recent weeks, and their lives, told through the application."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from domain.errors import DuplicateUnit, DuplicateUser
from domain.values import Actor, Outcome, Role, Severity, Source, Term, unit_id
from service.application import CommandOptions, Rectify

SETUP = Actor("cli", Role.ADMIN)
INSPECTOR = Actor("wang.min", Role.INSPECTOR)
REVIEWER = Actor("li.qiang", Role.REVIEWER)
BRANCHES = {"BJ": "北京", "SH": "上海", "GD": "广东", "SC": "四川", "HB": "湖北"}
DEPARTMENTS = ["综合办公室", "财务资产部", "工程管理部", "物资供应中心"]
# The person who handles findings for each branch, and one for a department (scoped tokens).
UNIT_PEOPLE = {"BJ": "bj.liu", "SH": "sh.he", "GD": "gd.huang", "SC": "sc.deng", "HB": "hb.xu", "BJ-01": "bj01.sun"}
OTHER_USERS = {
    INSPECTOR.name: Role.INSPECTOR,
    REVIEWER.name: Role.REVIEWER,
    "zhao.lei": Role.AUDITOR,
    "chen.jing": Role.ADMIN,
}
PROBLEMS = {
    "作风建设": "违规发放津贴补贴 公务接待超标准 公务用车管理不规范 会议费列支不规范 文山会海问题反弹".split(),
    "财经管理": "往来款项长期挂账未清理 差旅费报销审核不严 固定资产账实不符 预算执行进度滞后 违规出借资金".split(),
    "工程项目": "工程项目未批先建 工程变更签证管理不规范 竣工决算办理滞后 规避招标化整为零".split(),
    "物资采购": "物资采购未按规定比价 供应商准入审核不严 库存物资积压 应急采购程序缺失".split(),
}
# Long-term items (长期坚持): problems whose fix is a standing mechanism, kept up in stages rather than done by a date.
LONG_TERM_PROBLEMS = {
    "作风建设": "落实中央八项规定精神长效机制不健全 形式主义官僚主义问题整治需持续推进".split(),
    "财经管理": "财务内控长效机制有待健全 资金使用常态化监督机制不完善".split(),
    "工程项目": "工程建设领域廉洁风险防控需长期坚持".split(),
    "物资采购": "采购领域廉洁风险常态化防控机制不完善".split(),
}
LONG_TERM_SHARE = 0.08  # of the findings; half of them with a first stage's due date, half with none
# Two rounds of each in the window: the earlier half of the findings came from the first.
BATCHES = {
    Source.INSPECTION: ["{}年第三轮巡察", "{}年第四轮巡察"],
    Source.AUDIT: ["{}年度财务审计", "{}年度工程项目专项审计"],
}
ASSIGNEES = "张伟 王芳 李娜 刘洋 陈静 杨帆 赵磊 黄敏 周强 吴琳".split()
MEASURES = "已清退违规款项并修订管理制度 已对责任人进行约谈 已建立台账实行销号管理 已补办审批手续并开展培训".split()
SEVERITIES = [Severity.GENERAL] * 6 + [Severity.SERIOUS] * 3 + [Severity.MAJOR]
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Findings issued so far and in all, commands sent so far and in all.
Progress = Callable[[int, int, int, int], None]


@dataclass
class Step:
    """One command a story will send, when its time comes."""

    at: datetime
    story: Story
    command: str
    actor: Actor
    fields: dict[str, Any]


@dataclass
class Story:
    """One finding's life, planned event by event until it reaches today."""

    rng: random.Random
    now: datetime
    unit: str
    at: datetime
    due: date | None  # None: a long-term item without a deadline
    term: Term = Term.FIXED
    steps: list[Step] = field(default_factory=list)
    id: UUID | None = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def rectifier(self) -> Actor:
        """The unit's own person; never the reviewer, so separation of duties holds."""
        scope = self.unit if self.unit in UNIT_PEOPLE else self.unit.split("-")[0]
        return Actor(UNIT_PEOPLE[scope], Role.UNIT, unit=scope)

    @property
    def due_at(self) -> datetime:
        """The end of the working day the finding is due (a long-term item is held to no day)."""
        return datetime.combine(self.due or date.max, time(18), tzinfo=self.at.tzinfo)

    def later(self, min_hours: float, max_days: float) -> datetime:
        """Some office-hours moment after the story's last event."""
        hours = self.rng.uniform(min_hours, max(min_hours, max_days * 24))
        return on_duty(self.at + timedelta(hours=hours), self.rng)

    def add(self, command: str, actor: Actor, at: datetime, **fields: Any) -> bool:
        """Plan a command; a story stops at today, so nothing happens in the future."""
        if at > self.now:
            return False
        self.steps.append(Step(at, self, command, actor, fields))
        self.at = at
        return True


def on_duty(at: datetime, rng: random.Random) -> datetime:
    """A moment in office hours (Monday to Friday, 9:00 to 18:00) at or soon after `at`."""
    while at.weekday() >= 5 or not 9 <= at.hour < 18:
        if at.weekday() >= 5:
            at += 2 * DAY  # Saturday's work lands on Monday, Sunday's on Tuesday: no Monday pile-up
        else:
            hour = at.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59))
            at = hour if at.hour < 9 else hour + DAY
    return at


def seed_demo(
    application: Rectify, *, weeks: int = 8, seed: int = 2026, progress: Progress | None = None
) -> dict[str, Any]:
    """Seed units, users and about 30 findings a week; return the tokens and what was made."""
    if unit_id("HQ") in application.repository:
        raise DuplicateUnit("this store has demo data already (unit HQ exists); seed a new store instead")
    rng = random.Random(seed)
    now = application.clock().astimezone(application.timezone)
    start = now - timedelta(weeks=weeks)
    units = register_units(application, start - DAY)
    tokens = add_users(application)
    stories = [plan_story(rng, now, start, units) for _ in range(weeks * rng.randint(27, 33))]
    run(application, stories, progress or (lambda *counts: None))
    files = attach_evidence_files(application, stories)
    statuses = Counter(story.state["status"].value for story in stories)
    overdue = sum(story.state["overdue"] for story in stories)
    return {
        "units": len(units),
        "findings": len(stories),
        "statuses": statuses,
        "overdue": overdue,
        "long_term": sum(story.term is Term.LONG for story in stories),
        "evidence_files": files,
        "events": sum(len(story.steps) for story in stories),
        "tokens": tokens,
    }


def register_units(application: Rectify, at: datetime) -> list[str]:
    """A headquarters, its branches, and four departments under each branch."""
    application.register_unit(SETUP, code="HQ", name="集团公司", occurred_at=at)
    codes = ["HQ"]
    for branch, city in BRANCHES.items():
        application.register_unit(SETUP, code=branch, name=f"{city}分公司", parent="HQ", occurred_at=at)
        codes.append(branch)
        for number, department in enumerate(DEPARTMENTS, start=1):
            code = f"{branch}-{number:02d}"
            application.register_unit(SETUP, code=code, name=f"{city}分公司{department}", parent=branch, occurred_at=at)
            codes.append(code)
    return codes


def add_users(application: Rectify) -> list[tuple[str, Role, str | None, str | None]]:
    """One user per role and the unit people; a user already there keeps its token (None here)."""
    wanted: list[tuple[str, Role, str | None]] = [(name, role, None) for name, role in OTHER_USERS.items()]
    wanted += [(name, Role.UNIT, unit) for unit, name in UNIT_PEOPLE.items()]
    made: list[tuple[str, Role, str | None, str | None]] = []
    for name, role, unit in wanted:
        try:
            made.append((name, role, unit, application.add_user(name, role, unit)))
        except DuplicateUser:
            made.append((name, role, unit, None))
    return made


def plan_story(rng: random.Random, now: datetime, start: datetime, units: list[str]) -> Story:
    """A finding issued some time since `start`, and what happened to it since."""
    drawn = start + (now - 2 * HOUR - start) * rng.random()
    issued_at = on_duty(drawn, rng)
    if issued_at > now:
        issued_at = drawn  # issued after hours today: keep the hour rather than move it into the future
    source = rng.choice([Source.INSPECTION] * 3 + [Source.AUDIT] * 2)
    category = rng.choice(list(PROBLEMS))
    title = rng.choice(PROBLEMS[category])
    unit = rng.choice(units[1:])  # headquarters issues findings; it does not receive them
    story = Story(rng, now, unit, issued_at, issued_at.date() + timedelta(days=rng.randint(15, 60)))
    if rng.random() < LONG_TERM_SHARE:
        title = rng.choice(LONG_TERM_PROBLEMS[category])
        story.term, story.due = Term.LONG, issued_at.date() + timedelta(days=rng.randint(60, 120))
        story.due = story.due if rng.random() < 0.5 else None  # a first stage's date, or none
    half = 0 if issued_at < start + (now - start) / 2 else 1
    story.add(
        "issue_finding",
        INSPECTOR,
        issued_at,
        source=source,
        title=title,
        category=category,
        batch=BATCHES[source][half].format(issued_at.year),
        severity=rng.choice(SEVERITIES),
        unit=unit,
        term=story.term,
        due_date=story.due,
        description=f"{title}：经核查，该单位存在{title}问题，涉及金额{rng.randint(2, 300)}万元，相关制度执行不到位。",
    )
    live(story)
    return story


def live(story: Story) -> None:
    """Assigned, fixed, reviewed (perhaps rejected, perhaps reopened later), unless withdrawn first."""
    rng = story.rng
    if rng.random() < 0.04:
        story.add("withdraw", INSPECTOR, story.later(2, 5), reason="经复核，该问题系重复认定，予以撤销")
        return
    if not story.add(
        "assign",
        story.rectifier,
        story.later(1, 3),
        assignee=rng.choice(ASSIGNEES),
        note="请按期完成整改并报送佐证材料",
    ):
        return
    for attempt in range(4):
        outcome = fix_and_review(story, reject_chance=0.25 / (attempt + 1))
        if outcome is None or (outcome is Outcome.ACCEPTED and not reopen(story)):
            return


def fix_and_review(story: Story, reject_chance: float) -> Outcome | None:
    """Report a fix and have it reviewed; None when the story reaches today first."""
    fix_at = story.later(24, story.rng.choice([8, 20, 35, 60, 90]))
    chase(story, fix_at)
    evidence = [f"{story.unit}-整改报告.pdf", f"{story.unit}-制度文件.pdf"][: story.rng.randint(1, 2)]
    if not story.add("rectify", story.rectifier, fix_at, measures=story.rng.choice(MEASURES), evidence=evidence):
        return None
    rejected = story.rng.random() < reject_chance
    outcome = Outcome.REJECTED if rejected else Outcome.ACCEPTED
    comment = "整改不彻底，佐证材料不充分，请补充后重新报送" if rejected else "整改措施到位，佐证材料齐全，同意销号"
    return outcome if story.add("review", REVIEWER, story.later(4, 7), outcome=outcome, comment=comment) else None


def chase(story: Story, fix_at: datetime) -> None:
    """Laggards: an extension granted near the deadline, a supervision notice (督办) after it."""
    if story.term is Term.LONG or story.due is None:
        return  # never overdue: nothing to chase
    if fix_at > story.due_at and story.rng.random() < 0.3:
        at = on_duty(max(story.at + HOUR, story.due_at - story.rng.uniform(1, 4) * DAY), story.rng)
        due = story.due + timedelta(days=story.rng.randint(15, 30))
        if at < fix_at and story.add("extend", INSPECTOR, at, due_date=due, reason="涉及历史遗留问题，需协调多方"):
            story.due = due
    if fix_at > story.due_at + 2 * DAY and story.rng.random() < 0.6:
        at = on_duty(max(story.at + HOUR, story.due_at + story.rng.uniform(1, 5) * DAY), story.rng)
        if at < fix_at:
            story.add("escalate", INSPECTOR, at, note="该问题已超期，请于5个工作日内报送整改情况")


def reopen(story: Story) -> bool:
    """Now and then a look-back review (回头看) finds the problem back, with a new deadline."""
    if story.rng.random() >= 0.06:
        return False
    if not story.add("reopen", INSPECTOR, story.later(72, 20), reason="回头看发现问题反弹"):
        return False
    due = story.at.date() + timedelta(days=30)
    if story.term is Term.LONG or story.due is None:
        return True  # a long-term item goes on with its stages: no new deadline
    if due > story.due and story.add("extend", INSPECTOR, story.later(1, 1), due_date=due, reason="重新整改期限"):
        story.due = due
    return True


def run(application: Rectify, stories: list[Story], progress: Progress) -> None:
    """Send every story's commands in the order they happened, so the log reads in time order."""
    steps = sorted((step for story in stories for step in story.steps), key=lambda step: step.at)
    issued = 0
    for done, step in enumerate(steps, start=1):
        options = CommandOptions(occurred_at=step.at)
        if step.story.id is None:
            result = application.issue_finding(step.actor, options, **step.fields)
            step.story.id = result.finding["id"]
            issued += 1
        else:
            result = getattr(application, step.command)(step.story.id, step.actor, options, **step.fields)
        step.story.state = result.finding
        progress(issued, len(stories), done, len(steps))


def attach_evidence_files(application: Rectify, stories: list[Story]) -> int:
    """Files of evidence (佐证材料) for about half the findings still being worked on: a report, sometimes a photo."""
    from io import BytesIO

    from service.evidence.samples import sample_pdf, sample_png
    from service.evidence.types import MEDIA_TYPES, EvidencePolicy

    policy = EvidencePolicy(20 * 1024 * 1024, frozenset(MEDIA_TYPES))
    attached = 0
    for story in stories:
        if story.id is None or story.state["status"] not in ("assigned", "rectified") or story.rng.random() < 0.5:
            continue
        shade = story.rng.randint(60, 200)
        files = [
            (f"{story.unit}-整改报告.pdf", sample_pdf(f"Rectification report {story.state['reference']}")),
            (f"{story.unit}-现场照片.png", sample_png(shade, shade + 40, 255 - shade)),
        ]
        for name, data in files[: story.rng.randint(1, 2)]:
            options = CommandOptions()
            application.attach_evidence(
                story.id, story.rectifier, options, upload=BytesIO(data), filename=name, policy=policy
            )
            attached += 1
    return attached
