"""Shared bits of the benchmarks: machine description, percentiles, the results file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in [0, 100]."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=RESULTS.parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(section: str, command: str, figures: dict[str, Any], notes: str = "") -> None:
    """Replace the section of docs/benchmarks.md named `section` with this run's figures."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    start_marker, end_marker = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    block = "\n".join(
        [
            start_marker,
            f"Command: `{command}`  ",
            f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_revision()}  ",
            f"Machine: {machine()}",
            "",
            "```json",
            json.dumps(figures, indent=2),
            "```",
            *([notes] if notes else []),
            end_marker,
        ]
    )
    if start_marker in text and end_marker in text:
        before, rest = text.split(start_marker, 1)
        after = rest.split(end_marker, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + f"\n\n## {section}\n\n{block}\n"
    RESULTS.write_text(text)
