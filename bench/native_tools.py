"""Native tools the benchmarks drive: Debian's `wrk`, installed when missing (as root).

    python bench/native_tools.py   # `make bench-tools`; the benches needing wrk call ensure_wrk()

As `deploy/local/stack.py` does for Chromium: `apt-get install` as root, once more after
`apt-get update` if the first try fails; otherwise say how to install it and stop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

LOG = Path(__file__).resolve().parent.parent / ".local" / "log" / "prepare-wrk.log"


class ToolMissing(RuntimeError):
    """A tool the bench needs is not installed and could not be installed from here."""


def _apt(apt: str, *arguments: str) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("a") as log:
        done = subprocess.run([apt, *arguments], stdout=log, stderr=subprocess.STDOUT, env=env)
    return done.returncode == 0


def ensure_wrk() -> str:
    """Path of `wrk`, installing Debian's package first if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        why = "no apt-get" if apt is None else "not root"
        raise ToolMissing(
            f"wrk is missing and cannot be installed from here ({why}): "
            "`apt-get install -y --no-install-recommends wrk` as root"
        )
    print("wrk: installing Debian's wrk ...", file=sys.stderr, flush=True)
    install = ("install", "-y", "-q", "--no-install-recommends", "wrk")
    if not _apt(apt, *install) and not (_apt(apt, "update", "-q") and _apt(apt, *install)):
        raise ToolMissing(f"apt-get could not install wrk; see {LOG}")
    found = shutil.which("wrk")
    if not found:
        raise ToolMissing(f"apt-get finished but wrk is not on the PATH; see {LOG}")
    return found


if __name__ == "__main__":
    try:
        print(ensure_wrk())
    except ToolMissing as error:
        sys.exit(f"bench-tools: {error}")
