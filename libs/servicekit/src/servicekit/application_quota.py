"""The bound of a seeker's daily applications, shared by the services that take applications."""

from typing import Annotated

from pydantic import Field

# Applications a seeker may send in a day, through one service: one at least, a hundred at most.
ApplicationsPerDay = Annotated[int, Field(ge=1, le=100)]
