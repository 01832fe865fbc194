import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
_COMBINING_MARKS = re.compile("[\u0300-\u036f]")
_WORD = re.compile(r"[a-z0-9]+")

T = TypeVar("T")


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space: `Bûcheronnage` → `bucheronnage`."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    # Other non-ASCII characters (’, ·, –) become "?", a word separator.
    ascii_text = _COMBINING_MARKS.sub("", decomposed).encode("ascii", "replace").decode("ascii")
    return " ".join(_WORD.findall(ascii_text.lower()))


@dataclass(frozen=True)
class _Entry(Generic[T]):
    text: str
    words: tuple[str, ...]
    item: T


class WordPrefixIndex(Generic[T]):
    """Finds items whose label has, for every query word, a word starting with it."""

    def __init__(self, items: Sequence[T], label: Callable[[T], str]) -> None:
        self._items = items
        self._label = label
        self._built = False  # built on the first search: most processes never search
        self._entries: list[_Entry[T]] = []
        self._by_initial: dict[str, set[int]] = {}  # first letter of a word -> entries
        self._lock = threading.Lock()

    def search(self, query: str, limit: int) -> list[T]:
        text = normalise(query)
        words = text.split()
        if not words or limit <= 0:
            return []
        if not self._built:
            with self._lock:
                if not self._built:
                    self._build()
        candidates = set.intersection(*(self._by_initial.get(q[0], set()) for q in words))
        hits = [
            entry
            for entry in (self._entries[i] for i in candidates)
            if all(any(w.startswith(q) for w in entry.words) for q in words)
        ]
        # Labels starting with the query first, then the shortest (the most general) ones.
        hits.sort(key=lambda e: (not e.text.startswith(text), len(e.text), e.text))
        return [entry.item for entry in hits[:limit]]

    def _build(self) -> None:
        for position, item in enumerate(self._items):
            text = normalise(self._label(item))
            words = tuple(text.split())
            self._entries.append(_Entry(text, words, item))
            for word in words:
                self._by_initial.setdefault(word[0], set()).add(position)
        self._built = True
