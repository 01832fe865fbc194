"""The profiles service against the real Kafka broker and FerretDB."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from testkit.service_harness import Running
from testkit.stack import eventually, header, read_records

from contracts import PROFILE_DELETED, PROFILE_UPDATED, ProfileDeleted, ProfileUpdated, decode
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

ProfileBuilder = Callable[..., dict[str, Any]]
AuthHeaders = Callable[..., dict[str, str]]


async def test_a_new_profile_is_published_without_contact_data(
    client: httpx.AsyncClient, kafka: KafkaSettings, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    response = await client.put("/seekers/s-1/profile", json=a_profile(), headers=as_("s-1"))

    assert response.status_code == 201, response.text
    [record] = await read_records(kafka, PROFILE_UPDATED, 1)
    event = decode(record.value, ProfileUpdated)
    assert record.key == b"s-1"
    assert event.payload.seeker_id == "s-1"
    assert event.payload.version == 1
    assert event.payload.occupations[0].rome_code == "K2204"
    assert header(record, "event_id") == str(event.event_id)
    for personal in (b"Amina", b"Diallo", b"amina.diallo@example.org", b"12 34 56 78"):
        assert personal not in record.value


async def test_only_material_changes_publish(
    client: httpx.AsyncClient, kafka: KafkaSettings, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    me = as_("s-2")
    await client.put("/seekers/s-2/profile", json=a_profile(), headers=me)
    same_again = await client.put("/seekers/s-2/profile", json=a_profile(), headers=me)
    new_phone = a_profile(
        contact={"first_name": "Amina", "last_name": "Diallo", "phone": "0700000000"}
    )
    contact_only = await client.put("/seekers/s-2/profile", json=new_phone, headers=me)
    wider = await client.put("/seekers/s-2/profile", json=a_profile(radius_km=40), headers=me)

    assert [same_again.json()["version"], contact_only.json()["version"]] == [1, 1]
    assert wider.json()["version"] == 2
    records = await read_records(kafka, PROFILE_UPDATED, 2)
    assert [decode(r.value, ProfileUpdated).payload.version for r in records] == [1, 2]
    with pytest.raises(AssertionError, match="got 2"):
        await read_records(kafka, PROFILE_UPDATED, 3, timeout_s=2)


async def test_the_stored_profile_reads_back_with_its_place_resolved(
    client: httpx.AsyncClient, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    await client.put(
        "/seekers/s-3/profile", json=a_profile(place={"commune_code": "33063"}), headers=as_("s-3")
    )

    response = await client.get("/seekers/s-3/profile", headers=as_("s-3"))

    assert response.status_code == 200
    body = response.json()
    assert body["profile"]["contact"]["last_name"] == "Diallo"
    place = body["profile"]["place"]
    assert place["commune_code"] == "33063"
    assert place["postcode"].startswith("330")
    assert 44.7 < place["latitude"] < 44.95
    assert -0.7 < place["longitude"] < -0.45
    assert (
        await client.get("/seekers/nobody/profile", headers=as_("o", "operator"))
    ).status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (
            {"occupations": [{"rome_code": "Z9999", "priority": 1}]},
            ["occupations", 0, "rome_code"],
            "unknown ROME code",
        ),
        ({"occupations": []}, ["occupations"], "at least one occupation"),
        ({"place": {"commune_code": "99999"}}, ["place", "commune_code"], "unknown commune"),
        (
            {"place": {"commune_code": "69123", "postcode": "75001"}},
            ["place", "postcode"],
            "not a postcode",
        ),
        ({"radius_km": 500}, ["radius_km"], "less than or equal to 200"),
        ({"languages": ["French"]}, ["languages", 0], "ISO 639-1"),
        ({"driving_licences": ["Z"]}, ["driving_licences", 0], "unknown licence"),
        ({"time_zone": "Mars/Olympus"}, ["time_zone"], "unknown time zone"),
        (
            {"contact": {"first_name": "A", "last_name": "B", "email": "not-an-email"}},
            ["contact", "email"],
            "pattern",
        ),
        (
            {"contract_types": [{"contract_type": "XYZ", "priority": 1}]},
            ["contract_types", 0, "contract_type"],
            "Input should be",
        ),
    ],
)
async def test_bad_input_gets_a_422_naming_the_field(
    client: httpx.AsyncClient,
    a_profile: ProfileBuilder,
    as_: AuthHeaders,
    change: dict[str, Any],
    field: list[Any],
    says: str,
) -> None:
    response = await client.put(
        "/seekers/s-5/profile", json=a_profile(**change), headers=as_("s-5")
    )

    assert response.status_code == 422
    [problem] = [p for p in response.json()["detail"] if p["loc"][1:] == field]
    assert says in problem["msg"]


async def test_a_patch_changes_only_what_it_names(
    client: httpx.AsyncClient, kafka: KafkaSettings, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    me = as_("s-6")
    await client.put("/seekers/s-6/profile", json=a_profile(), headers=me)

    patched = await client.patch(
        "/seekers/s-6/profile", json={"radius_km": 30, "contact": {"phone": None}}, headers=me
    )
    invalid = await client.patch("/seekers/s-6/profile", json={"radius_km": -1}, headers=me)
    not_mine = await client.patch("/seekers/s-6/profile", json={"counsellor_id": "c-9"}, headers=me)

    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    assert patched.json()["profile"]["radius_km"] == 30
    assert patched.json()["profile"]["contact"]["phone"] is None
    assert patched.json()["profile"]["contact"]["email"] == "amina.diallo@example.org"
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "radius_km"]
    assert not_mine.status_code == 403
    records = await read_records(kafka, PROFILE_UPDATED, 2)
    assert decode(records[1].value, ProfileUpdated).payload.radius_km == 30


async def test_a_seeker_cannot_choose_their_counsellor(
    client: httpx.AsyncClient, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    response = await client.put(
        "/seekers/s-7/profile",
        json=a_profile(counsellor_id="c-friend", review_before_send=False),
        headers=as_("s-7"),
    )

    assert response.json()["profile"]["counsellor_id"] is None


async def test_who_may_read_a_profile(
    client: httpx.AsyncClient, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    await client.put("/seekers/s-8/profile", json=a_profile(), headers=as_("c-1", "counsellor"))

    async def status_of(*who: str) -> int:
        headers = as_(*who) if who else {}
        return (await client.get("/seekers/s-8/profile", headers=headers)).status_code

    assert await status_of() == 401
    assert await status_of("s-8") == 200
    assert await status_of("s-other") == 403
    assert await status_of("c-1", "counsellor") == 200
    assert await status_of("c-2", "counsellor") == 404
    assert await status_of("e-1", "employer") == 403
    assert await status_of("ops", "operator") == 200
    bad = await client.get("/seekers/s-8/profile", headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401


async def test_a_caseload_lists_the_counsellors_seekers_only(
    client: httpx.AsyncClient, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    for seeker in ("s-a", "s-b", "s-c"):
        await client.put(
            f"/seekers/{seeker}/profile", json=a_profile(), headers=as_("c-7", "counsellor")
        )
    await client.put("/seekers/s-z/profile", json=a_profile(), headers=as_("c-8", "counsellor"))

    first = await client.get(
        "/counsellors/c-7/caseload?page_size=2", headers=as_("c-7", "counsellor")
    )
    second = await client.get(
        "/counsellors/c-7/caseload?page=2&page_size=2", headers=as_("c-7", "counsellor")
    )
    other = await client.get("/counsellors/c-8/caseload", headers=as_("c-7", "counsellor"))
    too_big = await client.get(
        "/counsellors/c-7/caseload?page_size=1000", headers=as_("c-7", "counsellor")
    )

    assert first.json()["total"] == 3
    assert [s["seeker_id"] for s in first.json()["seekers"]] == ["s-a", "s-b"]
    assert [s["seeker_id"] for s in second.json()["seekers"]] == ["s-c"]
    assert first.json()["seekers"][0]["last_name"] == "Diallo"
    assert other.status_code == 403
    assert too_big.status_code == 422


async def test_a_transfer_is_recorded_with_its_reason_and_published(
    client: httpx.AsyncClient, kafka: KafkaSettings, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    await client.put("/seekers/s-9/profile", json=a_profile(), headers=as_("s-9"))

    taken = await client.put(
        "/seekers/s-9/counsellor",
        json={"counsellor_id": "c-1", "reason": "First interview"},
        headers=as_("c-1", "counsellor"),
    )
    stolen = await client.put(
        "/seekers/s-9/counsellor",
        json={"counsellor_id": "c-2", "reason": "Mine now"},
        headers=as_("c-2", "counsellor"),
    )
    moved = await client.put(
        "/seekers/s-9/counsellor",
        json={"counsellor_id": "c-3", "reason": "Seeker moved to Lyon"},
        headers=as_("c-1", "counsellor"),
    )
    history = await client.get("/seekers/s-9/assignments", headers=as_("s-9"))

    assert taken.status_code == 200
    assert stolen.status_code == 404
    assert moved.json()["profile"]["counsellor_id"] == "c-3"
    assert [(h["previous"], h["counsellor_id"], h["reason"]) for h in history.json()] == [
        (None, "c-1", "First interview"),
        ("c-1", "c-3", "Seeker moved to Lyon"),
    ]
    records = await read_records(kafka, PROFILE_UPDATED, 3)
    assert [decode(r.value, ProfileUpdated).payload.counsellor_id for r in records] == [
        None,
        "c-1",
        "c-3",
    ]


async def test_contact_channels_are_for_the_notifier_only(
    client: httpx.AsyncClient, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    await client.put("/seekers/s-10/profile", json=a_profile(), headers=as_("s-10"))

    for_notifier = await client.get("/seekers/s-10/channels", headers=as_("notifier", "service"))
    for_recommender = await client.get(
        "/seekers/s-10/channels", headers=as_("recommender", "service")
    )
    for_seeker = await client.get("/seekers/s-10/channels", headers=as_("s-10"))

    assert for_notifier.json() == {
        "email": "amina.diallo@example.org",
        "phone": "+33 6 12 34 56 78",
        "push_token": None,
        "language": "fr",
        "time_zone": "Europe/Paris",
        "no_smartphone": False,
        "counsellor_id": None,
    }
    assert for_recommender.status_code == 403
    assert for_seeker.status_code == 403


async def test_contact_channels_of_many_seekers_at_once_leave_out_unknown_and_erased_ones(
    client: httpx.AsyncClient, a_profile: ProfileBuilder, as_: AuthHeaders
) -> None:
    for seeker_id in ("s-20", "s-21", "s-22"):
        await client.put(f"/seekers/{seeker_id}/profile", json=a_profile(), headers=as_(seeker_id))
    await client.delete("/seekers/s-22", headers=as_("s-22"))
    wanted = {"seeker_ids": ["s-20", "s-21", "s-22", "s-unknown"]}

    found = await client.post("/seekers/channels", json=wanted, headers=as_("notifier", "service"))
    for_seeker = await client.post("/seekers/channels", json=wanted, headers=as_("s-20"))
    too_many = await client.post(
        "/seekers/channels",
        json={"seeker_ids": [f"s-{n}" for n in range(501)]},
        headers=as_("notifier", "service"),
    )

    assert found.status_code == 200, found.text
    channels = found.json()["channels"]
    assert sorted(channels) == ["s-20", "s-21"]
    assert channels["s-20"]["email"] == "amina.diallo@example.org"
    assert for_seeker.status_code == 403
    assert too_many.status_code == 422


async def test_erasure_leaves_nothing_personal_and_announces_it(
    a_profile: ProfileBuilder, as_: AuthHeaders, service: Running
) -> None:
    await service.client.put("/seekers/s-11/profile", json=a_profile(), headers=as_("s-11"))
    await service.client.put(
        "/seekers/s-11/counsellor",
        json={"counsellor_id": "c-1", "reason": "First interview"},
        headers=as_("c-1", "counsellor"),
    )

    assert (await service.client.delete("/seekers/s-11", headers=as_("s-other"))).status_code == 403
    erased = await service.client.delete("/seekers/s-11", headers=as_("s-11"))

    assert erased.status_code == 204
    # At once: what the store may still hold (the tombstone carrying the event, until the relay
    # has sent it) is nothing personal.
    profiles = service.app.state.store.profiles.raw
    dump = repr(await profiles.find({}).to_list(None))
    for personal in ("Amina", "Diallo", "amina.diallo", "12 34 56 78", "First interview"):
        assert personal not in dump
    assert (
        await service.client.get("/seekers/s-11/profile", headers=as_("s-11"))
    ).status_code == 404
    assert (await service.client.delete("/seekers/s-11", headers=as_("s-11"))).status_code == 404
    [record] = await read_records(service.kafka, PROFILE_DELETED, 1)
    assert decode(record.value, ProfileDeleted).payload.seeker_id == "s-11"
    assert await eventually(lambda: profiles.count_documents(PENDING)) == 0
    # Then the tombstone goes too, once its event is out (the relay removes the entry, then it).
    assert await eventually(lambda: profiles.count_documents({})) == 0


async def test_a_crash_between_publish_and_removal_publishes_again_with_the_same_id(
    a_profile: ProfileBuilder, as_: AuthHeaders, service: Running
) -> None:
    relay = service.app.state.relay
    crashes: list[list[str]] = []

    async def crash_once(event_ids: list[str]) -> None:
        if not crashes:
            crashes.append(event_ids)
            raise RuntimeError("relay killed after publishing, before removing")

    relay.after_publish = crash_once
    await service.client.put("/seekers/s-4/profile", json=a_profile(), headers=as_("s-4"))

    first, second = await read_records(service.kafka, PROFILE_UPDATED, 2)

    assert len(crashes) == 1
    assert first.value == second.value
    assert (
        decode(first.value, ProfileUpdated).event_id
        == decode(second.value, ProfileUpdated).event_id
    )
    assert await eventually(lambda: relay.documents.raw.count_documents(PENDING)) == 0
