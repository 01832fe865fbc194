"""Readiness as each service's /health/ready tells it."""

import httpx

from opscli.health import services_health


def answer(request: httpx.Request) -> httpx.Response:
    if request.url.host == "down":
        raise httpx.ConnectError("refused", request=request)
    if request.url.host == "sick":
        return httpx.Response(
            503, json={"status": "not ready", "checks": {"kafka": "up", "mongo": "down"}}
        )
    assert request.url.path == "/health/ready"
    return httpx.Response(200, json={"status": "ready", "checks": {"kafka": "up", "mongo": "up"}})


async def test_each_service_is_ready_not_ready_or_silent() -> None:
    health = await services_health(
        {"offers": "http://ok/", "profiles": "http://sick", "notifier": "http://down"},
        transport=httpx.MockTransport(answer),
    )

    by_name = {h.service: h for h in health}
    assert by_name["offers"].ready
    assert by_name["offers"].detail == "kafka: up, mongo: up"
    assert not by_name["profiles"].ready
    assert by_name["profiles"].detail == "kafka: up, mongo: down"
    assert not by_name["notifier"].ready
    assert by_name["notifier"].detail == "no answer (ConnectError)"
