"""The invariant checker: the expected alerts against what the inboxes and the channels received.

Units are deliveries: one alert (seeker, offer) on one channel (the inbox, email, push, SMS). Every
expected delivery must be seen exactly once; nothing else of the run may be seen at all.

External channels identify a message by its delivery id (`{seeker}:{offer}:{channel}`, sent as
the webhooks' Idempotency-Key and in the email's Message-ID). A provider drops a message whose key
it already took, so a resend with the same key (the notifier crashed between sending and
recording it) reaches nobody twice: it is counted apart, as `resent`, and as a duplicate only in
strict mode. Two different keys for the same alert and channel are a duplicate in every mode.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

EXTERNAL_CHANNELS = ("email", "push", "sms")


@dataclass(frozen=True)
class Reception:
    """One message a sink received: its channel and the delivery id the notifier gave it."""

    channel: str
    key: str


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(seeker, offer, channel) from a delivery id `seeker:offer:channel`, or None."""
    parts = key.split(":")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def key_from_message_id(message_id: str) -> str | None:
    """The delivery id inside an email Message-ID `<seeker.offer.channel@host>`."""
    local = message_id.strip().strip("<>").split("@", 1)[0]
    parts = local.split(".")
    if len(parts) != 3:
        return None
    return ":".join(parts)


@dataclass
class Observed:
    inbox: Counter[tuple[str, str]] = field(default_factory=Counter)  # (seeker, offer) -> items
    receptions: list[Reception] = field(default_factory=list)


@dataclass
class Verdict:
    expected: int  # expected alerts
    expected_deliveries: int
    delivered: int  # expected alerts seen exactly once on every channel they must use
    lost: int  # expected deliveries never seen
    duplicated: int  # deliveries seen more than once
    unexpected: int  # deliveries of the run that nobody expected
    resent: int  # same-key resends, dropped by the receiving provider
    by_channel: dict[str, dict[str, int]]
    examples: dict[str, list[str]]

    @property
    def passed(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.unexpected == 0


def check(
    expected: Mapping[tuple[str, str], Sequence[str]],
    observed: Observed,
    seekers: Collection[str],
    offers: Collection[str],
    strict_resends: bool = False,
) -> Verdict:
    """Compare; only alerts between the run's own seekers and offers are judged."""
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    keys: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    unparsed = 0
    for (seeker, offer), count in observed.inbox.items():
        if seeker in seekers and offer in offers:
            seen[(seeker, offer, "inbox")] += count
    for reception in observed.receptions:
        parsed = parse_key(reception.key)
        if parsed is None:
            unparsed += 1
            continue
        seeker, offer, channel = parsed
        if seeker in seekers and offer in offers:
            keys[(seeker, offer, reception.channel)][reception.key] += 1
    resent = 0
    for triple, by_key in keys.items():
        distinct = len(by_key)
        repeats = sum(by_key.values()) - distinct
        resent += repeats
        seen[triple] += sum(by_key.values()) if strict_resends else distinct
    wanted = {(s, o, c) for (s, o), channels in expected.items() for c in channels}
    lost = sorted(t for t in wanted if seen.get(t, 0) == 0)
    duplicated = sorted(t for t, n in seen.items() if n > 1 and t in wanted)
    unexpected = sorted(t for t, n in seen.items() if n > 0 and t not in wanted)
    broken = {(s, o) for s, o, _ in (*lost, *duplicated)}
    by_channel: dict[str, dict[str, int]] = {}
    for channel in ("inbox", *EXTERNAL_CHANNELS):
        by_channel[channel] = {
            "expected": sum(1 for t in wanted if t[2] == channel),
            "seen": sum(n for t, n in seen.items() if t[2] == channel),
            "lost": sum(1 for t in lost if t[2] == channel),
            "duplicated": sum(1 for t in duplicated if t[2] == channel),
        }
    return Verdict(
        expected=len(expected),
        expected_deliveries=len(wanted),
        delivered=sum(1 for pair in expected if pair not in broken),
        lost=len(lost),
        duplicated=len(duplicated),
        unexpected=len(unexpected) + unparsed,
        resent=resent,
        by_channel=by_channel,
        examples={
            "lost": [":".join(t) for t in lost[:5]],
            "duplicated": [":".join(t) for t in duplicated[:5]],
            "unexpected": [":".join(t) for t in unexpected[:5]],
        },
    )


def summary_line(
    verdict: Verdict,
    *,
    offers: int,
    faults: int,
    dead_lettered: int,
    recovery_s_max: float | None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The last line the harness prints: the required figures first, then the details."""
    figures: dict[str, Any] = {
        "offers": offers,
        "faults": faults,
        "expected": verdict.expected,
        "delivered": verdict.delivered,
        "lost": verdict.lost,
        "duplicated": verdict.duplicated,
        "dead_lettered": dead_lettered,
        "recovery_s_max": None if recovery_s_max is None else round(recovery_s_max, 1),
        "unexpected": verdict.unexpected,
        "resent": verdict.resent,
        "expected_deliveries": verdict.expected_deliveries,
        "by_channel": verdict.by_channel,
    }
    figures.update(extra or {})
    return json.dumps(figures, separators=(", ", ": "), default=str)


def inbox_counts(items: Iterable[Mapping[str, Any]]) -> Counter[tuple[str, str]]:
    """Inbox notifications of kind `match`, counted per (seeker, offer)."""
    counts: Counter[tuple[str, str]] = Counter()
    for item in items:
        if item.get("kind") == "match" and item.get("seeker_id") and item.get("offer_id"):
            counts[(str(item["seeker_id"]), str(item["offer_id"]))] += 1
    return counts
