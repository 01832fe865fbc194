"""A counsellor's review of held alerts: the first decision wins."""

from __future__ import annotations

from datetime import datetime

from notifier.alerting import Alerting
from notifier.core import (
    AlertNotFound,
    AlertNotHeld,
)
from notifier.store import (
    HELD,
    REJECTED,
    RELEASED,
    Doc,
)


class Review(Alerting):
    async def approve(self, alert_id: str, by: str, note: str | None) -> Doc:
        now = self.clock.now()
        alert = await self._decide(alert_id, RELEASED, by, now)
        changes = {
            "status": RELEASED,
            "released_at": now,
            "reviewed_by": by,
            "reviewed_at": now,
            "note": note,
            "planned": False,
        }
        alert = await self.store.transition(alert_id, HELD, changes) or {**alert, **changes}
        await self._resolve_review(alert_id, "approved")
        await self.advance(alert)
        return alert

    async def reject(self, alert_id: str, by: str) -> Doc:
        now = self.clock.now()
        alert = await self._decide(alert_id, REJECTED, by, now)
        changes = {"status": REJECTED, "reviewed_by": by, "reviewed_at": now}
        alert = await self.store.transition(alert_id, HELD, changes) or {**alert, **changes}
        await self._resolve_review(alert_id, "rejected")
        return alert

    async def _decide(self, alert_id: str, decision: str, by: str, now: datetime) -> Doc:
        """The first decision wins (approve, reject, auto-release or withdrawal); others get 409."""
        alert = await self.store.alert(alert_id)
        if alert is None:
            raise AlertNotFound(alert_id)
        if alert["status"] == HELD and await self.store.decide(alert, decision, by, now):
            return alert
        earlier = await self.store.decision(alert_id)
        if alert["status"] == HELD and earlier is not None and earlier["decision"] == decision:
            return alert  # decided, then interrupted before the alert changed: finish it
        raise AlertNotHeld(earlier["decision"] if earlier else alert["status"])

    async def _resolve_review(self, alert_id: str, outcome: str) -> None:
        await self.store.resolve_review(alert_id, outcome)
