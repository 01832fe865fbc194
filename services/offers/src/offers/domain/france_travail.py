"""Records of France Travail's "Offres d'emploi v2" JSON, mapped to offers.

Field names below are France Travail's, so that a rejection names the field of the record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.vocabulary import ContractType, ExperienceRequirement, WorkingTime
from offers.domain.offer import (
    OFFER_ID_PATTERN,
    InvalidOffer,
    Language,
    Licence,
    Offer,
    Origin,
    PlaceIn,
    ReferenceData,
    Salary,
    Skill,
    check_occupation,
    default_validity,
    resolve_place,
)
from offers.domain.salary import parse_salary
from offers.domain.vocabulary import experience_months, language_code, licence_category, plain

REQUIRED = "E"  # `exigence`: E for required, S for wished


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WorkPlaceRecord(_Part):
    libelle: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    codePostal: str | None = None
    commune: str | None = None


class EmployerRecord(_Part):
    nom: str | None = None
    description: str | None = None
    siret: str | None = Field(default=None, pattern=r"^\d{14}$")


class SkillRecord(_Part):
    code: str | None = None
    libelle: str = Field(min_length=1)
    exigence: str | None = None


class LabelRecord(_Part):
    libelle: str = Field(min_length=1)
    exigence: str | None = None


class SalaryRecord(_Part):
    libelle: str | None = None
    commentaire: str | None = None
    complement1: str | None = None
    complement2: str | None = None


class OriginRecord(_Part):
    origine: str | None = None
    urlOrigine: str | None = None


class FranceTravailRecord(_Part):
    id: str = Field(pattern=OFFER_ID_PATTERN)
    intitule: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    dateCreation: datetime
    dateActualisation: datetime | None = None
    lieuTravail: WorkPlaceRecord
    romeCode: str
    romeLibelle: str | None = None
    appellationlibelle: str | None = None
    entreprise: EmployerRecord = Field(default_factory=EmployerRecord)
    typeContrat: str
    typeContratLibelle: str | None = None
    natureContrat: str | None = None
    experienceExige: ExperienceRequirement = ExperienceRequirement.BEGINNER_OK
    experienceLibelle: str | None = None
    competences: list[SkillRecord] = Field(default_factory=list, max_length=100)
    langues: list[LabelRecord] = Field(default_factory=list, max_length=20)
    permis: list[LabelRecord] = Field(default_factory=list, max_length=20)
    salaire: SalaryRecord = Field(default_factory=SalaryRecord)
    dureeTravailLibelle: str | None = None
    dureeTravailLibelleConverti: str | None = None
    qualificationCode: str | None = None
    qualificationLibelle: str | None = None
    nombrePostes: int = Field(default=1, ge=1, le=10_000)
    accessibleTH: bool = False
    origineOffre: OriginRecord = Field(default_factory=OriginRecord)


def offer_from_france_travail(
    record: Any, reference: ReferenceData, *, now: datetime, validity_days: int
) -> Offer:
    """The offer a record describes, or InvalidOffer naming the record's field that is wrong."""
    if not isinstance(record, dict):
        raise InvalidOffer("record", "is not a JSON object")
    try:
        parsed = FranceTravailRecord.model_validate(record)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "record"
        raise InvalidOffer(field, first["msg"]) from None
    return _offer_of(parsed, reference, now=now, validity_days=validity_days)


