"""The trainings pages in headless Chromium, against the running stack: a counsellor recommends a
driving-licence training with a note on the console, with the keyboard alone, and dismisses
another; the seeker sees the recommended training with its facts and the note on /app/trainings
and the alert among their notifications. Every page passes axe-core, in French and in English;
the two pages are saved to docs/screenshots/."""

import asyncio
from typing import Any

import pytest
from playwright.async_api import expect
from web_browser import (
    BLUR,
    Audit,
    CounsellorConsole,
    SeekerApp,
    screenshot,
    submit_with_the_keyboard,
    tab_to,
    visit,
)

pytestmark = pytest.mark.e2e

NOTE = "Le permis B vous ouvrira les offres de berger : inscrivez-vous vite."


async def a_seeker_missing_a_licence(
    eventually: Any, missing_a_licence: Any, unique: str
) -> tuple[str, str]:
    """A seeker near Gap whose three near-matches ask for a licence, two licence trainings near
    them, and their counsellor; once the trainings service proposes both."""
    seeker_id, counsellor_id = f"ws-{unique}", f"wc-{unique}"
    seeker, _ = await missing_a_licence(
        seeker_id,
        counsellor_id,
        {"first_name": "Louise", "last_name": "Martin"},
        f"WEB{unique.upper()}",
        {f"WB{unique}": "Permis de conduire B", f"WC{unique}": "Permis C"},
    )
    await eventually("/v1/me/trainings", seeker, lambda found: len(found) >= 2, tries=120)
    return seeker_id, counsellor_id


@pytest.mark.timeout(240)
async def test_a_counsellor_recommends_a_training_with_the_keyboard_and_the_seeker_sees_it(
    missing_a_licence: Any,
    eventually: Any,
    unique: str,
    seeker_app: SeekerApp,
    counsellor_console: CounsellorConsole,
    audit: Audit,
) -> None:
    seeker_id, counsellor_id = await a_seeker_missing_a_licence(
        eventually, missing_a_licence, unique
    )
    console = await counsellor_console(counsellor_id)
    await visit(console, audit, f"/console/seekers/{seeker_id}")
    async with console.expect_navigation():
        await console.get_by_test_id("trainings-link").click()
    await audit.check(console)
    await expect(console.locator("h1")).to_have_text("Formations pour Louise Martin")
    # Other tests' trainings near Gap may be proposed too: these tests' own are told by their ids.
    licence_b = console.locator(f'[data-testid="training-card"][data-session-id^="WB{unique}:"]')
    other = console.locator(f'[data-testid="training-card"][data-session-id^="WC{unique}:"]')
    await expect(licence_b).to_have_count(1)
    await expect(other).to_have_count(1)
    await screenshot(console, "console-seeker-trainings")

    # Recommend the licence B training, with the keyboard alone.
    action = await licence_b.locator('[data-testid="recommend-form"]').get_attribute("action")
    await console.evaluate(BLUR)
    await tab_to(console, lambda f: f["name"] == "note" and f["form"] == action, limit=80)
    await console.keyboard.type(NOTE)
    await submit_with_the_keyboard(
        console, audit, lambda f: f["type"] == "submit" and f["form"] == action, limit=80
    )
    await expect(console.get_by_role("status")).to_contain_text("reçoit une alerte")
    await expect(licence_b.get_by_test_id("training-recommended")).to_be_visible()
    await expect(licence_b).to_contain_text(NOTE)

    # Dismiss the other one: it goes.
    await other.locator('input[name="reason"]').fill("Le permis B d'abord.")
    async with console.expect_navigation():
        await other.locator('[data-testid="dismiss-form"] [type="submit"]').click()
    await audit.check(console)
    await expect(other).to_have_count(0)
    await expect(licence_b).to_have_count(1)
    await visit(console, audit, f"/console/seekers/{seeker_id}/trainings?lang=en")
    await expect(console.locator("h1")).to_have_text("Trainings for Louise Martin")

    # The seeker: the training with its facts and the note, in French and English; the alert.
    app = await seeker_app(seeker_id)
    await visit(app, audit, "/app/trainings")
    await expect(app.locator("h1")).to_have_text("Formations pour vous")
    first = app.get_by_test_id("training-card").first  # the recommended one comes first
    await expect(first).to_have_attribute("data-session-id", f"WB{unique}:A1:S1")
    await expect(first.get_by_test_id("training-recommendation")).to_contain_text(NOTE)
    await expect(first).to_contain_text("France Travail")
    await expect(first).to_contain_text("Gap")  # the town by its name, not its INSEE code
    await expect(first).not_to_contain_text("05061")
    await expect(app.locator(f'[data-session-id^="WC{unique}:"]')).to_have_count(0)
    await screenshot(app, "app-trainings")
    await visit(app, audit, "/app/trainings?lang=en")
    await expect(app.locator("h1")).to_have_text("Trainings for you")
    await expect(app.get_by_test_id("training-recommendation").first).to_contain_text(
        "Your counsellor recommends this training"
    )
    for _ in range(60):
        await visit(app, audit, "/app/notifications?lang=fr")
        told = app.get_by_test_id("notification").filter(has_text="Permis de conduire B")
        if await told.count():
            break
        await asyncio.sleep(0.5)
    await expect(told).to_have_count(1)
    await expect(told).to_contain_text(NOTE)
