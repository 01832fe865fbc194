"""The browser of the web tests: Debian's Chromium driven by Playwright, and axe-core on every page.

Fixtures (`playwright`, `browser`, `audit`, `new_context`, `language`, `locale`, `seeker_app`,
`web_seeker`, `counsellor_console`) are registered by tests/e2e/conftest.py;
test modules import the helpers from here.
"""

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fixture_types import Headers, NewSeeker, WebSeeker
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    async_playwright,
    expect,
)

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


LOCALES = {"fr": "fr-FR", "en": "en-GB"}


@pytest.fixture(params=list(LOCALES))
def language(request: pytest.FixtureRequest) -> str:
    """The tests that take it run in French and in English."""
    return str(request.param)


@pytest.fixture
def locale(language: str) -> str:
    return LOCALES[language]


SeekerApp = Callable[..., Awaitable[Page]]


@pytest.fixture
def seeker_app(new_context: NewContext, audit: Audit) -> SeekerApp:
    """The seeker web app on a phone, signed in as the seeker: in French unless a locale is
    given."""

    async def open_app(seeker_id: str, locale: str = "fr-FR") -> Page:
        app = await (await new_context("mobile", locale)).new_page()
        await sign_in(app, audit, "/app/login", "seeker_id", seeker_id)
        return app

    return open_app


@pytest.fixture
def web_seeker(new_seeker: NewSeeker, seeker_app: SeekerApp) -> WebSeeker:
    """A seeker signed up with their profile, and the web app on their phone signed in as them
    (in French unless a locale is given): their headers and the app's page."""

    async def sign_up_and_open(
        seeker_id: str, profile: dict[str, Any], locale: str = "fr-FR"
    ) -> tuple[Headers, Page]:
        seeker = await new_seeker(seeker_id, profile)
        return seeker, await seeker_app(seeker_id, locale)

    return sign_up_and_open


CounsellorConsole = Callable[..., Awaitable[Page]]


@pytest.fixture
def counsellor_console(new_context: NewContext, audit: Audit) -> CounsellorConsole:
    """The counsellor console on a desktop, signed in as the counsellor: in French unless a locale
    is given, the login page saved as `shot` if one is named."""

    async def open_console(
        counsellor_id: str, locale: str = "fr-FR", shot: str | None = None
    ) -> Page:
        console = await (await new_context("desktop", locale)).new_page()
        await sign_in(console, audit, "/console/login", "counsellor_id", counsellor_id, shot)
        return console

    return open_console


SCREENSHOTS = REPO / "docs" / "screenshots"
# From an offer's publication to a line on a page, on a loaded machine (a larger budget for a stack
# that still works through a backlog: WEB_LIVE_TIMEOUT_S).
LIVE_S = float(os.environ.get("WEB_LIVE_TIMEOUT_S", "45"))
LIVE = LIVE_S * 1000  # ms, for Playwright


