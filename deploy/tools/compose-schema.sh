#!/usr/bin/env bash
# Prints the path of the Compose specification's JSON schema, taken once from the wheel of the
# last Python release of docker-compose (1.29.2, which ships `compose/config/compose_spec.json`)
# into .local/share. Nothing is installed: the wheel is only unpacked. Idempotent.
set -euo pipefail

COMPOSE_SCHEMA_FROM="${COMPOSE_SCHEMA_FROM:-docker-compose==1.29.2}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
share_dir="${TREMPLIN_TOOLS_SHARE:-$repo/.local/share}"
target="$share_dir/compose_spec-${COMPOSE_SCHEMA_FROM#*==}.json"

if [[ -s "$target" ]]; then
    echo "$target"
    exit 0
fi

mkdir -p "$share_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --only-binary=:all: \
    -d "$work" "$COMPOSE_SCHEMA_FROM" >&2
python3 - "$work" "$target" <<'PY'
import glob
import sys
import zipfile

wheel = glob.glob(f"{sys.argv[1]}/*.whl")[0]
with zipfile.ZipFile(wheel) as archive, open(sys.argv[2] + ".part", "wb") as out:
    out.write(archive.read("compose/config/compose_spec.json"))
PY
mv "$target.part" "$target"
echo "$target"
