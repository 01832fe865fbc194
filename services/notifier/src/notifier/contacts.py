"""Contact channels of a seeker, asked of the profiles service when a notification goes out."""

from __future__ import annotations

import logging
import time
from dataclasses import InitVar, dataclass, field
from typing import Protocol

import httpx

from notifier.domain.model import Contact
from servicekit.auth import InternalAuthSettings, service_headers

log = logging.getLogger(__name__)


class ContactUnavailable(Exception):
    """The profiles service did not answer: the delivery is retried later."""


class ContactDirectory(Protocol):
    async def channels(self, seeker_id: str) -> Contact | None:
        """The seeker's contact channels, or None when the profiles service does not know them."""
        ...

    async def channels_of(self, seeker_ids: list[str]) -> dict[str, Contact | None]:
        """`channels` of many seekers, in as few requests as the directory can."""
        ...


# Seekers asked of the profiles service in one request at most (its limit).
CHANNELS_PER_REQUEST = 500


@dataclass(eq=False)
class HttpContactDirectory:
    """Reads the profiles service's channels with a service token; answers are cached briefly.

    A batch of alerts asks for all its seekers in one `POST /seekers/channels`.
    """

    base_url: InitVar[str]
    auth: InternalAuthSettings
    cache_s: float = 30.0
    timeout_s: InitVar[float] = 3.0
    max_entries: int = 50_000
    _cache: dict[str, tuple[float, Contact | None]] = field(init=False, default_factory=dict)
    _client: httpx.AsyncClient = field(init=False)

    def __post_init__(self, base_url: str, timeout_s: float) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def channels(self, seeker_id: str) -> Contact | None:
        cached = self._cache.get(seeker_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self._client.get(
                f"/seekers/{seeker_id}/channels", headers=service_headers("notifier", self.auth)
            )
        except httpx.HTTPError as error:
            raise ContactUnavailable(
                f"profiles service unreachable: {type(error).__name__}"
            ) from None
        if response.status_code == httpx.codes.NOT_FOUND:
            contact = None
        elif response.is_success:
            contact = Contact.model_validate(response.json())
        else:
            raise ContactUnavailable(f"profiles service answered {response.status_code}")
        self._remember(seeker_id, contact)
        return contact

    async def channels_of(self, seeker_ids: list[str]) -> dict[str, Contact | None]:
        now = time.monotonic()
        found: dict[str, Contact | None] = {}
        missing = []
        for seeker_id in dict.fromkeys(seeker_ids):
            cached = self._cache.get(seeker_id)
            if cached is not None and cached[0] > now:
                found[seeker_id] = cached[1]
            else:
                missing.append(seeker_id)
        for start in range(0, len(missing), CHANNELS_PER_REQUEST):
            part = missing[start : start + CHANNELS_PER_REQUEST]
            answered = await self._post_channels(part)
            for seeker_id in part:
                contact = answered.get(seeker_id)
                self._remember(seeker_id, contact)
                found[seeker_id] = contact
        return found

    async def _post_channels(self, seeker_ids: list[str]) -> dict[str, Contact]:
        try:
            response = await self._client.post(
                "/seekers/channels",
                json={"seeker_ids": seeker_ids},
                headers=service_headers("notifier", self.auth),
            )
        except httpx.HTTPError as error:
            raise ContactUnavailable(
                f"profiles service unreachable: {type(error).__name__}"
            ) from None
        if not response.is_success:
            raise ContactUnavailable(f"profiles service answered {response.status_code}")
        channels = response.json()["channels"]
        return {seeker_id: Contact.model_validate(c) for seeker_id, c in channels.items()}

    def _remember(self, seeker_id: str, contact: Contact | None) -> None:
        if len(self._cache) >= self.max_entries:
            self._cache.clear()
        self._cache[seeker_id] = (time.monotonic() + self.cache_s, contact)

    def forget(self, seeker_id: str) -> None:
        self._cache.pop(seeker_id, None)

    async def close(self) -> None:
        await self._client.aclose()
