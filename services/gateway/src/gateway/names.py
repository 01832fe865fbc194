"""Names instead of codes on pages and in answers: occupations, communes, sectors.

Read once per process from the reference data (`refdata.get_names`); without it, pages fall back
to the codes rather than fail.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request

from refdata import Names, RefdataUnavailableError, get_names

logger = logging.getLogger(__name__)
NO_NAMES = Names(occupations={}, communes={}, sectors={})


def load_names() -> Names:
    try:
        return get_names()
    except (RefdataUnavailableError, OSError) as error:
        logger.warning("reference data unavailable, pages show codes: %s", error)
        return NO_NAMES


def names_of(request: Request) -> Names:
    names: Names | None = getattr(request.app.state, "names", None)
    if names is None:
        names = request.app.state.names = load_names()
    return names


NamesOf = Annotated[Names, Depends(names_of)]
