# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Traffic proof: send requests from a pod in the mesh, classify the responses, check expectations.

The requests run inside the client pod (its sidecar applies the mesh's rules), started by one exec
of a fixed shell script that takes every user value as an argument, never as shell text. Parsing,
classification, statistics and expectations are pure functions, tested on recorded samples.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import re
import time
import uuid

try:
    from urllib.parse import urlencode, urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urllib import urlencode
    from urlparse import urlsplit

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh.durations import check_int, parse_duration

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

ERROR_CLASS = "error"
# Every option of mesh_probe (and of mesh_scenario's verify).
OPTIONS = ("namespace", "client_selector", "container", "url", "method", "headers", "requests", "concurrency",
           "timeout", "classify", "expect", "attempts", "attempt_delay", "count", "count_inbound", "tool", "login")
MAX_REQUESTS = 10000
MAX_CONCURRENCY = 64
CLASSIFY_KEYS = ("name", "status", "body_regex", "header")
EXPECT_KEYS = ("class", "status", "share", "tolerance", "min_share", "max_share", "p50_latency_min",
               "p50_latency_max", "counter")
TOOLS = ("curl", "fortio")
COUNT_SOURCES = ("access_log", "stats")
COUNT_KEYS = ("name", "selector", "namespace", "source", "match")
PERCENTILES = (50, 90, 99)
DEFAULT_TOLERANCE = 0.1


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
    latency = dict(("p%d" % p, _round(percentiles.get(float(p)))) for p in PERCENTILES)
    latency.update(min=_round(histogram.get("Min")), max=_round(histogram.get("Max")), mean=_round(histogram.get("Avg")))
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


# -- options -------------------------------------------------------------------------------------


def _share(value, name):
    if isinstance(value, bool):
        raise ValidationError("%s must be a share between 0 and 1 (got %r)" % (name, value), parameter=name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError("%s must be a share between 0 and 1 (got %r)" % (name, value), parameter=name)
    if not 0 <= number <= 1:
        raise ValidationError("%s must be between 0 and 1, a share, not a percentage (got %r)" % (name, value),
                              parameter=name)
    return number


def _regex(value, name):
    if not isinstance(value, str) or value == "":
        raise ValidationError("%s must be a non-empty regular expression" % name, parameter=name)
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValidationError("%s is not a valid regular expression: %s" % (name, exc), parameter=name)


def check_classify(rules, prefix="classify"):
    """Compiled classification rules; errors name the entry and key, e.g. ``classify[1].body_regex``."""
    checked = []
    for index, rule in enumerate(rules or []):
        where = "%s[%d]" % (prefix, index)
        if not isinstance(rule, dict):
            raise ValidationError("%s must be a mapping {name, status, body_regex, header}" % where, parameter=where)
        unknown = sorted(set(rule) - set(CLASSIFY_KEYS))
        if unknown:
            raise ValidationError("%s has unknown key(s) %s" % (where, ", ".join(unknown)), parameter=where)
        name = rule.get("name")
        if not isinstance(name, str) or not name:
            raise ValidationError("%s.name must be a non-empty string" % where, parameter="%s.name" % where)
        if name in [c["name"] for c in checked]:
            raise ValidationError("%s.name repeats class %s" % (where, name), parameter="%s.name" % where)
        entry = {"name": name, "status": None, "body": None, "header": None}
        if rule.get("status") is not None:
            entry["status"] = check_int(rule["status"], "%s.status" % where, 100, 599)
        if rule.get("body_regex") is not None:
            entry["body"] = _regex(rule["body_regex"], "%s.body_regex" % where)
        if rule.get("header") is not None:
            header = rule["header"]
            if not isinstance(header, dict) or not header.get("name") or set(header) - set(("name", "regex")):
                raise ValidationError("%s.header must be a mapping {name, regex}" % where, parameter="%s.header" % where)
            entry["header"] = (str(header["name"]).lower(), _regex(header.get("regex") or ".*", "%s.header.regex" % where))
        if entry["status"] is None and entry["body"] is None and entry["header"] is None:
            raise ValidationError("%s needs at least one of status, body_regex, header" % where, parameter=where)
        checked.append(entry)
    return checked


def check_expect(expectations, classes, counter_names=(), prefix="expect"):
    """Checked expectations; a class must be a classify name, a status code or ``error``."""
    known = set(c["name"] for c in classes) | set((ERROR_CLASS,))
    checked = []
    for index, item in enumerate(expectations or []):
        where = "%s[%d]" % (prefix, index)
        if not isinstance(item, dict):
            raise ValidationError("%s must be a mapping" % where, parameter=where)
        item = dict(item)
        if item.get("inbound") is not None and item.get("counter") is None:
            item["counter"] = item.pop("inbound")  # the option's former name
        item.pop("inbound", None)
        unknown = sorted(set(item) - set(EXPECT_KEYS))
        if unknown:
            raise ValidationError("%s has unknown key(s) %s" % (where, ", ".join(unknown)), parameter=where)
        entry = dict((k, item.get(k)) for k in EXPECT_KEYS)
        subjects = [k for k in ("class", "status", "counter") if entry[k] is not None]
        if len(subjects) > 1:
            raise ValidationError("%s sets %s: at most one of class, status, counter" % (where, " and ".join(subjects)),
                                  parameter=where)
        if entry["class"] is not None:
            entry["class"] = str(entry["class"])
            if entry["class"] not in known and not re.match(r"^[1-5]\d\d$", entry["class"]):
                raise ValidationError(
                    "%s.class %r is neither a classify name (%s), a status code nor %s"
                    % (where, entry["class"], ", ".join(sorted(known - set((ERROR_CLASS,)))) or "none", ERROR_CLASS),
                    parameter="%s.class" % where,
                )
        if entry["status"] is not None:
            entry["status"] = check_int(entry["status"], "%s.status" % where, 100, 599)
        if entry["counter"] is not None and entry["counter"] not in counter_names:
            raise ValidationError("%s.counter %r is not among count names (%s)"
                                  % (where, entry["counter"], ", ".join(counter_names) or "none"),
                                  parameter="%s.counter" % where)
        for key in ("share", "tolerance", "min_share", "max_share"):
            if entry[key] is not None:
                entry[key] = _share(entry[key], "%s.%s" % (where, key))
        for key in ("p50_latency_min", "p50_latency_max"):
            if entry[key] is not None:
                value = entry[key]
                entry[key] = parse_duration(value, "%s.%s" % (where, key), 0) if isinstance(value, str) else value
                if isinstance(entry[key], bool) or not isinstance(entry[key], (int, float)) or entry[key] < 0:
                    raise ValidationError("%s.%s must be seconds >= 0 or a duration (got %r)" % (where, key, value),
                                          parameter="%s.%s" % (where, key))
                entry[key] = float(entry[key])
        shares = [k for k in ("share", "min_share", "max_share") if entry[k] is not None]
        latency = [k for k in ("p50_latency_min", "p50_latency_max") if entry[k] is not None]
        if entry["tolerance"] is not None and entry["share"] is None:
            raise ValidationError("%s.tolerance needs share" % where, parameter="%s.tolerance" % where)
        if subjects and not shares and not latency:
            raise ValidationError("%s names %s but no share, min_share, max_share or p50 latency bound"
                                  % (where, subjects[0]), parameter=where)
        if shares and not subjects:
            raise ValidationError("%s sets %s but no class, status or counter to measure"
                                  % (where, shares[0]), parameter=where)
        if not shares and not latency:
            raise ValidationError("%s expects nothing: set a share or a p50 latency bound" % where, parameter=where)
        if entry["counter"] is not None and latency:
            raise ValidationError("%s: latency bounds do not apply to counters" % where, parameter=where)
        if entry["min_share"] is not None and entry["max_share"] is not None and entry["min_share"] > entry["max_share"]:
            raise ValidationError("%s.min_share is above max_share" % where, parameter="%s.min_share" % where)
        checked.append(entry)
    return checked


def check_options(params, prefix=""):
    """Check the probe options (the module's, or mesh_scenario's ``verify``); return them normalised."""
    def name(key):
        return prefix + key

    url = params.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url or ""):
        raise ValidationError("%s must be an http:// or https:// URL (got %r)" % (name("url"), url), parameter=name("url"))
    selector = params.get("client_selector")
    if not isinstance(selector, str) or not selector.strip():
        raise ValidationError("%s must be a label selector such as app=sleep" % name("client_selector"),
                              parameter=name("client_selector"))
    method = str(params.get("method") or "GET").upper()
    if not re.match(r"^[A-Z]+$", method):
        raise ValidationError("%s must be an HTTP method (got %r)" % (name("method"), method), parameter=name("method"))
    headers = params.get("headers") or {}
    if not isinstance(headers, dict):
        raise ValidationError("%s must be a mapping of header names to values" % name("headers"), parameter=name("headers"))
    for header, value in headers.items():
        if not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", str(header)) or "\n" in str(value) or "\r" in str(value):
            raise ValidationError("%s has an invalid header %r" % (name("headers"), header), parameter=name("headers"))
    requests = check_int(10 if params.get("requests") is None else params["requests"], name("requests"), 1, MAX_REQUESTS)
    concurrency = check_int(1 if params.get("concurrency") is None else params["concurrency"], name("concurrency"),
                            1, MAX_CONCURRENCY)
    timeout = params.get("timeout")
    timeout = 30.0 if timeout is None else timeout
    if isinstance(timeout, str):
        timeout = parse_duration(timeout, name("timeout"))
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValidationError("%s must be a positive number of seconds" % name("timeout"), parameter=name("timeout"))
    attempts = check_int(1 if params.get("attempts") is None else params["attempts"], name("attempts"), 1, 100)
    attempt_delay = params.get("attempt_delay")
    attempt_delay = 3.0 if attempt_delay is None else attempt_delay
    if isinstance(attempt_delay, bool) or not isinstance(attempt_delay, (int, float)) or attempt_delay < 0:
        raise ValidationError("%s must be seconds >= 0" % name("attempt_delay"), parameter=name("attempt_delay"))
    counts = check_counts(params.get("count") if params.get("count") is not None else params.get("count_inbound"),
                          url, prefix + "count")
    tool = params.get("tool") or "curl"
    if tool not in TOOLS:
        raise ValidationError("%s must be one of %s (got %r)" % (name("tool"), ", ".join(TOOLS), tool),
                              parameter=name("tool"))
    login = check_login(params.get("login"), name("login"))
    classes = check_classify(params.get("classify"), name("classify"))
    if tool == "fortio":
        if login:
            raise ValidationError("%s works with tool curl only (fortio keeps no session)" % name("login"),
                                  parameter=name("login"))
        for index, rule in enumerate(classes):
            if rule["body"] is not None or rule["header"] is not None:
                where = "%s[%d]" % (name("classify"), index)
                raise ValidationError("%s: fortio reports status codes only; classify by status with tool fortio"
                                      % where, parameter=where)
    expect = check_expect(params.get("expect"), classes, [c["name"] for c in counts], name("expect"))
    return {
        "namespace": params.get("namespace") or "default", "client_selector": selector.strip(),
        "container": params.get("container"), "url": url, "method": method,
        "headers": dict((str(k), str(v)) for k, v in headers.items()), "requests": requests,
        "concurrency": min(concurrency, requests), "timeout": float(timeout), "classify": classes,
        "expect": expect, "attempts": attempts, "attempt_delay": float(attempt_delay), "count": counts,
        "tool": tool, "login": login,
    }


def check_counts(items, url, where_prefix):
    """Counters read around each round: access-log lines or Envoy statistics of some pods' sidecars."""
    checked = []
    for index, item in enumerate(items or []):
        where = "%s[%d]" % (where_prefix, index)
        if not isinstance(item, dict) or not item.get("name") or set(item) - set(COUNT_KEYS):
            raise ValidationError("%s must be a mapping {name, selector, namespace, source, match}" % where,
                                  parameter=where)
        if item["name"] in [c["name"] for c in checked]:
            raise ValidationError("%s.name repeats counter %s" % (where, item["name"]), parameter="%s.name" % where)
        source = item.get("source") or "access_log"
        if source not in COUNT_SOURCES:
            raise ValidationError("%s.source must be one of %s (got %r)" % (where, ", ".join(COUNT_SOURCES), source),
                                  parameter="%s.source" % where)
        match = item.get("match")
        if match is None:
            if source == "stats":
                raise ValidationError("%s.match is required with source stats: a regular expression on statistic names, "
                                      "for example upstream_rq_pending_overflow" % where, parameter="%s.match" % where)
            # An access-log line names the request's path, quoted in JSON or after the method in text; by default
            # a line counts when it names the probed one.
            parts = urlsplit(url)
            match = '[" ]%s[" ]' % re.escape((parts.path or "/") + ("?" + parts.query if parts.query else ""))
        checked.append({"name": str(item["name"]), "selector": item.get("selector"), "namespace": item.get("namespace"),
                        "source": source, "match": _regex(match, "%s.match" % where)})
    return checked


def check_login(login, where):
    """``{url, form}``: a form posted once per round whose session cookie every request carries."""
    if login is None:
        return None
    if not isinstance(login, dict) or set(login) - set(("url", "form")) or not login.get("url"):
        raise ValidationError("%s must be a mapping {url, form}" % where, parameter=where)
    if not re.match(r"^https?://[^\s/]+", str(login["url"])):
        raise ValidationError("%s.url must be an http:// or https:// URL (got %r)" % (where, login["url"]),
                              parameter="%s.url" % where)
    form = login.get("form") or {}
    if not isinstance(form, dict):
        raise ValidationError("%s.form must be a mapping of field names to values" % where, parameter="%s.form" % where)
    return {"url": str(login["url"]), "form": dict((str(k), str(v)) for k, v in form.items())}


# -- classification and statistics ---------------------------------------------------------------


def classify(sample, rules):
    """The first rule all of whose conditions hold names the class; otherwise the status code (or ``error``)."""
    if sample["status"] is None:
        return ERROR_CLASS
    for rule in rules:
        if rule["status"] is not None and sample["status"] != rule["status"]:
            continue
        if rule["body"] is not None and not rule["body"].search(sample["body"] or ""):
            continue
        if rule["header"] is not None:
            value = (sample["headers"] or {}).get(rule["header"][0])
            if value is None or not rule["header"][1].search(value):
                continue
        return rule["name"]
    return str(sample["status"])


def percentile(values, pct):
    """Linear-interpolated percentile (as numpy's default); None for no values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * pct / 100.0
    low = int(math.floor(rank))
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def latency_summary(values):
    data = [v for v in values if v is not None]
    summary = dict(("p%d" % p, _round(percentile(data, p))) for p in PERCENTILES)
    summary.update(min=_round(min(data)) if data else None, max=_round(max(data)) if data else None,
                   mean=_round(sum(data) / len(data)) if data else None)
    return summary


def _round(value):
    return None if value is None else round(value, 6)


def statistics(samples, rules):
    """Counts and shares per class and per status, latency percentiles overall and per class."""
    total = len(samples)
    counts, statuses, latencies = {}, {}, {}
    for sample in samples:
        name = classify(sample, rules)
        sample["class"] = name
        counts[name] = counts.get(name, 0) + 1
        status = str(sample["status"]) if sample["status"] is not None else ERROR_CLASS
        statuses[status] = statuses.get(status, 0) + 1
        latencies.setdefault(name, []).append(sample["latency"])
    return {
        "requests": total,
        "counts": counts,
        "shares": dict((k, round(v / float(total), 6)) for k, v in counts.items()) if total else {},
        "status_counts": statuses,
        "status_shares": dict((k, round(v / float(total), 6)) for k, v in statuses.items()) if total else {},
        "latency": latency_summary([s["latency"] for s in samples]),
        "latency_by_class": dict((k, latency_summary(v)) for k, v in latencies.items()),
        "errors": [s["error"] for s in samples if s["error"]][:5],
    }


def _describe(item):
    subject = ("class %s" % item["class"] if item["class"] is not None
               else "status %s" % item["status"] if item["status"] is not None
               else "counter %s" % item["counter"] if item["counter"] is not None else "all responses")
    parts = []
    if item["share"] is not None:
        tolerance = item["tolerance"] if item["tolerance"] is not None else DEFAULT_TOLERANCE
        parts.append("share %g%% +/- %g%%" % (item["share"] * 100, tolerance * 100))
    if item["min_share"] is not None:
        parts.append("share >= %g%%" % (item["min_share"] * 100))
    if item["max_share"] is not None:
        parts.append("share <= %g%%" % (item["max_share"] * 100))
    if item["p50_latency_min"] is not None:
        parts.append("p50 latency >= %gs" % item["p50_latency_min"])
    if item["p50_latency_max"] is not None:
        parts.append("p50 latency <= %gs" % item["p50_latency_max"])
    return "%s: %s" % (subject, ", ".join(parts))


def evaluate(expectations, stats, counters=None):
    """One result per expectation: ``{expectation, passed, observed_share, observed_p50, reason}``."""
    results = []
    total = stats["requests"]
    for item in expectations:
        if item["class"] is not None:
            count = stats["counts"].get(item["class"], 0)
            p50 = (stats["latency_by_class"].get(item["class"]) or {}).get("p50")
        elif item["status"] is not None:
            count = stats["status_counts"].get(str(item["status"]), 0)
            p50 = None
        elif item["counter"] is not None:
            count = (counters or {}).get(item["counter"])
            p50 = None
        else:
            count, p50 = total, stats["latency"]["p50"]
        if item["status"] is not None and (item["p50_latency_min"] is not None or item["p50_latency_max"] is not None):
            p50 = percentile(stats.get("_status_latency", {}).get(str(item["status"]), []), 50)
        share = None if count is None or not total else count / float(total)
        failures = []
        if share is None and any(item[k] is not None for k in ("share", "min_share", "max_share")):
            failures.append("nothing observed")
        else:
            tolerance = item["tolerance"] if item["tolerance"] is not None else DEFAULT_TOLERANCE
            if item["share"] is not None and abs(share - item["share"]) > tolerance + 1e-9:
                failures.append("share %.1f%% is not within %g%% of %g%%" % (share * 100, tolerance * 100, item["share"] * 100))
            if item["min_share"] is not None and share < item["min_share"] - 1e-9:
                failures.append("share %.1f%% is below %g%%" % (share * 100, item["min_share"] * 100))
            if item["max_share"] is not None and share > item["max_share"] + 1e-9:
                failures.append("share %.1f%% is above %g%%" % (share * 100, item["max_share"] * 100))
        if item["p50_latency_min"] is not None or item["p50_latency_max"] is not None:
            if p50 is None:
                failures.append("no latency observed")
            else:
                if item["p50_latency_min"] is not None and p50 < item["p50_latency_min"]:
                    failures.append("p50 latency %.3fs is below %gs" % (p50, item["p50_latency_min"]))
                if item["p50_latency_max"] is not None and p50 > item["p50_latency_max"]:
                    failures.append("p50 latency %.3fs is above %gs" % (p50, item["p50_latency_max"]))
        results.append({
            "expectation": _describe(item),
            "passed": not failures,
            "observed_count": count,
            "observed_share": None if share is None else round(share, 6),
            "observed_p50": _round(p50),
            "reason": "; ".join(failures) if failures else None,
        })
    return results


def report(samples, options, counters=None, latency=None):
    """The probe's report from recorded samples: statistics plus the verdict of every expectation."""
    stats = statistics(samples, options["classify"])
    status_latency = {}
    for sample in samples:
        key = str(sample["status"]) if sample["status"] is not None else ERROR_CLASS
        status_latency.setdefault(key, []).append(sample["latency"])
    stats["_status_latency"] = status_latency
    if latency is not None:
        # fortio measures latency itself and reports percentiles, not one latency per request.
        stats["latency"] = latency
    expectations = evaluate(options["expect"], stats, counters)
    stats.pop("_status_latency")
    stats["latency_by_status"] = dict((k, latency_summary(v)) for k, v in status_latency.items())
    if counters is not None:
        stats["counters"] = counters
    stats["expectations"] = expectations
    stats["passed"] = all(e["passed"] for e in expectations)
    return stats


# -- cluster side ----------------------------------------------------------------------------------

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


def count_log_lines(text, pattern, after):
    """Lines stamped later than ``after`` (a log_timestamp, or None for all) that match ``pattern``."""
    total = 0
    for line in (text or "").splitlines():
        stamp = log_timestamp(line)
        if stamp is None or (after is not None and stamp <= after):
            continue
        if pattern.search(line):
            total += 1
    return total


class ExecFailed(ClusterError):
    """The command could not run in the pod (it is gone, or being replaced): worth another attempt."""


def _pods(client, namespace, selector, option):
    from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
    from ansible_collections.oke.istio.plugins.module_utils._errors import api_error_message

    try:
        pods = client.resources.get(api_version="v1", kind="Pod").get(namespace=namespace, label_selector=selector).to_dict()
    except ApiException as exc:
        if exc.status in (400, 422):
            raise ValidationError("%s %r is not a valid label selector: %s" % (option, selector, api_error_message(exc)),
                                  parameter=option)
        raise ClusterError("Failed to list pods in %s: %s" % (namespace, api_error_message(exc)))
    ready = []
    for pod in pods.get("items", []):
        conditions = dict((c.get("type"), c.get("status")) for c in (pod.get("status") or {}).get("conditions") or [])
        if (pod.get("status") or {}).get("phase") == "Running" and conditions.get("Ready") == "True" \
                and not pod["metadata"].get("deletionTimestamp"):
            ready.append(pod)
    if not ready:
        raise ValidationError("%s %r matches no Ready pod in namespace %s" % (option, selector, namespace),
                              parameter=option)
    return sorted(ready, key=lambda p: p["metadata"]["name"])


def _container(pod, wanted, option):
    names = [c["name"] for c in pod["spec"]["containers"]]
    if wanted:
        if wanted not in names:
            raise ValidationError("%s %r is not a container of pod %s (%s)"
                                  % (option, wanted, pod["metadata"]["name"], ", ".join(names)), parameter=option)
        return wanted
    for name in names:
        if name != "istio-proxy":
            return name
    raise ValidationError("pod %s has no container besides istio-proxy; set %s" % (pod["metadata"]["name"], option),
                          parameter=option)


def exec_in_pod(client, namespace, pod, container, argv, timeout):
    """Run ``argv`` in a container; return ``(returncode, stdout, stderr)``."""
    from kubernetes.client import CoreV1Api
    from kubernetes.stream import stream
    from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
    from ansible_collections.oke.istio.plugins.module_utils._errors import api_error_message

    api = CoreV1Api(client.client)
    try:
        response = stream(api.connect_get_namespaced_pod_exec, pod, namespace, command=argv, container=container,
                          stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False,
                          _request_timeout=timeout)
        stdout, stderr = [], []
        response.run_forever(timeout=timeout)
        while response.peek_stdout():
            stdout.append(response.read_stdout())
        while response.peek_stderr():
            stderr.append(response.read_stderr())
        rc = response.returncode
        response.close()
    except ApiException as exc:
        raise ExecFailed("Failed to exec in pod %s/%s: %s" % (namespace, pod, api_error_message(exc)))
    except (ValueError, KeyError, TypeError) as exc:
        # The exec channel carried an error instead of an exit status (a container being replaced says
        # "unable to upgrade connection: container not found").
        raise ExecFailed("Failed to exec in pod %s/%s container %s: %s" % (namespace, pod, container, exc))
    return rc, "".join(stdout), "".join(stderr)


def _read_log(client, namespace, pod, **kwargs):
    from kubernetes.client import CoreV1Api
    from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
    from ansible_collections.oke.istio.plugins.module_utils._errors import api_error_message

    try:
        return CoreV1Api(client.client).read_namespaced_pod_log(pod, namespace, container="istio-proxy",
                                                                timestamps=True, **kwargs)
    except ApiException as exc:
        raise ExecFailed("Failed to read the istio-proxy log of %s/%s: %s" % (namespace, pod, api_error_message(exc)))


class Counters(object):
    """The ``count`` entries of a round: a reading before it, and what each counted once it is over."""

    def __init__(self, client, options, client_pod):
        self.client, self.options, self.client_pod = client, options, client_pod
        self.before = {}

    def _pods(self, item):
        if not item["selector"]:
            return self.options["namespace"], [self.client_pod]
        namespace = item["namespace"] or self.options["namespace"]
        return namespace, _pods(self.client, namespace, item["selector"], "count %s selector" % item["name"])

    def _stats(self, namespace, pod):
        rc, out, err = exec_in_pod(self.client, namespace, pod, "istio-proxy",
                                   ["pilot-agent", "request", "GET", "stats"], 60)
        if rc not in (0, None):
            raise ExecFailed("Failed to read the sidecar stats of %s/%s: %s" % (namespace, pod, err.strip()))
        return out

    def start(self):
        """Remember where each counter stands: its statistics, or the last access-log line of each pod."""
        self.started = time.time()
        for item in self.options["count"]:
            namespace, pods = self._pods(item)
            for pod in pods:
                name = pod["metadata"]["name"]
                if item["source"] == "stats":
                    self.before[(item["name"], name)] = sum_stats(self._stats(namespace, name), item["match"])
                else:
                    last = _read_log(self.client, namespace, name, tail_lines=1).strip()
                    self.before[(item["name"], name)] = log_timestamp(last) if last else None

    def _count(self, item):
        namespace, pods = self._pods(item)
        elapsed = int(math.ceil(time.time() - self.started)) + 5
        total = 0
        for pod in pods:
            name = pod["metadata"]["name"]
            if item["source"] == "stats":
                total += sum_stats(self._stats(namespace, name), item["match"]) - self.before.get((item["name"], name), 0)
            else:
                text = _read_log(self.client, namespace, name, since_seconds=elapsed)
                total += count_log_lines(text, item["match"], self.before.get((item["name"], name)))
        return total

    def finish(self, settle=1.5, reads=4, sleep=None):
        """What each counter counted since start(). Envoy flushes access logs about once a second: a log counter is
        read again until two readings agree (at most ``reads`` times)."""
        sleep = sleep or time.sleep
        counted = {}
        for item in self.options["count"]:
            total = self._count(item)
            rereads = reads - 1 if item["source"] == "access_log" else 0
            while rereads > 0:
                rereads -= 1
                sleep(settle)
                again = self._count(item)
                if again == total:
                    break
                total = again
            counted[item["name"]] = total
        return counted


def send(client, options, pod, container):
    """One round of requests from ``pod``; return ``(samples, latency)`` (latency from fortio, else None)."""
    marker = new_marker()
    rounds = int(math.ceil(options["requests"] / float(options["concurrency"])))
    timeout = int(rounds * (options["timeout"] + 1) + 30)
    where = "pod %s/%s container %s" % (options["namespace"], pod, container)
    if options["tool"] == "fortio":
        argv = fortio_command(options["url"], options["method"], options["headers"], options["requests"],
                              options["concurrency"], options["timeout"])
        rc, out, err = exec_in_pod(client, options["namespace"], pod, container, argv, timeout=timeout)
        samples, latency = parse_fortio(out)
        if samples is None:
            raise ClusterError("fortio in %s returned no result (exit code %s): %s; the container needs fortio, as "
                               "Istio's fortio sample has" % (where, rc, (err or out).strip()[:500]))
        return samples, latency
    argv = command(options["url"], options["method"], options["headers"], options["requests"],
                   options["concurrency"], options["timeout"], marker, options["login"])
    rc, out, err = exec_in_pod(client, options["namespace"], pod, container, argv, timeout=timeout)
    login_failed = re.search(r"^%s LOGIN (.*)$" % re.escape(marker), out, re.M)
    if login_failed:
        raise ClusterError("The login to %s from %s failed: %s"
                           % (options["login"]["url"], where, login_failed.group(1).strip() or "no answer"))
    samples = parse_output(out, marker)
    missing_curl = samples and all(s["status"] is None and "not found" in (s["error"] or "") for s in samples)
    if not samples or missing_curl:
        detail = samples[0]["error"] if missing_curl else (err or out).strip()[:500]
        raise ClusterError(
            "The probe in %s returned no response (exit code %s): %s; the container needs sh and "
            "curl, as Istio's curl (sleep) sample has" % (where, rc, detail),
        )
    return samples, None


def run_probe(client, options, sleep=None):
    """Send the requests and judge them; ``{skipped, skip_reason}`` on simulated nodes, else ``{report, attempts}``."""
    from ansible_collections.oke.istio.plugins.module_utils._k8s.cluster import data_plane_skip_reason

    reason = data_plane_skip_reason(client)
    if reason:
        return {"skipped": True, "skip_reason": reason}
    sleep = sleep or time.sleep
    result, exec_failures = None, []
    for attempt in range(1, options["attempts"] + 1):
        # Chosen each attempt: the client of the last one may have been replaced since.
        pod = _pods(client, options["namespace"], options["client_selector"], "client_selector")[0]
        container = _container(pod, options["container"], "container")
        try:
            counters = Counters(client, options, pod) if options["count"] else None
            if counters:
                counters.start()
            samples, latency = send(client, options, pod["metadata"]["name"], container)
            counted = counters.finish() if counters else None
        except ExecFailed as exc:
            exec_failures.append("attempt %d: %s" % (attempt, exc.msg))
            if attempt == options["attempts"]:
                raise ExecFailed("No attempt could run in a client pod: %s" % "; ".join(exec_failures))
            sleep(options["attempt_delay"])
            continue
        result = report(samples, options, counted, latency)
        result["client"] = {"namespace": options["namespace"], "pod": pod["metadata"]["name"], "container": container}
        result["request"] = {"url": options["url"], "method": options["method"], "headers": options["headers"],
                             "tool": options["tool"], "concurrency": options["concurrency"],
                             "login": options["login"]["url"] if options["login"] else None}
        if exec_failures:
            result["exec_failures"] = exec_failures
        if result["passed"]:
            break
        if attempt < options["attempts"]:
            sleep(options["attempt_delay"])
    return {"skipped": False, "report": result, "attempts": attempt}
