#!/usr/bin/env bash
# The sandbox image kubelet and containerd ask for ($PAUSE_IMAGE): Kubernetes' pause.c from the
# pinned k8s.io/kubernetes module, linked statically as upstream's build/pause/Makefile does, alone
# in a one-file image (upstream: FROM scratch, USER 65535:65535, ENTRYPOINT ["/pause"]).
#
#   hack/images/pause.sh OUT_DIR      (run by hack/build-images.sh)
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")/.." && pwd)

src="$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBERNETES_VERSION/build/pause/linux/pause.c"
if [ ! -f "$src" ]; then
  (cd "$here/tools/kubernetes" && go mod download k8s.io/kubernetes)
fi
command -v gcc >/dev/null || { echo "pause: gcc is needed (apt-get install gcc libc6-dev)" >&2; exit 1; }

tag=${PAUSE_IMAGE##*:}
layer="$IMAGES_WORK/layer"
mkdir -p "$layer"
gcc -Os -Wall -Werror -static -DVERSION="v$tag-k8s.io/kubernetes@$KUBERNETES_VERSION" -o "$layer/pause" "$src"
strip "$layer/pause"
chmod 0755 "$layer/pause"

oke-image --out "$out/pause.tar" --ref "$PAUSE_IMAGE" --layer "$layer" \
  --entrypoint '["/pause"]' --user 65535:65535
