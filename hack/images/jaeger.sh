#!/usr/bin/env bash
# docker.io/jaegertracing/jaeger:$JAEGER_VERSION: the jaeger binary (Jaeger v2, on the OpenTelemetry collector) of
# hack/install-tools.sh, built from github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION, laid out as upstream's
# image: /cmd/jaeger/jaeger-linux as the entrypoint with its sampling strategies beside it, JAEGER_LISTEN_HOST=0.0.0.0,
# user 10001. The addon gives it its configuration (--config).
#
#   hack/images/jaeger.sh OUT_DIR      (run by hack/build-images.sh)
#
# One difference, of the build: no web UI (its assets are an npm build of jaeger-ui; without them the query service
# answers its API under the base path and serves a placeholder page).
set -euo pipefail
out=$1
: "${JAEGER_VERSION:?}" "${JAEGER_MODULE_VERSION:?}"
src="$(go env GOMODCACHE)/github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION"
[ -f "$src/cmd/jaeger/sampling-strategies.json" ] || { echo "no Jaeger sources in $src" >&2; exit 1; }

layer="$IMAGES_WORK/layer"
static_root "$layer"
mkdir -p "$layer/cmd/jaeger"
install -m 0755 "$(readlink -f "$(command -v jaeger)")" "$layer/cmd/jaeger/jaeger-linux"
install -m 0644 "$src/cmd/jaeger/sampling-strategies.json" "$layer/cmd/jaeger/"

oke-image --out "$out/jaeger.tar" --ref "docker.io/jaegertracing/jaeger:$JAEGER_VERSION" \
  --layer "$layer" --user 10001 --env JAEGER_LISTEN_HOST=0.0.0.0 \
  --expose 4317 --expose 4318 --expose 9411 --expose 13133 --expose 16686 \
  --entrypoint '["/cmd/jaeger/jaeger-linux"]'
