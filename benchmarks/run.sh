#!/usr/bin/env bash
# Prints the benchmark table (see run.py). Example: benchmarks/run.sh --repeat 3
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC1090
source "$("$root/hack/install-tools.sh")"
exec "$root/hack/with-collection.sh" python3 benchmarks/run.py "$@"
