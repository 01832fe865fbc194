"""What the chaos run and the restore drill both do around their workload: timed progress lines,
writes retried through restarts, and the design checked against the recommender's engine."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from chaoslib import design

STARTED = time.monotonic()
RETRIED_STATUSES = (408, 409, 429)  # and every 5xx: the service restarts or is busy


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


async def retrying(
    what: str, call: Callable[[], Awaitable[httpx.Response]], timeout_s: float = 300
) -> httpx.Response:
    """A write the harness must get done: retried through restarts of the service or the infra."""
    t0 = said = time.monotonic()
    delay = 0.2
    while True:
        try:
            response = await call()
            if response.status_code < 500 and response.status_code not in RETRIED_STATUSES:
                return response
            reason = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as error:
            reason = type(error).__name__
        if time.monotonic() - t0 > timeout_s:
            raise RuntimeError(f"{what}: still failing after {timeout_s:.0f}s ({reason})")
        if time.monotonic() - said > 15:
            said = time.monotonic()
            say(f"{what}: retrying ({reason})")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 3.0)


def checked_design(
    run_id: str, seed: int, seekers: int, offers: int, group_size: int
) -> tuple[design.Design, set[tuple[str, str]]]:
    """The run's workload, and its alerts as the recommender's own engine computes them (raises
    if they are not the design's)."""
    from recommender.config import Settings as RecommenderSettings
    from refdata import get_referential

    referential = get_referential()
    limits = design.limits_from(RecommenderSettings())
    layout = design.make_design(
        referential,
        run_id=run_id,
        seed=seed,
        seekers=seekers,
        offers=offers,
        group_size=group_size,
        limits=limits,
    )
    neighbours = {rome: referential.neighbours(rome) for rome in referential.occupations}
    return layout, design.check_design(layout, neighbours, limits)


def exit_code_of(run: Callable[[], Awaitable[int]], **context: Any) -> int:
    """The run's exit code; when it breaks, the last line printed stays one JSON object, saying
    what went wrong (with `context`)."""

    async def main() -> int:
        return await run()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        print(json.dumps({**context, "error": f"{type(error).__name__}: {error}"}))
        return 2
