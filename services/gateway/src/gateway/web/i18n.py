"""The pages' words in the reader's language: one catalogue per language (words_fr, words_en).
Reasons are not here: the wording catalogue (`libs/wording`) says them."""

from __future__ import annotations

from typing import Any

from gateway.language import DEFAULT, LANGUAGES, language_of
from gateway.web.words_en import EN
from gateway.web.words_fr import FR

CATALOGUES: dict[str, dict[str, str]] = {"fr": FR, "en": EN}
__all__ = ["CATALOGUES", "DEFAULT", "LANGUAGES", "error_text", "language_of", "translate"]


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
