"""Imports an LHEO document into the sessions store, batch by batch, in bounded memory.

Shared by the HTTP endpoint and the operator's CLI. Re-importing the same document changes
nothing: sessions are found again by formation, action and session numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

from refdata import Referential, commune_display_name
from refdata.lheo import LheoDictionaries
from trainings.domain.formation import Issue, Located, Vocabulary, read_formation
from trainings.domain.session import Session
from trainings.lheo_reader import formations
from trainings.store import SessionCounts, SessionStore

# A broken export can reject every record: the answer lists the first ones and counts them all.
MAX_LISTED = 1000


@dataclass
class ImportReport(SessionCounts):
    rejected: int = 0
    rejections: list[Issue] = field(default_factory=list)
    notices: list[Issue] = field(default_factory=list)

    @property
    def sessions(self) -> int:
        return self.accepted + self.updated + self.unchanged + self.rejected

    def note(self, rejected: list[Issue], notices: list[Issue]) -> None:
        self.rejections.extend(rejected[: MAX_LISTED - len(self.rejections)])
        self.notices.extend(notices[: MAX_LISTED - len(self.notices)])


def vocabulary(reference: Referential, dictionaries: LheoDictionaries) -> Vocabulary:
    def locate(insee: str | None, postcode: str | None) -> Located | None:
        commune = reference.commune(insee) if insee else None
        if commune is None and postcode:
            candidates = reference.communes_by_postcode(postcode)
            commune = candidates[0] if candidates else None
        if commune is None:
            return None
        known_postcode = commune.postcodes[0] if commune.postcodes else None
        return commune.insee_code, known_postcode, commune.latitude, commune.longitude

    def name_of(insee: str) -> str | None:
        commune = reference.commune(insee)
        return commune_display_name(commune.name) if commune is not None else None

    return Vocabulary(
        is_rome=reference.is_rome,
        locate=locate,
        funders=dictionaries.funders,
        commune_name=name_of,
    )


async def import_lheo(
    source: IO[bytes],
    store: SessionStore,
    words: Vocabulary,
    *,
    batch_size: int = 1000,
    on_batch: Callable[[ImportReport, list[str]], None] = lambda report, queued: None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ImportReport:
    """Import every formation of `source`; `on_batch` hears of each batch written (the report so
    far and the sessions that queued an event). Raises NotLheoError on input that is not LHEO
    (what came before it is imported)."""
    report = ImportReport()
    batch: dict[str, Session] = {}
    # The store writes a batch while the parser reads the next one: one write in flight at most.
    writing: asyncio.Task[None] | None = None

    async def write(sessions: list[Session]) -> None:
        moment = now()
        written = await store.import_batch(sessions, moment.date(), moment)
        report.add(written)
        report.rejected += len(written.conflicts)
        conflicts = [
            Issue("session", i, "changed concurrently; import it again") for i in written.conflicts
        ]
        report.note(conflicts, [])
        on_batch(report, written.queued)

    async def flush() -> None:
        nonlocal writing
        if writing is not None:
            await writing
        writing = asyncio.create_task(write(list(batch.values())))
        batch.clear()

    try:
        for tags, element in formations(source):
            reading = read_formation(element, tags, words)
            report.rejected += reading.rejected_sessions
            report.note(reading.rejected, reading.notices)
            for session in reading.sessions:
                if session.id in batch:
                    report.rejected += 1
                    reason = (
                        "the same session comes again later in the document; the last one counts"
                    )
                    report.note([Issue("session", session.id, reason)], [])
                batch[session.id] = session
            if len(batch) >= batch_size:
                await flush()
            await asyncio.sleep(0)  # let the write in flight send and receive
        if batch:
            await flush()
    finally:
        if writing is not None:
            await writing
    return report
