"""One LHEO `formation` element → the sessions it describes, and what is wrong or missing.

The element names and cardinalities follow the LHEO 2.3 definition (`lheo-gml.xml`): a formation
has 0-5 ROME codes, 0-5 FORMACODE (the main one tagged `principal`, else the first), 0-3 NSF; each
action holds one session or more, its place (`lieu-de-formation`) and its funders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from xml.etree.ElementTree import Element

from contracts import Place
from trainings.domain.session import Session

ROME_PATTERN = re.compile(r"^[A-Z][0-9]{4}$")
UNKNOWN_DATES = {"00000000", "99999999"}
CLOSED_STATES = {"2", "3"}  # dict-etat-recrutement: fermé, suspendu
# A commune by INSEE code or postcode, from the reference data: its code, a postcode, and its
# coordinates when known.
Located = tuple[str, str | None, float | None, float | None]
Locate = Callable[[str | None, str | None], Located | None]


@dataclass(frozen=True)
class Issue:
    element: str
    id: str | None
    reason: str


@dataclass
class Reading:
    sessions: list[Session] = field(default_factory=list)
    rejected: list[Issue] = field(default_factory=list)
    rejected_sessions: int = 0
    notices: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class Vocabulary:
    """What the importer checks codes against: the referential and the definition's dictionaries."""

    is_rome: Callable[[str], bool]
    locate: Locate
    funders: Mapping[str, str]
    # The commune's name for people, when the record gives no `ville`: pages and reasons name
    # places, they do not show INSEE codes.
    commune_name: Callable[[str], str | None] = lambda code: None


class Tags:
    """Qualified tag names in the document's namespace."""

    def __init__(self, namespace: str) -> None:
        self.prefix = f"{{{namespace}}}" if namespace else ""

    def path(self, path: str) -> str:
        return "/".join(self.prefix + step for step in path.split("/"))


def text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


class InvalidSession(ValueError):
    def __init__(self, element: str, reason: str) -> None:
        super().__init__(reason)
        self.element, self.reason = element, reason


def parse_day(value: str | None, element: str) -> date | None:
    if value is None or value in UNKNOWN_DATES:
        return None
    if len(value) == 8 and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            pass
    raise InvalidSession(element, f"{value!r} is not a date written YYYYMMDD")


def read_formation(formation: Element, tags: Tags, vocabulary: Vocabulary) -> Reading:
    reading = Reading()
    number = formation.get("numero", "").strip()
    where = f"formation[numero={number}]" if number else "formation"
    actions = formation.findall(tags.path("action"))
    session_count = sum(len(a.findall(tags.path("session"))) for a in actions) or 1
    title = text(formation.find(tags.path("intitule-formation")))
    if not number:
        reason = "no `numero` attribute: a re-import could not recognise it"
        return _rejected_whole(reading, where, None, reason, session_count)
    if title is None:
        reason = "no `intitule-formation`"
        return _rejected_whole(reading, where, number, reason, session_count)
    domain = formation.find(tags.path("domaine-formation"))
    rome, formacodes, nsf = _codes(domain, tags, vocabulary, where, number, reading)
    common = {
        "formation_id": number,
        "title": title,
        "rome_codes": rome,
        "formacodes": formacodes,
        "nsf_codes": nsf,
        "certifying": text(formation.find(tags.path("certifiante"))) == "1",
        "rncp_code": text(formation.find(tags.path("code-RNCP"))),
        "exit_level": text(formation.find(tags.path("code-niveau-sortie"))),
        "body_name": text(
            formation.find(tags.path("organisme-formation-responsable/raison-sociale"))
        )
        or text(formation.find(tags.path("organisme-formation-responsable/nom-organisme"))),
    }
    href = formation.get("href") or None
    if not actions:
        return _rejected_whole(reading, where, number, "no `action`", 1)
    for action in actions:
        _read_action(action, tags, vocabulary, where, common, href, reading)
    return reading


def _rejected_whole(
    reading: Reading, where: str, id_: str | None, reason: str, sessions: int
) -> Reading:
    reading.rejected.append(Issue(where, id_, reason))
    reading.rejected_sessions += sessions
    return reading


def _codes(
    domain: Element | None,
    tags: Tags,
    vocabulary: Vocabulary,
    where: str,
    number: str,
    reading: Reading,
) -> tuple[list[str], list[str], list[str]]:
    if domain is None:
        domain = Element("domaine-formation")
    rome: list[str] = []
    for code in (text(e) for e in domain.findall(tags.path("code-ROME"))):
        if code is None:
            continue
        if ROME_PATTERN.match(code) and vocabulary.is_rome(code):
            rome.append(code)
        else:
            reason = f"ROME code {code!r} is not in the ROME referential; left out"
            reading.notices.append(Issue(f"{where}/domaine-formation/code-ROME", number, reason))
    main: list[str] = []
    others: list[str] = []
    for element in domain.findall(tags.path("code-FORMACODE")):
        code = text(element)
        if code is not None:
            (main if element.get("tag") == "principal" else others).append(code)
    formacodes = list(dict.fromkeys(main + others))
    nsf = [c for c in (text(e) for e in domain.findall(tags.path("code-NSF"))) if c]
    if not rome:
        carried = [f"FORMACODE {', '.join(formacodes)}" if formacodes else "", ""]
        carried[1] = f"NSF {', '.join(nsf)}" if nsf else ""
        matched = " and ".join(c for c in carried if c) or "its title only"
        reason = f"no ROME code: matched on {matched}"
        reading.notices.append(Issue(f"{where}/domaine-formation", number, reason))
    return rome, formacodes, nsf


