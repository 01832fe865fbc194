"""The pieces every service is put together with: its settings, its index builders, its relays."""

from typing import Any, ClassVar

import pytest
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings

from servicekit.data import FERRETDB, Documents
from servicekit.index_builds import ServiceIndexes, indexes_of
from servicekit.service_lifespan import woken_relays
from servicekit.service_settings import ServiceSettings
from servicekit.setting_types import Count, DaysInAYear, Seconds, Share


class Settings(ServiceSettings):
    database: str = Field(default="tremplin_example")


def test_service_settings_hold_kafka_mongo_and_internal_calls() -> None:
    settings = Settings()
    assert {"kafka", "mongo", "internal_auth", "database"} <= set(Settings.model_fields)
    assert settings.kafka.bootstrap_servers
    assert settings.mongo.url


class Store:
    built: ClassVar[list[object]] = []

    def __init__(self, database: object) -> None:
        self.database = database

    async def create_indexes(self) -> None:
        Store.built.append(self.database)


async def test_indexes_are_built_in_the_database_the_settings_name() -> None:
    indexes = ServiceIndexes(Settings, indexes_of(Store))
    assert indexes.database == "tremplin_example"
    await indexes.builders[0]("the database")  # type: ignore[arg-type]
    assert Store.built == ["the database"]


def test_each_collection_gets_a_relay_woken_for_a_first_pass() -> None:
    collections: list[Any] = [Documents(object(), FERRETDB) for _ in range(2)]  # type: ignore[arg-type]
    relays = woken_relays(object(), "-t", *collections, sweep_interval_s=7.0)  # type: ignore[arg-type]
    assert [relay.documents for relay in relays] == collections
    assert all(relay._wake.is_set() for relay in relays)


class Bounded(BaseSettings):
    interval_s: Seconds = Field(default=1.0, description="How often.")
    batch: Count = 10
    days: DaysInAYear = 30
    score: Share = 0.5


@pytest.mark.parametrize(
    ("name", "refused"),
    [("interval_s", 0), ("batch", 0), ("days", 0), ("days", 367), ("score", -0.1), ("score", 1.1)],
)
def test_shared_bounds_refuse_what_is_out_of_them(name: str, refused: float) -> None:
    with pytest.raises(ValidationError):
        Bounded.model_validate({name: refused})


def test_a_setting_of_a_shared_type_keeps_its_own_default_and_description() -> None:
    field = Bounded.model_fields["interval_s"]
    assert (field.default, field.description) == (1.0, "How often.")
    assert Bounded(days=366).days == 366
