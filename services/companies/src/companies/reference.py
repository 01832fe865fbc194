"""The reference data the service reads: sectors and labels, and the establishments it loads
into an empty store (La Bonne Boîte's files, through the reference-data loader)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from companies.catalogue import Catalogue
from companies.importing import import_rows
from companies.store import EstablishmentStore
from refdata import Sectors, company_data_dir, read_establishment_rows, read_sectors
from refdata.companies import ESTABLISHMENTS

log = logging.getLogger(__name__)


def load_sectors() -> Sectors:
    return read_sectors(company_data_dir())


async def load_reference_establishments(
    store: EstablishmentStore, catalogue: Catalogue, file: Path | None = None
) -> None:
    path = file or company_data_dir() / ESTABLISHMENTS.name
    if not path.is_file():
        log.warning(
            "companies: no establishments to load (%s is missing): import them with "
            "`python -m companies.importer`",
            path,
        )
        return
    raw = await asyncio.to_thread(path.read_bytes)
    rows = list(read_establishment_rows(raw))
    report = await import_rows(rows, store, catalogue)
    log.info(
        "companies: establishments loaded from the reference data",
        extra={
            "file": path.name,
            "accepted": report.accepted,
            "updated": report.updated,
            "rejected": len(report.rejected),
        },
    )
