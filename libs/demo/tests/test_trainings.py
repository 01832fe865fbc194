"""The demo's LHEO export: well-formed, deterministic, every session counted."""

import io
from datetime import date
from xml.etree.ElementTree import iterparse

from demo.trainings import lheo_document
from refdata import get_referential

NS = "{http://www.lheo.org/2.2}"


def parse(text: str) -> list[tuple[str, str]]:
    """(formation number, session number) of every session."""
    found = []
    # Our own generated document, not untrusted input.
    for _, element in iterparse(io.BytesIO(text.encode()), events=("end",)):  # noqa: S314
        if element.tag == f"{NS}formation":
            for session in element.iter(f"{NS}session"):
                found.append((element.get("numero", ""), session.get("numero", "")))
    return found


def test_the_document_has_the_sessions_asked_for_and_is_deterministic() -> None:
    referential = get_referential()
    today = date(2027, 1, 4)
    text = "".join(lheo_document(250, referential, seed=3, today=today))

    sessions = parse(text)
    assert len(sessions) == 250
    assert len(set(sessions)) == 250
    assert text == "".join(lheo_document(250, referential, seed=3, today=today))
    assert "<code-ROME>" in text
    assert "Permis de conduire B" in text
