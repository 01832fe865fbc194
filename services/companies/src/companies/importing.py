"""Import establishments in La Bonne Boîte's format: new ones inserted, changed ones refreshed,
the same ones again left alone (a re-import changes nothing), bad rows reported."""

from __future__ import annotations

from collections.abc import Iterable

from companies.catalogue import Catalogue
from companies.domain.establishment import (
    BadValue,
    Establishment,
    Rejection,
    establishment_from_row,
)
from companies.store import OPEN, EstablishmentStore
from servicekit.import_tally import ImportTally

ImportReport = ImportTally[Rejection]


def parse_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
) -> tuple[list[Establishment], list[Rejection]]:
    kept: dict[str, tuple[int, Establishment]] = {}
    rejected: list[Rejection] = []
    for line, row in rows:
        try:
            establishment = establishment_from_row(row)
        except BadValue as error:
            siret = row.get("siret") or None
            rejected.append(Rejection(line, siret, error.column, error.reason))
            continue
        if establishment.siret in kept:
            first = kept[establishment.siret][0]
            rejected.append(
                Rejection(line, establishment.siret, "siret", f"this SIRET is on line {first} too")
            )
            continue
        kept[establishment.siret] = (line, establishment)
    return [e for _, e in kept.values()], rejected


async def import_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    store: EstablishmentStore,
    catalogue: Catalogue,
) -> ImportReport:
    establishments, rejected = parse_rows(rows)
    known = await store.known([e.siret for e in establishments])
    new = [e for e in establishments if e.siret not in known]
    changed = [
        e for e in establishments if e.siret in known and known[e.siret][0] != e.fingerprint()
    ]
    inserted = await store.insert(new)
    # Inserted meanwhile by another import: their facts are refreshed instead.
    changed += [e for e in new if e.siret not in inserted]
    refreshed = await store.refresh(changed)
    withdrawn = {siret for siret, (_, status) in known.items() if status != OPEN}
    catalogue.put(
        e
        for e in (*new, *changed)
        if (e.siret in inserted or e.siret in refreshed) and e.siret not in withdrawn
    )
    return ImportReport(
        accepted=len(inserted),
        updated=len(refreshed),
        unchanged=len(establishments) - len(inserted) - len(refreshed),
        rejected=rejected,
    )
