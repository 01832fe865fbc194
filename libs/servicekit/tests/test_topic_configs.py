"""Each topic's configuration: the compacted ones take an erased seeker's facts out of the log."""

from contracts import ALL_TOPICS, COMPACTED_TOPICS, DEAD_LETTER, MATCH_FOUND, PROFILE_UPDATED
from servicekit.settings import KafkaSettings
from servicekit.topics import topic_configs


def test_profile_updated_keeps_each_seekers_latest_facts_until_a_tombstone() -> None:
    configs = topic_configs(PROFILE_UPDATED, KafkaSettings(erasure_lag_ms=5000))
    assert configs["cleanup.policy"] == "compact"
    assert configs["segment.ms"] == configs["max.compaction.lag.ms"] == "5000"
    assert configs["delete.retention.ms"] == "5000"


def test_dead_letters_are_compacted_and_still_expire() -> None:
    configs = topic_configs(DEAD_LETTER, KafkaSettings())
    assert configs["cleanup.policy"] == "compact,delete"
    assert configs["retention.ms"] == str(30 * 24 * 3600 * 1000)
    assert configs["max.compaction.lag.ms"] == str(3600 * 1000)


def test_the_other_topics_only_expire() -> None:
    assert topic_configs(MATCH_FOUND, KafkaSettings()) == {
        "retention.ms": str(7 * 24 * 3600 * 1000),
        "cleanup.policy": "delete",
    }
    assert {
        t for t in ALL_TOPICS if "compact" in topic_configs(t, KafkaSettings())["cleanup.policy"]
    } == COMPACTED_TOPICS