def _read_action(
    action: Element,
    tags: Tags,
    vocabulary: Vocabulary,
    formation_where: str,
    common: dict[str, object],
    href: str | None,
    reading: Reading,
) -> None:
    number = action.get("numero", "").strip()
    where = f"{formation_where}/action[numero={number}]" if number else f"{formation_where}/action"
    sessions = action.findall(tags.path("session"))
    if not number:
        reason = "no `numero` attribute: a re-import could not recognise it"
        _rejected_whole(reading, where, None, reason, len(sessions) or 1)
        return
    if not sessions:
        _rejected_whole(reading, where, number, "no `session`", 1)
        return
    funders = []
    for code in (text(e) for e in action.findall(tags.path("organisme-financeur/code-financeur"))):
        if code is None:
            continue
        if code in vocabulary.funders:
            funders.append(code)
        else:
            reason = f"funder code {code!r} is not in LHEO's dict-financeurs; left out"
            reading.notices.append(Issue(f"{where}/organisme-financeur", number, reason))
    hours = text(action.find(tags.path("nombre-heures-total")))
    price = text(action.find(tags.path("prix-total-TTC")))
    action_facts = {
        **common,
        "action_id": number,
        "funders": list(dict.fromkeys(funders)),
        "funding_possible": text(action.find(tags.path("prise-en-charge-frais-possible"))) == "1",
        "hours": int(hours) if hours and hours.isdigit() else None,
        "price_eur": _amount(price),
        "url": text(action.find(tags.path("url-action/urlweb"))) or href,
    }
    venue = action.find(tags.path("lieu-de-formation/coordonnees/adresse"))
    for position, session in enumerate(sessions):
        try:
            reading.sessions.append(
                _session(session, position, tags, vocabulary, where, venue, action_facts)
            )
        except InvalidSession as error:
            reading.rejected.append(Issue(error.element, number, error.reason))
            reading.rejected_sessions += 1


def _amount(value: str | None) -> float | None:
    try:
        return None if value is None else round(float(value.replace(",", ".")), 2)
    except ValueError:
        return None


def _session(
    session: Element,
    position: int,
    tags: Tags,
    vocabulary: Vocabulary,
    action_where: str,
    venue: Element | None,
    facts: dict[str, object],
) -> Session:
    number = session.get("numero", "").strip()
    where = f"{action_where}/session[numero={number}]" if number else f"{action_where}/session"
    period = session.find(tags.path("periode"))
    if period is None:
        raise InvalidSession(f"{where}/periode", "no `periode`: a session needs its dates")
    starts = parse_day(text(period.find(tags.path("debut"))), f"{where}/periode/debut")
    ends = parse_day(text(period.find(tags.path("fin"))), f"{where}/periode/fin")
    if starts and ends and ends < starts:
        raise InvalidSession(f"{where}/periode", f"ends ({ends}) before it starts ({starts})")
    key = number or f"{starts or 'x'}-{ends or 'x'}-{position}"
    registration = session.find(tags.path("adresse-inscription/adresse"))
    place = _place(venue, tags, vocabulary) or _place(registration, tags, vocabulary)
    if place is None:
        raise InvalidSession(
            f"{action_where}/lieu-de-formation",
            "no place: neither `lieu-de-formation` nor `adresse-inscription` gives a known "
            "commune (code-INSEE-commune, codepostal) or coordinates",
        )
    state = text(session.find(tags.path("etat-recrutement")))
    return Session.model_validate(
        {
            **facts,
            "id": f"{facts['formation_id']}:{facts['action_id']}:{key}",
            "place": place[0],
            "city": place[1],
            "starts_on": starts,
            "ends_on": ends,
            "recruiting": state not in CLOSED_STATES,
            "url": text(session.find(tags.path("url-session/urlweb"))) or facts["url"],
        }
    )


def _place(
    address: Element | None, tags: Tags, vocabulary: Vocabulary
) -> tuple[Place, str | None] | None:
    if address is None:
        return None
    insee = text(address.find(tags.path("code-INSEE-commune")))
    insee = None if insee is None or set(insee) == {"0"} else insee
    postcode = text(address.find(tags.path("codepostal")))
    known = vocabulary.locate(insee, postcode)
    city = text(address.find(tags.path("ville")))
    latitude = _coordinate(text(address.find(tags.path("geolocalisation/latitude"))), 90)
    longitude = _coordinate(text(address.find(tags.path("geolocalisation/longitude"))), 180)
    if known is None:
        return None
    commune_code, known_postcode, known_latitude, known_longitude = known
    if latitude is None or longitude is None:
        latitude, longitude = known_latitude, known_longitude
    if latitude is None or longitude is None:
        return None
    place = Place(
        commune_code=commune_code,
        postcode=postcode or known_postcode,
        latitude=latitude,
        longitude=longitude,
    )
    return place, city or vocabulary.commune_name(commune_code)


def _coordinate(value: str | None, limit: float) -> float | None:
    try:
        number = None if value is None else float(value.replace(",", "."))
    except ValueError:
        return None
    return number if number is not None and -limit <= number <= limit else None
