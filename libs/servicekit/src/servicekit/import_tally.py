"""What an import did with the records it was sent: counted by outcome, each rejection kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

RejectionT = TypeVar("RejectionT")


@dataclass
class ImportTally(Generic[RejectionT]):
    accepted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectionT] = field(default_factory=list)
