"""Offers a seeker can open and answer, and spontaneous applications from the web app: through the
gateway and the real services (API), then in headless Chromium (axe-core on every page shown, the
keyboard for the search and the application form, screenshots in docs/screenshots/)."""

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fixture_types import FollowedSeeker, Login, NewSeeker, PublishOffer, Suggested, WebSeeker
from playwright.async_api import Page, expect
from testkit.gateway_seekers import METZ_SEEKER, lyon_seeker
from web_browser import (
    LIVE,
    Audit,
    CounsellorConsole,
    SeekerApp,
    answer_with_the_keyboard,
    assert_no_keyboard_trap,
    h1,
    named,
    screenshot,
    submit_with_the_keyboard,
    tab_to,
    type_into,
    visit,
)

pytestmark = pytest.mark.e2e

LYON_SEEKER = lyon_seeker(
    {"first_name": "Amina", "last_name": "Diallo"}, skills=["Nettoyer des locaux"]
)


def france_travail_record(offer_id: str, word: str) -> dict[str, Any]:
    """A record as France Travail's "Offres d'emploi v2" gives it: cleaning work in Lyon 1er."""
    now = datetime.now(UTC).isoformat()
    return {
        "id": offer_id,
        "intitule": f"Agent d'entretien de locaux {word} (H/F)",
        "description": f"Nettoyage de bureaux le matin, du lundi au vendredi ({word}).",
        "dateCreation": now,
        "dateActualisation": now,
        "lieuTravail": {"libelle": "69 - LYON 01", "codePostal": "69001", "commune": "69381"},
        "romeCode": "K2204",
        "entreprise": {"nom": f"PROPRETE {word.upper()}"},
        "typeContrat": "CDI",
        "natureContrat": "Contrat travail",
        "experienceExige": "D",
        "competences": [
            {"libelle": "Nettoyer des locaux", "exigence": "E"},
            {"libelle": "Utiliser une autolaveuse", "exigence": "E"},
        ],
        "permis": [{"libelle": "B - Véhicule léger", "exigence": "E"}],
        "salaire": {"libelle": "Mensuel de 1850.00 Euros sur 12 mois"},
        "dureeTravailLibelleConverti": "Temps plein",
    }


async def import_offer(gateway: httpx.AsyncClient, login: Login, record: dict[str, Any]) -> None:
    operator = await login("ops-offers", "operator")
    imported = await gateway.post("/v1/offers/import", headers=operator, json=[record])
    assert imported.status_code == 200, imported.text
    assert imported.json()["accepted"] == 1, imported.text


async def test_an_imported_offer_answers_with_its_description_and_a_link_to_apply(
    gateway: httpx.AsyncClient, login: Login, unique: str, new_seeker: NewSeeker
) -> None:
    seeker_id, offer_id, word = f"os-{unique}", f"FT{unique.upper()}", f"api{unique}"
    seeker = await new_seeker(seeker_id, LYON_SEEKER)
    await import_offer(gateway, login, france_travail_record(offer_id, word))

    found = await gateway.get("/v1/offers", headers=seeker, params={"q": word, "commune": "69123"})
    answer = await gateway.get(f"/v1/offers/{offer_id}", headers=seeker)
    as_employer = await gateway.get(
        f"/v1/offers/{offer_id}", headers=await login("e-x", "employer")
    )

    assert [item["offer"]["id"] for item in found.json()["items"]] == [offer_id], found.text
    assert answer.status_code == 200, answer.text
    offer = answer.json()
    assert word in offer["offer"]["description"]
    assert offer["status"] == "open"
    assert offer["how_to_apply"]["channel"] == "france-travail"
    assert offer["how_to_apply"]["url"].endswith(f"/offres/recherche/detail/{offer_id}")
    assert offer["offer"]["origin"] == "france-travail"
    assert offer["offer"]["updated_at"]
    assert offer["commune_name"] == "Lyon 1er"
    assert offer["offer"]["occupation_label"] == "Nettoyage de locaux"
    assert 0 < offer["distance_from_home_km"] < 5
    assert offer["missing"] == [
        {"kind": "skill", "label": "Utiliser une autolaveuse"},
        {"kind": "driving_licence", "label": "B"},
    ]
    assert as_employer.json()["missing"] is None  # what one lacks is for seekers only

    closed = await gateway.post(
        f"/v1/offers/{offer_id}/close",
        headers=await login("ops-offers", "operator"),
        json={"reason": "withdrawn"},
    )
    assert closed.status_code == 200, closed.text
    after = await gateway.get(f"/v1/offers/{offer_id}", headers=seeker)
    assert after.status_code == 200, "a closed offer says so rather than vanishing"
    assert (after.json()["status"], after.json()["closed_reason"]) == ("closed", "withdrawn")
    assert after.json()["closed_at"]
    gone = await gateway.get("/v1/offers", headers=seeker, params={"q": word})
    assert gone.json()["total"] == 0
    nothing = await gateway.get("/v1/offers/NO-SUCH-OFFER", headers=seeker)
    assert nothing.status_code == 404
    assert nothing.headers["content-type"].startswith("application/problem+json")


