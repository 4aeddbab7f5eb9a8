"""The circular's HTML page as a person sees it: Debian's headless Chromium loads it, dumps its DOM, takes a picture."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from projections.reports.html import render_html
from tests.projections.conftest import quiet_week, sample_circular, unit_edition

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
QUIET = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def run_chromium(chromium: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess[bytes]:
    """Run headless Chromium once with its own profile folder; fail with its stderr if it fails."""
    command = [str(chromium), *QUIET, f"--user-data-dir={profile}", *arguments]
    finished = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr.decode(errors="replace")[-2000:]
    return finished


EDITIONS = {  # name: (circular, language, the title the page shows)
    "circular": (sample_circular, "zh", "关于整改工作进展情况的通报（第12期）"),
    "circular-en": (sample_circular, "en", "Circular on Rectification Progress (No. 12)"),
    "circular-bj": (unit_edition, "zh", "关于北京分公司整改工作进展情况的通报（第12期）"),
    "circular-quiet": (quiet_week, "zh", "关于整改工作进展情况的通报（第12期）"),
}


@pytest.mark.parametrize("name", EDITIONS)
def test_circular_page_renders_in_a_real_browser(chromium, tmp_path, name):
    make, lang, title = EDITIONS[name]
    circular = make()
    page = tmp_path / f"{name}.html"
    page.write_text(render_html(circular, lang), encoding="utf-8")
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout.decode("utf-8")
    assert title in dom
    named = {item["unit"] for item in [*circular["overdue"], *circular["escalated"]]}
    for unit in circular["units"]:
        if unit["unit"] not in named:  # a unit further down shows only with its overdue or escalated findings
            assert (unit["name"] in dom) == (unit["level"] in ("peer", "own")), unit["name"]
    screenshot = tmp_path / f"{name}.png"
    run_chromium(chromium, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,2000", page.as_uri())
    picture = screenshot.read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / f"{name}.png")
