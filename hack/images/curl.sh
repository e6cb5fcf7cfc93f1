#!/usr/bin/env bash
# docker.io/curlimages/curl:8.16.0: the client pod of the traffic role and of the security demo
# (they run `/bin/sleep infinity` and exec curl in it). The shared Debian base has curl, sh and
# sleep; on top, upstream's user (curl_user, 100:101) and entrypoint: arguments starting with "-"
# and words that are not commands are given to curl, a command is run (CMD ["curl"]).
#
#   hack/images/curl.sh OUT_DIR      (run by hack/build-images.sh)
set -euo pipefail
out=$1
ref=docker.io/curlimages/curl:8.16.0

layer="$IMAGES_WORK/layer"
mkdir -p "$layer/etc" "$layer/home/curl_user"
tar -xf "$DEBIAN_BASE" -C "$layer" ./etc/passwd ./etc/group
echo 'curl_user:x:100:101:curl_user:/home/curl_user:/bin/sh' >> "$layer/etc/passwd"
echo 'curl_group:x:101:' >> "$layer/etc/group"
chown 100:101 "$layer/home/curl_user"
cat > "$layer/entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ]; then
  set -- curl "$@"
fi
exec "$@"
EOF
chmod 0755 "$layer/entrypoint.sh"

oke-image --out "$out/curl.tar" --ref "$ref" --layer "$DEBIAN_BASE" --layer "$layer" \
  --entrypoint '["/entrypoint.sh"]' --cmd '["curl"]' --user 100 --workdir /home/curl_user
