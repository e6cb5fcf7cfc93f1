#!/usr/bin/env bash
# docker.io/mccutchen/go-httpbin:$GO_HTTPBIN_VERSION: the static go-httpbin binary of
# hack/install-tools.sh in an image laid out like upstream's (distroless static:nonroot:
# /bin/go-httpbin, CMD ["/bin/go-httpbin"], listens on :8080, user 65532 "nonroot"). The security
# demo serves it, and the egress checks use it as their local "external" HTTP service.
#
#   hack/images/go-httpbin.sh OUT_DIR      (run by hack/build-images.sh)
set -euo pipefail
out=$1

layer="$IMAGES_WORK/layer"
static_root "$layer"
mkdir -p "$layer/bin"
install -m 0755 "$(readlink -f "$(command -v go-httpbin)")" "$layer/bin/go-httpbin"

oke-image --out "$out/go-httpbin.tar" --ref "docker.io/mccutchen/go-httpbin:$GO_HTTPBIN_VERSION" \
  --layer "$layer" --cmd '["/bin/go-httpbin"]' --user 65532:65532
