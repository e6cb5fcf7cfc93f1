#!/usr/bin/env bash
# docker.io/fortio/fortio:${FORTIO_VERSION#v}: the static fortio binary of hack/install-tools.sh
# (built from the fortio.org/fortio module pinned in hack/versions.env) in an image laid out like
# upstream's (FROM scratch: /usr/bin/fortio, ENTRYPOINT ["/usr/bin/fortio"], CMD ["server"],
# WORKDIR /var/lib/fortio, HTTP on 8080). No shell: the circuit-breaker check execs
# `fortio load ...` with argv. fortio carries its own CA roots and its UI's files.
#
#   hack/images/fortio.sh OUT_DIR      (run by hack/build-images.sh)
set -euo pipefail
out=$1

layer="$IMAGES_WORK/layer"
mkdir -p "$layer/usr/bin" "$layer/var/lib/fortio"
install -m 0755 "$(readlink -f "$(command -v fortio)")" "$layer/usr/bin/fortio"

oke-image --out "$out/fortio.tar" --ref "docker.io/fortio/fortio:${FORTIO_VERSION#v}" --layer "$layer" \
  --entrypoint '["/usr/bin/fortio"]' --cmd '["server"]' --workdir /var/lib/fortio --expose 8080
