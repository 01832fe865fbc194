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
# uv, not pip: inside `uv run` the first python3 on PATH is the project's venv, which has no pip.
uv_cmd=("${UV:-}")
[[ -n "${UV:-}" ]] || uv_cmd=(python3 -m uv)
"${uv_cmd[@]}" pip install --quiet --no-deps --target "$work" "$COMPOSE_SCHEMA_FROM" >&2
cp "$work/compose/config/compose_spec.json" "$target.part"
mv "$target.part" "$target"
echo "$target"
