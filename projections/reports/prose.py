"""The sentences of the circular as a document, in Chinese and English; placeholders are figures and names."""

PROSE: dict[str, dict[str, str]] = {
    "zh": {
        "overview_totals": "截至{date}，{scope}累计下发问题{issued_to_date}个（本周新增{issued_this_week}个），"
        "已整改销号{closed_to_date}个（本周销号{closed_this_week}个），撤回{withdrawn_to_date}个，整改率{rate}{rate_change}。"
        "目前在改问题{open}个，其中待审核{awaiting_review}个；逾期未完成整改{overdue}个{overdue_change}。",
        "overview_week": "本周退回重新整改{rejected_this_week}个，回头看重新打开{reopened_this_week}个，"
        "督办{escalated_this_week}个，批准延期{extended_this_week}个，发出预警函{warned_this_week}份。",
        "rate_up": "，较上周提高{n}个百分点", "rate_down": "，较上周下降{n}个百分点", "rate_same": "，与上周持平",
        "count_up": "，较上周增加{n}个", "count_down": "，较上周减少{n}个", "count_same": "，与上周持平",
        "source_item": "{name}发现问题{issued_to_date}个，已销号{closed_to_date}个，逾期{overdue}个，整改率{rate}",
        "severity_item": "{name}问题{issued_to_date}个，已销号{closed_to_date}个，逾期{overdue}个，整改率{rate}",
        "ranking_intro": "各单位按整改率排名如下（整改率＝累计销号÷（累计下发－累计撤回））：",
        "band_line": "{rule}的单位：{names}。",
        "problems_intro": "截至{date}，逾期未完成整改问题{overdue}个，涉及{units}个单位；"
        "本周督办问题{escalated}个。具体如下：",
        "no_problems": "截至{date}，无逾期未完成整改问题，本周无督办问题。",
        "overdue_item": "{reference}，{title}。整改时限{due}，已逾期{days}天，累计督办{escalations}次{escalated}。",
        "escalated_mark": "（本周已督办）",
        "escalated_item": "{reference}，{title}。本周督办，累计督办{escalations}次，目前{status}。",
        "list_sep": "、", "item_sep": "；", "stop": "。", "run_in": "。", "rate_short": "整改率",
        "trend_points": "较上周（百分点）", "number": "序号",
    },
    "en": {
        "overview_totals": "As of {date}, {issued_to_date} findings had been issued to {scope} "
        "({issued_this_week} this week); {closed_to_date} have been closed ({closed_this_week} this week) "
        "and {withdrawn_to_date} withdrawn, "
        "a rectification rate of {rate}{rate_change}. {open} remain open, {awaiting_review} of them awaiting review; "
        "{overdue} are overdue{overdue_change}.",
        "overview_week": "This week: rectifications rejected {rejected_this_week}, findings reopened "
        "{reopened_this_week}, escalated {escalated_this_week}, deadlines extended {extended_this_week}, "
        "warnings sent {warned_this_week}.",
        "rate_up": ", up {n} points on last week", "rate_down": ", down {n} points on last week",
        "rate_same": ", as last week", "count_up": ", {n} more than last week",
        "count_down": ", {n} fewer than last week", "count_same": ", as last week",
        "source_item": "{name}: {issued_to_date} issued, {closed_to_date} closed, {overdue} overdue, rate {rate}",
        "severity_item": "{name}: {issued_to_date} issued, {closed_to_date} closed, {overdue} overdue, rate {rate}",
        "ranking_intro": "Units ranked by rectification rate (closed ÷ (issued − withdrawn)):",
        "band_line": "Units with a {rule}: {names}.",
        "problems_intro": "As of {date}, {overdue} findings in {units} units are overdue; {escalated} were escalated "
        "this week:",
        "no_problems": "As of {date}, no finding is overdue and none was escalated this week.",
        "overdue_item": "{reference}, {title}. Due {due}, {days} days overdue, "
        "escalations so far {escalations}{escalated}.",
        "escalated_mark": " (escalated this week)",
        "escalated_item": "{reference}, {title}. Escalated this week, escalations so far {escalations}; now {status}.",
        "list_sep": ", ", "item_sep": "; ", "stop": ".", "run_in": ". ", "rate_short": "Rate",
        "trend_points": "vs last week (points)", "number": "No.",
    },
}  # fmt: skip
