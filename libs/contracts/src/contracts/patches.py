"""PATCH bodies derived from the models they change: what is given replaces the current value
whole, what is absent stays as it is."""

from __future__ import annotations

from collections.abc import Collection
from copy import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model


def _without_defaults(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


PATCH_CONFIG = ConfigDict(extra="forbid", json_schema_extra=_without_defaults)


def optional_fields(model: type[BaseModel], leave_out: Collection[str] = ()) -> dict[str, Any]:
    """`model`'s fields but those left out, each optional and never null, with its own checks:
    `create_model(name, __config__=PATCH_CONFIG, **optional_fields(model))`."""
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in leave_out:
            optional = copy(field)
            optional.default, optional.default_factory = None, None
            fields[name] = (field.annotation, optional)
    return fields


def partial(model: type[BaseModel], name: str, doc: str) -> type[BaseModel]:
    """The PATCH body of `model`: all its fields, each optional."""
    return create_model(
        name,
        __config__=PATCH_CONFIG,
        __doc__=doc,
        __module__=model.__module__,
        **optional_fields(model),
    )
