"""A reason given with a suggestion (a company, a training session): a code and its figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

CodeT = TypeVar("CodeT", bound=Enum)


@dataclass(frozen=True)
class CodedReason(Generic[CodeT]):
    """A code and its figures: the wording catalogue says them in the reader's language."""

    code: CodeT
    params: dict[str, str | int | float] = field(default_factory=dict)
