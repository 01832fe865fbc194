"""The notifier's store: one repository per aggregate, over the data layer (`servicekit.data`)."""

from notifier.store.alerts import AlertRecords
from notifier.store.counsellors import CounsellorRecords
from notifier.store.deliveries import DeliveryRecords, Outcome
from notifier.store.inbox import InboxRecords
from notifier.store.records import (
    CANCELLED,
    DELIVERED,
    DIGESTED,
    EPOCH,
    FAILED,
    HELD,
    QUEUED,
    REJECTED,
    RELEASED,
    SENT,
    SKIPPED,
    UNSENT,
    WAITING_DIGEST,
    Doc,
    as_utc,
    closed_notice_id,
    delivery_id,
    notification_id,
    paced,
)
from notifier.store.seekers import SeekerRecords
from servicekit.erasure import erasure_key


class NotifierStore(SeekerRecords, CounsellorRecords, AlertRecords, DeliveryRecords, InboxRecords):
    """Every repository of the notifier, over one database."""


__all__ = [
    "CANCELLED",
    "DELIVERED",
    "DIGESTED",
    "EPOCH",
    "FAILED",
    "HELD",
    "QUEUED",
    "REJECTED",
    "RELEASED",
    "SENT",
    "SKIPPED",
    "UNSENT",
    "WAITING_DIGEST",
    "Doc",
    "NotifierStore",
    "Outcome",
    "as_utc",
    "closed_notice_id",
    "delivery_id",
    "erasure_key",
    "notification_id",
    "paced",
]
