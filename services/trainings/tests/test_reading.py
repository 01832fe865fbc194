"""An LHEO document read formation by formation: sessions, codes, places, and what is wrong."""

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from trainings.domain.formation import Reading, Vocabulary, read_formation
from trainings.lheo_reader import NotLheoError, formations


def read(document: bytes, vocabulary: Vocabulary) -> Reading:
    total = Reading()
    for tags, element in formations(io.BytesIO(document)):
        reading = read_formation(element, tags, vocabulary)
        total.sessions += reading.sessions
        total.rejected += reading.rejected
        total.notices += reading.notices
        total.rejected_sessions += reading.rejected_sessions
    return total


def test_every_session_of_every_action_is_read_with_its_facts(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    actions = xml.action("A1", xml.session("S1") + xml.session("S2", state="2")) + xml.action(
        "A2", xml.session("S3"), insee="37261", funders=("2", "10")
    )
    reading = read(xml.lheo(xml.formation(actions=actions)), vocabulary)

    assert [s.id for s in reading.sessions] == ["F1:A1:S1", "F1:A1:S2", "F1:A2:S3"]
    first = reading.sessions[0]
    assert first.title == "Permis de conduire B"
    assert first.rome_codes == ["N4101"]
    assert first.formacodes == ["31812"]
    assert first.place.commune_code == "57463"
    assert first.place.latitude == pytest.approx(49.1081)
    assert first.city == "Metz"
    assert first.starts_on == date.today() + timedelta(days=30)
    assert first.funders == ["4"]
    assert first.funding_possible is True
    assert first.hours == 35
    assert first.body_name == "Auto-école du Centre"
    assert first.url == "https://formation.example/permis-b"
    assert reading.sessions[1].recruiting is False  # etat-recrutement 2: closed (full)
    assert reading.sessions[2].place.commune_code == "37261"
    assert reading.sessions[2].funders == ["2", "10"]
    assert reading.rejected == []
    assert reading.notices == []


def test_the_main_formacode_comes_first_wherever_it_is(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    codes = (
        '<code-FORMACODE ref="V12">21001</code-FORMACODE>'
        '<code-FORMACODE ref="V12" tag="principal">21538</code-FORMACODE>'
    )
    [session] = read(xml.lheo(xml.formation(formacodes=codes)), vocabulary).sessions

    assert session.formacodes == ["21538", "21001"]


def test_a_formation_without_rome_code_is_kept_and_said_so(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    reading = read(xml.lheo(xml.formation(number="DAEU", rome=())), vocabulary)

    assert len(reading.sessions) == 1
    assert reading.sessions[0].rome_codes == []
    [notice] = reading.notices
    assert notice.id == "DAEU"
    assert notice.element == "formation[numero=DAEU]/domaine-formation"
    assert notice.reason == "no ROME code: matched on FORMACODE 31812"


def test_an_unknown_rome_code_or_funder_is_left_out_with_a_notice(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    document = xml.lheo(xml.formation(rome=("N4101", "Z9999"), actions=xml.action(funders=("99",))))
    reading = read(document, vocabulary)

    assert reading.sessions[0].rome_codes == ["N4101"]
    assert reading.sessions[0].funders == []
    assert [n.element.rsplit("/", 1)[-1] for n in reading.notices] == [
        "code-ROME",
        "organisme-financeur",
    ]


def test_a_session_with_a_wrong_date_is_rejected_naming_the_element(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    sessions = xml.session("S1", start="20261340") + xml.session("S2")
    reading = read(xml.lheo(xml.formation(actions=xml.action(sessions=sessions))), vocabulary)

    assert [s.id for s in reading.sessions] == ["F1:A1:S2"]
    [rejected] = reading.rejected
    assert (
        rejected.element
        == "formation[numero=F1]/action[numero=A1]/session[numero=S1]/periode/debut"
    )
    assert rejected.reason == "'20261340' is not a date written YYYYMMDD"
    assert reading.rejected_sessions == 1


def test_unknown_dates_are_none_and_a_session_ending_before_it_starts_is_rejected(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    sessions = xml.session("S1", start="00000000") + xml.session(
        "S2", start="20270110", end="20270101"
    )
    reading = read(xml.lheo(xml.formation(actions=xml.action(sessions=sessions))), vocabulary)

    assert reading.sessions[0].starts_on is None
    assert [r.reason for r in reading.rejected] == [
        "ends (2027-01-01) before it starts (2027-01-10)"
    ]


def test_records_without_numbers_are_rejected_with_all_their_sessions(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    no_formation_number = xml.formation(
        number=None, actions=xml.action(sessions=xml.session("a") + xml.session("b"))
    )
    no_action_number = xml.formation(number="F2", actions=xml.action(number=None))
    reading = read(xml.lheo(no_formation_number, no_action_number), vocabulary)

    assert reading.sessions == []
    assert [r.element for r in reading.rejected] == ["formation", "formation[numero=F2]/action"]
    assert reading.rejected_sessions == 3


def test_a_session_without_a_known_place_is_rejected(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    action = xml.action(insee="00000").replace("57000", "99999")  # nor any known postcode
    reading = read(xml.lheo(xml.formation(actions=action)), vocabulary)

    assert reading.sessions == []
    assert reading.rejected[0].element == "formation[numero=F1]/action[numero=A1]/lieu-de-formation"


def test_an_unnumbered_session_is_known_by_its_dates(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    session = xml.session(None, start="20270105", end="20270110")
    [read_session] = read(
        xml.lheo(xml.formation(actions=xml.action(sessions=session))), vocabulary
    ).sessions

    assert read_session.id == "F1:A1:2027-01-05-2027-01-10-0"


def test_a_document_without_namespace_reads_the_same(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    assert [s.id for s in read(xml.lheo(namespace=""), vocabulary).sessions] == ["F1:A1:S1"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<offres><formation/></offres>", "the root element is <offres>, not <lheo>"),
        (b"<lheo><offres><formation></offres></lheo>", "not well-formed XML: mismatched tag"),
        (b"", "not well-formed XML"),
        (
            b'<!DOCTYPE lheo [<!ENTITY a "aaaa">]><lheo>&a;</lheo>',
            "refused",
        ),
    ],
)
def test_what_is_not_lheo_is_refused_saying_why(
    document: bytes, message: str, vocabulary: Vocabulary
) -> None:
    with pytest.raises(NotLheoError, match=message):
        read(document, vocabulary)


def test_formations_already_read_leave_the_tree(xml: SimpleNamespace) -> None:
    document = xml.lheo(*(xml.formation(number=f"F{n}") for n in range(50)))
    sizes = []
    for _, element in formations(io.BytesIO(document)):
        sizes.append(len(element))
    parents = []
    for _, element in formations(io.BytesIO(document)):
        parents.append(element)
    # Each formation is complete when handed over, and emptied once the next is asked for.
    assert min(sizes) > 0
    assert all(len(element) == 0 for element in parents)


def test_a_place_without_its_town_is_named_from_the_reference_data(
    xml: SimpleNamespace, vocabulary: Vocabulary
) -> None:
    """Pages and reasons name the town: an INSEE code is no place for people."""
    nameless = xml.action(insee="37261").replace("<ville>Metz</ville>", "")
    named = Vocabulary(
        is_rome=vocabulary.is_rome,
        locate=vocabulary.locate,
        funders=vocabulary.funders,
        commune_name={"37261": "Tours"}.get,
    )

    [session] = read(xml.lheo(xml.formation(actions=nameless)), named).sessions
    [without_names] = read(xml.lheo(xml.formation(actions=nameless)), vocabulary).sessions

    assert session.place.commune_code == "37261"
    assert session.city == "Tours"
    assert without_names.city is None
