"""Against the real files (REFDATA_DIR, or ../shared/data beside the checkout)."""

import time
from pathlib import Path

import pytest

from refdata import Referential, distance_km, get_referential, read_referential


def test_every_rome_occupation_is_there(real_referential: Referential) -> None:
    assert len(real_referential.occupations) == 532
    assert real_referential.occupations["K2204"] == "Nettoyage de locaux"
    assert real_referential.occupations["A1201"] == "Bûcheronnage et élagage"  # UTF-8 read as such
    assert real_referential.is_rome("K2204")
    assert not real_referential.is_rome("K9999")


def test_every_job_title_belongs_to_a_known_occupation(real_referential: Referential) -> None:
    titles = real_referential.job_titles
    assert len(titles) == 11_118
    assert all(real_referential.is_rome(title.rome_code) for title in titles.values())
    abatteur = real_referential.job_title("10200")
    assert abatteur is not None
    assert abatteur.label == "Abatteur / Abatteuse de carrière"
    assert abatteur.rome_code == "F1402"
    assert {t.rome_code for t in real_referential.job_titles_for("K2204")} == {"K2204"}
    assert len({t.rome_code for t in titles.values()}) == 532  # no occupation without titles


def test_job_titles_are_found_by_word_prefixes_whatever_the_accents(
    real_referential: Referential,
) -> None:
    found = real_referential.search_job_titles("nettoy locaux", limit=20)
    assert found
    assert "K2204" in {title.rome_code for title in found}
    assert [t.ogr_id for t in real_referential.search_job_titles("CARRIERE abatteur")] == ["10200"]
    assert real_referential.search_job_titles("   ") == []
    assert "D1102" in real_referential.search_occupations("boulangerie")


def test_neighbours_per_employment_area_are_the_file_rows(real_referential: Referential) -> None:
    assert real_referential.neighbours("K2204", bassin="101") == {
        "K2503": pytest.approx(0.94011211),
        "A1416": pytest.approx(0.61383492),
        "K1304": pytest.approx(0.16601537),
    }
    assert real_referential.neighbours("K2204", bassin="no-such-area") == {}
    assert len(real_referential.bassins) == 354


def test_national_neighbours_are_averaged_over_areas(real_referential: Referential) -> None:
    neighbours = real_referential.neighbours("K2204")
    assert "K1304" in neighbours  # cleaning premises -> domestic services, listed by 35 areas
    scores = list(neighbours.values())
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)
    assert real_referential.neighbours("Z9999") == {}


def test_neighbours_near_a_commune_use_its_employment_area(
    real_referential: Referential,
) -> None:
    area = real_referential.employment_area("69381")
    assert area == "8428"
    local = real_referential.neighbours("K2204", bassin=area)
    near = real_referential.neighbours_near("K2204", "69381")
    assert near == (local or real_referential.neighbours("K2204"))


def test_communes_carry_names_postcodes_and_coordinates(real_referential: Referential) -> None:
    communes = real_referential.communes
    assert len(communes) == 36_016  # 36,013 in La Poste's file + Paris, Lyon, Marseille
    located = [c for c in communes.values() if c.has_coordinates]
    assert len(located) == 35_924
    assert all(-90 <= (c.latitude or 0) <= 90 for c in located)
    culey = real_referential.commune("55138")
    assert culey is not None
    assert culey.latitude is None  # one of the communes La Poste gives no coordinates


def test_lyon_paris_and_marseille_exist_as_cities_and_arrondissements(
    real_referential: Referential,
) -> None:
    lyon = real_referential.commune("69123")
    assert lyon is not None
    assert lyon.name == "LYON"
    assert lyon.latitude == pytest.approx(45.76, abs=0.02)
    assert lyon.longitude == pytest.approx(4.83, abs=0.02)
    assert lyon.postcodes == tuple(f"6900{i}" for i in range(1, 10))
    paris = real_referential.commune("75056")
    assert paris is not None
    assert "75116" in paris.postcodes
    assert len(real_referential.commune("13055").postcodes) == 16  # type: ignore[union-attr]
    eighth = real_referential.commune("75108")
    assert eighth is not None
    assert eighth.city_code == "75056"
    assert [c.insee_code for c in real_referential.communes_by_postcode("75008")] == ["75108"]


def test_corsica_keeps_its_letters(real_referential: Referential) -> None:
    ajaccio = real_referential.commune("2A004")
    assert ajaccio is not None
    assert ajaccio.name == "AJACCIO"
    assert ajaccio.department == "2A"
    assert "20000" in ajaccio.postcodes
    assert real_referential.commune("2a004") == ajaccio
    assert "2B033" in {c.insee_code for c in real_referential.communes_by_postcode("20200")}
    assert real_referential.employment_area("2A004") == "9407"


def test_a_postcode_lists_every_commune_it_serves(real_referential: Referential) -> None:
    names = [c.name for c in real_referential.communes_by_postcode("20200")]
    assert names == sorted(names)
    assert "BASTIA" in names
    assert real_referential.communes_by_postcode("00000") == []
    assert real_referential.commune("1001") == real_referential.commune("01001")


def test_employment_areas(real_referential: Referential) -> None:
    assert real_referential.employment_area("01001") == "8401"
    assert real_referential.employment_area("69123") == "8428"
    assert real_referential.employment_area("99999") is None
    assert len(real_referential.employment_areas) == 38_283


def test_tension_is_a_percentage_taking_the_highest_family(
    real_referential: Referential,
) -> None:
    assert real_referential.tension("A1101") == 61.9
    assert real_referential.tension("A1204") == 68.2  # listed under three FAP families
    assert real_referential.tension("K9999") is None
    known = [c for c in real_referential.occupations if real_referential.tension(c) is not None]
    assert len(known) == 495


def test_distances_between_real_communes(real_referential: Referential) -> None:
    paris, lyon = real_referential.commune("75056"), real_referential.commune("69123")
    assert paris is not None
    assert lyon is not None
    assert paris.latitude is not None
    assert paris.longitude is not None
    assert lyon.latitude is not None
    assert lyon.longitude is not None
    km = distance_km(paris.latitude, paris.longitude, lyon.latitude, lyon.longitude)
    assert km == pytest.approx(392, abs=5)


def test_reading_every_file_takes_well_under_two_seconds(real_data_folder: Path) -> None:
    started = time.process_time()
    read_referential(real_data_folder)
    assert time.process_time() - started < 2.0


def test_the_process_wide_referential_is_loaded_once(
    real_data_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFDATA_DIR", str(real_data_folder))  # never fetch in tests
    get_referential.cache_clear()
    try:
        assert get_referential() is get_referential()
        assert get_referential().source == real_data_folder
    finally:
        get_referential.cache_clear()