def _offer_of(
    record: FranceTravailRecord, reference: ReferenceData, *, now: datetime, validity_days: int
) -> Offer:
    occupation = check_occupation(record.romeCode, reference, "romeCode")
    try:
        contract_type = ContractType(record.typeContrat)
    except ValueError:
        raise InvalidOffer(
            "typeContrat", f"{record.typeContrat!r} is not a France Travail contract type"
        ) from None
    place = resolve_place(_place_in(record.lieuTravail), reference, prefix="lieuTravail.")
    created_at = _aware(record.dateCreation, "dateCreation")
    updated_at = _aware(record.dateActualisation or record.dateCreation, "dateActualisation")
    valid_until = default_validity(updated_at, validity_days)
    if valid_until <= now:
        field = "dateActualisation" if record.dateActualisation else "dateCreation"
        raise InvalidOffer(field, f"the offer expired on {valid_until:%Y-%m-%d}")
    salary_text = record.salaire.libelle or record.salaire.commentaire
    parsed = parse_salary(record.salaire.libelle)
    return Offer(
        id=record.id,
        title=record.intitule,
        description=record.description,
        rome_code=record.romeCode,
        occupation_label=occupation,
        job_title=record.appellationlibelle,
        place=place,
        contract_type=contract_type,
        contract_nature=record.natureContrat,
        experience_required=record.experienceExige,
        experience_months=experience_months(record.experienceLibelle),
        qualification=_qualification(record.qualificationCode),
        qualification_label=record.qualificationLibelle,
        skills=[
            Skill(code=s.code, label=s.libelle, required=s.exigence == REQUIRED)
            for s in record.competences
        ],
        languages=_languages(record.langues),
        driving_licences=_licences(record.permis),
        salary=Salary(
            text=salary_text[:500] if salary_text else None,
            min_monthly_eur=parsed.minimum,
            max_monthly_eur=parsed.maximum,
        ),
        working_time=_working_time(record.dureeTravailLibelleConverti),
        working_hours=record.dureeTravailLibelle,
        positions=record.nombrePostes,
        employer_name=record.entreprise.nom,
        employer_siret=record.entreprise.siret,
        open_to_disabled_workers=record.accessibleTH,
        created_at=created_at,
        updated_at=updated_at,
        valid_until=valid_until,
        origin=Origin.PARTNER if record.origineOffre.origine == "2" else Origin.FRANCE_TRAVAIL,
        origin_url=record.origineOffre.urlOrigine,
    )


def _place_in(place: WorkPlaceRecord) -> PlaceIn:
    has_both = place.latitude is not None and place.longitude is not None
    try:
        return PlaceIn(
            label=place.libelle,
            commune_code=place.commune or None,
            postcode=place.codePostal or None,
            latitude=place.latitude if has_both else None,
            longitude=place.longitude if has_both else None,
        )
    except ValidationError as error:
        first = error.errors()[0]
        if not first["loc"]:  # the place as a whole: neither commune nor postcode
            raise InvalidOffer("lieuTravail.commune_code", first["msg"]) from None
        field = {"commune_code": "commune", "postcode": "codePostal"}.get(
            str(first["loc"][0]), str(first["loc"][0])
        )
        raise InvalidOffer(f"lieuTravail.{field}", first["msg"]) from None


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidOffer(field, "give a time zone, e.g. 2024-09-12T14:37:12.000Z")
    return moment


def _qualification(code: str | None) -> int | None:
    if code is not None and code.strip().isdigit() and 1 <= int(code) <= 9:
        return int(code)
    return None


def _requirements(
    records: list[LabelRecord], key_of: Callable[[str], str | None]
) -> dict[str, bool]:
    """Each known key once, in the order first met: required when any of its records is."""
    found: dict[str, bool] = {}
    for record in records:
        key = key_of(record.libelle)
        if key is not None:
            found[key] = found.get(key, False) or record.exigence == REQUIRED
    return found


def _languages(records: list[LabelRecord]) -> list[Language]:
    return [
        Language(code=code, required=required)
        for code, required in _requirements(records, language_code).items()
    ]


def _licences(records: list[LabelRecord]) -> list[Licence]:
    return [
        Licence(category=category, required=required)
        for category, required in _requirements(records, licence_category).items()
    ]


def _working_time(label: str | None) -> WorkingTime:
    text = plain(label or "")
    if text.startswith("temps plein"):
        return WorkingTime.FULL_TIME
    if text.startswith("temps partiel"):
        return WorkingTime.PART_TIME
    return WorkingTime.ANY
