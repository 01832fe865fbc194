"""End-to-end tests drive the running stack through the gateway only, as a mobile app would."""

import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from testkit.builders import offer_in
from testkit.stack import mongo_url

sys.path.insert(0, str(Path(__file__).resolve().parent))  # web_browser, under importlib mode

from web_browser import audit, browser, new_context, playwright  # noqa: F401 (fixtures)

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
Login = Callable[[str, str], Awaitable[dict[str, str]]]
StoresNaming = Callable[..., Awaitable[list[str]]]


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
