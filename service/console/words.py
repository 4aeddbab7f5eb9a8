"""The console's words in Chinese (the default) and English (`?lang=en`, kept in the session)."""

from __future__ import annotations

from flask import request, session

LANGUAGES = ("zh", "en")

WORDS: dict[str, tuple[str, str]] = {
    "console": ("整改工作台", "Rectification console"),
    "workbench": ("工作台", "Workbench"),
    "findings": ("问题清单", "Findings"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "name": ("用户名", "User name"),
    "token": ("令牌", "Token"),
    "token_hint": ("令牌由管理员用 rectify users add 生成", "An administrator makes tokens: rectify users add"),
    "refused": ("用户名或令牌不正确", "The user name or the token is not valid"),
    "signed_out": ("请重新登录", "Please sign in again"),
    "waiting": ("待办事项", "Waiting for you"),
    "in_scope": ("职责范围内", "In your scope"),
    "nothing": ("暂无待办", "Nothing is waiting"),
    "to_assign": ("待分派", "To assign"),
    "to_rectify": ("待整改", "To rectify"),
    "rejected_back": ("被退回", "Rejected back"),
    "to_review": ("待验收", "To review"),
    "overdue": ("已逾期", "Overdue"),
    "warned": ("已预警", "Under warning"),
    "escalated": ("已督办", "Escalated"),
    "role.inspector": ("巡察办", "Inspector"),
    "role.unit": ("被巡察单位", "Unit"),
    "role.reviewer": ("验收人", "Reviewer"),
    "role.auditor": ("审计", "Auditor"),
    "role.admin": ("管理员", "Administrator"),
    "role.system": ("系统", "System"),
    "as_of": ("统计截至", "As of"),
}


def language() -> str:
    """The page's language: `?lang=` when given (and kept in the session), else the session's, else Chinese."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in LANGUAGES else LANGUAGES[0]


def words(lang: str) -> dict[str, str]:
    """Every word of the console in one language."""
    index = LANGUAGES.index(lang)
    return {key: pair[index] for key, pair in WORDS.items()}
