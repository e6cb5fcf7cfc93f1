#!/usr/bin/env bash
# The README's main command: install the tools, pick a cluster, run playbooks/site.yml, and show
# the product page reached from this host through the ingress gateway.
#
# Cluster, first that applies:
#   $KUBECONFIG when set (any real cluster, OKE included);
#   kind when OKE_ISTIO_PROVIDER=kind (needs Docker and kind);
#   a local control plane with a real node (hack/local-cluster.sh up-real) where this machine can
#   run one (Linux, root, the kernel features `hack/real-node.sh check` lists);
#   otherwise a local control plane with simulated nodes, where every traffic check reports skipped.
# OKE_ISTIO_PROVIDER=kwok asks for the simulated nodes. Extra arguments go to ansible-playbook.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
env_file=$("$here/install-tools.sh")
# shellcheck disable=SC1090
source "$env_file"
say() { printf '[main] %s\n' "$*" >&2; }
# The walk-through's reports, one per cluster: where they are, then the Markdown table.
show_report() {
  local md
  for md in "$report_dir"/*.md; do
    [ -f "$md" ] || continue
    say "report: ${md%.md}.{json,junit.xml,md}"
    cat "$md" >&2
  done
}

provider=${OKE_ISTIO_PROVIDER:-local}
real_node=false
if [ -n "${KUBECONFIG:-}" ]; then
  kubeconfig=${KUBECONFIG%%:*}
  say "using the cluster of KUBECONFIG=$kubeconfig"
elif [ "$provider" = kind ]; then
  command -v kind >/dev/null || { say "OKE_ISTIO_PROVIDER=kind needs kind and Docker on PATH"; exit 2; }
  kubeconfig="$OKE_ISTIO_CACHE/clusters/kind-oke-istio/kubeconfig"
  mkdir -p "$(dirname "$kubeconfig")"
  kind get clusters 2>/dev/null | grep -qx oke-istio || kind create cluster --name oke-istio --kubeconfig "$kubeconfig"
  kind get kubeconfig --name oke-istio > "$kubeconfig"
elif [ "$provider" != kwok ] && why=$("$here/real-node.sh" check 2>&1); then
  say "starting a local cluster with a real node"
  kubeconfig=$("$here/local-cluster.sh" up-real oke-istio | tail -n 1)
  real_node=true
else
  if [ "$provider" = kwok ]; then
    say "OKE_ISTIO_PROVIDER=kwok: simulated nodes"
  else
    say "this machine cannot run a real node, so the nodes are simulated and every traffic check reports skipped:"
    printf '%s\n' "$why" | sed 's/^/[main]   /' >&2
  fi
  kubeconfig=$("$here/local-cluster.sh" up oke-istio | tail -n 1)
fi
export OKE_ISTIO_KUBECONFIG="$kubeconfig"
"$here/with-collection.sh" ansible-playbook -i inventories/local/hosts.yml playbooks/site.yml "$@"

# The walk-through proves every practice with traffic; simulated nodes carry none, so there it would only say so.
if [ "$provider" = kwok ] || { [ -z "${KUBECONFIG:-}" ] && [ "$real_node" != true ]; }; then
  say "simulated nodes: the walk-through (playbooks/runbook.yml) is not run, every check would report skipped"
  exit 0
fi
report_dir=${OKE_ISTIO_REPORT_DIR:-$(cd "$here/.." && pwd)/reports}
walk_status=0
"$here/with-collection.sh" ansible-playbook -i inventories/local/hosts.yml playbooks/runbook.yml \
  -e "oke_istio_report_dir=$report_dir" "$@" || walk_status=$?

# On the real node: the product page from this host, through the ingress gateway's node port.
if [ "$real_node" != true ]; then
  show_report
  exit "$walk_status"
fi
ingress=$(kubectl --kubeconfig "$kubeconfig" -n istio-system get service istio-ingressgateway \
  -o jsonpath='{.spec.ports[?(@.port==80)].nodePort}' 2>/dev/null || true)
node_ip=$(kubectl --kubeconfig "$kubeconfig" get nodes \
  -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}' 2>/dev/null || true)
if [ -z "$ingress" ] || [ -z "$node_ip" ]; then
  say "the ingress gateway has no node port (ingress gateway disabled?): the product page is not reachable from this host"
  exit 1
fi
url="http://$node_ip:$ingress/productpage"
for _ in $(seq 1 30); do
  if curl -fsS --max-time 5 "$url" 2>/dev/null | grep -q '<title>Simple Bookstore App</title>'; then
    say "the product page answers through the ingress gateway: $url"
    show_report
    exit "$walk_status"
  fi
  sleep 2
done
say "the product page did not answer through the ingress gateway at $url"
exit 1
