"""JSON schemas of custom resources, from the CRDs their operators publish (deploy/tools/crds.sh).

They check what the API server checks with strict field validation: types, enums, required fields,
bounds, patterns, and no field the CRD does not declare (unless it preserves unknown fields). CEL
rules (`x-kubernetes-validations`) are not evaluated.
"""

from pathlib import Path
from typing import Any

import yaml

Schema = dict[str, Any]
DROPPED = {"description", "nullable", "format", "example", "externalDocs"}


def structural(schema: Schema) -> Schema:
    """An OpenAPI v3 schema of a CRD as a JSON schema (draft 4) with Kubernetes' semantics."""
    out: Schema = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: structural(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = structural(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [structural(sub) for sub in value]
        elif key not in DROPPED and not key.startswith("x-kubernetes-"):
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if schema.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    closed = not schema.get("x-kubernetes-preserve-unknown-fields")
    if out.get("type") == "object" and "properties" in out and closed:
        out.setdefault("additionalProperties", False)
    return out


def schemas_of_crds(folder: Path) -> dict[tuple[str, str], Schema]:
    """(apiVersion, kind) -> JSON schema, for every version each CRD of `folder` serves."""
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served"):
                    continue
                schema = structural(version["schema"]["openAPIV3Schema"])
                api = f"{group}/{version['name']}"
                schema["properties"]["apiVersion"] = {"enum": [api]}
                schema["properties"]["kind"] = {"enum": [kind]}
                schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind"})
                found[(api, kind)] = schema
    return found
