"""End-to-end tests drive the running stack through the gateway only, as a mobile app would."""

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from testkit.builders import offer_in, profile_in
from testkit.stack import mongo_url

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper modules, under importlib mode

from fixture_types import (
    CounsellorOf,
    Eventually,
    Followed,
    FollowedSeeker,
    Forgotten,
    Headers,
    Login,
    MissingALicence,
    NewSeeker,
    OfferPublished,
    PublishOffer,
    StoresNaming,
    Suggested,
)
from web_browser import (  # noqa: F401 (fixtures)
    LIVE_S,
    audit,
    browser,
    counsellor_console,
    language,
    locale,
    new_context,
    playwright,
    seeker_app,
    web_seeker,
)

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
        try:
            ready = await client.get("/health/ready")
        except httpx.ConnectError as error:
            raise RuntimeError(
                f"end-to-end tests need the running stack at {GATEWAY}: `make test` starts it"
            ) from error
        assert ready.status_code == 200, ready.text
        yield client


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def login(gateway: httpx.AsyncClient) -> Login:
    async def sign_in(sub: str, role: str) -> dict[str, str]:
        response = await gateway.post("/v1/auth/dev-token", json={"sub": sub, "role": role})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return sign_in


OfferBuilder = Callable[[str], dict[str, Any]]


@pytest.fixture
def an_offer() -> OfferBuilder:
    """An offer the seekers of these tests match: cleaning work near Lyon, CDI, full time."""
    return offer_in


LheoBuilder = Callable[..., bytes]


@pytest.fixture
def an_lheo_document() -> LheoBuilder:
    """One formation, one action, one session starting in a month (LHEO, as Carif-Orefs send)."""

    def build(
        formation: str,
        title: str = "Conduite routière",
        rome: str | None = "N4101",
        commune: str = "57463",
    ) -> bytes:
        start = date.today() + timedelta(days=30)
        codes = f"<code-ROME>{rome}</code-ROME>" if rome else "<code-NSF>311</code-NSF>"
        return (
            '<lheo xmlns="http://www.lheo.org/2.2"><offres>'
            f'<formation numero="{formation}"><domaine-formation>{codes}</domaine-formation>'
            f"<intitule-formation>{title}</intitule-formation>"
            '<action numero="A1"><prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>'
            "<lieu-de-formation><coordonnees><adresse>"
            f"<code-INSEE-commune>{commune}</code-INSEE-commune></adresse></coordonnees>"
            f'</lieu-de-formation><session numero="S1"><periode><debut>{start:%Y%m%d}</debut>'
            f"<fin>{start + timedelta(days=4):%Y%m%d}</fin></periode></session>"
            "<organisme-financeur><code-financeur>4</code-financeur></organisme-financeur>"
            "</action></formation></offres></lheo>"
        ).encode()

    return build


async def documents_naming(seeker_id: str, among: list[str] | None = None) -> list[str]:
    """Every (database.collection) of the platform still holding something with this id; or,
    quicker, those of `among` (a full look reads every document of every database)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url())
    found = []
    try:
        for name in await client.list_database_names():
            if not name.startswith("tremplin_"):
                continue
            database = client[name]
            for collection in await database.list_collection_names():
                if among is not None and f"{name}.{collection}" not in among:
                    continue
                async for document in database[collection].find({}):
                    if seeker_id in repr(document):
                        found.append(f"{name}.{collection}")
                        break
    finally:
        await client.close()
    return found


@pytest.fixture
def stores_naming() -> StoresNaming:
    return documents_naming


@pytest.fixture
async def new_seeker(gateway: httpx.AsyncClient, login: Login) -> AsyncIterator[NewSeeker]:
    """A seeker signed in who has sent their profile (`PUT /v1/me/profile`); their headers.

    The seekers signed up erase their accounts when the test ends, pass or fail (a 404: the test
    erased them itself)."""
    signed_up: list[Headers] = []

    async def sign_up(seeker_id: str, profile: dict[str, Any]) -> Headers:
        seeker = await login(seeker_id, "seeker")
        created = await gateway.put("/v1/me/profile", headers=seeker, json=profile)
        assert created.status_code == 201, created.text
        signed_up.append(seeker)
        return seeker

    yield sign_up
    for seeker in signed_up:
        erased = await gateway.delete("/v1/me", headers=seeker)
        assert erased.status_code in (204, 404), erased.text


@pytest.fixture
def counsellor_of(gateway: httpx.AsyncClient, login: Login) -> CounsellorOf:
    """A counsellor who takes the seeker into their caseload; the counsellor's headers."""

    async def take(
        seeker_id: str, counsellor_id: str, reason: str = "Premier entretien"
    ) -> Headers:
        counsellor = await login(counsellor_id, "counsellor")
        taken = await gateway.put(
            f"/v1/caseload/{seeker_id}/counsellor",
            headers=counsellor,
            json={"counsellor_id": counsellor_id, "reason": reason},
        )
        assert taken.status_code == 200, taken.text
        return counsellor

    return take


@pytest.fixture
def followed_seeker(new_seeker: NewSeeker, counsellor_of: CounsellorOf) -> FollowedSeeker:
    """A seeker signed up with their profile and taken into a counsellor's caseload."""

    async def follow(
        seeker_id: str,
        counsellor_id: str,
        profile: dict[str, Any],
        reason: str = "Premier entretien",
    ) -> Followed:
        seeker = await new_seeker(seeker_id, profile)
        counsellor = await counsellor_of(seeker_id, counsellor_id, reason)
        return Followed(seeker_id, seeker, counsellor_id, counsellor)

    return follow


