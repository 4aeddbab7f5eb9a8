"""The console's words in Chinese (the default) and English (`?lang=en`, kept in the session)."""

from __future__ import annotations

from flask import request, session

LANGUAGES = ("zh", "en")

# A word in each language, by key: (Chinese, English). A page keeps its own words beside its view.
Words = dict[str, tuple[str, str]]

WORDS: Words = {
    "console": ("整改工作台", "Rectification console"),
    "workbench": ("工作台", "Workbench"),
    "findings": ("问题清单", "Findings"),
    "issue": ("下发问题", "Issue a finding"),
    "imports": ("台账导入", "Ledger import"),
    "circulars": ("每周通报", "Weekly circular"),
    "audit": ("审计", "Audit"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "name": ("用户名", "User name"),
    "token": ("令牌", "Token"),
    "token_hint": ("令牌由管理员用 rectify users add 生成", "An administrator makes tokens: rectify users add"),
    "refused": ("用户名或令牌不正确", "The user name or the token is not valid"),
    "signed_out": ("请重新登录", "Please sign in again"),
    "error": ("无法完成", "This could not be done"),
    "error.400": ("请求无效", "The request is not valid"),
    "error.csrf": (
        "表单已失效或缺少安全令牌，未作任何更改。请返回、刷新页面后重试。",
        "The form has expired or lacks its security token; nothing was changed. "
        "Go back, reload the page and try again.",
    ),
    "error.403": ("您的角色不能进行此操作", "Your role may not do this"),
    "error.404": ("页面不存在，或不在您的职责范围内", "There is no such page, or it is outside your scope"),
    "error.413": ("提交的内容过大", "What was sent is too large"),
    "error.429": ("尝试次数过多，请稍后再试", "Too many attempts; please try again later"),
    "error.wait": ("可于以下秒数后重试：", "You may try again after this many seconds:"),
    "error.other": ("请求未能完成", "The request could not be completed"),
    "back_to_workbench": ("返回工作台", "Back to the workbench"),
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
    "search": ("关键词", "Search"),
    "unit": ("单位", "Unit"),
    "status": ("状态", "Status"),
    "source": ("来源", "Source"),
    "severity": ("严重程度", "Severity"),
    "term": ("期限", "Term"),
    "batch": ("批次", "Batch"),
    "assignee": ("责任人", "Assignee"),
    "rejected": ("曾被退回", "Rejected before"),
    "any": ("全部", "Any"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "filter": ("筛选", "Filter"),
    "clear_filters": ("清除", "Clear"),
    "reference": ("编号", "Reference"),
    "title": ("问题", "Finding"),
    "due_date": ("整改期限", "Due date"),
    "no_deadline": ("无", "None"),
    "none_found": ("没有符合条件的问题", "No finding matches"),
    "next_page": ("下一页", "Next page"),
    "first_page": ("第一页", "First page"),
    "invalid_filter": ("筛选条件无效", "A filter is not valid"),
    "cursor": ("翻页位置", "Page cursor"),
    "limit": ("每页条数", "Page size"),
    "status.issued": ("待分派", "Issued"),
    "status.assigned": ("整改中", "Assigned"),
    "status.rectified": ("待验收", "Rectified"),
    "status.closed": ("已销号", "Closed"),
    "status.withdrawn": ("已撤销", "Withdrawn"),
    "source.inspection": ("巡察", "Inspection"),
    "source.audit": ("审计", "Audit"),
    "severity.general": ("一般", "General"),
    "severity.serious": ("较重", "Serious"),
    "severity.major": ("重大", "Major"),
    "term.fixed": ("限期整改", "Fixed term"),
    "term.long": ("长期坚持", "Long-term"),
    "warning.green": ("绿色预警", "Green warning"),
    "warning.yellow": ("黄色预警", "Yellow warning"),
    "warning.red": ("红色预警", "Red warning"),
}


def language() -> str:
    """The page's language: `?lang=` when given (and kept in the session), else the session's, else Chinese."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in LANGUAGES else LANGUAGES[0]


def words(lang: str, more: Words | None = None) -> dict[str, str]:
    """Every word of the console in one language, with a page's own words (`more`) besides."""
    index = LANGUAGES.index(lang)
    return {key: pair[index] for key, pair in (WORDS | (more or {})).items()}
