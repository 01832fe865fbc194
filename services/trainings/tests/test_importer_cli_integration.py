"""The operator's CLI imports a generated LHEO export into the store, then again: unchanged."""

import json
from pathlib import Path

import pytest

from demo.trainings import write_lheo
from refdata import get_referential
from servicekit.settings import MongoSettings
from trainings.importer import main

pytestmark = pytest.mark.integration


def test_the_cli_imports_then_finds_everything_unchanged(
    tmp_path: Path,
    mongo: MongoSettings,
    run_id: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "lheo.xml"
    write_lheo(path, 120, get_referential())
    monkeypatch.setenv("TRAININGS_DATABASE", f"test_{run_id}")
    monkeypatch.setenv("MONGO_URL", mongo.url)

    assert main([str(path), "--json", "--batch-size", "50"]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main([str(path), "--json"]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert first["accepted"] == 120
    assert first["rejected"] == 0
    assert first["seconds"] > 0
    assert (second["accepted"], second["updated"], second["unchanged"]) == (0, 0, 120)
