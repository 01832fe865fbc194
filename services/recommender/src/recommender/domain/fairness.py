"""Fair alerting: an offer alerts a bounded number of seekers, shared among equally good ones."""

from __future__ import annotations

import math


def alert_cap(positions: int, per_position: float, maximum: int) -> int:
    """How many seekers an offer may alert in all: a few per position, never more than `maximum`."""
    return max(1, min(maximum, math.ceil(positions * per_position)))
