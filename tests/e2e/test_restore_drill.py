"""The backup and restore drill on the running stack: a dump under load, every database wiped
and restored, the consumer groups moved back to the dump's moment T, the services started again.
Nothing written before T may be missing, no alert may reach anybody twice under two delivery ids
nor land twice in an inbox, and the platform must carry on.

It takes 3 to 5 minutes, most of them the services starting again: `make drill-restore` runs it
(with its progress and figures), `make test` does not.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.drill]

REPO = Path(__file__).resolve().parents[2]
DRILL = REPO / "deploy" / "local" / "restore_drill.py"


@pytest.mark.timeout(600)
def test_a_restore_to_the_dumps_start_loses_nothing_before_it_and_alerts_nobody_twice(
    tmp_path: Path,
) -> None:
    drill = subprocess.Popen(  # noqa: S603 (our own drill, fixed arguments)
        [sys.executable, str(DRILL), "--directory", str(tmp_path / "dump")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )
    assert drill.stdout is not None
    output = []
    for line in drill.stdout:  # shown as it comes with `pytest -s`
        sys.stdout.write(line)
        output.append(line.rstrip("\n"))
    returncode = drill.wait(timeout=30)

    assert output
    figures = json.loads(output[-1])
    context = "\n".join(output[-30:])
    assert "error" not in figures, context
    assert figures["failures"] == [], context
    # The drill did what it says: load during the dump and after it, events re-read.
    assert figures["offers_during_dump"] > 0, context
    assert figures["offers_after_dump"] == 10, context
    assert figures["documents_restored"] == figures["documents_dumped"] > 0, context
    assert figures["events_reread"] > 0, context
    # Everything written before T is back; the consumers' state is whole again.
    assert figures["missing_before_t"] == 0, context
    assert figures["recommendations_wrong"] == 0, context
    # Every alert exactly once in the inbox and once per delivery id on each channel; only
    # alerts first sent after T may go out again, under their own delivery id.
    assert figures["expected_alerts"] == 240, context
    assert figures["delivered"] == 240, context
    assert figures["lost"] == figures["duplicated"] == figures["unexpected"] == 0, context
    assert figures["resent_before_t"] == 0, context
    assert figures["by_channel"]["inbox"]["seen"] == 240, context
    # The platform carries on: the offers published after the restart alerted their seekers.
    assert figures["offers_after_restore"] == 20, context
    assert returncode == 0, context
