"""A request the rules refuse, said by the domain without knowing HTTP: its status and why."""

from __future__ import annotations


class Refused(Exception):
    """What the rules refuse: `status` is the HTTP status that says so, `detail` what to fix."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
