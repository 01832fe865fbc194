"""The notifier: every use case, one module each, composed into one service object."""

from notifier.core import (
    ALERTS,
    AlertNotFound,
    AlertNotHeld,
    alert_id_of,
    counsellor_preferences_of,
    counsellor_recipient,
    preferences_of,
    said_reasons,
    seeker_recipient,
    status_view,
)
from notifier.feedback import CounsellorFeedback
from notifier.sweeps import Sweeps


class Notifier(Sweeps, CounsellorFeedback):
    """Alerting, review, withdrawals, seeker events, counsellor digests and feedback, delivery
    and sweeps."""


__all__ = [
    "ALERTS",
    "AlertNotFound",
    "AlertNotHeld",
    "Notifier",
    "alert_id_of",
    "counsellor_preferences_of",
    "counsellor_recipient",
    "preferences_of",
    "said_reasons",
    "seeker_recipient",
    "status_view",
]
