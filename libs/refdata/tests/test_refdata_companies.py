from pathlib import Path

import pytest

from refdata import read_establishment_rows, read_sectors
from refdata.companies import ESTABLISHMENTS


def test_sectors_hiring_an_occupation_and_its_share(real_data_folder: Path) -> None:
    sectors = read_sectors(real_data_folder)
    hiring = sectors.sectors_hiring("D1212")
    assert hiring["4759A"] == 1847
    assert 0 < sectors.share("D1212", "4759A") < 1
    assert sum(sectors.share(rome, "4759A") for rome in sectors.hirings) == pytest.approx(1)
    assert sectors.naf_labels["4759A"] == "Commerce de détail de meubles"
    assert sectors.headcount_labels["12"] == "20-49"
    assert sectors.occupation_labels["D1212"].startswith("Vente en décoration")


def test_every_establishment_of_the_metz_sample_is_read(real_data_folder: Path) -> None:
    rows = list(read_establishment_rows((real_data_folder / ESTABLISHMENTS.name).read_bytes()))
    assert len(rows) == 17_091
    line, first = rows[0]
    assert line == 2
    assert first["siret"] == "01625043300220"
    assert first["coordinates_x"] == "6.17528"


def test_a_semicolon_file_with_a_bom_reads_the_same() -> None:
    raw = (
        "\ufeffSIRET;RaisonSociale;CodeNaf;CodeCommune;coordinates_x;coordinates_y\n"
        "1;A;4759A;57463;6.1;49.1\n"
    )
    [(line, row)] = read_establishment_rows(raw.encode())
    assert (line, row["siret"], row["raisonsociale"]) == (2, "1", "A")


def test_a_file_without_the_columns_says_which_are_missing() -> None:
    with pytest.raises(ValueError, match="codenaf"):
        list(read_establishment_rows(b"siret,raisonsociale\n1,A\n"))
