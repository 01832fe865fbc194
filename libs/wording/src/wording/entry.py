"""One code's sentences, in French and in English, most complete first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    fr: tuple[str, ...]
    en: tuple[str, ...]

    def sentences(self, language: str) -> tuple[str, ...]:
        return self.en if language == "en" else self.fr
