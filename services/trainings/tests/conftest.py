"""Builders of LHEO documents, changed element by element in each test, a small vocabulary, and
the trainings service over the real stack (its app and client: testkit.service_harness)."""

from collections.abc import Callable
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from testkit.service_harness import ServiceUnderTest, app, app_settings, client

from trainings.config import Settings
from trainings.domain.formation import Located, Vocabulary
from trainings.main import create_app

__all__ = ["app", "app_settings", "client"]  # fixtures, for the integration tests

Document = Callable[..., bytes]
NAMESPACE = "http://www.lheo.org/2.2"
COMMUNES: dict[str, Located] = {
    "57463": ("57463", "57000", 49.1081, 6.1955),  # Metz
    "37261": ("37261", "37000", 47.3936, 0.6892),  # Tours
    "31555": ("31555", "31000", 43.6045, 1.4440),  # Toulouse
}


def locate(insee: str | None, postcode: str | None) -> Located | None:
    if insee in COMMUNES:
        return COMMUNES[insee]
    return next((c for c in COMMUNES.values() if postcode and c[1] == postcode), None)


VOCABULARY = Vocabulary(
    is_rome=lambda code: code in {"N4101", "F1604", "M1203"},
    locate=locate,
    funders={"2": "Conseil régional", "4": "Pôle emploi", "10": "Bénéficiaire de l'action"},
)


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).strftime("%Y%m%d")


def session_xml(
    number: str | None = "S1",
    start: str | None = None,
    end: str | None = None,
    state: str | None = None,
) -> str:
    numero = f' numero="{number}"' if number is not None else ""
    recruitment = f"<etat-recrutement>{state}</etat-recrutement>" if state else ""
    return (
        f"<session{numero}><periode><debut>{start or day(30)}</debut><fin>{end or day(40)}</fin>"
        "</periode><adresse-inscription><adresse><ligne>-</ligne><codepostal>57000</codepostal>"
        f"<ville>Metz</ville></adresse></adresse-inscription>{recruitment}</session>"
    )


def action_xml(
    number: str | None = "A1",
    sessions: str | None = None,
    insee: str = "57463",
    funders: tuple[str, ...] = ("4",),
    extra: str = "",
) -> str:
    numero = f' numero="{number}"' if number is not None else ""
    financeurs = "".join(
        f"<organisme-financeur><code-financeur>{c}</code-financeur></organisme-financeur>"
        for c in funders
    )
    return (
        f"<action{numero}><rythme-formation>temps plein</rythme-formation>"
        "<prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>"
        "<lieu-de-formation><coordonnees><adresse><ligne>1 rue</ligne><codepostal>57000"
        f"</codepostal><ville>Metz</ville><code-INSEE-commune>{insee}</code-INSEE-commune>"
        "</adresse></coordonnees></lieu-de-formation>"
        "<url-action><urlweb>https://formation.example/permis-b</urlweb></url-action>"
        f"{sessions if sessions is not None else session_xml()}"
        f"<nombre-heures-total>35</nombre-heures-total>{extra}{financeurs}</action>"
    )


def formation_xml(
    number: str | None = "F1",
    title: str | None = "Permis de conduire B",
    rome: tuple[str, ...] = ("N4101",),
    formacodes: str = "",
    actions: str | None = None,
) -> str:
    numero = f' numero="{number}"' if number is not None else ""
    codes = formacodes or '<code-FORMACODE ref="V12" tag="principal">31812</code-FORMACODE>'
    codes += "".join(f"<code-ROME>{c}</code-ROME>" for c in rome)
    intitule = f"<intitule-formation>{title}</intitule-formation>" if title is not None else ""
    return (
        f'<formation{numero} href="https://formation.example/f">'
        f"<domaine-formation>{codes}</domaine-formation>{intitule}"
        "<certifiante>0</certifiante><code-niveau-sortie>1</code-niveau-sortie>"
        f"{actions if actions is not None else action_xml()}"
        "<organisme-formation-responsable><raison-sociale>Auto-école du Centre</raison-sociale>"
        "</organisme-formation-responsable></formation>"
    )


def lheo(*formations: str, namespace: str = NAMESPACE) -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    body = "".join(formations) if formations else formation_xml()
    prolog = '<?xml version="1.0" encoding="utf-8"?>'
    return f"{prolog}<lheo{xmlns}><offres>{body}</offres></lheo>".encode()


@pytest.fixture
def vocabulary() -> Vocabulary:
    return VOCABULARY


@pytest.fixture
def xml() -> SimpleNamespace:
    """The builders: xml.lheo(xml.formation(actions=xml.action(sessions=xml.session())))."""
    return SimpleNamespace(
        lheo=lheo, formation=formation_xml, action=action_xml, session=session_xml, day=day
    )


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(create_app, Settings, "http://trainings")
