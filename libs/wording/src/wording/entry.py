"""One code's sentences, in French and in English, most complete first."""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Formatter


@dataclass(frozen=True)
class Entry:
    fr: tuple[str, ...]
    en: tuple[str, ...]
    # The figures the sentences name: only those are said.
    fields: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        named = {
            name
            for sentence in (*self.fr, *self.en)
            for _, name, _, _ in Formatter().parse(sentence)
            if name
        }
        object.__setattr__(self, "fields", frozenset(named))

    def sentences(self, language: str) -> tuple[str, ...]:
        return self.en if language == "en" else self.fr
