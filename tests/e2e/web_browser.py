"""The browser of the web tests: Debian's Chromium driven by Playwright, and axe-core on every page.

Fixtures (`playwright`, `browser`, `audit`, `new_context`) are registered by tests/e2e/conftest.py;
test modules import the helpers from here.
"""

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("TREMPLIN_CHROMIUM", "/usr/bin/chromium"))
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    missing = [str(path) for path in (CHROMIUM, AXE) if not path.exists()]
    if missing:
        pytest.fail(
            f"the browser tests need {' and '.join(missing)}: run `make bootstrap` "
            "(it installs Debian's chromium and the npm packages of web/)",
            pytrace=False,
        )
    async with async_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    # Debian's Chromium, never a browser download of Playwright's own.
    browser = await playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    await browser.close()


class Audit:
    """Which pages were shown and which were checked with axe-core."""

    def __init__(self) -> None:
        self.shown: set[str] = set()
        self.checked: set[str] = set()

    def watch(self, page: Page) -> None:
        def shown(frame: Any) -> None:
            if frame == page.main_frame and frame.url.startswith("http"):
                self.shown.add(urlsplit(frame.url).path)

        page.on("framenavigated", shown)

    async def check(self, page: Page) -> None:
        await assert_accessible(page)
        self.checked.add(urlsplit(page.url).path)

    def unchecked(self) -> set[str]:
        return self.shown - self.checked


@pytest.fixture
async def audit() -> AsyncIterator[Audit]:
    audit = Audit()
    yield audit
    assert not audit.unchecked(), f"pages shown but not checked with axe: {audit.unchecked()}"


NewContext = Callable[..., Awaitable[BrowserContext]]


@pytest.fixture
async def new_context(browser: Browser, audit: Audit) -> AsyncIterator[NewContext]:
    """Browser contexts (one per person): mobile for the seeker app, desktop for the console."""
    contexts: list[BrowserContext] = []

    async def open_context(device: str, locale: str = "fr-FR") -> BrowserContext:
        context = await browser.new_context(
            base_url=GATEWAY,
            locale=locale,
            viewport=MOBILE if device == "mobile" else DESKTOP,
            is_mobile=device == "mobile",
            has_touch=device == "mobile",
            bypass_csp=True,  # axe-core is injected as an inline script
        )
        context.set_default_timeout(20_000)
        context.on("page", audit.watch)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        await context.close()


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']} "
            f"[{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


async def assert_accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "(tags) => axe.run(document, {runOnly: tags})",
        WCAG_21_AA,
    )
    violations = result["violations"]
    assert not violations, (
        f"axe-core: {len(violations)} violation(s) on {page.url}:\n{describe(violations)}"
    )
