"""The seeker web app and the counsellor console in headless Chromium, against the running stack.

Every page a test shows is checked with axe-core (WCAG 2.1 A and AA rules): a test fails if it
navigated to a page it did not check. The main pages are saved to docs/screenshots/ as PNG files.
"""

import re
import uuid
from dataclasses import astuple
from urllib.parse import urlsplit

import httpx
import pytest
from fixture_types import Followed, FollowedSeeker, Login, OfferPublished, Suggested
from playwright.async_api import Page, expect
from testkit.gateway_seekers import lyon_seeker
from web_browser import (
    BLUR,
    FOCUSED,
    LIVE,
    Audit,
    CounsellorConsole,
    NewContext,
    answer_with_the_keyboard,
    assert_accessible,
    assert_no_keyboard_trap,
    h1,
    named,
    screenshot,
    sign_in,
    submit_with_the_keyboard,
    tab_to,
    visit,
)

pytestmark = pytest.mark.e2e


# ----------------------------------------------------------------------------------------------
# The infrastructure itself: the checks fail where they must
# ----------------------------------------------------------------------------------------------
BAD_PAGE = """<!doctype html><html><head><title>Bad</title>
<style>button:focus{outline:none}</style></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text"><button>Go</button></body></html>"""

GOOD_PAGE = """<!doctype html><html lang="fr"><head><title>Bon – Tremplin</title>
<style>button:focus-visible,input:focus-visible{outline:2px solid #0a76f6}</style></head><body>
<header><p>Tremplin</p></header><main><h1>Bonjour</h1>
<label for="who">Votre identifiant</label><input id="who" name="seeker_id">
<button type="submit">Se connecter</button></main><footer><p>Pied</p></footer></body></html>"""


async def test_the_checks_fail_on_a_page_that_breaks_the_rules(
    new_context: NewContext,
) -> None:
    context = await new_context("desktop")
    page = await context.new_page()

    await page.set_content(BAD_PAGE)
    with pytest.raises(AssertionError) as axe_said:
        await assert_accessible(page)
    for expected in ("image-alt (critical)", "label (critical)", "html-has-lang (serious)"):
        assert expected in str(axe_said.value)
    assert "['img']" in str(axe_said.value), "the message names the offending nodes"
    with pytest.raises(AssertionError, match=r"no visible focus style on .*'tag': 'button'"):
        await tab_to(page, lambda focused: focused["tag"] == "button")

    await page.set_content(GOOD_PAGE)
    await assert_accessible(page)
    await tab_to(page, lambda focused: focused["tag"] == "button")
    await assert_no_keyboard_trap(page)

    trap = GOOD_PAGE.replace(
        '<button type="submit">',
        '<button type="submit" onkeydown="if(event.key===\'Tab\'){event.preventDefault()}">',
    )
    await page.set_content(trap)
    with pytest.raises(AssertionError, match="keyboard trap"):
        await assert_no_keyboard_trap(page)


# ----------------------------------------------------------------------------------------------
# The journey
# ----------------------------------------------------------------------------------------------
SEEKER_PROFILE = lyon_seeker(
    {"first_name": "Amina", "last_name": "Diallo", "email": "amina@example.org"}
)


@pytest.fixture
async def amina(unique: str, followed_seeker: FollowedSeeker, suggested: Suggested) -> Followed:
    """A seeker in a counsellor's caseload whom the recommender knows: the offers published from
    now on reach her."""
    followed = await followed_seeker(f"s-{unique}", f"c-{unique}", SEEKER_PROFILE)
    await suggested(followed.seeker)
    return followed


async def sign_in_with_the_keyboard(
    page: Page, audit: Audit, path: str, field: str, who: str
) -> None:
    await page.goto(path)
    await audit.check(page)
    await answer_with_the_keyboard(page, audit, field, who)
    assert urlsplit(page.url).path != path, f"still on the login page: {await h1(page)}"


async def mark_page(page: Page) -> str:
    """A value kept by this very document: gone if the page reloads or navigates."""
    marker = uuid.uuid4().hex
    await page.evaluate("(marker) => { window.__tremplinMarker = marker; }", marker)
    return marker


async def assert_same_document(page: Page, marker: str) -> None:
    kept = await page.evaluate("window.__tremplinMarker || null")
    assert kept == marker, "the page reloaded: the item should have come live"


