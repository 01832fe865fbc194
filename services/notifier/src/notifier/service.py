"""The notifier: every use case, one module each, composed into one service object."""

from notifier.core import alert_id_of, seeker_recipient
from notifier.feedback import CounsellorFeedback
from notifier.sweeps import Sweeps


class Notifier(Sweeps, CounsellorFeedback):
    """Alerting, review, withdrawals, seeker events, counsellor digests and feedback, delivery
    and sweeps."""


__all__ = ["Notifier", "alert_id_of", "seeker_recipient"]
