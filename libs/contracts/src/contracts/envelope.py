"""The envelope every Tremplin event travels in, and its (de)serialisation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Payload = TypeVar("Payload", bound="EventPayload")


class EventPayload(BaseModel):
    """Base of every event payload: a past-tense fact about one aggregate."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[str]
    schema_version: ClassVar[int] = 1
    key_field: ClassVar[str]

    def __init_subclass__(
        cls, *, event_type: str | None = None, key: str | None = None, **kwargs: Any
    ) -> None:
        """`class MatchFound(EventPayload, event_type=MATCH_FOUND, key="seeker_id")`: the fact's
        name, also its topic's base name, and the field that holds the aggregate's id."""
        super().__init_subclass__(**kwargs)
        if event_type is not None:
            cls.event_type = cls.topic = event_type
        if key is not None:
            cls.key_field = key

    def aggregate_id(self) -> str:
        return str(getattr(self, self.key_field))


class Envelope(BaseModel, Generic[Payload]):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(
        default_factory=uuid.uuid4,
        description="Unique id of this event; consumers deduplicate on it.",
    )
    event_type: str = Field(
        description="Kebab-case name of the fact, equal to its topic's base name."
    )
    occurred_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        description="When the fact happened (UTC, ISO 8601).",
    )
    producer: str = Field(description="Name of the service that published the event.")
    schema_version: int = Field(
        ge=1, description="Version of the payload schema; a breaking change gets a new version."
    )
    key: str = Field(
        description="Id of the aggregate the event is about; also the Kafka message key."
    )
    payload: Payload

    @model_validator(mode="after")
    def _matches_payload(self) -> Envelope[Payload]:
        expected = type(self.payload)
        if expected is EventPayload or not hasattr(expected, "event_type"):
            return self
        if self.event_type != expected.event_type:
            raise ValueError(f"event_type {self.event_type!r} is not {expected.event_type!r}")
        if self.schema_version != expected.schema_version:
            raise ValueError(
                f"schema_version {self.schema_version} is not supported here "
                f"(expected {expected.schema_version}); a new version travels on its own topic"
            )
        return self


class PoisonMessage(ValueError):
    """A message no retry can fix: it goes to the dead-letter topic with this reason."""


def new_envelope(payload: Payload, *, producer: str) -> Envelope[Payload]:
    envelope: Envelope[Payload] = Envelope[Any](
        event_type=payload.event_type,
        producer=producer,
        schema_version=payload.schema_version,
        key=payload.aggregate_id(),
        payload=payload,
    )
    return envelope


def encode(envelope: Envelope[Any]) -> bytes:
    return envelope.model_dump_json().encode()


def headers_for(envelope: Envelope[Any]) -> dict[str, str]:
    return {
        "event_type": envelope.event_type,
        "schema_version": str(envelope.schema_version),
        "event_id": str(envelope.event_id),
        "content-type": "application/json",
    }


def decode(raw: bytes | str | dict[str, Any], payload_type: type[Payload]) -> Envelope[Payload]:
    """Parse a message of a known type, or raise PoisonMessage saying what is wrong with it."""
    try:
        if isinstance(raw, dict):
            envelope = Envelope[payload_type].model_validate(raw)  # type: ignore[valid-type]
        else:
            envelope = Envelope[payload_type].model_validate_json(raw)  # type: ignore[valid-type]
    except ValidationError as error:
        raise PoisonMessage(_describe(error)) from error
    return envelope


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors()[:5]:
        where = ".".join(str(part) for part in item["loc"]) or "message"
        problems.append(f"{where}: {item['msg']}")
    return "invalid event: " + "; ".join(problems)
