"""The five real LHEO records beside the reference data, read through refdata's loader."""

import pytest

from refdata import get_lheo_dictionaries, get_referential, lheo_sample
from refdata.lheo import SAMPLES
from trainings.domain.formation import Reading, Vocabulary, read_formation
from trainings.importing import vocabulary
from trainings.lheo_reader import formations


@pytest.fixture(scope="module")
def real_vocabulary() -> Vocabulary:
    return vocabulary(get_referential(), get_lheo_dictionaries())


def read_sample(name: str, words: Vocabulary) -> Reading:
    total = Reading()
    with lheo_sample(name).open("rb") as source:
        for tags, element in formations(source):
            reading = read_formation(element, tags, words)
            total.sessions += reading.sessions
            total.rejected += reading.rejected
            total.notices += reading.notices
    return total


def test_the_definition_gives_the_funders_and_recruitment_states() -> None:
    dictionaries = get_lheo_dictionaries()

    assert dictionaries.version == "2.3"
    assert dictionaries.funders["4"] == "Pôle emploi"
    assert dictionaries.funders["16"] == "OPCO"
    assert dictionaries.recruitment_states["2"] == "fermé"


@pytest.mark.parametrize(
    ("name", "sessions", "rome"),
    [
        (
            "intercarif-formation.xml",
            ["07_10:07_114782:114782", "07_10:07_123324:123324"],
            ["F1604"],
        ),
        ("intercarif-poec.xml", ["24_162227:24_1390142:197649"], ["M1203"]),
        ("intercarif-paysan-boulanger.xml", ["04_A815385:04_74056:74056"], ["A1402"]),
        (
            "onisep-exemple-bts.xml",
            ["9436_18706:9436_18706:9436_18706"],
            ["D1402", "D1403", "D1408"],
        ),
    ],
)
def test_every_rome_coded_record_gives_all_its_sessions(
    name: str, sessions: list[str], rome: list[str], real_vocabulary: Vocabulary
) -> None:
    reading = read_sample(name, real_vocabulary)

    assert [s.id for s in reading.sessions] == sessions
    assert all(s.rome_codes == rome for s in reading.sessions)
    assert reading.rejected == []


def test_the_daeu_record_is_read_and_reported_as_having_no_rome_code(
    real_vocabulary: Vocabulary,
) -> None:
    reading = read_sample("intercarif-daeu.xml", real_vocabulary)

    [session] = reading.sessions
    assert session.rome_codes == []
    assert session.formacodes[0] == "15093"
    assert session.certifying is True
    assert session.place.commune_code == "31555"
    [notice] = reading.notices
    assert notice.reason.startswith("no ROME code: matched on FORMACODE 15093")


def test_the_samples_carry_no_contact_data(real_vocabulary: Vocabulary) -> None:
    for name in SAMPLES:
        for session in read_sample(name, real_vocabulary).sessions:
            stored = session.model_dump_json()
            assert "@" not in stored.replace("https://", "").replace("http://", "")
            assert "DUBUC" not in stored
