"""The words of 台账导入's pages, in Chinese and English (the console's common words are in `words`)."""

from __future__ import annotations

from service.console.words import Words

WORDS: Words = {
    # The upload form.
    "import.lead": (
        "导入各单位已有的整改台账（.xlsx 或 .csv）。先试导入：预览哪些问题将被登记、哪些行无法导入，确认后再导入。",
        "Import the rectification ledgers offices already keep (.xlsx or .csv). A preview comes first: "
        "which findings would be recorded and which rows cannot be, before anything is recorded.",
    ),
    "import.upload": ("上传台账", "Upload a ledger"),
    "file": ("台账文件", "Ledger file"),
    "import.file_hint": (
        "Excel 工作簿（.xlsx）或 CSV（UTF-8、GB18030），不超过 {mb} MB",
        "An Excel workbook (.xlsx) or CSV (UTF-8, GB18030), up to {mb} MB",
    ),
    "dry_run": ("先试导入，预览结果（不登记任何内容）", "Preview first (a dry run: nothing is recorded)"),
    "import.options": ("台账未写明时", "Where the ledger does not say"),
    "source": ("问题来源", "Source"),
    "import.source_any": ("按台账标题判断", "As the ledger's title says"),
    "batch": ("批次", "Batch"),
    "import.batch_hint": ("默认取台账标题或文件名", "Default: the ledger's title, else the file's name"),
    "sheet": ("工作表", "Sheet"),
    "import.sheet_hint": ("默认读取每个含台账表头的工作表", "Default: every sheet with a ledger's header"),
    "import.start": ("上传", "Upload"),
    "colon": ("：", ": "),
    "import.refused": ("未导入：", "Nothing was imported:"),
    "import.no_file": ("请选择要导入的台账文件", "Choose the ledger file to import"),
    "import.empty": ("文件是空的", "The file is empty"),
    "import.old_xls": (
        "这是旧版 .xls 工作簿，无法读取。请在 Excel 中另存为 .xlsx 或 CSV 后再导入。",
        "This is an old .xls workbook, which cannot be read. Save it as .xlsx or CSV in Excel and import that.",
    ),
    "import.too_large": ("文件超过大小限制", "The file is larger than the limit"),
    # The recent jobs.
    "import.recent": ("最近的导入", "Recent imports"),
    "import.none": ("还没有导入过台账", "No ledger has been imported yet"),
    "import.submitted": ("提交时间", "Submitted"),
    "import.user": ("提交人", "By"),
    "import.kind": ("方式", "Kind"),
    "import.dry": ("试导入", "Preview"),
    "import.real": ("导入", "Import"),
    "import.status": ("状态", "Status"),
    "import.outcome": ("结果", "Outcome"),
    "job.running": ("进行中", "Running"),
    "job.finished": ("已完成", "Finished"),
    "job.failed": ("失败", "Failed"),
    "job.interrupted": ("已中断", "Interrupted"),
    # A job's page.
    "import.preview_of": ("试导入预览", "Preview"),
    "import.result_of": ("导入结果", "Import result"),
    "import.progress": ("已处理 {done} / {total} 行", "{done} of {total} rows handled"),
    "import.reading": ("正在读取文件……", "Reading the file…"),
    "import.reloads": ("本页每 2 秒自动刷新。", "This page reloads every 2 seconds."),
    "import.failed": ("此文件无法导入，未登记任何内容：", "This file cannot be imported; nothing was recorded:"),
    "import.no_ledger": (
        "文件中没有找到台账：没有一行像台账的表头（问题描述、责任单位、整改时限等列）。未登记任何内容。",
        "No ledger was found in the file: no row looks like a ledger's header "
        "(columns such as 问题描述, 责任单位, 整改时限). Nothing was recorded.",
    ),
    "count.would_create": ("将登记", "Would be recorded"),
    "count.created": ("已登记", "Recorded"),
    "count.already": ("此前已导入（不重复）", "Imported before (not repeated)"),
    "count.refused": ("无法导入", "Cannot be imported"),
    "count.total": ("台账行数", "Ledger rows"),
    "import.sheets": ("读取的工作表", "Sheets read"),
    "import.skipped_sheets": ("未含台账的工作表", "Sheets without a ledger"),
    "import.confirm": (
        "确认无误后导入：将登记 {n} 个问题，无法导入的行不会登记。",
        "Import when this is right: {n} findings will be recorded; the rows that cannot be imported will not.",
    ),
    "import.do": ("导入", "Import"),
    "import.nothing_new": ("没有可登记的新问题。", "There is no new finding to record."),
    "import.done_as": ("此预览已导入：", "This preview was imported:"),
    "import.see_result": ("查看导入结果", "see the result"),
    "import.not_importable": (
        "此预览无法再导入（尚未完成，或文件已不再保留）。请重新上传台账。",
        "This preview cannot be imported (it has not finished, or its file is no longer kept). "
        "Upload the ledger again.",
    ),
    "import.expired": (
        "试导入的台账文件只保留 {days} 天：此预览超过 {days} 天未导入，文件已不再保留，无法导入。请重新上传台账。",
        "A preview's ledger is kept for {days} days: this one was not imported within them and its file is no "
        "longer kept, so it cannot be imported. Upload the ledger again.",
    ),
    "import.back": ("返回台账导入", "Back to ledger import"),
    "import.will_create": ("将登记的问题", "Findings that would be recorded"),
    "import.created_list": ("已登记的问题", "Findings recorded"),
    "import.already_list": ("此前已导入的问题", "Findings imported before"),
    "import.refused_list": ("无法导入的行", "Rows that cannot be imported"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "value": ("内容", "Value"),
    "reason": ("原因", "Reason"),
    "title": ("问题", "Finding"),
    "import.status_to": ("导入后状态", "Status after import"),
}
