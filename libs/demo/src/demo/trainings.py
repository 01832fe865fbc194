"""Training sessions in LHEO (the Carif-Oref exchange format), deterministic by seed.

Formations lead to real ROME occupations (those employers recruit for most, as for the offers) or
give what near-matches often lack (a driving licence, a forklift licence); their places are real
communes, their sessions start from two months ago to eight months ahead. The document is written
as it is generated: a file of 100,000 sessions never sits in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from demo.generate import Population
from refdata import Commune, Referential

NAMESPACE = "http://www.lheo.org/2.2"
# Trainings that fill a gap rather than lead to one occupation, with no ROME code (as such
# records often come): (title, NSF code 311 "transport, manutention, magasinage" or none, hours).
GAP_TRAININGS = [
    ("Permis de conduire B", "311", 35),
    ("CACES R489 chariots de manutention catégories 1, 3 et 5", "311", 21),
    ("Remise à niveau en français et mathématiques", "", 140),
    ("Anglais professionnel", "", 60),
]
TITLE_PATTERNS = [
    "Titre professionnel {label}",
    "Formation qualifiante : {label}",
    "Préparation opérationnelle à l'emploi : {label}",
    "Certificat de qualification professionnelle : {label}",
]
BODIES = [
    "AFPA",
    "GRETA {city}",
    "CFA {city}",
    "Institut de formation {city}",
    "Maison de la formation {city}",
    "Auto-école {city}",
]
FUNDERS = [("4",), ("2",), ("2", "4"), ("10",), ("16",), ("4", "10")]


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _address(commune: Commune) -> str:
    postcode = commune.postcodes[0] if commune.postcodes else ""
    return (
        f"<adresse><ligne>-</ligne><codepostal>{postcode}</codepostal>"
        f"<ville>{escape(commune.name.title())}</ville>"
        f"<code-INSEE-commune>{commune.insee_code}</code-INSEE-commune>"
        f"<geolocalisation><latitude>{commune.latitude}</latitude>"
        f"<longitude>{commune.longitude}</longitude></geolocalisation></adresse>"
    )


def _session(rng: random.Random, number: str, commune: Commune, today: date, days: int) -> str:
    start = today + timedelta(days=rng.randint(-60, 240))
    end = start + timedelta(days=days)
    state = "2" if rng.random() < 0.1 else "1"
    return (
        f"<session numero={quoteattr(number)}><periode><debut>{_day(start)}</debut>"
        f"<fin>{_day(end)}</fin></periode><adresse-inscription>{_address(commune)}"
        f"</adresse-inscription><etat-recrutement>{state}</etat-recrutement></session>"
    )


def _action(
    rng: random.Random,
    formation: str,
    number: int,
    sessions: int,
    today: date,
    hours: int,
    population: Population,
) -> str:
    commune = population.commune(rng)
    action = f"{formation}-A{number}"
    days = max(1, hours // 7 + rng.randint(0, hours // 35 + 1))
    funders = "".join(
        f"<organisme-financeur><code-financeur>{code}</code-financeur></organisme-financeur>"
        for code in rng.choice(FUNDERS)
    )
    body = rng.choice(BODIES).format(city=commune.name.title())
    fundable = int(rng.random() < 0.8)
    return (
        f"<action numero={quoteattr(action)}><rythme-formation>Temps plein</rythme-formation>"
        "<code-public-vise>80056</code-public-vise>"
        "<niveau-entree-obligatoire>0</niveau-entree-obligatoire>"
        "<modalites-alternance>-</modalites-alternance>"
        "<modalites-enseignement>0</modalites-enseignement>"
        "<conditions-specifiques>-</conditions-specifiques>"
        f"<prise-en-charge-frais-possible>{fundable}</prise-en-charge-frais-possible>"
        f"<lieu-de-formation><coordonnees>{_address(commune)}</coordonnees></lieu-de-formation>"
        "<modalites-entrees-sorties>0</modalites-entrees-sorties>"
        f"<url-action><urlweb>https://formation.example/{escape(action)}</urlweb></url-action>"
        + "".join(
            _session(rng, f"{action}-S{n}", commune, today, days) for n in range(1, sessions + 1)
        )
        + f"<nombre-heures-total>{hours}</nombre-heures-total>"
        f"<prix-total-TTC>{hours * rng.choice((9, 12, 15))}</prix-total-TTC>"
        f"<organisme-formateur><raison-sociale-formateur>{escape(body)}"
        f"</raison-sociale-formateur></organisme-formateur>{funders}</action>"
    )


def _formation(
    rng: random.Random,
    index: int,
    sessions: int,
    referential: Referential,
    population: Population,
    today: date,
) -> str:
    number = f"demo-F{index:07d}"
    codes: str
    if rng.random() < 0.2:
        title, nsf, hours = rng.choice(GAP_TRAININGS)
        codes = f"<code-NSF>{nsf}</code-NSF>" if nsf else ""
        certifying, level = "0", "1"
    else:
        rome = population.occupation(rng)
        label = referential.occupations[rome]
        title = rng.choice(TITLE_PATTERNS).format(label=label.lower())
        hours = rng.choice((140, 280, 400, 600, 800))
        codes = f"<code-ROME>{rome}</code-ROME>"
        certifying, level = ("1", rng.choice(("3", "4", "5"))) if rng.random() < 0.6 else ("0", "1")
    actions = []
    remaining, action_number = sessions, 1
    while remaining:
        count = min(remaining, rng.randint(1, 4))
        actions.append(_action(rng, number, action_number, count, today, hours, population))
        remaining -= count
        action_number += 1
    return (
        f"<formation numero={quoteattr(number)}><domaine-formation>{codes}</domaine-formation>"
        f"<intitule-formation>{escape(title)}</intitule-formation>"
        "<objectif-formation>-</objectif-formation><resultats-attendus>-</resultats-attendus>"
        f"<contenu-formation>-</contenu-formation><certifiante>{certifying}</certifiante>"
        "<parcours-de-formation>1</parcours-de-formation>"
        f"<code-niveau-entree>0</code-niveau-entree><code-niveau-sortie>{level}</code-niveau-sortie>"
        + "".join(actions)
        + "</formation>"
    )


def lheo_document(
    sessions: int, referential: Referential, seed: int = 7, today: date | None = None
) -> Iterator[str]:
    """The document's text, piece by piece: `sessions` sessions in all."""
    rng = random.Random(seed)
    population = Population.of(referential)
    today = today or date.today()
    yield f'<?xml version="1.0" encoding="utf-8"?>\n<lheo xmlns="{NAMESPACE}"><offres>\n'
    index, remaining = 0, sessions
    while remaining:
        count = min(remaining, rng.randint(1, 8))
        yield _formation(rng, index, count, referential, population, today) + "\n"
        remaining -= count
        index += 1
    yield "</offres></lheo>\n"


def write_lheo(path: Path, sessions: int, referential: Referential, seed: int = 7) -> int:
    """Write the document to `path`; return its size in bytes."""
    with path.open("w", encoding="utf-8") as out:
        for piece in lheo_document(sessions, referential, seed):
            out.write(piece)
    return path.stat().st_size
