"""The grid that the candidate index is keyed by, distances in kilometres, and small-int words."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from refdata.geo import EARTH_RADIUS_KM

CELL_DEG = 0.25
LON_CELLS = int(360 / CELL_DEG)
KM_PER_DEG_LAT = 111.2

F64 = npt.NDArray[np.float64]


def cell_of(latitude: float, longitude: float) -> int:
    row = math.floor((latitude + 90.0) / CELL_DEG)
    column = math.floor((longitude + 180.0) / CELL_DEG) % LON_CELLS
    return row * LON_CELLS + column


def cells_covering(latitude: float, longitude: float, radius_km: float) -> list[int]:
    """Grid cells that the circle of `radius_km` around the point touches (its bounding box)."""
    dlat = radius_km / KM_PER_DEG_LAT
    dlon = radius_km / (KM_PER_DEG_LAT * max(0.05, math.cos(math.radians(latitude))))
    rows = range(
        math.floor((latitude - dlat + 90.0) / CELL_DEG),
        math.floor((latitude + dlat + 90.0) / CELL_DEG) + 1,
    )
    first = math.floor((longitude - dlon + 180.0) / CELL_DEG)
    last = math.floor((longitude + dlon + 180.0) / CELL_DEG)
    return [
        row * LON_CELLS + column % LON_CELLS for row in rows for column in range(first, last + 1)
    ]


def haversine_km(lat1: float, lon1: float, lat2: F64, lon2: F64) -> F64:
    phi1, phi2 = math.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlambda = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    result: F64 = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


class Vocabulary:
    """Strings to small ints and back, so that columns hold ints."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []

    def id(self, word: str) -> int:
        found = self.ids.get(word)
        if found is None:
            found = self.ids[word] = len(self.words)
            self.words.append(word)
        return found

    def bit(self, word: str) -> int:
        return 1 << (self.id(word) % 64)

    def mask(self, words: Iterable[str]) -> int:
        mask = 0
        for word in words:
            mask |= self.bit(word)
        return mask
