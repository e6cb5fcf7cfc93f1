#!/usr/bin/env bash
# docker.io/openzipkin/zipkin-slim:$ZIPKIN_VERSION: Zipkin's server (the slim build: in-memory and Elasticsearch
# storage, HTTP collector, UI and API on 9411) on the shared Java runtime layer.
#
#   hack/images/zipkin.sh OUT_DIR      (run by hack/build-images.sh)
#
# Upstream builds the slim server from source in Docker onto an Alpine JRE; the same jar is on Maven Central as
# io.zipkin:zipkin-server:$ZIPKIN_VERSION with the classifier "slim", checked here against its pinned SHA-256
# (maven_artifacts). Java is Debian's openjdk-17-jre-headless (java_base), which Zipkin 3 needs at least.
# Like upstream, JAVA_OPTS sizes the JVM and a pod may replace it; the serial collector and the C1 compiler keep it
# small on a 2-core node (up in about 5 s). Port 9411, /health, STORAGE_TYPE=mem by default, user 1001.
set -euo pipefail
out=$1
: "${ZIPKIN_VERSION:?}"

mapfile -t jar < <(maven_artifacts \
  "io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:slim=c1d7e88c13954a9264b4f9e261ce3e341455fb158466833c3dc6e8c45946603f")
[ "${#jar[@]}" = 1 ] || { echo "the Zipkin server could not be fetched" >&2; exit 1; }
jre=$(java_base)

layer="$IMAGES_WORK/layer"
mkdir -p "$layer/zipkin"
install -m 0644 "${jar[0]}" "$layer/zipkin/zipkin-slim.jar"
touch -d @946684800 "$layer/zipkin/zipkin-slim.jar" "$layer/zipkin"

# $JAVA_OPTS and "$@" are the container's, expanded by its shell.
# shellcheck disable=SC2016
entrypoint='["/bin/sh","-c","exec java $JAVA_OPTS -jar /zipkin/zipkin-slim.jar \"$@\"","zipkin"]'
oke-image --out "$out/zipkin-slim.tar" --ref "docker.io/openzipkin/zipkin-slim:$ZIPKIN_VERSION" \
  --layer "$jre" --layer "$layer" --workdir /zipkin --user 1001 --expose 9411 \
  --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
  --env "JAVA_OPTS=-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError" \
  --env STORAGE_TYPE=mem \
  --entrypoint "$entrypoint"