async def search_with_the_keyboard(page: Page, audit: Audit, word: str) -> None:
    await visit(page, audit, "/app/offers")
    await answer_with_the_keyboard(page, audit, "q", word)


async def apply_with_the_keyboard(page: Page, audit: Audit, message: str, shot: str | None) -> None:
    """The application form, from the focus on its summary or above it: a message, the consent
    to share one's contact, sent."""
    await type_into(page, "message", message)
    await tab_to(page, named("consent_to_share_contact"))
    await page.keyboard.press("Space")
    await audit.check(page)
    if shot:
        await screenshot(page, shot)
    await submit_with_the_keyboard(page, audit)


async def test_a_seeker_finds_opens_and_follows_an_offer_and_sees_it_closed(
    language: str,
    gateway: httpx.AsyncClient,
    login: Login,
    unique: str,
    followed_seeker: FollowedSeeker,
    suggested: Suggested,
    seeker_app: SeekerApp,
    counsellor_console: CounsellorConsole,
    locale: str,
    audit: Audit,
) -> None:
    seeker_id, counsellor_id = f"ws-{unique}", f"wc-{unique}"
    offer_id, word = f"FT{unique.upper()}", f"web{unique}"
    seeker = (await followed_seeker(seeker_id, counsellor_id, LYON_SEEKER)).seeker
    await suggested(seeker)
    await import_offer(gateway, login, france_travail_record(offer_id, word))
    await suggested(seeker, offer_id)
    shots = language == "fr"
    offer_page = f"/app/offers/{offer_id}"

    # From a suggestion to the offer's page.
    app = await seeker_app(seeker_id, locale)
    await visit(app, audit, "/app/recommendations")
    card = app.locator(f'[data-testid="match-card"][data-offer-id="{offer_id}"]')
    async with app.expect_navigation():
        await card.locator(f'a[href="{offer_page}"]').click()
    await audit.check(app)
    assert urlsplit(app.url).path == offer_page
    assert word in await h1(app)
    assert await app.locator("html").get_attribute("lang") == language
    await expect(app.get_by_test_id("offer-description")).to_contain_text(word)
    await expect(app.get_by_test_id("offer-employer")).to_have_text(f"PROPRETE {word.upper()}")
    await expect(app.get_by_test_id("offer-place")).to_contain_text("Lyon 1er")
    await expect(app.get_by_test_id("offer-salary")).to_contain_text("1850")
    apply = app.get_by_test_id("offer-apply")
    await expect(apply).to_have_attribute(
        "href", f"https://candidat.francetravail.fr/offres/recherche/detail/{offer_id}"
    )
    await expect(app.get_by_test_id("offer-source")).to_contain_text("France Travail")
    await expect(app.get_by_test_id("offer-missing")).to_contain_text("Utiliser une autolaveuse")
    await expect(app.get_by_test_id("offer-missing")).not_to_contain_text("Nettoyer des locaux")
    await assert_no_keyboard_trap(app)
    if shots:
        await screenshot(app, "app-offer")

    # The search, with the keyboard alone.
    await search_with_the_keyboard(app, audit, word)
    result = app.locator(f'[data-testid="offer-card"][data-offer-id="{offer_id}"]')
    await expect(result).to_have_count(1)
    await expect(result).to_contain_text("Lyon 1er")
    assert "69381" not in await result.inner_text(), "names, not codes"
    if shots:
        await screenshot(app, "app-offers")
    await result.locator("a").focus()
    async with app.expect_navigation():
        await app.keyboard.press("Enter")
    await audit.check(app)
    assert urlsplit(app.url).path == offer_page

    # From the notification of the match.
    await visit(app, audit, "/app/notifications")
    told = app.locator(f'[data-testid="notification"][data-offer-id="{offer_id}"]').first
    await expect(told).to_be_visible(timeout=LIVE)
    async with app.expect_navigation():
        await told.locator(f'a[href="{offer_page}"]').click()
    await audit.check(app)

    # The counsellor opens it from the seeker's file: what this seeker lacks, the code too.
    console = await counsellor_console(counsellor_id, locale)
    await visit(console, audit, f"/console/seekers/{seeker_id}")
    match = console.locator(f'[data-testid="match-card"][data-offer-id="{offer_id}"]')
    async with console.expect_navigation():
        await match.locator(f'a[href^="/console/offers/{offer_id}"]').click()
    await audit.check(console)
    await expect(console.get_by_test_id("offer-missing")).to_contain_text(
        "Utiliser une autolaveuse"
    )
    await expect(console.locator("main")).to_contain_text("K2204")
    await expect(console.get_by_test_id("offer-distance")).to_be_visible()
    if shots:
        await screenshot(console, "console-offer")
    await visit(console, audit, f"/console/seekers/{seeker_id}")
    profile = console.locator("#profile-heading + dl")
    await expect(profile).to_contain_text("Nettoyage de locaux")
    await expect(profile).to_contain_text("Lyon")

    # The offer closes: the seeker's link says so.
    closed = await gateway.post(
        f"/v1/offers/{offer_id}/close",
        headers=await login("ops-offers", "operator"),
        json={"reason": "filled"},
    )
    assert closed.status_code == 200, closed.text
    await visit(app, audit, offer_page)
    await expect(app.get_by_test_id("offer-closed")).to_be_visible()
    await expect(app.get_by_test_id("offer")).to_have_attribute("data-status", "closed")
    await expect(app.get_by_test_id("offer-apply")).to_have_count(0)
    if shots:
        await screenshot(app, "app-offer-closed")


