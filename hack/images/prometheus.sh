#!/usr/bin/env bash
# docker.io/prom/prometheus:$PROMETHEUS_VERSION: the prometheus binary of hack/install-tools.sh (built from
# github.com/prometheus/prometheus $PROMETHEUS_MODULE_VERSION) laid out as upstream's image: /bin/prometheus as the
# entrypoint, upstream's example configuration in /etc/prometheus, data in /prometheus, user nobody, port 9090.
#
#   hack/images/prometheus.sh OUT_DIR      (run by hack/build-images.sh)
#
# Two differences, both of the build: no web UI (its assets are an npm build; without them the server answers its
# API, /-/healthy and /-/ready, and says the UI is missing), and of the service discoveries only Kubernetes and the
# file, HTTP and static ones (build tags remove_all_sd,enable_kubernetes_sd): the addon's configuration uses no other.
set -euo pipefail
out=$1
: "${PROMETHEUS_VERSION:?}" "${PROMETHEUS_MODULE_VERSION:?}"
src="$(go env GOMODCACHE)/github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION"
[ -f "$src/documentation/examples/prometheus.yml" ] || { echo "no Prometheus sources in $src" >&2; exit 1; }

layer="$IMAGES_WORK/layer"
static_root "$layer"
mkdir -p "$layer/bin" "$layer/etc/prometheus" "$layer/prometheus"
install -m 0755 "$(readlink -f "$(command -v prometheus)")" "$layer/bin/prometheus"
install -m 0644 "$src/documentation/examples/prometheus.yml" "$layer/etc/prometheus/prometheus.yml"
install -m 0644 "$src/LICENSE" "$src/NOTICE" "$layer/"
chown -R 65534:65534 "$layer/etc/prometheus" "$layer/prometheus"
chmod g+w "$layer/prometheus"

oke-image --out "$out/prometheus.tar" --ref "docker.io/prom/prometheus:$PROMETHEUS_VERSION" \
  --layer "$layer" --workdir /prometheus --user 65534:65534 --expose 9090 --entrypoint '["/bin/prometheus"]' \
  --cmd '["--config.file=/etc/prometheus/prometheus.yml","--storage.tsdb.path=/prometheus"]'
