#!/usr/bin/env bash
# Builds Bookinfo's reviews service (Java, JAX-RS on Open Liberty) as the three images that
# samples/bookinfo/platform/kube/bookinfo.yaml runs:
#
#   registry.istio.io/release/examples-bookinfo-reviews-v{1,2,3}:$BOOKINFO_IMAGE_TAG
#
#   hack/images/reviews.sh OUT_DIR     (called by hack/build-images.sh; writes OUT_DIR/*.tar)
#
# Upstream builds these with Gradle in Docker on top of open-liberty:<version>-kernel-slim with
# IBM Semeru (OpenJ9) and then installs the features its server.xml names with featureUtility.
# None of that is reachable here, so each piece is replaced by one that is:
#
# - Compiling: the two sources only use the JAX-RS 2.0 and JSON-P 1.0 APIs (provided by the
#   server at run time), so javac --release 8 (build.gradle's sourceCompatibility) against those
#   two jars from Maven Central, and `jar`, make the same war Gradle would. No Gradle needed.
# - Liberty: the $OPENLIBERTY_VERSION kernel zip and its feature archives (ESAs) are not on the
#   Maven Central we can reach, so featureUtility has nothing to install from. The full runtime
#   zip (io.openliberty:openliberty-runtime) is, and `server package --include=minify` cuts it
#   down to the kernel plus exactly the features upstream's server.xml resolves (jaxrs-2.0,
#   jsonp-1.0 and their dependencies): about 40 MB, the same content featureUtility would give.
#   The minified runtime depends only on the Liberty version and server.xml, so it is cached.
# - Java: Debian's openjdk-17-jre-headless (HotSpot) from an mmdebstrap'ed $DEBIAN_SUITE instead of
#   Semeru; same Java level as upstream's java17 image, from the archive we can reach and that
#   gets security updates. Built once per suite/package list and cached (java_base of
#   hack/build-images.sh); the Zipkin image runs on the same layer.
# - Maven runs on the host (its TLS trust is the host JVM's, which Debian keeps in step with
#   /etc/ssl/certs) with its local repository under $OKE_ISTIO_CACHE, so downloads are kept
#   between runs; every artifact is checked against the SHA-256 pinned below (maven_artifacts). Nothing is fetched
#   from inside a chroot: mmdebstrap downloads with the host's apt over plain HTTP (the packages
#   are verified by the archive's signatures), so the image carries Debian's CA bundle only.
#
# The images match upstream's runtime contract: user 1001 (group 0), `server run defaultServer`
# as the command, HTTP on 9080 (server.xml), WLP_OUTPUT_DIR=/opt/ol/wlp/output and LOG_DIR=/logs
# writable by that user, and SERVICE_VERSION / ENABLE_RATINGS / STAR_COLOR as upstream's
# build-args set them. The three images differ only in those variables; their two layers are
# byte-identical, so a node stores them once.
#
# Environment: OKE_ISTIO_CACHE, IMAGES_WORK (scratch), ISTIO_SRC (the istio.io/istio module),
# hack/versions.env (OPENLIBERTY_VERSION, BOOKINFO_IMAGE_TAG, DEBIAN_SUITE), oke-image on PATH.
set -euo pipefail
umask 022

out=${1:?usage: $0 OUT_DIR}
: "${OKE_ISTIO_CACHE:?}" "${IMAGES_WORK:?}" "${ISTIO_SRC:?}"
: "${OPENLIBERTY_VERSION:?}" "${BOOKINFO_IMAGE_TAG:?}" "${DEBIAN_SUITE:?}"

log() { printf '[images/reviews] %s\n' "$*" >&2; }
step() {
  local what=$1 start=$SECONDS; shift
  log "$what ..."
  "$@"
  log "$what: done in $((SECONDS - start)) s"
}

src=$ISTIO_SRC/samples/bookinfo/src/reviews
server_xml=$src/reviews-wlpcfg/servers/LibertyProjectServer/server.xml
[ -f "$server_xml" ] && [ -d "$src/reviews-application/src/main/java" ] ||
  { log "no reviews sources under $src"; exit 1; }
for tool in oke-image mmdebstrap mvn javac jar unzip; do
  command -v "$tool" >/dev/null || { log "$tool is not on PATH"; exit 1; }
