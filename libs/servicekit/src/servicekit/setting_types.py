"""Bounds the services' settings share, stated once: each setting keeps its own default and
description (`name: Seconds = Field(default=..., description=...)`)."""

from typing import Annotated

from pydantic import Field

# A duration in seconds, more than zero.
Seconds = Annotated[float, Field(gt=0)]
# How many of something, one at least.
Count = Annotated[int, Field(ge=1)]
# A number of days, from one to a leap year.
DaysInAYear = Annotated[int, Field(ge=1, le=366)]
# A share of one: a score or a threshold, from 0 to 1.
Share = Annotated[float, Field(ge=0, le=1)]
