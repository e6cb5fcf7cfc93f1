# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Traffic proof, the requests: the fixed script (or fortio command) run in the client pod, and reading what it and
the sidecars print.

Every user value is an argument of the script, never shell text. Pure functions, tested on recorded output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import uuid

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover - Python 2
    from urllib import urlencode

from ansible_collections.oke.istio.plugins.module_utils._mesh.probe_statistics import PERCENTILES, round_seconds

# Runs in the client container: $1 url, $2 method, $3 requests, $4 concurrency, $5 timeout (s), $6 marker,
# $7 login URL and $8 its form data (both empty for no login), the rest are curl arguments (-H 'name: value').
# A login posts the form once and sends its session cookie with every request. Workers take every
# concurrency-th request; results are written to files and printed in order once all are done, so the
# output of parallel requests never mixes.
SCRIPT = r"""
url=$1; method=$2; total=$3; conc=$4; tmo=$5; mark=$6; login=$7; form=$8; shift 8
dir=$(mktemp -d 2>/dev/null) || { dir=/tmp/mesh-probe.$$; mkdir -p "$dir"; }
jar=
if [ -n "$login" ]; then
  jar=$dir/jar
  curl -fsS --max-time "$tmo" -o /dev/null -c "$jar" -d "$form" "$login" 2>"$dir/login" || {
    printf '%s LOGIN %s\n' "$mark" "$(head -c 512 "$dir/login")"; rm -rf "$dir"; exit 0; }
fi
w=0
while [ "$w" -lt "$conc" ]; do
  (
    i=$w
    while [ "$i" -lt "$total" ]; do
      out=$(curl -sS -X "$method" --max-time "$tmo" -o "$dir/b$i" -D "$dir/h$i" -w '%{http_code} %{time_total}' ${jar:+-b "$jar"} "$@" "$url" 2>"$dir/e$i")
      echo "$? $out" > "$dir/r$i"
      i=$((i + conc))
    done
  ) &
  w=$((w + 1))
done
wait
i=0
while [ "$i" -lt "$total" ]; do
  printf '%s BEGIN %s %s\n' "$mark" "$i" "$(cat "$dir/r$i" 2>/dev/null)"
  cat "$dir/h$i" 2>/dev/null
  printf '\n%s BODY\n' "$mark"
  head -c 65536 "$dir/b$i" 2>/dev/null
  printf '\n%s ERR\n' "$mark"
  head -c 2048 "$dir/e$i" 2>/dev/null
  printf '\n%s END\n' "$mark"
  i=$((i + 1))
done
rm -rf "$dir"
"""


def command(url, method, headers, requests, concurrency, timeout, marker, login=None):
    """The exec argv: the fixed script, then every value as its own argument."""
    login_url, form = (login["url"], urlencode(sorted(login["form"].items()))) if login else ("", "")
    argv = ["sh", "-c", SCRIPT, "mesh-probe", url, method, str(requests), str(concurrency), "%g" % timeout, marker,
            login_url, form]
    for name, value in (headers or {}).items():
        argv.extend(["-H", "%s: %s" % (name, value)])
    return argv


def fortio_command(url, method, headers, requests, concurrency, timeout):
    """The exec argv of one fortio load round: all requests as fast as allowed, results as JSON on stdout."""
    argv = ["fortio", "load", "-json", "-", "-qps", "0", "-c", str(concurrency), "-n", str(requests),
            "-timeout", "%gs" % timeout, "-loglevel", "Warning"]
    if method != "GET":
        argv.extend(["-X", method])
    for name, value in (headers or {}).items():
        argv.extend(["-H", "%s: %s" % (name, value)])
    argv.append(url)
    return argv


