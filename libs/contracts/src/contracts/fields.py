"""What the contracts' models are built from: their bases, and the fields several of them declare
alike (each declared here once, with its description and its bounds)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """An HTTP model: a field it does not know is an error."""

    model_config = ConfigDict(extra="forbid")


class Part(BaseModel):
    """A part of an event payload: read leniently (fields added later are ignored), frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True)


SeekerId = Annotated[str, Field(description="The seeker.")]
OfferId = Annotated[str, Field(description="The offer.")]
CounsellorInCharge = Annotated[str | None, Field(description="Counsellor in charge.")]
SeekerPriority = Annotated[int, Field(ge=1, le=5, description="1 is the seeker's first choice.")]

ApplicationId = Annotated[str, Field(description="Id of the application.")]
Applicant = Annotated[str, Field(description="The seeker who applied.")]
SentAt = Annotated[datetime, Field(description="When the seeker sent it.")]
SeekerMessage = Annotated[str, Field(description="The seeker's message.")]
# What a seeker writes when they apply: to a company, or to an offer's employer.
ApplicationMessage = Annotated[str, Field(min_length=1, max_length=3000)]

SaidInFrench = Annotated[
    str,
    Field(description="The reason in plain French, rendered by the gateway from code and params."),
]
SaidInEnglish = Annotated[
    str,
    Field(description="The reason in plain English, rendered by the gateway from code and params."),
]


def coded_as(family: type[StrEnum], examples: str) -> Any:
    """A reason's `code`: one of `family`'s codes, such as `examples`."""
    return Field(description=f"Kind of reason (`contracts.reasons.{family.__name__}`): {examples}")


def figures(named: str) -> Any:
    """A reason's `params`: the figures and codes its sentences name, none by default."""
    return Field(
        default_factory=dict, description=f"The figures and codes the reason names ({named})."
    )


def iso_weekdays(days: list[int]) -> list[int]:
    """Working days as ISO numbers them, 1 (Monday) to 7 (Sunday): a counsellor's preferences,
    checked by the gateway that takes them and by the notifier that keeps them."""
    if any(day < 1 or day > 7 for day in days):
        raise ValueError("days are numbered 1 (Monday) to 7 (Sunday)")
    return days
