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
# shellcheck source=wheel.sh
source "$repo/deploy/tools/wheel.sh"
unpack_wheel "$work" "$COMPOSE_SCHEMA_FROM"
cp "$work/compose/config/compose_spec.json" "$target.part"
mv "$target.part" "$target"
echo "$target"
