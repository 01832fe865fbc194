"""A replica's buckets owe what the others let through, and tell what they let through."""

from gateway.limits import TokenBuckets


def test_usage_elsewhere_is_charged_and_refills_at_the_rate() -> None:
    buckets = TokenBuckets(rate=2, burst=4, recording=True)

    buckets.charge("k", 4, now=0.0)  # another replica let a whole burst through

    assert buckets.take("k", now=0.0) == 0.5  # wait for one token at 2/s
    assert buckets.take("k", now=0.5) == 0.0
    assert buckets.drain() == {"k": 1}
    assert buckets.drain() == {}


def test_a_debt_never_exceeds_one_burst() -> None:
    buckets = TokenBuckets(rate=1, burst=3)

    buckets.charge("k", 1000, now=0.0)

    assert buckets.take("k", now=0.0) == 4.0  # from -3 to 1 at 1/s
    assert buckets.drain() == {}  # not recording: a single replica keeps no tally
