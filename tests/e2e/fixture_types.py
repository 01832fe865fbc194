"""The types of the fixtures of tests/e2e/conftest.py, for the signatures of the test modules and
of web_browser (neither can import the conftest)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from playwright.async_api import Page

Headers = dict[str, str]
Login = Callable[[str, str], Awaitable[Headers]]
StoresNaming = Callable[..., Awaitable[list[str]]]
NewSeeker = Callable[[str, dict[str, Any]], Awaitable[Headers]]
CounsellorOf = Callable[..., Awaitable[Headers]]
Suggested = Callable[..., Awaitable[None]]
Forgotten = Callable[[str], Awaitable[None]]
MissingALicence = Callable[..., Awaitable[tuple[Headers, Headers]]]
Eventually = Callable[..., Awaitable[Any]]
WebSeeker = Callable[..., Awaitable[tuple[Headers, Page]]]
PublishOffer = Callable[..., Awaitable[httpx.Response]]
OfferPublished = Callable[..., Awaitable[tuple[Headers, httpx.Response]]]


@dataclass(frozen=True)
class Followed:
    """A seeker who sent their profile, and the counsellor who took them into their caseload."""

    seeker_id: str
    seeker: Headers
    counsellor_id: str
    counsellor: Headers


FollowedSeeker = Callable[..., Awaitable[Followed]]