async def test_a_match_goes_live_through_the_console_and_the_web_app(
    gateway: httpx.AsyncClient,
    unique: str,
    amina: Followed,
    offer_published: OfferPublished,
    new_context: NewContext,
    counsellor_console: CounsellorConsole,
    audit: Audit,
) -> None:
    seeker_id, _, counsellor_id, counsellor = astuple(amina)
    note = f"Je vous recommande cette offre, appelez-moi ({unique})."

    # The counsellor signs in and has this seeker's alerts wait for review (the console switch).
    console = await counsellor_console(counsellor_id)
    await visit(console, audit, f"/console/seekers/{seeker_id}")
    switch = console.locator('form[action$="/review-before-send"]')
    await switch.locator('input[name="enabled"][value="true"]').check()
    async with console.expect_navigation():
        await switch.locator('[type="submit"]').click()
    await audit.check(console)
    file = await gateway.get(f"/v1/caseload/{seeker_id}", headers=counsellor)
    assert file.json()["profile"]["review_before_send"] is True, file.text

    # The counsellor opens the live feed; the seeker signs in (keyboard only) and opens theirs.
    await visit(console, audit, "/console/notifications")
    console_marker = await mark_page(console)
    app = await (await new_context("mobile")).new_page()
    await sign_in_with_the_keyboard(app, audit, "/app/login", "seeker_id", seeker_id)
    await visit(app, audit, "/app/notifications")
    app_marker = await mark_page(app)

    # An employer publishes a matching offer: the match reaches the counsellor's page live.
    offer_id = f"WEB{unique.upper()}"
    await offer_published(offer_id)
    arrived = console.locator(f'[data-testid="live-feed"] [data-offer-id="{offer_id}"]')
    await expect(arrived.first).to_be_visible(timeout=LIVE)
    await assert_same_document(console, console_marker)
    await audit.check(console)
    await screenshot(console, "console-live-feed")
    held_back = app.locator(f'[data-testid="notification"][data-offer-id="{offer_id}"]')
    await expect(held_back).to_have_count(0)  # the alert waits for the counsellor

    # The counsellor approves the held alert with a note.
    await visit(console, audit, "/console/review")
    held = console.locator(f'[data-testid="held-alert"][data-offer-id="{offer_id}"]')
    await expect(held).to_have_count(1)
    await screenshot(console, "console-review-queue")
    await held.locator('textarea[name="note"]').fill(note)
    async with console.expect_navigation():
        await held.locator('form:has(textarea[name="note"]) [type="submit"]').click()
    await audit.check(console)
    await expect(
        console.locator(f'[data-testid="held-alert"][data-offer-id="{offer_id}"]')
    ).to_have_count(0)

    # The seeker sees the alert arrive, with the note, without reloading.
    alert = app.locator(f'[data-testid="live-feed"] [data-offer-id="{offer_id}"]')
    await expect(alert.first).to_be_visible(timeout=LIVE)
    await expect(alert.first.locator('[data-testid="counsellor-note"]')).to_have_text(note)
    await assert_same_document(app, app_marker)
    await audit.check(app)
    await app.reload()
    await audit.check(app)
    shown = app.locator(f'[data-testid="notification"][data-offer-id="{offer_id}"]').first
    await expect(shown.locator('[data-testid="counsellor-note"]')).to_have_text(note)
    await screenshot(app, "app-notifications")

    # The seeker answers "not for me, too far", with the keyboard alone.
    await visit(app, audit, "/app/recommendations")
    card = app.locator(f'[data-testid="match-card"][data-offer-id="{offer_id}"]')
    await expect(card).to_have_count(1)
    await screenshot(app, "app-recommendations")
    async with app.expect_navigation():
        await card.get_by_role("link", name=re.compile("pas pour moi", re.IGNORECASE)).click()
    assert urlsplit(app.url).path == f"/app/recommendations/{offer_id}/not-for-me"
    await audit.check(app)
    await assert_no_keyboard_trap(app)
    await app.evaluate(BLUR)
    await tab_to(app, named("reason"))
    for _ in range(6):  # arrows move within the radio group; stop on "too far"
        if (await app.evaluate(FOCUSED))["value"] == "too_far":
            break
        await app.keyboard.press("ArrowDown")
    assert (await app.evaluate(FOCUSED))["value"] == "too_far"
    await app.keyboard.press("Space")
    await expect(app.locator('input[name="reason"][value="too_far"]')).to_be_checked()
    await screenshot(app, "app-not-for-me")
    await submit_with_the_keyboard(app, audit)
    said = await gateway.get(f"/v1/caseload/{seeker_id}/feedback", headers=counsellor)
    assert "too_far" in said.text, said.text

    # The counsellor sees the reason on the seeker's page.
    await visit(console, audit, f"/console/seekers/{seeker_id}")
    feedback = console.locator(f'[data-testid="feedback-item"][data-offer-id="{offer_id}"]')
    await expect(feedback).to_have_count(1)
    await expect(feedback).to_have_attribute("data-reason", "too_far")
    await expect(feedback).to_contain_text(re.compile("trop loin", re.IGNORECASE))
    await screenshot(console, "console-seeker")


