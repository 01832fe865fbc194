"""The reader's language: French or English."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

LANGUAGES = ("fr", "en")
DEFAULT = "fr"


def language_of(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang= first, then the cookie it left, then the browser's wishes; French otherwise."""
    for chosen in (query, cookie):
        if chosen in LANGUAGES:
            return chosen
    wishes: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, weight = part.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue
        primary = tag.split("-")[0].strip().lower()
        if primary in LANGUAGES and quality > 0:
            wishes.append((quality, primary))
    if wishes:
        return max(wishes, key=lambda wish: wish[0])[1]
    return DEFAULT


def reader_language(request: Request) -> str:
    """The caller's language by `Accept-Language` alone (an app keeps no cookie): English when
    preferred, French otherwise. Read as it comes, never refused."""
    return language_of(None, None, request.headers.get("accept-language"))


ReaderLanguage = Annotated[str, Depends(reader_language)]
