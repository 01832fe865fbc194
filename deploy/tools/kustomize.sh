#!/usr/bin/env bash
# Prints the path of a pinned kustomize, building it once from the Go module proxy into .local/bin.
# Idempotent: a cached binary of the pinned version is reused. Needs Go 1.24+ (no Docker, no cluster).
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="${TREMPLIN_TOOLS_BIN:-$repo/.local/bin}"
target="$bin_dir/kustomize-$KUSTOMIZE_VERSION"

if [[ -x "$target" ]] && "$target" version >/dev/null 2>&1; then
    echo "$target"
    exit 0
fi

command -v go >/dev/null 2>&1 || { echo "kustomize.sh: Go is needed to build kustomize" >&2; exit 1; }
mkdir -p "$bin_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# GOFLAGS=-mod=mod: a vendor setting of the caller must not leak into this build.
GOBIN="$work" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
mv "$work/kustomize" "$target"
ln -sf "kustomize-$KUSTOMIZE_VERSION" "$bin_dir/kustomize"
echo "$target"
