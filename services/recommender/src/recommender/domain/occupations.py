"""Which occupations are close enough to suggest an offer of one to a seeker looking for another."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping


class OccupationGraph:
    """The offer's occupation and its few strongest neighbours, with their similarity in (0, 1].

    Built from the referential's national neighbour scores: only the `top` best neighbours
    scoring at least `threshold` count, so a suggestion never rests on a weak, far-fetched link.
    """

    def __init__(
        self, neighbours: Mapping[str, Mapping[str, float]], top: int = 3, threshold: float = 0.05
    ) -> None:
        self._near: dict[str, dict[str, float]] = {}
        reverse: dict[str, dict[str, float]] = defaultdict(dict)
        for rome, scores in neighbours.items():
            best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
            kept = {other: score for other, score in best[:top] if score >= threshold}
            self._near[rome] = kept
            for other, score in kept.items():
                reverse[other][rome] = score
        self._reverse = dict(reverse)

    def neighbours_of_offer(self, rome: str) -> dict[str, float]:
        """Seekers' occupations an offer of `rome` may be suggested to, besides `rome` itself."""
        return dict(self._near.get(rome, {}))

    def offer_occupations_for(self, rome: str) -> dict[str, float]:
        """Offers' occupations that may be suggested to a seeker looking for `rome`."""
        return dict(self._reverse.get(rome, {}))