def parse_fortio(text):
    """Samples (status only) and the latency summary from fortio's JSON result; None when there is none."""
    start = text.find("{")
    try:
        data = json.loads(text[start:]) if start >= 0 else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("RetCodes"), dict):
        return None, None
    samples = []
    for code, count in sorted(data["RetCodes"].items()):
        status = int(code) if str(code).isdigit() and 100 <= int(code) <= 599 else None
        first = len(samples)
        samples.extend({"index": index, "status": status, "latency": None, "headers": {}, "body": "",
                        "error": None if status else "fortio return code %s" % code}
                       for index in range(first, first + int(count)))
    histogram = data.get("DurationHistogram") or {}
    percentiles = dict((float(p.get("Percentile", 0)), p.get("Value")) for p in histogram.get("Percentiles") or [])
    latency = dict(("p%d" % p, round_seconds(percentiles.get(float(p)))) for p in PERCENTILES)
    latency.update(min=round_seconds(histogram.get("Min")), max=round_seconds(histogram.get("Max")), mean=round_seconds(histogram.get("Avg")))
    return samples, latency


def new_marker():
    return "@@mesh-probe-%s" % uuid.uuid4().hex


def _headers(text):
    """Response headers as a dict (lower-case names); with redirects or 100-continue the last block wins."""
    headers = {}
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.startswith("HTTP/"):
            headers = {}
            continue
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return headers


def parse_output(text, marker):
    """Samples from the script's output: ``{index, status, latency, headers, body, error}`` per request."""
    samples = []
    for chunk in text.split("%s BEGIN " % marker)[1:]:
        head, _sep, rest = chunk.partition("\n")
        header_text, _sep, rest = rest.partition("\n%s BODY\n" % marker)
        body, _sep, rest = rest.partition("\n%s ERR\n" % marker)
        error, _sep, _rest = rest.partition("\n%s END" % marker)
        fields = head.split()
        index = int(fields[0]) if fields and fields[0].isdigit() else len(samples)
        rc = int(fields[1]) if len(fields) > 1 and fields[1].lstrip("-").isdigit() else -1
        code = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else 0
        try:
            latency = float(fields[3]) if len(fields) > 3 else None
        except ValueError:
            latency = None
        failed = rc != 0 or code == 0
        samples.append({
            "index": index,
            "status": None if failed and code == 0 else code,
            "latency": latency,
            "headers": _headers(header_text),
            "body": body,
            "error": (error.strip() or "curl exit code %d" % rc) if failed else None,
        })
    return sorted(samples, key=lambda s: s["index"])


STAT_LINE = re.compile(r"^([^:\s]+):\s*(\d+)\s*$", re.M)


def sum_stats(stats_text, pattern):
    """Sum of the Envoy counters (``name: value`` lines) whose name matches ``pattern``."""
    return sum(int(value) for name, value in STAT_LINE.findall(stats_text or "") if pattern.search(name))


def log_timestamp(line):
    """The kubelet timestamp that starts a log line read with timestamps, as a sortable tuple; None without one."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z\s", line)
    if not match:
        return None
    # RFC 3339 with nanoseconds, trailing zeros trimmed: pad the fraction so tuples compare in time order.
    return match.group(1), (match.group(2) or "").ljust(9, "0")


def matching_log_lines(text, pattern, after):
    """The lines stamped later than ``after`` (a log_timestamp, or None for all) that match ``pattern``, without their
    timestamps."""
    found = []
    for line in (text or "").splitlines():
        stamp = log_timestamp(line)
        if stamp is None or (after is not None and stamp <= after):
            continue
        if pattern.search(line):
            found.append(line.split(None, 1)[1] if " " in line else "")
    return found


# What an access-log line tells of a request, by the names of Istio's JSON format.
ACCESS_LOG_FIELDS = ("response_code", "method", "path", "authority", "upstream_cluster", "upstream_host", "request_id")


def access_log_fields(line):
    """The ACCESS_LOG_FIELDS of a JSON access-log line; ``{"line": line}`` for a line in another format."""
    try:
        entry = json.loads(line)
    except ValueError:
        return {"line": line}
    if not isinstance(entry, dict):
        return {"line": line}
    return dict((key, entry[key]) for key in ACCESS_LOG_FIELDS if key in entry)
