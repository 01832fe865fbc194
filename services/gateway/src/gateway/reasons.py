"""Reasons said for the reader: the producers give codes and figures, the wording catalogue says
them. Answers keep their fields: a match reason's `text` (in the reader's language), a
company's or a training's `fr` and `en`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contracts.companies import CompanyList
from contracts.trainings import TrainingProposal
from refdata import Names
from wording import render

MATCH_LISTS = ("reasons", "missing")


def say_match_reasons(suggestions: Any, language: str, names: Names) -> Any:
    """Each reason of each suggestion (JSON as the recommender answers) gets its `text`."""
    for suggestion in suggestions if isinstance(suggestions, list) else ():
        for key in MATCH_LISTS:
            for reason in suggestion.get(key) or ():
                reason["text"] = render(reason, language, names)
    return suggestions


def say_company_reasons(found: CompanyList, names: Names) -> CompanyList:
    for company in found.items:
        for reason in company.reasons:
            reason.fr = render(reason, "fr", names, fallback=reason.fr or None)
            reason.en = render(reason, "en", names, fallback=reason.en or None)
    return found


def say_proposal_reasons(
    proposals: Iterable[TrainingProposal], names: Names
) -> list[TrainingProposal]:
    said = list(proposals)
    for proposal in said:
        for reason in proposal.reasons:
            reason.fr = render(reason, "fr", names, fallback=reason.fr or None)
            reason.en = render(reason, "en", names, fallback=reason.en or None)
    return said
