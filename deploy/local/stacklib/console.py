"""What the stack says, where its logs and pid files are, and its lock."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
from pathlib import Path

from stacklib.settings import LOG_DIR, LOG_TAIL_LINES, REPO, RUN_DIR


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------
def _print(msg: str, stream_name: str) -> None:
    # A closed terminal or pipe (`make run | tee` interrupted) must never stop a shutdown halfway:
    # from then on, output goes nowhere and the stopping goes on.
    try:
        print(msg, file=getattr(sys, stream_name), flush=True)
    except (BrokenPipeError, OSError):
        with contextlib.suppress(OSError):
            setattr(sys, stream_name, open(os.devnull, "w"))  # noqa: SIM115


def say(msg: str = "") -> None:
    _print(msg, "stdout")


def warn(msg: str) -> None:
    _print(msg, "stderr")


def rel(path: Path) -> str:
    """Path relative to the repo when inside it (shorter messages), absolute otherwise."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def log_path(name: str) -> Path:
    return LOG_DIR / f"{name}.log"


def pid_path(name: str) -> Path:
    return RUN_DIR / f"{name}.pid"


def tail(path: Path, n: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            data = f.read()
    except FileNotFoundError:
        return f"    ({rel(path)} does not exist)"
    lines = data.decode("utf-8", "replace").splitlines()[-n:]
    return "\n".join("    " + line for line in lines) if lines else "    (empty)"


def sha256_of(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.hexdigest()


def fmt_secs(s: float) -> str:
    return f"{s:.1f}s"


@contextlib.contextmanager
def stack_lock():
    """Serialise start/stop steps of concurrent stack.py invocations on one .local dir."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(RUN_DIR / "stack.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