done
# The application layer's files are owned by root and by user 1001 as they will be in the image.
[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
export JAVA_HOME

work=$IMAGES_WORK/reviews
mkdir -p "$out" "$work"
# Fixed timestamps make the war and the application layer byte-identical from run to run.
epoch=${SOURCE_DATE_EPOCH:-946684800}

# --- Inputs ------------------------------------------------------------------------------------
# The two APIs and the Liberty runtime from Maven Central, each checked against its SHA-256 (maven_artifacts of
# hack/build-images.sh), and the shared Java runtime layer (java_base).
mapfile -t inputs < <(maven_artifacts \
  javax.ws.rs:javax.ws.rs-api:2.0=ca88fcb9ce85aac4f77e42eac486aa7fde6ead6a545d74ccef6089241c84db53 \
  javax.json:javax.json-api:1.0=1924ecfef6e9ba57c4425cf4b278192950037e5ca65d7d2d77e7d87ddaef8738 \
  "io.openliberty:openliberty-runtime:$OPENLIBERTY_VERSION:zip=65d807b3657c4fb3c12edc64a25470ab6bdd7546b6a9b444b3d53502f5f801d9")
[ "${#inputs[@]}" = 3 ] || { log "the Maven Central inputs could not be fetched"; exit 1; }
jaxrs=${inputs[0]} jsonp=${inputs[1]} liberty_zip=${inputs[2]}
jre=$(java_base)

# --- Application war ---------------------------------------------------------------------------
build_war() {
  local b=$work/war sources
  mapfile -t sources < <(find "$src/reviews-application/src/main/java" -name '*.java' | sort)
  rm -rf "$b" && mkdir -p "$b/classes" "$b/root/WEB-INF/classes"
  javac --release 8 -nowarn -encoding UTF-8 -d "$b/classes" -cp "$jaxrs:$jsonp" "${sources[@]}"
  cp -R "$src/reviews-application/src/main/webapp/." "$b/root/"
  cp -R "$b/classes/." "$b/root/WEB-INF/classes/"
  chmod -R u+w,go-w "$b/root"
  jar --create --file "$b/reviews-application-1.0.war" --date="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)" -C "$b/root" .
}
step "compiling reviews-application-1.0.war" build_war

# --- Minified Open Liberty runtime -------------------------------------------------------------
liberty_dir=$OKE_ISTIO_CACHE/build/reviews-liberty-$(printf '%s\n' "io.openliberty:openliberty-runtime:$OPENLIBERTY_VERSION:zip" | cat - "$server_xml" | sha256sum | cut -c1-12)
build_liberty() {
  local tmp=$liberty_dir.tmp.$$ full=$work/liberty-full zip=$liberty_zip
  rm -rf "$tmp" "$full" && mkdir -p "$tmp" "$full"
  unzip -q "$zip" -d "$full"
  mkdir -p "$full/wlp/usr/servers/defaultServer"
  cp "$server_xml" "$full/wlp/usr/servers/defaultServer/server.xml"
  # Minify starts the kernel once to resolve server.xml's features; the application is not needed.
  WLP_OUTPUT_DIR=$work/liberty-output "$full/wlp/bin/server" package defaultServer \
    --include=minify --archive="$tmp/wlp-minified.zip" >"$work/liberty-package.log"
  rm -rf "$full" "$work/liberty-output"
  touch "$tmp/.complete"
  rm -rf "$liberty_dir" && mv "$tmp" "$liberty_dir"
}
if [ ! -f "$liberty_dir/.complete" ]; then
  step "minifying Open Liberty $OPENLIBERTY_VERSION to server.xml's features (first time only)" build_liberty
fi

# --- Application layer -------------------------------------------------------------------------
# /opt/ol/wlp is root's and read-only to the server, except its output directory and /logs
# (user 1001, group 0 writable, as upstream). /config and /output are upstream's shortcuts.
build_layer() {
  local l=$work/layer wlp=$work/layer/opt/ol/wlp
  rm -rf "$l" && mkdir -p "$l/opt/ol"
  unzip -q "$liberty_dir/wlp-minified.zip" -d "$l/opt/ol"
  rm -rf "$wlp/usr/servers/defaultServer/workarea" "$wlp/usr/servers/defaultServer/logs"
  cp "$server_xml" "$wlp/usr/servers/defaultServer/server.xml"
  mkdir -p "$wlp/usr/servers/defaultServer/apps" "$wlp/output/defaultServer" "$l/logs"
  cp "$work/war/reviews-application-1.0.war" "$wlp/usr/servers/defaultServer/apps/"
  ln -s /opt/ol/wlp/usr/servers/defaultServer "$l/config"
  ln -s /opt/ol/wlp/output/defaultServer "$l/output"
  chown -R 0:0 "$l"
  chmod -R u+rwX,go+rX,go-w "$l"
  chown -R 1001:0 "$wlp/output" "$l/logs"
  chmod -R g+w "$wlp/output" "$l/logs"
  find "$l" -exec touch -h -d "@$epoch" {} +
}
step "assembling the Liberty application layer" build_layer

# --- Images ------------------------------------------------------------------------------------
# Without a bound, HotSpot sizes its heap at a quarter of the node's memory (bookinfo.yaml sets no
# limits) and keeps what it took: three reviews pods would claim most of a small node. The service
# is tiny: 256 MiB is ample, and the serial collector has the smallest footprint and no GC threads
# to compete for a 2-core node. Stopping at the C1 compiler makes the server answer about 3 s
# sooner and use about 35 MiB less (measured: ~6.5 s instead of ~9.5 s to the first /health on
# 2 cores, ~135 instead of ~170 MiB RSS); peak throughput does not matter for this sample.
# Liberty puts JVM_ARGS last on the java command line, and a pod setting JVM_ARGS replaces them.
jvm_args="-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
build_images() {
  local v extra
  for v in 1 2 3; do
    case $v in
      1) extra=(--env ENABLE_RATINGS=false --env STAR_COLOR=black) ;;
      2) extra=(--env ENABLE_RATINGS=true --env STAR_COLOR=black) ;;
      3) extra=(--env ENABLE_RATINGS=true --env STAR_COLOR=red) ;;
    esac
    oke-image --out "$out/examples-bookinfo-reviews-v$v.tar" \
      --ref "registry.istio.io/release/examples-bookinfo-reviews-v$v:$BOOKINFO_IMAGE_TAG" \
      --layer "$jre" --layer "$work/layer" \
      --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
      --env WLP_OUTPUT_DIR=/opt/ol/wlp/output --env LOG_DIR=/logs --env SERVERDIRNAME=reviews \
      --env "JVM_ARGS=$jvm_args" \
      --env SERVICE_VERSION="v$v" "${extra[@]}" \
      --user 1001 --cmd '["/opt/ol/wlp/bin/server","run","defaultServer"]'
  done
}
step "writing examples-bookinfo-reviews-v1/v2/v3:$BOOKINFO_IMAGE_TAG" build_images
