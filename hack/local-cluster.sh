#!/usr/bin/env bash
# A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)
# with simulated worker nodes from kwok, run as local processes by `kwokctl --runtime binary`.
#
#   local-cluster.sh up [NAME] [NODES]   start (or reuse) a cluster; prints its kubeconfig path
#   local-cluster.sh up-real [NAME]      start (or reuse) a cluster with one REAL worker node instead
#                                        (hack/real-node.sh: containerd, kubelet, kube-proxy, CoreDNS;
#                                        root, one per machine); prints its kubeconfig path
#   local-cluster.sh down [NAME]         delete it (a real node first) and check that nothing remains
#   local-cluster.sh kubeconfig [NAME]   print the kubeconfig path
#   local-cluster.sh list                list running clusters and their kind (kwok or real-node)
#
# Several clusters can run at once: each gets its own name and random ports. At most one of them has
# the real node. How the simulation differs from a real cluster is described in docs/local-cluster.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/versions.env
source "$here/versions.env"
env_file=$("$here/install-tools.sh")
# shellcheck disable=SC1090
source "$env_file"

command=${1:-up}
name=${2:-oke-istio}
nodes=${3:-3}
state="$OKE_ISTIO_CACHE/clusters/$name"
kubeconfig="$state/kubeconfig"
real_node="$here/real-node.sh"
log() { printf '[local-cluster] %s\n' "$*" >&2; }

# Simulated workers shaped like OKE managed nodes (Oracle Linux, the control plane's kubelet version),
# so the collection's fitness checks see what they would see on OKE.
node_manifest() {
  local i=$1
  cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: oke-worker-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: oke-worker-$i
    kubernetes.io/os: linux
    node.kubernetes.io/instance-type: VM.Standard.E4.Flex
    topology.kubernetes.io/region: us-ashburn-1
    topology.kubernetes.io/zone: US-ASHBURN-AD-$(( (i - 1) % 3 + 1 ))
    oke.oraclecloud.com/node-pool: simulated-pool
    type: kwok
status:
  allocatable: {cpu: "16", memory: 128Gi, pods: "110"}
  capacity: {cpu: "16", memory: 128Gi, pods: "110"}
  nodeInfo:
    architecture: amd64
    kubeletVersion: $KUBERNETES_VERSION
    kubeProxyVersion: $KUBERNETES_VERSION
    operatingSystem: linux
    osImage: Oracle Linux Server 8.10
    kernelVersion: 5.15.0-210.163.7.el8uek.x86_64
    containerRuntimeVersion: cri-o://1.35.0
NODE
}

running() {
  kwokctl get clusters 2>/dev/null | grep -x "$name" >/dev/null && [ -f "$kubeconfig" ] &&
    kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1
}

# Both kinds of cluster run the control plane built by install-tools.sh.
control_plane_binaries=(
  --etcd-binary "$OKE_ISTIO_TOOLS/etcd"
  --kube-apiserver-binary "$OKE_ISTIO_TOOLS/kube-apiserver"
  --kube-controller-manager-binary "$OKE_ISTIO_TOOLS/kube-controller-manager"
  --kube-scheduler-binary "$OKE_ISTIO_TOOLS/kube-scheduler"
  --kwok-controller-binary "$OKE_ISTIO_TOOLS/kwok"
)

up() {
  if [ -f "$state/real-node" ] && running; then
    log "cluster $name has a real node: use up-real, or hack/local-cluster.sh down $name first"
    exit 1
  fi
  if running; then
    log "cluster $name already running"
  else
    kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
    mkdir -p "$state"
    rm -f "$kubeconfig"
    log "starting cluster $name (Kubernetes $KUBERNETES_VERSION, kwok $KWOK_VERSION)"
    # Admission webhooks are served by pods, and simulated pods run no process: the API server
    # would fail every call to them. Pod and node addresses stay on loopback so nothing the
    # control plane dials leaves this machine.
    kwokctl create cluster --name "$name" --runtime binary \
      --kubeconfig "$kubeconfig" \
      "${control_plane_binaries[@]}" \
      --extra-args "kube-apiserver=disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook" \
      --extra-args "kwok-controller=cidr=127.64.0.1/16" \
      --extra-args "kwok-controller=node-ip=127.0.0.1" \
      --wait 120s >"$state/create.log" 2>&1 || { cat "$state/create.log" >&2; exit 1; }
  fi
  for i in $(seq 1 "$nodes"); do node_manifest "$i"; echo ---; done |
    kubectl --kubeconfig "$kubeconfig" apply -f - >/dev/null
  kubectl --kubeconfig "$kubeconfig" wait --for=condition=Ready node --all --timeout=120s >/dev/null
  echo "$kubeconfig"
}

# The control plane for a real node. kwokctl v0.8.0's --extra-args panics when one component's
# arguments are not contiguous, so the arguments go in a kwokctl configuration (componentsPatches).
real_control_plane_config() {
  local node_ip=$1
  cat <<CFG
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  # The API server's certificate must name the kubernetes Service address (pods dial it) and the node
  # IP (the address it advertises).
  kubeApiserverCertSANs: ["10.96.0.1", "$node_ip"]
componentsPatches:
- name: kube-apiserver
  extraArgs:
  # Admission webhooks stay on: istiod's sidecar injector and validator run in real pods.
  - {key: service-cluster-ip-range, value: 10.96.0.0/16}
  - {key: advertise-address, value: "$node_ip"}
  # exec, logs and port-forward reach kubelet by its IP: the node name resolves nowhere.
  - {key: kubelet-preferred-address-types, value: "InternalIP,Hostname"}
- name: kwok-controller
  extraArgs:
  # kwok's binary runtime takes over every node; it must leave the real node to its kubelet.
  - {key: manage-all-nodes, value: "false"}
  - {key: manage-nodes-with-annotation-selector, value: kwok.x-k8s.io/node=fake}
  - {key: cidr, value: 127.64.0.1/16}
  - {key: node-ip, value: 127.0.0.1}
CFG
}

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

