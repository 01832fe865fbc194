"""What the seeker's two application forms share (a spontaneous application to a company, an
application to an offer published on Tremplin): the message and consent they typed, what is
wrong with them, and the words for a refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

from gateway.web.i18n import translate
from gateway.web.pages import first

MESSAGE_MAX = 3000  # ApplicationIn.message, OfferApplicationIn.message
REFUSED = (404, 409, 422, 429)


@dataclass
class Application:
    message: str
    consent: bool

    @property
    def values(self) -> dict[str, Any]:
        """What the form shows again when it is refused."""
        return {"message": self.message, "consent": self.consent}


def application_in(form: dict[str, list[str]]) -> Application:
    consent = first(form, "consent_to_share_contact") == "true"
    return Application(first(form, "message"), consent)


def message_errors(message: str, required: str, lang: str) -> dict[str, str] | None:
    """What is wrong with the message, if anything (the words of key `required` when there is
    none)."""
    problem = required if not message else None
    if len(message) > MESSAGE_MAX:
        problem = "apply_message_too_long"
    return {"message": translate(lang, problem)} if problem else None


def refusal_errors(
    error: HTTPException, lang: str, refusal_key: Callable[[HTTPException], str]
) -> dict[str, str]:
    """The form's error for an application the service refused; any other failure goes on."""
    if error.status_code not in REFUSED:
        raise error
    key = refusal_key(error)
    said = translate(lang, key, detail=str(error.detail)) if key == "apply_failed" else None
    return {"_form": said or translate(lang, key)}
