"""Per-document turns inside one process: the data layer's one locking policy.

FerretDB 1.24 applies an update as read-modify-write without isolation: two concurrent updates of
the same document lose one of them (MongoDB does not). There, `Documents` makes every write of a
document take that document's turn; documents in different stripes never wait for each other.
With several replicas on FerretDB the race remains between processes: production runs on MongoDB,
and what must happen once across replicas is decided by a unique key.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator, Iterable


class KeyedLocks:
    def __init__(self, stripes: int = 256) -> None:
        self._locks = [asyncio.Lock() for _ in range(stripes)]

    def _stripe(self, key: object) -> int:
        return zlib.crc32(repr(key).encode()) % len(self._locks)

    @contextlib.asynccontextmanager
    async def hold(self, keys: Iterable[object]) -> AsyncIterator[None]:
        """Hold the locks of all these documents (taken in one order: no deadlock)."""
        async with contextlib.AsyncExitStack() as stack:
            for stripe in sorted({self._stripe(key) for key in keys}):
                await stack.enter_async_context(self._locks[stripe])
            yield
