#!/usr/bin/env bash
# Runs a command inside a copy of this repo laid out as ansible_collections/oke/istio, the layout
# ansible-test, pytest imports and playbooks need. The copy holds exactly the files git tracks or
# would track, so what is tested is what would be committed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${OKE_ISTIO_CACHE:-$HOME/.cache/oke-istio}
# OKE_ISTIO_TREE gives concurrent runs from one checkout copies of their own.
tree="$cache/collections/${OKE_ISTIO_TREE:-$(printf '%s' "$root" | sha256sum | cut -c1-8)}"
dest="$tree/ansible_collections/oke/istio"

mkdir -p "$dest"
# Concurrent runs from one checkout sync the same copy: one at a time.
exec 9>"$tree.lock"
flock 9
(cd "$root" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
  [ -f "$f" ] && printf '%s\0' "$f"; done | sort -z) > "$tree/files"
# Remove files that are gone from the source, then copy the rest (only what changed). Tool output
# (ansible-test's tests/output, bytecode) is left alone: another run may be using it right now.
(cd "$dest" && find . \( -path ./tests/output -o -name __pycache__ -o -name .pytest_cache \) -prune \
  -o -type f -printf '%P\0' | sort -z) > "$tree/present"
comm -z -23 "$tree/present" "$tree/files" | (cd "$dest" && xargs -0r rm -f)
(cd "$root" && xargs -0 cp --parents -u -p -t "$dest" < "$tree/files")
flock -u 9
exec 9>&-
export ANSIBLE_COLLECTIONS_PATH="$tree${ANSIBLE_COLLECTIONS_PATH:+:$ANSIBLE_COLLECTIONS_PATH}"
export PYTHONPATH="$tree${PYTHONPATH:+:$PYTHONPATH}"
export OKE_ISTIO_ROOT="$root"
cd "$dest"
exec "$@"