up_real() {
  if [ "$(id -u)" != 0 ]; then log "a real node needs root"; exit 1; fi
  local problems
  if ! problems=$("$real_node" check); then
    log "this machine cannot run a real node:"; printf '  %s\n' "$problems" >&2; exit 1
  fi
  local holder
  if holder=$("$real_node" holder); then
    if [ "$holder" != "$name" ]; then
      log "the real node is in use by cluster $holder (one per machine): run hack/local-cluster.sh down $holder first"
      exit 1
    fi
    local node ready=
    node=$(sed -n 's/^node=//p' /run/oke-istio/real-node.holder 2>/dev/null || true)
    if running; then
      ready=$(kubectl --kubeconfig "$kubeconfig" get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    fi
    if [ "$ready" = True ]; then
      log "cluster $name with its real node already running"
      echo "$kubeconfig"
      return
    fi
    log "cluster $name is not whole (control plane or node down): starting it over"
    "$real_node" stop
  elif running && [ ! -f "$state/real-node" ]; then
    log "cluster $name runs with simulated nodes: run hack/local-cluster.sh down $name first"
    exit 1
  fi
  local node_ip=${OKE_ISTIO_NODE_IP:-$(ip -4 route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }' |
    xargs -r -I{} ip -4 -o addr show dev {} scope global | awk '{ split($4, a, "/"); print a[1]; exit }')}
  [ -n "$node_ip" ] || { log "no node IP: no IPv4 default route; set OKE_ISTIO_NODE_IP"; exit 1; }
  local start=$EPOCHREALTIME
  # A control plane left from an earlier run starts over: its objects name a node that is gone.
  kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
  rm -rf "$state"
  mkdir -p "$state"
  touch "$state/real-node"
  real_control_plane_config "$node_ip" >"$state/kwokctl.yaml"
  log "starting cluster $name for a real node (Kubernetes $KUBERNETES_VERSION, kwok $KWOK_VERSION, node IP $node_ip)"
  kwokctl create cluster --name "$name" --runtime binary --config "$state/kwokctl.yaml" \
    --kubeconfig "$kubeconfig" \
    "${control_plane_binaries[@]}" \
    --wait 120s >"$state/create.log" 2>&1 || { cat "$state/create.log" >&2; down_control_plane; exit 1; }
  log "control plane up in $(elapsed "$start")"
  if ! OKE_ISTIO_NODE_IP=$node_ip "$real_node" start "$kubeconfig" "$name"; then
    log "the real node did not start: deleting cluster $name"
    down_control_plane
    exit 1
  fi
  log "cluster $name with a real node up in $(elapsed "$start")"
  echo "$kubeconfig"
}

down_control_plane() {
  if kwokctl get clusters 2>/dev/null | grep -x "$name" >/dev/null; then
    log "deleting cluster $name"
    kwokctl delete cluster --name "$name" >&2
  fi
  rm -rf "$state"
  # kwokctl runs each component with the cluster's own directory in its command line; give
  # them a moment to exit after the signal before calling any of them left behind.
  for _ in $(seq 1 50); do pgrep -f "/.kwok/clusters/$name/" >/dev/null || break; sleep 0.2; done
  if pgrep -f "/.kwok/clusters/$name/" >/dev/null; then
    log "processes of cluster $name are still running:"; pgrep -af "/.kwok/clusters/$name/" >&2
    return 1
  fi
}

down() {
  # A real node goes first, while its API server still runs: kubelet takes its pods down properly.
  if [ -f "$state/real-node" ] && [ "$("$real_node" holder 2>/dev/null || true)" = "$name" ]; then
    log "stopping the real node of cluster $name"
    "$real_node" stop || { down_control_plane || true; exit 1; }
  elif [ -f "$state/real-node" ] && [ "$(sed -n 's/^cluster=//p' /run/oke-istio/real-node.holder 2>/dev/null)" = "$name" ]; then
    # The holder is this cluster but nothing of it runs any more: clean up what it left.
    "$real_node" stop || { down_control_plane || true; exit 1; }
  fi
  down_control_plane || exit 1
}

list() {
  local holder c
  holder=$("$real_node" holder 2>/dev/null || true)
  kwokctl get clusters 2>/dev/null | while IFS= read -r c; do
    [ -n "$c" ] || continue
    if [ -f "$OKE_ISTIO_CACHE/clusters/$c/real-node" ]; then
      printf '%s\treal-node%s\n' "$c" "$([ "$c" = "$holder" ] || echo ' (node not running)')"
    else
      printf '%s\tkwok\n' "$c"
    fi
  done
}

case "$command" in
  up) up ;;
  up-real) up_real ;;
  down) down ;;
  kubeconfig) echo "$kubeconfig" ;;
  list) list ;;
  *) echo "usage: $0 up|up-real|down|kubeconfig|list [NAME] [NODES]" >&2; exit 2 ;;
esac
