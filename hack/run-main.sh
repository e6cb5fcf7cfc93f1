#!/usr/bin/env bash
# The README's main command: install the tools, pick a cluster, run playbooks/site.yml.
#
# Cluster: $KUBECONFIG when set (any real cluster, OKE included); otherwise a kind cluster when
# OKE_ISTIO_PROVIDER=kind (needs Docker and kind); otherwise the local simulated control plane.
# Extra arguments go to ansible-playbook (for example --tags or -e).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
env_file=$("$here/install-tools.sh")
# shellcheck disable=SC1090
source "$env_file"

if [ -n "${KUBECONFIG:-}" ]; then
  kubeconfig=${KUBECONFIG%%:*}
  echo "[main] using the cluster of KUBECONFIG=$kubeconfig" >&2
elif [ "${OKE_ISTIO_PROVIDER:-local}" = kind ]; then
  command -v kind >/dev/null || { echo "[main] OKE_ISTIO_PROVIDER=kind needs kind and Docker on PATH" >&2; exit 2; }
  kubeconfig="$OKE_ISTIO_CACHE/clusters/kind-oke-istio/kubeconfig"
  mkdir -p "$(dirname "$kubeconfig")"
  kind get clusters 2>/dev/null | grep -qx oke-istio || kind create cluster --name oke-istio --kubeconfig "$kubeconfig"
  kind get kubeconfig --name oke-istio > "$kubeconfig"
else
  kubeconfig=$("$here/local-cluster.sh" up oke-istio)
fi
export OKE_ISTIO_KUBECONFIG="$kubeconfig"
exec "$here/with-collection.sh" ansible-playbook -i inventories/local/hosts.yml playbooks/site.yml "$@"
