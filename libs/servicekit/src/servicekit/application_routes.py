"""The rules of the routes every service that takes seekers' applications has: who applies, who
reads them, and what the notifier reads before it emails one."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from servicekit.auth import Principal, Role, forbid
from servicekit.route_support import Decorator, described

DELIVERY = described({403: "The notifier only.", 404: "Nothing to send."})


def applying_route(router: APIRouter, path: str, missing: str, refused: str) -> Decorator:
    """Registers the route that takes an application (201): `missing`, what its 404 says is not
    there, and `refused`, what its 409 says the rules refuse."""
    return router.post(
        path,
        status_code=status.HTTP_201_CREATED,
        responses=described(
            {
                403: "A seeker applies for themselves only.",
                404: missing,
                409: refused,
                429: "The day's applications are all sent.",
            }
        ),
    )


def applies_for_themselves(caller: Principal, seeker_id: str) -> None:
    """A seeker applies for themselves only; a service for anyone."""
    if not (caller.role is Role.SEEKER and caller.sub == seeker_id) and not caller.is_service():
        raise forbid("A seeker applies for themselves only.")


def reads_their_applications(caller: Principal, seeker_id: str) -> None:
    """A seeker reads their own applications, an employer no seeker's (a counsellor's caseload is
    checked by the gateway)."""
    if caller.role is Role.EMPLOYER or (caller.role is Role.SEEKER and caller.sub != seeker_id):
        raise forbid()


def notifier_only(caller: Principal) -> None:
    if not caller.is_service("notifier"):
        raise forbid("The notifier only.")


def nothing_to_send() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "Nothing to send for this application.")
