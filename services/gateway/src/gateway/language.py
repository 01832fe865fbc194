"""The reader's language: French or English."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

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


def reader_language(
    accept_language: Annotated[
        str | None,
        Header(
            max_length=200,
            description="The reasons are said in English when you prefer it (`en`), in French "
            "otherwise.",
        ),
    ] = None,
) -> str:
    return language_of(None, None, accept_language)


ReaderLanguage = Annotated[str, Depends(reader_language)]
