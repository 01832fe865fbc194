from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from servicekit import service_lifespan
from servicekit.index_builds import ServiceIndexes
from servicekit.service_opening import opened_service
from servicekit.service_settings import ServiceSettings
from servicekit.settings import MongoSettings


class Settings(ServiceSettings):
    database: str = "tremplin_test"


def opening(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []

    @asynccontextmanager
    async def database(app: FastAPI, broker: Any, mongo: Any, name: str) -> AsyncIterator[Any]:
        opened.append(name)
        yield name

    monkeypatch.setattr(service_lifespan, "service_database", database)
    return opened


@pytest.mark.parametrize("at_start", [True, False])
async def test_the_app_keeps_its_settings_and_builds_indexes_when_asked(
    monkeypatch: pytest.MonkeyPatch, at_start: bool
) -> None:
    opened = opening(monkeypatch)
    built: list[object] = []

    async def build(database: object) -> None:
        built.append(database)

    settings = Settings(mongo=MongoSettings(indexes_at_start=at_start))
    app = FastAPI()
    indexes = ServiceIndexes(Settings, build)
    async with opened_service(app, None, settings, "tremplin_x", indexes) as database:  # type: ignore[arg-type]
        assert database == "tremplin_x"
    assert opened == ["tremplin_x"]
    assert built == (["tremplin_x"] if at_start else [])
    assert app.state.settings is settings
    assert app.state.internal_auth is settings.internal_auth
