"""Seekers (as profile documents) and offers (in France Travail's format), deterministic by seed.

Places are real communes, weighted towards the large cities; occupations are real ROME codes,
weighted towards the ones employers recruit for most; the rest follows plausible distributions.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from refdata import Commune, Referential

BIG_CITIES = [
    "75056",
    "13055",
    "69123",
    "31555",
    "06088",
    "44109",
    "34172",
    "67482",
    "33063",
    "59350",
    "35238",
    "51454",
    "83137",
    "42218",
    "76351",
    "38185",
    "21231",
    "49007",
    "30189",
    "69266",
    "63113",
    "72181",
    "13001",
    "29019",
    "37261",
    "80021",
    "87085",
    "74010",
    "66136",
    "57463",
]
FREQUENT_OCCUPATIONS = [
    "K2204",
    "N1103",
    "J1501",
    "G1603",
    "D1106",
    "F1703",
    "N4101",
    "M1607",
    "K1303",
    "G1602",
    "D1507",
    "I1304",
    "M1805",
    "A1203",
    "N1105",
    "K2111",
    "D1214",
    "H2909",
    "F1602",
    "J1506",
    "K1302",
    "G1803",
    "N4105",
    "H3203",
    "M1203",
]
CONTRACT_KINDS = ("CDI", "CDD", "MIS", "SAI", "LIB")
CONTRACT_WEIGHTS = (45, 30, 18, 5, 2)
FIRST_NAMES = [
    "Amina",
    "Lucas",
    "Chloé",
    "Mohamed",
    "Léa",
    "Hugo",
    "Inès",
    "Nathan",
    "Manon",
    "Yanis",
    "Camille",
    "Louis",
    "Sarah",
    "Enzo",
    "Jade",
    "Adam",
    "Emma",
    "Rayan",
    "Louise",
    "Gabriel",
    "Fatou",
    "Jules",
    "Lina",
    "Noah",
    "Zoé",
    "Karim",
    "Alice",
    "Théo",
    "Aya",
    "Paul",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Diallo",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Nguyen",
    "Garcia",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Traoré",
]
SKILLS = [
    "Accueil du public",
    "Travail en équipe",
    "Respect des règles d'hygiène",
    "Gestion des stocks",
    "Utilisation d'un chariot élévateur",
    "Relation client",
    "Bureautique",
    "Conduite de véhicule",
    "Entretien des locaux",
    "Préparation de commandes",
    "Encaissement",
    "Soins d'hygiène",
    "Cuisine",
    "Lecture de plans",
    "Soudure",
    "Comptabilité générale",
    "Développement web",
    "Anglais professionnel",
]
LANGUAGES = {"en": "Anglais", "es": "Espagnol", "de": "Allemand", "ar": "Arabe", "it": "Italien"}


@dataclass(frozen=True)
class Population:
    communes: list[Commune]
    cities: list[Commune]
    occupations: list[str]
    frequent: list[str]

    @classmethod
    def of(cls, referential: Referential) -> Population:
        communes = sorted(
            (c for c in referential.communes.values() if c.has_coordinates and not c.city_code),
            key=lambda c: c.insee_code,
        )
        cities = [
            c for code in BIG_CITIES if (c := referential.commune(code)) and c.has_coordinates
        ]
        occupations = sorted(referential.occupations)
        frequent = [code for code in FREQUENT_OCCUPATIONS if referential.is_rome(code)]
        return cls(communes, cities, occupations, frequent)

    def commune(self, rng: random.Random) -> Commune:
        return rng.choice(self.cities) if rng.random() < 0.6 else rng.choice(self.communes)

    def occupation(self, rng: random.Random) -> str:
        return rng.choice(self.frequent) if rng.random() < 0.6 else rng.choice(self.occupations)


def _contract(rng: random.Random) -> str:
    return rng.choices(CONTRACT_KINDS, CONTRACT_WEIGHTS)[0]


def seeker_id(index: int) -> str:
    return f"demo-s{index:07d}"


def counsellor_id(index: int, seekers_per_counsellor: int) -> str:
    return f"demo-c{index // seekers_per_counsellor:05d}"


def seekers(
    count: int, referential: Referential, seed: int = 42, seekers_per_counsellor: int = 250
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(seeker id, profile document as the profiles service takes it), `count` times."""
    population = Population.of(referential)
    for index in range(count):
        rng = random.Random(f"{seed}:seeker:{index}")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        commune = population.commune(rng)
        occupations = list(
            dict.fromkeys(population.occupation(rng) for _ in range(rng.randint(1, 3)))
        )
        contracts = list(dict.fromkeys(_contract(rng) for _ in range(rng.randint(1, 3))))
        needs_support = rng.random() < 0.12
        profile: dict[str, Any] = {
            "contact": {
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}.{index}@example.org".lower(),
                "phone": f"+33 6 {index % 100:02d} {index // 100 % 100:02d} {index % 97:02d}",
            },
            "counsellor_id": counsellor_id(index, seekers_per_counsellor),
            "occupations": [
                {"rome_code": code, "priority": p + 1} for p, code in enumerate(occupations)
            ],
            "skills": rng.sample(SKILLS, rng.randint(1, 4)),
            "experience_years": min(40, int(rng.expovariate(1 / 4))),
            "qualification": rng.randint(1, 9),
            "languages": ["fr", *rng.sample(sorted(LANGUAGES), rng.choice((0, 0, 1, 1, 2)))],
            "driving_licences": ["B"] if rng.random() < 0.7 else [],
            "place": {"commune_code": commune.insee_code},
            "radius_km": rng.choice((5, 10, 15, 20, 30, 50)),
            "contract_types": [
                {"contract_type": kind, "priority": p + 1} for p, kind in enumerate(contracts)
            ],
            "working_time": rng.choices(("full_time", "part_time", "any"), (55, 10, 35))[0],
            "min_monthly_salary_eur": rng.choice((None, 1400, 1600, 1800, 2000, 2500)),
            "needs_support": needs_support,
            "no_smartphone": needs_support and rng.random() < 0.4,
            "review_before_send": needs_support,
        }
        yield seeker_id(index), profile


