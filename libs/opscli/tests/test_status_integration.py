"""`tremplin status` reads lag and dead letters from Kafka itself, services up or not."""

import json

import pytest
from testkit.stack import commit, publish

from contracts import DEAD_LETTER, OFFER_PUBLISHED, topic_name
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

NOBODY = "http://127.0.0.1:9"  # the discard port: nothing answers there
SERVICE_URLS = [
    option
    for service in ("gateway", "profiles", "offers", "recommender", "notifier")
    for option in (f"--{service}-url", NOBODY)
]


async def test_status_reports_lag_per_group_and_dead_letter_depth(
    kafka: KafkaSettings, run_id: str, tremplin
) -> None:
    group = f"recommender-{run_id}.{OFFER_PUBLISHED}"
    await publish(kafka, OFFER_PUBLISHED, 5)
    await commit(kafka, group, OFFER_PUBLISHED, 2)
    await publish(kafka, DEAD_LETTER, 1)

    result = await tremplin("status", "--json", *SERVICE_URLS, kafka=kafka)

    assert result.exit_code == 1, result.output  # the services do not answer
    status = json.loads(result.stdout)
    assert status["kafka"]["error"] is None
    assert status["kafka"]["consumer_lag"][group] == {
        "lag": 3,
        "topics": [topic_name(OFFER_PUBLISHED, kafka.topic_suffix)],
        "state": "Empty",
        "members": 0,
    }
    assert status["kafka"]["dead_letter_depth"] == 1
    assert {s["ready"] for s in status["services"].values()} == {False}


async def test_status_leaves_out_groups_of_other_topics(
    kafka: KafkaSettings, run_id: str, tremplin
) -> None:
    await publish(kafka, OFFER_PUBLISHED, 1)
    await commit(kafka, f"mine-{run_id}", OFFER_PUBLISHED, 0)

    elsewhere = await tremplin("status", "--json", *SERVICE_URLS, "--topic-suffix", ".elsewhere")
    here = await tremplin("status", "--json", *SERVICE_URLS, kafka=kafka)

    assert f"mine-{run_id}" not in elsewhere.stdout
    assert json.loads(here.stdout)["kafka"]["consumer_lag"][f"mine-{run_id}"]["lag"] == 1


async def test_status_says_when_kafka_does_not_answer(tremplin) -> None:
    result = await tremplin("status", *SERVICE_URLS, "--bootstrap-servers", "127.0.0.1:9", "--json")

    assert result.exit_code == 1
    assert "Kafka does not answer at 127.0.0.1:9" in json.loads(result.stdout)["kafka"]["error"]