@pytest.fixture
def publish_offer(gateway: httpx.AsyncClient) -> PublishOffer:
    """An employer's offer, published (201; the answer is returned). With `tries`, as a client
    should: a 503 says "try again shortly" (the offers service busy past the gateway's timeout),
    and publishing the same offer again is answered 200, so retrying is safe."""

    async def publish(employer: Headers, offer: dict[str, Any], tries: int = 1) -> httpx.Response:
        created = {201}
        for _ in range(tries):
            published = await gateway.post("/v1/offers", headers=employer, json=offer)
            if published.status_code != 503:
                break
            created = {200, 201}  # the busy try may have stored it
            await asyncio.sleep(2)
        assert published.status_code in created, published.text
        return published

    return publish


@pytest.fixture
def offer_published(unique: str, login: Login, publish_offer: PublishOffer) -> OfferPublished:
    """An offer the seekers of these tests match (`an_offer`'s, with the fields given changed),
    published by the test's employer, e-<unique> (named apart from its seekers: the offers keep
    their employer's id); the employer's headers and the answer."""

    async def publish(
        offer_id: str, tries: int = 1, **changes: Any
    ) -> tuple[Headers, httpx.Response]:
        employer = await login(f"e-{unique}", "employer")
        return employer, await publish_offer(employer, {**offer_in(offer_id), **changes}, tries)

    return publish


@pytest.fixture
def suggested(gateway: httpx.AsyncClient) -> Suggested:
    """Waits until the recommender knows the seeker (their suggestions answer 200, not 404), or
    until the offer is among their suggestions."""

    async def wait(seeker: Headers, offer_id: str | None = None) -> None:
        for _ in range(int(LIVE_S * 2)):
            found = await gateway.get("/v1/me/recommendations", headers=seeker)
            if found.status_code == 200 and (offer_id is None or offer_id in found.text):
                return
            await asyncio.sleep(0.5)
        awaited = "the seeker" if offer_id is None else f"offer {offer_id} in their suggestions"
        raise AssertionError(f"the recommender never gave {awaited}: {found.status_code}")

    return wait


@pytest.fixture
def eventually(gateway: httpx.AsyncClient) -> Eventually:
    """Reads a path until it answers 200 with a body `enough` accepts (half a second a try)."""

    async def read(
        path: str, headers: Headers, enough: Callable[[Any], bool], tries: int = 60
    ) -> Any:
        response = None
        for _ in range(tries):
            response = await gateway.get(path, headers=headers)
            if response.status_code == 200 and enough(response.json()):
                return response.json()
            await asyncio.sleep(0.5)
        assert response is not None
        raise AssertionError(
            f"{path} never gave what was awaited: {response.status_code} {response.text}"
        )

    return read


@pytest.fixture
def forgotten(stores_naming: StoresNaming) -> Forgotten:
    """Waits until no store of the platform holds anything with the seeker's id (30 s at most):
    a full look, then only the stores still holding them (a full look reads every document of
    every database), then a full look again."""

    async def wait(seeker_id: str) -> None:
        deadline = time.monotonic() + 30
        remaining = await stores_naming(seeker_id)
        while remaining and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            remaining = await stores_naming(seeker_id, remaining)
        assert remaining == [], f"still holding {seeker_id} after 30 s: {remaining}"
        assert await stores_naming(seeker_id) == [], f"{seeker_id} came back"

    return wait


def licence_offer(offer_id: str) -> dict[str, Any]:
    """A shepherd's job near Gap asking for a driving licence (B)."""
    return offer_in(
        offer_id,
        title="Berger / Bergère H/F",
        rome_code="A1410",
        place={"commune_code": "05061"},
        driving_licences=[{"category": "B", "required": True}],
    )


@pytest.fixture
def missing_a_licence(
    gateway: httpx.AsyncClient,
    login: Login,
    followed_seeker: FollowedSeeker,
    publish_offer: PublishOffer,
    an_lheo_document: LheoBuilder,
) -> MissingALicence:
    """A shepherd near Gap (an occupation and a place the demo data and the other tests leave
    alone) whose three near-matches ask for a driving licence, their counsellor, and licence
    trainings near them (formation id -> title); the seeker's and the counsellor's headers."""

    async def set_up(
        seeker_id: str,
        counsellor_id: str,
        contact: dict[str, str],
        offer_prefix: str,
        formations: dict[str, str],
    ) -> tuple[Headers, Headers]:
        profile = profile_in(
            contact=contact,
            occupations=[{"rome_code": "A1410", "priority": 1}],
            place={"commune_code": "05061"},
            radius_km=30,
        )
        followed = await followed_seeker(seeker_id, counsellor_id, profile)
        # Named apart from the seeker: the offers keep their employer's id.
        employer = await login(f"e-{offer_prefix.lower()}", "employer")
        operator = await login(f"o-{offer_prefix.lower()}", "operator")
        for n in range(3):
            await publish_offer(employer, licence_offer(f"{offer_prefix}{n}"))
        for formation, title in formations.items():
            imported = await gateway.post(
                "/v1/trainings/import",
                content=an_lheo_document(formation, title=title, rome=None, commune="05061"),
                headers={**operator, "Content-Type": "application/xml"},
            )
            assert imported.status_code == 200, imported.text
            assert imported.json()["accepted"] == 1, imported.text
        return followed.seeker, followed.counsellor

    return set_up