# ----------------------------------------------------------------------------------------------
# Every page, in French and in English
# ----------------------------------------------------------------------------------------------
SEEKER_PAGES = [
    ("/app/recommendations", "app-recommendations"),
    ("/app/notifications", None),
    ("/app/profile", "app-profile"),
    ("/app/preferences", "app-preferences"),
    ("/app/access-log", "app-access-log"),
    ("/app/companies", None),
    ("/app/erase", None),
]
COUNSELLOR_PAGES = [
    ("/console", "console-caseload"),
    ("/console/notifications", None),
    ("/console/review", None),
]


async def test_every_page_passes_axe_core(
    language: str,
    locale: str,
    gateway: httpx.AsyncClient,
    login: Login,
    unique: str,
    amina: Followed,
    offer_published: OfferPublished,
    suggested: Suggested,
    new_context: NewContext,
    counsellor_console: CounsellorConsole,
    audit: Audit,
) -> None:
    seeker_id, seeker, counsellor_id, _ = astuple(amina)
    offer_id = f"WEB{unique.upper()}"
    await offer_published(offer_id, tries=5)
    await suggested(seeker, offer_id)
    # A spontaneous application, for the counsellor's view of the file.
    siret = str(int(unique, 16)).zfill(14)[-14:]
    company = (
        "siret,raisonsociale,codenaf,codecommune,coordinates_x,coordinates_y\n"
        f"{siret},MEUBLES {unique.upper()},4759A,57463,6.17,49.11\n"
    )
    operator = await login(f"o-{unique}", "operator")
    imported = await gateway.post(
        "/v1/ops/companies/import",
        content=company.encode(),
        headers={**operator, "Content-Type": "text/csv"},
    )
    assert imported.json()["accepted"] == 1, imported.text
    applied = await gateway.post(
        f"/v1/me/companies/{siret}/applications",
        headers=seeker,
        json={"message": "Bonjour, je suis disponible.", "consent_to_share_contact": False},
    )
    assert applied.status_code == 201, applied.text
    titles: set[str] = set()

    # The signed-out pages, in the browser's language.
    app = await (await new_context("mobile", locale)).new_page()
    await app.goto("/app/recommendations")
    assert urlsplit(app.url).path == "/app/login", "signed out: the login page comes first"
    await audit.check(app)
    assert await app.locator("html").get_attribute("lang") == language
    if language == "fr":
        await screenshot(app, "app-login")
    await sign_in(app, audit, "/app/login", "seeker_id", seeker_id)

    shot = "console-login" if language == "fr" else None
    console = await counsellor_console(counsellor_id, locale, shot)

    pages = [(app, path, shot) for path, shot in SEEKER_PAGES] + [
        (console, path, shot) for path, shot in COUNSELLOR_PAGES
    ]
    pages.append((console, f"/console/seekers/{seeker_id}", "console-seeker-matches"))
    pages.append((app, f"/app/recommendations/{offer_id}/not-for-me", None))
    for page, path, shot in pages:
        await visit(page, audit, path)
        assert urlsplit(page.url).path == path
        assert await page.locator("html").get_attribute("lang") == language, path
        titles.add(await page.title())
        heading = await h1(page)
        assert heading, f"{path}: empty h1"
        if path == "/app/recommendations":
            await expect(
                page.locator(f'[data-testid="match-card"][data-offer-id="{offer_id}"]')
            ).to_have_count(1)
        if path.startswith("/console/seekers/"):
            await expect(
                page.locator(f'[data-testid="match-card"][data-offer-id="{offer_id}"]')
            ).to_have_count(1)
            await expect(
                page.locator(f'[data-testid="application-item"][data-siret="{siret}"]')
            ).to_have_count(1)
        if shot and language == "fr":
            await screenshot(page, shot)
    assert len(titles) == len(pages), f"page titles are not unique: {sorted(titles)}"

    # The language switch: a link on the page, kept in a cookie.
    other = "en" if language == "fr" else "fr"
    await visit(app, audit, f"/app/recommendations?lang={other}")
    assert await app.locator("html").get_attribute("lang") == other
    await visit(app, audit, "/app/preferences")
    assert await app.locator("html").get_attribute("lang") == other, "the choice is kept"
