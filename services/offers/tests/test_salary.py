import pytest

from offers.domain.salary import MonthlySalary, parse_salary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mensuel de 1800.00 Euros à 2000.00 Euros sur 12 mois", MonthlySalary(1800, 2000)),
        ("Mensuel de 1766.92 Euros sur 12 mois", MonthlySalary(1767, None)),
        ("Horaire de 11.88 Euros sur 12 mois", MonthlySalary(1802, None)),
        ("Horaire de 11.88 Euros à 13.50 Euros sur 12 mois", MonthlySalary(1802, 2048)),
        ("Annuel de 30000.00 Euros à 35000.00 Euros sur 12 mois", MonthlySalary(2500, 2917)),
        ("Annuel de 30000.00 Euros sur 13 mois", MonthlySalary(2500, None)),
        ("Mensuel de 2000.00 Euros sur 13 mois", MonthlySalary(2167, None)),
        ("Mensuel de 2000.0 Euros sur 13.0 mois", MonthlySalary(2167, None)),
        ("Annuel de 42 000,00 Euros", MonthlySalary(3500, None)),
        ("mensuel de 1900 euros sur 12 mois", MonthlySalary(1900, None)),
        ("Mensuel de 2200.00 Euros à 1900.00 Euros sur 12 mois", MonthlySalary(1900, 2200)),
    ],
)
def test_salary_texts_become_monthly_euros(text: str, expected: MonthlySalary) -> None:
    assert parse_salary(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "Selon profil",
        "A négocier",
        "Cachet de 150.00 Euros",
        "Mensuel de 0.00 Euros sur 12 mois",
        "Mensuel de 1800.00 Euros sur 40 mois",
    ],
)
def test_salary_texts_without_usable_amounts_give_nothing(text: str | None) -> None:
    assert parse_salary(text) == MonthlySalary(None, None)
