"""The recommender as the chaos harness composes it for the outbox fault: its relay exits the
process right after the broker acknowledged a batch and before the batch leaves the outbox, as a
crash at that point would. stack.py serves this app instead of the service's own when
`TREMPLIN_STACK_APP_RECOMMENDER` names it (see faults.CRASHING_RECOMMENDER)."""

import os

from recommender.main import create_app

CRASH_EXIT_CODE = 86


async def crash(_published: list[str]) -> None:
    os._exit(CRASH_EXIT_CODE)


app = create_app(after_publish=crash)
