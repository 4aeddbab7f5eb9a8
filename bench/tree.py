"""The benchmark's organisation tree: one root, about twenty branches, the rest departments."""

from __future__ import annotations

from dataclasses import dataclass

from domain.values import Actor, Role

PROVINCES = (
    "北京 天津 河北 山西 辽宁 吉林 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 四川 云南 陕西".split()
)
DEPARTMENTS = "综合办公室 财务资产部 工程管理部 物资供应中心 人力资源部 安全监察部 市场营销部 信息中心".split()


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    parent: str | None
    branch: str | None  # the branch whose staff act for the unit (None for the root)


def unit_tree(count: int) -> list[UnitPlan]:
    """One root, about one branch per 25 units, the rest departments spread over the branches."""
    branches = max(1, round((count - 1) / 25))
    units = [UnitPlan("HQ", "集团公司", None, None)]
    for b in range(1, branches + 1):
        province = PROVINCES[(b - 1) % len(PROVINCES)]
        units.append(UnitPlan(f"B{b:02d}", f"{province}分公司", "HQ", f"B{b:02d}"))
    for d in range(count - 1 - branches):
        branch = units[1 + d % branches]
        number = d // branches + 1
        name = f"{branch.name}{DEPARTMENTS[(number - 1) % len(DEPARTMENTS)]}{number}"
        units.append(UnitPlan(f"{branch.code}-{number:03d}", name, branch.code, branch.code))
    return units


def unit_person(branch: str) -> Actor:
    """The branch's staff member who assigns and reports fixes (a scoped unit token)."""
    return Actor(f"{branch.lower()}.staff", Role.UNIT, unit=branch)
