"""The short chaos run: 200 offers, a kill of the recommender and of the notifier, the outbox
relay's crash between publishing and clearing, duplicates and poison messages, against the
running stack; nothing may be lost, duplicated or unexpected.

`make chaos` runs the full one: 10,000 offers, ten kills of each service, Kafka and FerretDB.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.chaos]

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "deploy" / "local" / "chaos.py"


@pytest.mark.timeout(600)
def test_a_short_chaos_run_loses_and_duplicates_nothing() -> None:
    command = [
        sys.executable,
        str(HARNESS),
        "--offers=200",
        "--faults=recommender,notifier,outbox,poison",
        "--kills=1",
        "--gap-min=3",
        "--gap-max=6",
        "--quiet-s=5",
        "--drain-timeout=300",
        "--seed=7",
    ]
    run = subprocess.run(  # noqa: S603 (our own harness, fixed arguments)
        command, cwd=REPO, capture_output=True, text=True, timeout=590, env=dict(os.environ)
    )

    output = run.stdout.strip().splitlines()
    assert output, run.stderr[-2000:]
    figures = json.loads(output[-1])
    context = "\n".join(output[-40:]) + run.stderr[-2000:]
    assert "error" not in figures, context
    assert figures["offers"] == 200, context
    assert figures["expected"] == 400, context
    assert figures["lost"] == 0, context
    assert figures["duplicated"] == 0, context
    assert figures["unexpected"] == 0, context
    assert figures["delivered"] == 400, context
    assert figures["dead_lettered"] == 6, context
    assert figures["faults_by_kind"]["recommender"] == 1, context
    assert figures["faults_by_kind"]["notifier"] == 1, context
    assert figures["faults_by_kind"]["outbox"] == 1, context
    [outbox] = [r for r in figures["recoveries"] if r["kind"] == "outbox"]
    assert outbox["note"].startswith("crashed after publishing, before clearing"), context
    assert figures["duplicates_published"] > 0, context
    assert not figures["dead_letters"]["partitions_stuck"], context
    assert run.returncode == 0, context
