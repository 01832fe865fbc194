"""The pages' words in the reader's language: one catalogue per language (words_fr, words_en)."""

from __future__ import annotations

from typing import Any

from gateway.web.words_en import EN, REASONS_EN
from gateway.web.words_fr import FR
from refdata import Names

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
CATALOGUES: dict[str, dict[str, str]] = {"fr": FR, "en": EN}


def translate(language: str, key: str, **values: Any) -> str:
    text = CATALOGUES.get(language, FR).get(key) or FR.get(key) or key
    return text.format(**values) if values else text


def error_text(language: str, problem: dict[str, Any]) -> str:
    """A validation problem in plain words; the service's own message when we have no better."""
    key = f"error_{problem.get('type', '')}"
    if key in CATALOGUES.get(language, FR):
        try:
            return translate(language, key, **(problem.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            pass
    return f"{translate(language, 'field_invalid')} {problem.get('msg', '')}".strip()


OCCUPATION_PARAMS = ("rome_code", "your_rome_code")


def reason_text(language: str, reason: dict[str, Any], names: Names | None = None) -> str:
    """A match reason in the page's language, occupations named rather than coded; the
    recommender's French text otherwise."""
    template = REASONS_EN.get(str(reason.get("code"))) if language == "en" else None
    if template:
        params = dict(reason.get("params", {}))
        for name in OCCUPATION_PARAMS:
            label = names.occupation(str(params[name])) if names and name in params else None
            if label:
                params[name] = label
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            pass
    return str(reason.get("text", ""))


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