def offer_id(index: int) -> str:
    return f"DEMO{index:07d}"


def offers(
    count: int, referential: Referential, seed: int = 42, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Offers in France Travail's "Offres d'emploi v2" format, `count` times."""
    population = Population.of(referential)
    now = now or datetime(2026, 11, 1, tzinfo=UTC)
    for index in range(count):
        rng = random.Random(f"{seed}:offer:{index}")
        commune = population.commune(rng)
        rome = population.occupation(rng)
        label = referential.occupation_label(rome) or rome
        titles = referential.job_titles_for(rome)
        title = rng.choice(titles).label if titles else label
        contract = _contract(rng)
        low = rng.choice((1767, 1800, 1900, 2000, 2200, 2500, 2800, 3200))
        high = low + rng.choice((0, 100, 200, 400))
        created = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 1440))
        experience = rng.choices(("D", "S", "E"), (45, 30, 25))[0]
        years = 0 if experience == "D" else rng.randint(1, 5)
        record: dict[str, Any] = {
            "id": offer_id(index),
            "intitule": title,
            "description": f"{title} H/F. Poste à pourvoir rapidement à {commune.name.title()}.",
            "dateCreation": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "dateActualisation": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "lieuTravail": {
                "libelle": f"{commune.insee_code[:2]} - {commune.name.title()}",
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "codePostal": commune.postcodes[0] if commune.postcodes else None,
                "commune": commune.insee_code,
            },
            "romeCode": rome,
            "romeLibelle": label,
            "appellationlibelle": title,
            "entreprise": {"nom": f"Entreprise {rng.randint(1, 5000):04d}"},
            "typeContrat": contract,
            "typeContratLibelle": contract,
            "natureContrat": "Contrat travail",
            "experienceExige": experience,
            "experienceLibelle": "Débutant accepté" if years == 0 else f"{years} An(s)",
            "competences": [
                {"libelle": skill, "exigence": rng.choice(("E", "S"))}
                for skill in rng.sample(SKILLS, rng.randint(0, 3))
            ],
            "langues": [
                {"libelle": LANGUAGES[code], "exigence": "S"}
                for code in rng.sample(sorted(LANGUAGES), rng.choice((0, 0, 0, 1)))
            ],
            "salaire": {
                "libelle": f"Mensuel de {low:.2f} Euros à {high:.2f} Euros sur 12 mois"
                if high > low
                else f"Mensuel de {low:.2f} Euros sur 12 mois"
            },
            "dureeTravailLibelleConverti": rng.choices(("Temps plein", "Temps partiel"), (80, 20))[
                0
            ],
            "qualificationCode": str(rng.randint(1, 9)),
            "nombrePostes": rng.choices((1, 2, 3, 5), (75, 15, 7, 3))[0],
            "accessibleTH": rng.random() < 0.3,
            "origineOffre": {"origine": "1"},
        }
        yield record
