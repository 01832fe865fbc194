"""What the fuzzer must know that a JSON schema cannot say, for `schemathesis run` and the tests.

- Formats of the reference data (`rome-code`, `insee-commune`, `fr-postcode`, `time-zone`): a
  schema can give their shape, not the list of codes that exist; valid values come from it here.
- Rules across fields (a postcode of that commune, each ROME code once, quiet hours that do not
  start when they end...): the gateway's own models check them and answer 422 naming the field;
  schema-valid requests that break one are not "valid data", so positive cases that the
  gateway's model refuses are left out.

`schemathesis.toml` at the root loads this file, so `st run http://…/openapi.json` uses it too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import schemathesis
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from refdata import get_referential


@cache
def reference() -> tuple[list[str], list[tuple[str, tuple[str, ...]]]]:
    referential = get_referential()
    romes = sorted(code for code in referential.occupations if referential.is_rome(code))
    communes = sorted(
        (c.insee_code, tuple(c.postcodes))
        for c in referential.communes.values()
        if c.has_coordinates and c.postcodes
    )
    return romes, communes[:: max(1, len(communes) // 2000)]


romes, communes = reference()
schemathesis.openapi.format("rome-code", st.sampled_from(romes))
schemathesis.openapi.format("insee-commune", st.sampled_from([c for c, _ in communes]))
schemathesis.openapi.format("fr-postcode", st.sampled_from([p[0] for _, p in communes]))
schemathesis.openapi.format("time-zone", st.sampled_from(sorted(available_timezones())))
schemathesis.openapi.media_type(
    "application/x-ndjson", st.sampled_from([b'{"id": "FUZZ1"}\n', b"", b"[]\n"])
)
LHEO_BODIES = [b'<lheo xmlns="http://www.lheo.org/2.2"><offres/></lheo>', b"<lheo/>", b"<offres/>"]
for _media in ("application/xml", "text/xml"):
    schemathesis.openapi.media_type(_media, st.sampled_from(LHEO_BODIES))

# Establishments files with the columns the schema names: none that would add a company to the
# stack's data (a header alone, a row whose SIRET is refused).
CSV_HEADER = b"siret,raisonsociale,codenaf,codecommune,coordinates_x,coordinates_y\n"
schemathesis.openapi.media_type(
    "text/csv",
    st.sampled_from([CSV_HEADER, CSV_HEADER + b"FUZZ,A,4759A,57463,6.1,49.1\n"]),
)


@cache
def body_models() -> dict[tuple[str, str], TypeAdapter[Any]]:
    """The gateway's own model of each request body, by (method, path)."""
    from fastapi.routing import APIRoute

    from gateway.main import JOURNEY_ROUTERS  # builds the app too: the stack's settings serve

    out: dict[tuple[str, str], TypeAdapter[Any]] = {}
    for router in JOURNEY_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.body_field is not None:
                for method in route.methods:
                    model = TypeAdapter(route.body_field.field_info.annotation)
                    out[(method, route.path)] = model
    return out


def breaks_a_rule_across_fields(method: str, path: str, body: Any) -> bool:
    model = body_models().get((method, path))
    if model is None:
        return False
    try:
        model.validate_python(body)
    except ValidationError:
        return True
    postcodes = dict(communes)
    place = body.get("place") if isinstance(body, dict) else None
    if (
        isinstance(place, dict)
        and place.get("commune_code")
        and place.get("postcode")
        and place["postcode"] not in postcodes.get(place["commune_code"], ())
    ):
        return True
    valid_until = body.get("valid_until") if isinstance(body, dict) else None
    if isinstance(valid_until, str):
        moment = datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
        if moment.tzinfo is None or moment <= datetime.now(UTC):
            return True
    return False


KNOWN = {
    "rome_code": frozenset(romes),
    "rome": frozenset(romes),
    "commune_code": frozenset(c for c, _ in communes),
    "commune": frozenset(c for c, _ in communes),
    "postcode": frozenset(p for _, ps in communes for p in ps),
    "time_zone": frozenset(available_timezones()),
}


def unknown_reference(value: Any) -> bool:
    """A code of the reference data that does not exist, anywhere in a body or a query."""
    known = KNOWN
    if isinstance(value, dict):
        for key, item in value.items():
            codes = item if isinstance(item, list) else [item]
            if key in known and any(isinstance(c, str) and c not in known[key] for c in codes):
                return True
            if unknown_reference(item):
                return True
    elif isinstance(value, list):
        return any(unknown_reference(item) for item in value)
    return False


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return True
    if unknown_reference(case.body) or unknown_reference(dict(case.query or {})):
        return False
    if case.body is None:
        return True
    return not breaks_a_rule_across_fields(case.method.upper(), case.path, case.body)
