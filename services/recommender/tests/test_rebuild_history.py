"""The rebuild folds the topics' records: a tombstone on profile-updated is an erasure."""

from types import SimpleNamespace

from contracts import PROFILE_UPDATED, encode, new_envelope
from recommender.rebuild import History


def record(key: str, value: bytes | None, partition: int = 0) -> SimpleNamespace:
    return SimpleNamespace(key=key.encode(), value=value, partition=partition)


def test_a_tombstone_erases_the_seeker_and_is_not_unreadable(a_profile) -> None:
    history = History()
    for seeker_id in ("s-1", "s-2"):
        facts = encode(new_envelope(a_profile(seeker_id), producer="test"))
        history.add(PROFILE_UPDATED, record(seeker_id, facts))  # type: ignore[arg-type]
    history.add(PROFILE_UPDATED, record("s-1", None))  # type: ignore[arg-type]

    assert [p.payload.seeker_id for p, _ in history.live_profiles()] == ["s-2"]
    assert history.unreadable == 0
