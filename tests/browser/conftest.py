"""The console in a real browser: Playwright drives Debian's Chromium against `rectify serve` on each store.

One browser serves the whole test process; each module gets a server per store, with its units and people;
each person works in a browser context of their own, signed in through the sign-in form as anyone would.
Every step can be photographed to build/screenshots/, for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from domain.values import Actor, Role
from service.application import Rectify
from service.config import build_application, load_settings
from tests.conftest import fresh_store, pinned_moment
from tests.reliability.serving import Server

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
LAPTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}
START_TIMEOUT = 60  # seconds for gunicorn's workers to boot, on a machine busy with the other tests too
LOCALES = {"zh": "zh-CN", "en": "en-GB"}  # the browser's own words (date fields, file pickers) match the page's
# Chromium as Playwright would start it, less what reaches out: no first-run, no component or safe-browsing updates.
QUIET = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]

SETUP = Actor("setup", Role.ADMIN)
UNITS = (  # code, name, parent: two subtrees under HQ
    ("HQ", "集团公司", None),
    ("BJ", "北京分公司", "HQ"),
    ("BJ-01", "北京分公司财务部", "BJ"),
    ("SH", "上海分公司", "HQ"),
)
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "wang.min": (Role.INSPECTOR, None),
    "bj.liu": (Role.UNIT, "BJ"),  # works on BJ and BJ-01
    "sh.chen": (Role.UNIT, "SH"),  # another subtree: BJ's findings are none of its business
    "li.qiang": (Role.REVIEWER, None),
    "zhao.lei": (Role.AUDITOR, None),
}


@dataclass
class Console:
    """A running `rectify serve` on one store, the people made on it and their tokens."""

    store: str
    store_url: str
    server: Server
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, name: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Status and JSON of one API request made with `name`'s token."""
        status, answer, _ = self.server.call(method, f"/api/v1{path}", self.tokens[name], body)
        return status, answer

    def finding(self, finding_id: str, by: str = "zhao.lei") -> dict[str, Any]:
        """The finding as the API answers it now (to the auditor, who reads everything)."""
        status, answer = self.api(by, "GET", f"/findings/{finding_id}")
        assert status == 200, answer
        return answer

    def caught_up(self, position: int) -> None:
        """Wait until the read model has processed `position` (the API's list waits for it)."""
        status, answer = self.api("zhao.lei", "GET", f"/findings?min_position={position}&limit=1")
        assert status == 200, answer


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    """Debian's Chromium, started once for the test process; Playwright downloads no browser of its own."""
    with sync_playwright() as playwright:
        started = playwright.chromium.launch(executable_path=str(chromium), args=QUIET)
        yield started
        started.close()


def session_hours() -> str:
    """How long a sign-in lasts: the default 8 hours, plus however far the tests' clock is behind the browser's.

    Under RECTIFY_TEST_NOW the server dates the cookie by the tests' clock and Chromium reads it by the real one,
    so a moment in the past would have the cookie expire before it was ever sent.
    """
    moment, since = pinned_moment(), os.environ.get("RECTIFY_TEST_NOW_SINCE")
    behind = 0.0 if moment is None or since is None else max(0.0, float(since) - moment.timestamp())
    return str(8 + behind / 3600 + 1)


@contextmanager
def application_on(store_url: str) -> Iterator[Rectify]:
    """The application over the served store, in the test's process (as an administrator's command would be)."""
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    try:
        yield application
    finally:
        application.close()


def people_on(store_url: str) -> dict[str, str]:
    """The units and the people of every browser test, made by the application; their tokens by name."""
    with application_on(store_url) as application:
        for code, name, parent in UNITS:
            application.register_unit(SETUP, code=code, name=name, parent=parent)
        return {name: application.add_user(name, role, unit) for name, (role, unit) in PEOPLE.items()}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def console(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """`rectify serve` (gunicorn, two workers, its projector) on a fresh store of each kind, for one module."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_available")
    folder = tmp_path_factory.mktemp(f"console-{request.param}")
    with fresh_store(request.param, folder) as url:
        tokens = people_on(url)
        env = {**os.environ, "RECTIFY_DATABASE_URL": url, "RECTIFY_SESSION_HOURS": session_hours()}
        server = Server(folder, env)
        try:
            server.start(timeout=START_TIMEOUT)
            server.projected(timeout=START_TIMEOUT)  # the pages read units and people from the read model
            yield Console(request.param, url, server, tokens)
        finally:
            server.kill()  # the store is thrown away: no need to wait for a graceful stop
            server.stop()


class People:
    """Each person in a browser context of their own, signed in through the sign-in form."""

    def __init__(self, browser: Browser, console: Console) -> None:
        self.browser, self.console = browser, console
        self.contexts: list[BrowserContext] = []

    def page(self, viewport: dict[str, int] | None = None, lang: str = "zh") -> Page:
        """A new page in a new context, signed in as nobody, in a browser set to `lang` and Shanghai's time."""
        context = self.browser.new_context(
            base_url=self.console.url,
            viewport=viewport or LAPTOP,
            locale=LOCALES[lang],
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def signed_in(self, name: str, viewport: dict[str, int] | None = None, lang: str = "zh") -> Page:
        """A page of `name`'s own context, signed in and showing the 工作台, in `lang`."""
        page = self.page(viewport, lang)
        page.goto(f"/console/login?lang={lang}")
        sign_in(page, name, self.console.tokens[name])
        page.wait_for_url("**/console/")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def sign_in(page: Page, name: str, token: str) -> None:
    """Fill in the sign-in form and send it."""
    form = page.locator('form[action="/console/login"]')
    form.locator('input[name="name"]').fill(name)
    form.locator('input[name="token"]').fill(token)
    form.locator('button[type="submit"]').click()


@pytest.fixture
def people(browser: Browser, console: Console) -> Iterator[People]:
    crowd = People(browser, console)
    yield crowd
    crowd.close()


class Camera:
    """Full-page pictures of one test's steps: build/screenshots/<test>/<NN>-<step>.png."""

    def __init__(self, test: str) -> None:
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "-", test).strip("-")
        shutil.rmtree(self.folder, ignore_errors=True)  # only this run's pictures
        self.taken = 0

    def __call__(self, page: Page, step: str) -> Path:
        self.taken += 1
        path = self.folder / f"{self.taken:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Camera:
    return Camera(request.node.name)


def fits_without_sideways_scroll(page: Page) -> bool:
    """No horizontal scroll: the page is no wider than the window."""
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))