# ----------------------------------------------------------------------------------------------
# The keyboard checks, screenshots
# ----------------------------------------------------------------------------------------------
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const tagged = document.querySelectorAll('[data-tab]').length;
    if (!el.dataset.tab) el.dataset.tab = String(tagged + 1);
    return {
        tab: el.dataset.tab, tag: el.tagName.toLowerCase(), type: el.type || null,
        name: el.name || null, value: el.value || null,
        form: el.form ? el.form.getAttribute('action') : null,
        text: (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 60),
    };
}"""

# The element's and its labels' (with ::before and ::after) outline and shadow, for comparison
# of the focused and the unfocused states.
RING = """(el) => {
    const parts = [el, ...(el.labels ? Array.from(el.labels) : [])];
    const looks = [];
    for (const part of parts) {
        for (const pseudo of [null, '::before', '::after']) {
            const s = getComputedStyle(part, pseudo);
            looks.push([s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow,
                        s.borderColor, s.backgroundColor, s.textDecorationLine].join('|'));
        }
    }
    return looks.join(';');
}"""


async def assert_focus_visible(page: Page) -> None:
    """The focused element (or its label) looks different from when it is not focused."""
    element = await page.evaluate_handle("document.activeElement")
    focused = await page.evaluate(RING, element)
    await page.evaluate("(el) => el.blur()", element)
    unfocused = await page.evaluate(RING, element)
    await page.evaluate("(el) => el.focus()", element)
    described = await page.evaluate(FOCUSED)
    assert focused != unfocused, f"no visible focus style on {described} at {page.url}"


async def tab_to(page: Page, matches: Callable[[dict[str, Any]], bool], limit: int = 60) -> None:
    """Press Tab until the focused element matches, checking the focus is visible each time."""
    seen = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        if focused is None:
            continue
        await assert_focus_visible(page)
        seen.append(focused)
        if matches(focused):
            return
    raise AssertionError(f"Tab never reached the element on {page.url}; focus went: {seen}")


BLUR = "document.activeElement && document.activeElement.blur()"


def named(field: str) -> Callable[[dict[str, Any]], bool]:
    return lambda focused: focused["name"] == field


def a_submit_button(focused: dict[str, Any]) -> bool:
    return bool(focused["type"] == "submit")


async def type_into(page: Page, field: str, text: str) -> None:
    """Tab to the field of that name and type the text."""
    await tab_to(page, named(field))
    await page.keyboard.type(text)


async def submit_with_the_keyboard(
    page: Page,
    audit: Audit,
    button: Callable[[dict[str, Any]], bool] = a_submit_button,
    limit: int = 60,
) -> None:
    """Tab to the submit button and press Enter; the page it leads to passes axe-core."""
    await tab_to(page, button, limit)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await audit.check(page)


async def answer_with_the_keyboard(page: Page, audit: Audit, field: str, text: str) -> None:
    """On a page without keyboard trap, from its top: the field filled in and its form sent."""
    await assert_no_keyboard_trap(page)
    await page.evaluate(BLUR)
    await type_into(page, field, text)
    await submit_with_the_keyboard(page, audit)


async def assert_no_keyboard_trap(page: Page) -> None:
    """Tab goes through every focusable element and out of the page, and Shift+Tab comes back."""
    count = await page.evaluate(
        """() => Array.from(document.querySelectorAll(
            'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]'
        )).filter((el) => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length).length"""
    )
    limit = count + 10
    # Out of the page first (from wherever the focus is), then once through all of it.
    for lap in ("out", "through"):
        visited: list[str] = []
        for _ in range(limit):
            await page.keyboard.press("Tab")
            focused = await page.evaluate(FOCUSED)
            if focused is None:  # past the last element: focus left the page
                break
            visited.append(focused["tab"])
        else:
            raise AssertionError(
                f"focus never left {page.url} after {limit} Tabs ({count} focusable elements, "
                f"going {lap}): a keyboard trap? focus went {visited}"
            )
    assert visited, f"nothing on {page.url} takes the keyboard focus"
    await page.keyboard.press("Shift+Tab")
    back = await page.evaluate(FOCUSED)
    assert back is not None, f"Shift+Tab from outside {page.url} does not come back into it"


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate(BLUR)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def h1(page: Page) -> str:
    headings = page.locator("h1")
    await expect(headings).to_have_count(1)
    return (await headings.inner_text()).strip()


async def sign_in(
    page: Page, audit: Audit, path: str, field: str, who: str, shot: str | None = None
) -> None:
    await page.goto(path)
    await audit.check(page)
    if shot:
        await screenshot(page, shot)
    await page.locator(f'input[name="{field}"]').fill(who)
    async with page.expect_navigation():
        await page.locator(f'form:has(input[name="{field}"]) [type="submit"]').click()
    assert urlsplit(page.url).path != path, f"still on the login page: {await h1(page)}"
    await audit.check(page)


async def visit(page: Page, audit: Audit, path: str) -> None:
    """Open a page: it must pass axe-core (error pages too) and answer 200."""
    response = await page.goto(path)
    assert response is not None, path
    await audit.check(page)
    if response.status != 200:
        said = await page.locator("main").inner_text() if await page.locator("main").count() else ""
        raise AssertionError(f"{path} answered {response.status}: {said.strip()[:300]}")
