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
mkdir -p "$layer/bin" "$layer/etc/ssl/certs" "$layer/tmp" "$layer/home/nonroot"
install -m 0755 "$(readlink -f "$(command -v go-httpbin)")" "$layer/bin/go-httpbin"
# The accounts and CA bundle distroless provides (the CA bundle from the Debian base).
tar -xOf "$DEBIAN_BASE" ./etc/ssl/certs/ca-certificates.crt > "$layer/etc/ssl/certs/ca-certificates.crt"
cat > "$layer/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$layer/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
chmod 0644 "$layer/etc/passwd" "$layer/etc/group" "$layer/etc/ssl/certs/ca-certificates.crt"
chmod 1777 "$layer/tmp"
chown 65532:65532 "$layer/home/nonroot"
chmod 0700 "$layer/home/nonroot"

oke-image --out "$out/go-httpbin.tar" --ref "docker.io/mccutchen/go-httpbin:$GO_HTTPBIN_VERSION" \
  --layer "$layer" --cmd '["/bin/go-httpbin"]' --user 65532:65532
