from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import APIRouter, HTTPException
from fastapi.routing import APIRoute

from servicekit import route_support
from servicekit.application_routes import (
    applies_for_themselves,
    applying_route,
    nothing_to_send,
    notifier_only,
    reads_their_applications,
)
from servicekit.auth import Principal, Role
from servicekit.kafka_gate import KafkaUnavailableError
from servicekit.refusal import Refused


class Gate:
    def __init__(self, up: bool) -> None:
        self.up = up

    def require(self) -> None:
        if not self.up:
            raise KafkaUnavailableError


def request(**state: Any) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(**state)))


def test_a_dependency_reads_what_the_composition_root_put_on_the_state() -> None:
    assert route_support.from_state("store")(request(store="the store")) == "the store"


def test_a_relay_is_given_only_while_kafka_answers() -> None:
    read = route_support.relay_from_state("application_relay")
    assert read(request(application_relay="relay", kafka_gate=Gate(up=True))) == "relay"
    with pytest.raises(KafkaUnavailableError):
        read(request(application_relay="relay", kafka_gate=Gate(up=False)))


def test_responses_are_described_for_openapi() -> None:
    assert route_support.described({403: "Not yours.", 404: "No such thing."}) == {
        403: {"description": "Not yours."},
        404: {"description": "No such thing."},
    }


def test_a_refusal_becomes_the_http_answer_it_names() -> None:
    with pytest.raises(HTTPException) as raised, route_support.refusals_answered():
        raise Refused(409, "Applied already.")
    assert (raised.value.status_code, raised.value.detail) == (409, "Applied already.")


def test_a_bad_value_is_answered_like_fastapi_would() -> None:
    assert route_support.unprocessable("body", "place.postcode", "unknown").detail == [
        {"loc": ["body", "place", "postcode"], "msg": "unknown", "type": "value_error"}
    ]
    assert route_support.unprocessable("body", None, "not XML").detail[0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("role", "staff"), [(Role.OPERATOR, True), (Role.SERVICE, True), (Role.COUNSELLOR, False)]
)
def test_operators_and_services_are_staff(role: Role, staff: bool) -> None:
    assert route_support.is_staff(Principal(sub="x", role=role)) is staff


@pytest.mark.parametrize(
    ("check", "caller", "allowed"),
    [
        (applies_for_themselves, Principal(sub="s-1", role=Role.SEEKER), True),
        (applies_for_themselves, Principal(sub="gateway", role=Role.SERVICE), True),
        (applies_for_themselves, Principal(sub="s-2", role=Role.SEEKER), False),
        (applies_for_themselves, Principal(sub="c-1", role=Role.COUNSELLOR), False),
        (reads_their_applications, Principal(sub="s-1", role=Role.SEEKER), True),
        (reads_their_applications, Principal(sub="c-1", role=Role.COUNSELLOR), True),
        (reads_their_applications, Principal(sub="s-2", role=Role.SEEKER), False),
        (reads_their_applications, Principal(sub="e-1", role=Role.EMPLOYER), False),
    ],
)
def test_a_seeker_applies_for_themselves_and_their_applications_are_not_read_by_employers(
    check: Callable[[Principal, str], None], caller: Principal, allowed: bool
) -> None:
    if allowed:
        check(caller, "s-1")
    else:
        with pytest.raises(HTTPException):
            check(caller, "s-1")


def test_only_the_notifier_reads_what_to_send() -> None:
    notifier_only(Principal(sub="notifier", role=Role.SERVICE))
    with pytest.raises(HTTPException):
        notifier_only(Principal(sub="gateway", role=Role.SERVICE))
    assert nothing_to_send().status_code == 404


def test_a_body_read_by_the_route_itself_is_documented_with_its_media_types() -> None:
    body = route_support.text_body(["text/csv"], "Rows.")["requestBody"]
    assert body == {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "Rows.",
    }


def test_the_route_taking_applications_documents_every_refusal() -> None:
    router = APIRouter()

    @applying_route(router, "/{seeker_id}", "No such company.", "Applied already.")
    async def submit(seeker_id: str) -> None:
        return None

    (route,) = router.routes
    assert isinstance(route, APIRoute)
    assert route.status_code == 201
    assert list(route.responses) == [403, 404, 409, 429]
    assert route.responses[409] == {"description": "Applied already."}


def test_an_import_route_documents_its_raw_body_and_refusals() -> None:
    router = APIRouter()

    @route_support.document_import_route(router, ["text/csv"], "Rows.", {403: "Operators only."})
    async def import_rows() -> None:
        return None

    (route,) = router.routes
    assert isinstance(route, APIRoute)
    assert route.path == "/import"
    assert route.openapi_extra == route_support.text_body(["text/csv"], "Rows.")
    assert route.responses == {403: {"description": "Operators only."}}
