"""Faults: a seeded plan, and the hands that kill, crash and restart processes of the local stack.

Processes are found through stack.py's pid files and command-line check (never by name), killed
with SIGKILL, and restarted with `stack.py up`, which starts only what is not running.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SERVICE_FAULTS = ("recommender", "notifier")
INFRA_FAULTS = ("kafka", "ferretdb")
ALL_FAULTS = (*SERVICE_FAULTS, *INFRA_FAULTS, "outbox", "poison")
DEFAULT_FAULTS = (*SERVICE_FAULTS, "outbox", "poison")
# The services a run waits for and watches (their addresses: the stack's *_URL variables).
SERVICES = ("gateway", "profiles", "offers", "recommender", "notifier")
# The outbox fault: the recommender served by the harness's own composition (outbox_crash.py),
# whose relay exits with CRASH_EXIT_CODE between publishing a batch and clearing it.
CRASHING_RECOMMENDER = {
    "TREMPLIN_STACK_APP_RECOMMENDER": "chaoslib.outbox_crash:app",
    "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
}
CRASH_EXIT_CODE = 86  # outbox_crash.CRASH_EXIT_CODE: read by the harness, which does not import it


@dataclass(frozen=True)
class Step:
    kind: str
    gap_s: float  # wait before injecting it


def plan_faults(
    kinds: Sequence[str], kills_each: int, seed: int, gap_s: tuple[float, float]
) -> list[Step]:
    """The faults in a seeded random order, each after a seeded random gap."""
    unknown = sorted(set(kinds) - set(ALL_FAULTS))
    if unknown:
        raise ValueError(f"unknown faults {unknown}; choose among {', '.join(ALL_FAULTS)}")
    rng = random.Random(f"faults:{seed}")  # noqa: S311 (a seeded plan)
    steps = [k for k in kinds if k in SERVICE_FAULTS for _ in range(kills_each)]
    steps += [k for k in kinds if k not in SERVICE_FAULTS]
    rng.shuffle(steps)
    return [Step(kind, round(rng.uniform(*gap_s), 2)) for kind in steps]


@dataclass
class FaultRecord:
    kind: str
    at_s: float  # since the start of the run
    ready_s: float | None = None  # until every health check answers again
    moving_s: float | None = None  # until the pipeline moves again (None: nothing was waiting)
    note: str = ""

    @property
    def recovery_s(self) -> float | None:
        times = [t for t in (self.ready_s, self.moving_s) if t is not None]
        return max(times) if times else None


@dataclass
class Stack:
    """The local stack as stack.py knows it."""

    repo: Path
    started: float = field(default_factory=time.monotonic)
    log: Callable[[str], None] = print
    ready_timeout_s: float = 300.0

    def __post_init__(self) -> None:
        sys.path.insert(0, str(self.repo / "deploy" / "local"))
        from stacklib import console, probes, procs, settings, supervise

        self.procs, self.probes, self.supervise, self.settings = procs, probes, supervise, settings
        self.console = console
        # A service restarted under load may need more than stack.py's minute to be ready (the
        # recommender reloads and re-matches its seekers first): wait, rather than stop it.
        settings.SERVICE_READY_TIMEOUT = self.ready_timeout_s
        self._up_lock = asyncio.Lock()

    def proc(self, name: str) -> object:
        for p in self.procs.all_procs():
            if p.name == name:
                return p
        raise KeyError(name)

    def pid(self, name: str) -> int | None:
        pid: int | None = self.proc(name).running_pid()  # type: ignore[attr-defined]
        return pid

    def alive(self, pid: int) -> bool:
        return bool(self.probes.proc_alive(pid))

    def ready(self, name: str) -> bool:
        return bool(self.proc(name).ready())  # type: ignore[attr-defined]

    def stop_services(self) -> None:
        """stack.py's own stop of every service (not Kafka, FerretDB or the OpenID provider)."""
        with self.console.stack_lock():
            self.supervise.stop(self.procs.service_procs(), quiet=True)

    def all_ready(self) -> bool:
        return all(p.ready() for p in self.procs.all_procs())

    async def up(self, extra_env: dict[str, str] | None = None) -> tuple[int, str]:
        """stack.py's `up` (start what is not running, wait until ready), run here so that a
        service may take `ready_timeout_s` to become ready: (0, "") or (1, what failed)."""

        def work() -> tuple[int, str]:
            extra = extra_env or {}
            saved = {name: os.environ.get(name) for name in extra}
            os.environ.update(extra)  # read by stack.py when it starts a process
            try:
                self.supervise.up(infra_only=False)  # prints what it starts, and when it is ready
                return 0, ""
            except self.settings.StackError as error:
                return 1, str(error)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value

        async with self._up_lock:
            return await asyncio.to_thread(work)

    async def kill(self, name: str) -> bool:
        """SIGKILL the process (and its process group when it leads one); wait until it is gone."""
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        for _ in range(200):
            if not self.alive(pid):
                return True
            await asyncio.sleep(0.05)
        return True

    async def wait_ready(self, names: Sequence[str], timeout_s: float) -> float | None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            ready = await asyncio.to_thread(lambda: all(self.ready(n) for n in names))
            if ready:
                return time.monotonic() - t0
            await asyncio.sleep(0.25)
        return None

    async def wait_exit(self, name: str, timeout_s: float) -> bool:
        t0 = time.monotonic()
        pid = self.pid(name)
        while time.monotonic() - t0 < timeout_s:
            if pid is None or not self.alive(pid):
                return True
            await asyncio.sleep(0.1)
            pid = self.pid(name) or pid
        return False


Progress = Callable[[], Awaitable[tuple[int, int]]]  # (work done so far, work waiting)


async def wait_moving(progress: Progress, timeout_s: float) -> float | None:
    """Seconds until the pipeline's work counter moves, None when nothing was waiting."""
    t0 = time.monotonic()
    done, waiting = await progress()
    if waiting == 0:
        return None
    while time.monotonic() - t0 < timeout_s:
        await asyncio.sleep(0.5)
        now, waiting = await progress()
        if now > done or waiting == 0:
            return time.monotonic() - t0
    return timeout_s
