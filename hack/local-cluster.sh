#!/usr/bin/env bash
# A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)
# with simulated worker nodes from kwok, run as local processes by `kwokctl --runtime binary`.
#
#   local-cluster.sh up [NAME] [NODES]   start (or reuse) a cluster; prints its kubeconfig path
#   local-cluster.sh down [NAME]         delete it and check that none of its processes remain
#   local-cluster.sh kubeconfig [NAME]   print the kubeconfig path
#   local-cluster.sh list                list running clusters
#
# Several clusters can run at once: each gets its own name and random ports.
# How the simulation differs from a real cluster is described in docs/local-cluster.md.
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

up() {
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
      --etcd-binary "$OKE_ISTIO_TOOLS/etcd" \
      --kube-apiserver-binary "$OKE_ISTIO_TOOLS/kube-apiserver" \
      --kube-controller-manager-binary "$OKE_ISTIO_TOOLS/kube-controller-manager" \
      --kube-scheduler-binary "$OKE_ISTIO_TOOLS/kube-scheduler" \
      --kwok-controller-binary "$OKE_ISTIO_TOOLS/kwok" \
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

down() {
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
    exit 1
  fi
}

case "$command" in
  up) up ;;
  down) down ;;
  kubeconfig) echo "$kubeconfig" ;;
  list) kwokctl get clusters ;;
  *) echo "usage: $0 up|down|kubeconfig|list [NAME] [NODES]" >&2; exit 2 ;;
esac