async def test_a_seeker_applies_to_a_company_from_the_web_app_until_the_days_quota(
    language: str,
    locale: str,
    gateway: httpx.AsyncClient,
    unique: str,
    web_seeker: WebSeeker,
    audit: Audit,
) -> None:
    seeker, app = await web_seeker(f"wa-{unique}", METZ_SEEKER, locale)
    listed = await gateway.get("/v1/me/companies", headers=seeker, params={"limit": 20})
    sirets = [c["siret"] for c in listed.json()["items"]]
    assert len(sirets) >= 6, listed.text

    await visit(app, audit, "/app/companies")
    await expect(app.locator("main")).to_contain_text(
        re.compile("ne répond à aucune offre" if language == "fr" else "answers no published offer")
    )
    first = app.locator(f'[data-testid="company-card"][data-siret="{sirets[0]}"]')
    await first.locator("summary").focus()
    await app.keyboard.press("Enter")  # opens the form
    await apply_with_the_keyboard(
        app,
        audit,
        "Vendeuse depuis six ans, disponible tout de suite.",
        "app-company-apply" if language == "fr" else None,
    )
    await expect(app.locator('[role="status"]')).to_be_visible()
    mine = app.locator(f'[data-testid="application-item"][data-siret="{sirets[0]}"]')
    await expect(mine).to_have_count(1)
    await expect(first.locator("form")).to_have_count(0)  # applied: no second form

    for siret in sirets[1:5]:  # the day's quota (5) used up through the API
        sent = await gateway.post(
            f"/v1/me/companies/{siret}/applications",
            headers=seeker,
            json={"message": "Bonjour.", "consent_to_share_contact": False},
        )
        assert sent.status_code == 201, sent.text
    sixth = app.locator(f'[data-testid="company-card"][data-siret="{sirets[5]}"]')
    await sixth.locator("summary").click()
    await sixth.locator('textarea[name="message"]').fill("Bonjour, je suis disponible.")
    async with app.expect_navigation():
        await sixth.locator('[type="submit"]').click()
    await audit.check(app)
    summary = app.get_by_test_id("apply-error-summary")
    await expect(summary).to_contain_text(
        "nombre maximum" if language == "fr" else "the most spontaneous applications"
    )
    await expect(summary).not_to_contain_text("429")
    if language == "fr":
        await screenshot(app, "app-company-quota")


