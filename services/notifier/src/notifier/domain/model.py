"""What the notifier knows: channels, categories, preferences, contact details, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.fields import iso_weekdays

# The gateway takes the seeker's choices in the same words: one vocabulary, in contracts.
from contracts.vocabulary import Category as Category
from contracts.vocabulary import Channel as Channel
from contracts.vocabulary import Frequency as Frequency

DEFAULT_TIME_ZONE = "Europe/Paris"


def is_zone(name: str) -> bool:
    """Whether `name` is a time zone this machine knows (an IANA name such as Europe/Paris)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


INTRUSIVE = (Channel.PUSH, Channel.SMS, Channel.EMAIL)


class Language(StrEnum):
    FR = "fr"
    EN = "en"


class QuietHours(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: time = Field(description="Local time when quiet hours begin, e.g. 21:00.")
    end: time = Field(description="Local time when they end, e.g. 08:00 (next day when < start).")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end must differ (omit quiet_hours to have none)")
        return self


DEFAULT_QUIET_HOURS = QuietHours(start=time(21, 0), end=time(8, 0))


def default_channels() -> dict[Category, list[Channel]]:
    return {
        Category.NEW_MATCH: [Channel.INBOX, Channel.PUSH],
        Category.OFFER_CLOSED: [Channel.INBOX],
        Category.COUNSELLOR_MESSAGE: [Channel.INBOX, Channel.PUSH],
    }


class Preferences(BaseModel):
    """A seeker's choices. The inbox always receives; other channels follow these rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channels: dict[Category, list[Channel]] = Field(
        default_factory=default_channels,
        description="Channels used for each category of notification.",
    )
    frequency: Frequency = Field(
        default=Frequency.INSTANT,
        description="instant, or folded into a daily or weekly digest (email, push, SMS).",
    )
    quiet_hours: QuietHours | None = Field(
        default=DEFAULT_QUIET_HOURS,
        description="No push, SMS or email inside this window (seeker's time zone); null: none.",
    )
    max_push_per_hour: int = Field(
        default=3, ge=1, le=60, description="Pushes beyond this fold into the next digest."
    )

    @field_validator("channels")
    @classmethod
    def _no_repeats(cls, value: dict[Category, list[Channel]]) -> dict[Category, list[Channel]]:
        return {category: list(dict.fromkeys(chosen)) for category, chosen in value.items()}

    def channels_for(self, category: Category) -> list[Channel]:
        return self.channels.get(category, default_channels()[category])


class Contact(BaseModel):
    """Where to reach a seeker, asked of the profiles service at delivery time, never stored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    email: str | None = None
    phone: str | None = None
    push_token: str | None = None
    language: Language = Language.FR
    time_zone: str = DEFAULT_TIME_ZONE

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return value if is_zone(value) else DEFAULT_TIME_ZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def address(self, channel: Channel) -> str | None:
        return {
            Channel.EMAIL: self.email,
            Channel.PUSH: self.push_token,
            Channel.SMS: self.phone,
        }.get(channel)


UNKNOWN_CONTACT = Contact()


class WorkingHours(BaseModel):
    """When a counsellor works: their daily digest goes out when such a window starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: list[int] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        min_length=1,
        description="Working days, ISO numbers: 1 = Monday ... 7 = Sunday.",
    )
    start: time = Field(default=time(9, 0), description="Local time the working day starts.")
    end: time = Field(default=time(17, 0), description="Local time it ends (after start).")
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, description="IANA zone, e.g. Europe/Paris.")

    @field_validator("days")
    @classmethod
    def _iso_days(cls, value: list[int]) -> list[int]:
        return sorted(set(iso_weekdays(value)))

    @field_validator("time_zone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        if not is_zone(value):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name")
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class CounsellorPreferences(BaseModel):
    """A counsellor's choices: the daily digest lands in their inbox as their working day starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    working_hours: WorkingHours = Field(
        default_factory=WorkingHours, description="Default: Monday to Friday, 09:00-17:00 Paris."
    )
    language: Language = Field(default=Language.FR, description="Language of the digest.")
    daily_digest: bool = Field(default=True, description="False: no daily digest at all.")
