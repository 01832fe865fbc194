"""A store's indexes written as a table: each entry the keys of one index, in order."""

from __future__ import annotations

from collections.abc import Iterable

from servicekit.data import Documents

Keys = list[tuple[str, int]]


async def ensure_indexes(documents: Documents, indexes: Iterable[Keys]) -> None:
    """Creates each index that is not there yet (creating an existing one changes nothing)."""
    for keys in indexes:
        await documents.raw.create_index(keys)
