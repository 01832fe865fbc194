"""Runs the CLI as an operator would, in a thread of its own (each command runs its own loop)."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from opscli.cli import app
from servicekit.settings import KafkaSettings

Tremplin = Callable[..., Awaitable[Result]]


@pytest.fixture
def tremplin() -> Tremplin:
    runner = CliRunner()

    async def invoke(*args: str, kafka: KafkaSettings | None = None) -> Result:
        options = []
        if kafka is not None:
            options = [
                "--bootstrap-servers",
                kafka.bootstrap_servers,
                "--topic-suffix",
                kafka.topic_suffix,
            ]
        return await asyncio.to_thread(runner.invoke, app, [*args, *options])

    return invoke
