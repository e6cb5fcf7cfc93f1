#!/usr/bin/env bash
# Bookinfo's details, ratings and productpage, built from the upstream sources in the pinned Istio
# module (samples/bookinfo/src) under the names samples/bookinfo/platform/kube/bookinfo.yaml uses
# (registry.istio.io/release/examples-bookinfo-*-v1:$BOOKINFO_IMAGE_TAG). reviews (Java) has its
# own recipe.
#
# The upstream images start from ruby/node/python images; here the three share one Debian layer
# with the runtimes (ruby + ruby-webrick for the Gemfile's webrick, nodejs, python3 with
# productpage's hash-pinned requirements from PyPI, curl: upstream's ratings image carries it and
# the bookinfo role runs its in-mesh checks from there). Each image adds its service in
# /opt/microservices with upstream's command, port 9080, environment and user 1000. npm and pip are
# used for the build and removed from the layer afterwards.
#
#   hack/images/bookinfo.sh OUT_DIR      (run by hack/build-images.sh)
# mmdebstrap hooks get the new root as "$1": it is quoted for them, not expanded here.
# shellcheck disable=SC2016
set -euo pipefail
out=$1
src="$ISTIO_SRC/samples/bookinfo/src"
repo=registry.istio.io/release
host_ca=/etc/ssl/certs/ca-certificates.crt

# Each service's own layer: upstream's COPY lines, as root-owned, world-readable files.
apps="$IMAGES_WORK/apps"
app_dir() { echo "$apps/$1/opt/microservices"; }
mkdir -p "$(app_dir details)" "$(app_dir productpage)" "$IMAGES_WORK/ratings-build"
cp "$src/details/details.rb" "$src/details/Gemfile" "$src/details/Gemfile.lock" "$(app_dir details)/"
cp -r "$src/productpage/productpage.py" "$src/productpage/requirements.txt" "$src/productpage/templates" \
  "$src/productpage/static" "$(app_dir productpage)/"
cp "$src/ratings/package.json" "$src/ratings/ratings.js" "$IMAGES_WORK/ratings-build/"
chmod -R u+w,go-w,a+rX "$apps" "$IMAGES_WORK/ratings-build"

# Commands run inside the new root filesystem get a clean environment.
in_root='chroot "$1" env -i HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
mapfile -t slim < <(debian_slim_options)
mmdebstrap --quiet --format=tar "${slim[@]}" \
  --include=ca-certificates,curl,ruby,ruby-webrick,nodejs,npm,python3,python3-pip \
  --hook-dir=/usr/share/mmdebstrap/hooks/maybe-merged-usr \
  --customize-hook="cp '$host_ca' \"\$1/etc/ssl/certs/ca-certificates.crt\"" \
  --customize-hook="cp -a '$IMAGES_WORK/ratings-build' \"\$1/opt/microservices\"" \
  --customize-hook="$in_root sh -ec 'cd /opt/microservices && timeout 600 npm install --omit=dev --no-audit --no-fund --no-update-notifier --cafile /etc/ssl/certs/ca-certificates.crt'" \
  --customize-hook="mkdir -p '$apps/ratings/opt' && mv \"\$1/opt/microservices\" '$apps/ratings/opt/microservices'" \
  --customize-hook="cp '$src/productpage/requirements.txt' \"\$1/tmp/requirements.txt\"" \
  --customize-hook="$in_root timeout 900 pip3 install --quiet --no-cache-dir --break-system-packages --require-hashes --cert /etc/ssl/certs/ca-certificates.crt -r /tmp/requirements.txt" \
  --customize-hook="$in_root sh -ec 'DEBIAN_FRONTEND=noninteractive apt-get purge -qq -y --autoremove npm python3-pip >/dev/null'" \
  --customize-hook="$in_root sh -ec 'ruby -e \"require %q(webrick)\" && node -e \"\" && gunicorn --version >/dev/null && curl --version >/dev/null'" \
  --customize-hook="$in_root useradd --uid 1000 --user-group --create-home --shell /bin/sh bookinfo" \
  --customize-hook="$in_root apt-get clean" \
  --customize-hook='rm -rf "$1"/root/.npm "$1"/root/.cache "$1"/tmp/* "$1"/var/log/apt/* "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old' \
  --customize-hook=': > "$1/etc/resolv.conf"; echo localhost > "$1/etc/hostname"' \
  "$DEBIAN_SUITE" "$IMAGES_WORK/runtimes.tar" \
  "deb http://deb.debian.org/debian $DEBIAN_SUITE main" \
  "deb http://deb.debian.org/debian $DEBIAN_SUITE-updates main" \
  "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main"
[ -f "$(app_dir ratings)/node_modules/httpdispatcher/package.json" ] || { echo "bookinfo: npm install left no node_modules" >&2; exit 1; }

runtimes="$IMAGES_WORK/runtimes.tar"
oke-image --out "$out/details.tar" --ref "$repo/examples-bookinfo-details-v1:$BOOKINFO_IMAGE_TAG" \
  --layer "$runtimes" --layer "$apps/details" --workdir /opt/microservices --user 1000 \
  --env SERVICE_VERSION=v1 --env ENABLE_EXTERNAL_BOOK_SERVICE=false \
  --cmd '["ruby", "details.rb", "9080"]'
oke-image --out "$out/ratings.tar" --ref "$repo/examples-bookinfo-ratings-v1:$BOOKINFO_IMAGE_TAG" \
  --layer "$runtimes" --layer "$apps/ratings" --workdir /opt/microservices --user 1000 \
  --env SERVICE_VERSION=v1 \
  --cmd '["node", "/opt/microservices/ratings.js", "9080"]'
oke-image --out "$out/productpage.tar" --ref "$repo/examples-bookinfo-productpage-v1:$BOOKINFO_IMAGE_TAG" \
  --layer "$runtimes" --layer "$apps/productpage" --workdir /opt/microservices --user 1000 \
  --env FLOOD_FACTOR=0 \
  --cmd '["gunicorn", "-b", "[::]:9080", "productpage:app", "-w", "8", "--keep-alive", "2", "-k", "gevent"]'
