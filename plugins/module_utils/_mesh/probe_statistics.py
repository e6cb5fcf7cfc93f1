# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Traffic proof, judging: classify each response, sum up the round, hold it against the expectations.

Pure functions, tested on recorded samples."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

ERROR_CLASS = "error"
PERCENTILES = (50, 90, 99)
DEFAULT_TOLERANCE = 0.1


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
    summary = dict(("p%d" % p, round_seconds(percentile(data, p))) for p in PERCENTILES)
    summary.update(min=round_seconds(min(data)) if data else None, max=round_seconds(max(data)) if data else None,
                   mean=round_seconds(sum(data) / len(data)) if data else None)
    return summary


def round_seconds(value):
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
            "observed_p50": round_seconds(p50),
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
