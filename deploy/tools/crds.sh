#!/usr/bin/env bash
# Prints a folder holding the CRDs (CustomResourceDefinitions) of the operator releases pinned in
# deploy/versions.env, gathered once into .local/share/crds/. Idempotent. tests/deploy validates the
# custom resources against them.
#  - Strimzi publishes no CRD file in a registry: its release build generates them from its API
#    model with its CRD generator. We run that generator, with the release build's arguments, on the
#    released jars from Maven Central (the generator needs Java 21 or later).
#  - KEDA, the Gateway API and the Prometheus Operator: the CRD files of their Go modules.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../versions.env
source "$repo/deploy/versions.env"
share_dir="${TREMPLIN_TOOLS_SHARE:-$repo/.local/share}"
pins="strimzi-$STRIMZI_VERSION.keda-$KEDA_VERSION.gateway-api-$GATEWAY_API_VERSION"
target="$share_dir/crds/$pins.prometheus-operator-$PROMETHEUS_OPERATOR_VERSION"

if [[ -f "$target/.complete" ]]; then
    echo "$target"
    exit 0
fi

java_21() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [[ -n "$candidate" && -x "$candidate/bin/java" ]] || continue
        major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 |
            awk -F' = ' '/java.specification.version/ {print $2}')
        if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)); then
            echo "$candidate/bin/java"
            return 0
        fi
    done
    echo "crds.sh: Strimzi's CRD generator needs Java 21+ (set JAVA_HOME to one)" >&2
    return 1
}

go_module_dir() {  # module@version -> its folder in the Go module cache
    GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

command -v go >/dev/null 2>&1 || { echo "crds.sh: Go is needed" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "crds.sh: Maven is needed" >&2; exit 1; }
java="$(java_21)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/crds"

mvn -B -q -f "$repo/deploy/tools/strimzi-crds/pom.xml" -Dstrimzi.version="$STRIMZI_VERSION" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$work/jars" >&2
model=io.strimzi.api.kafka.model
"$java" -cp "$work/jars/*" io.strimzi.crdgenerator.CrdGenerator \
    --label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ \
    --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
    "$model.kafka.Kafka=$work/crds/kafka.strimzi.io_kafkas.yaml" \
    "$model.nodepool.KafkaNodePool=$work/crds/kafka.strimzi.io_kafkanodepools.yaml" \
    "$model.topic.KafkaTopic=$work/crds/kafka.strimzi.io_kafkatopics.yaml" \
    "$model.user.KafkaUser=$work/crds/kafka.strimzi.io_kafkausers.yaml" >&2

keda="$(go_module_dir "github.com/kedacore/keda/v2@v$KEDA_VERSION")/config/crd/bases"
cp "$keda/keda.sh_scaledobjects.yaml" "$keda/keda.sh_triggerauthentications.yaml" "$work/crds/"
gateway="$(go_module_dir "sigs.k8s.io/gateway-api@v$GATEWAY_API_VERSION")/config/crd/standard"
cp "$gateway"/gateway.networking.k8s.io_{gateways,httproutes}.yaml "$work/crds/"
prometheus="$(go_module_dir \
    "github.com/prometheus-operator/prometheus-operator@v$PROMETHEUS_OPERATOR_VERSION")"
cp "$prometheus"/example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,podmonitors,prometheusrules}.yaml \
    "$work/crds/"

chmod 0644 "$work"/crds/*.yaml
touch "$work/crds/.complete"
mkdir -p "$(dirname "$target")"
rm -rf "$target"
mv "$work/crds" "$target"
echo "$target"