async def test_a_seeker_applies_to_an_employers_offer_from_its_page(
    language: str,
    locale: str,
    gateway: httpx.AsyncClient,
    login: Login,
    unique: str,
    web_seeker: WebSeeker,
    publish_offer: PublishOffer,
    audit: Audit,
) -> None:
    offer_id = f"EMP{unique.upper()}"
    _, app = await web_seeker(f"wo-{unique}", LYON_SEEKER, locale)
    employer = await login(f"we-{unique}", "employer")
    offer = {
        "id": offer_id,
        "title": f"Agent d'entretien {unique} (H/F)",
        "description": "Bureaux à Villeurbanne, le matin.",
        "rome_code": "K2204",
        "place": {"commune_code": "69266"},
        "contract_type": "CDI",
        "employer_name": f"NETTOYAGE {unique.upper()}",
    }
    await publish_offer(employer, offer)
    offer_page = f"/app/offers/{offer_id}"

    await visit(app, audit, offer_page)
    await expect(app.get_by_test_id("offer-apply")).to_contain_text(
        "postulez ici" if language == "fr" else "apply here"
    )
    await apply_with_the_keyboard(
        app,
        audit,
        "Agent d'entretien depuis trois ans, disponible le matin.",
        "app-offer-apply" if language == "fr" else None,
    )
    assert urlsplit(app.url).path == offer_page
    await expect(app.locator('[role="status"]')).to_contain_text(
        "envoyée à l'employeur" if language == "fr" else "sent to the employer"
    )
    applied = app.get_by_test_id("offer-application")
    await expect(applied).to_have_attribute("data-status", "submitted")
    await expect(applied).to_contain_text("disponible le matin")
    await expect(app.get_by_test_id("offer-apply-form")).to_have_count(0)
    await assert_no_keyboard_trap(app)
    if language == "fr":
        await screenshot(app, "app-offer-applied")

    received = await gateway.get(f"/v1/employer/offers/{offer_id}/applications", headers=employer)
    [seen] = received.json()["items"]
    assert seen["contact"]["last_name"] == "Diallo", received.text  # consented on the page
    assert "disponible le matin" in seen["message"]

    async with app.expect_navigation():
        await app.get_by_test_id("offer-withdraw").click()
    await audit.check(app)
    await expect(app.get_by_test_id("offer-application")).to_have_attribute(
        "data-status", "withdrawn"
    )
    [gone] = (
        await gateway.get(f"/v1/employer/offers/{offer_id}/applications", headers=employer)
    ).json()["items"]
    assert (gone["status"], gone["message"], gone["contact"]) == ("withdrawn", None, None)
