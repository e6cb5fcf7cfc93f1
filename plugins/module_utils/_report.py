# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backend of runbook_report: one cluster's proof of the runbook walk-through as JSON, JUnit XML and Markdown.

Everything is checked, then all three files are rendered, then each is written (atomically) only when its content or
mode differs. The files carry no timestamp unless the caller gives ``generated_at``, so the same results give the same
bytes and a second run changes nothing.

A step's checks are mesh_probe reports (``expectations`` with ``passed`` and what was observed). Any other shape is
rendered as a compact summary, never an error: the report is most needed when something went wrong.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.oke.istio.plugins.module_utils._errors import OkeIstioError, ValidationError

STATUSES = ("passed", "failed", "skipped", "not run")
TOTAL_KEYS = (("passed", "passed"), ("failed", "failed"), ("skipped", "skipped"), ("not run", "not_run"))
RESULT_KEYS = ("area", "step", "status", "reason", "duration", "checks")
DEFAULT_MODE = 0o644
# Ansible's default MAX_FILE_SIZE_FOR_DIFF: a larger file is named in the diff, not shown.
DIFF_MAX_BYTES = 104448
# A cell showing a check of unknown shape is cut here; the JSON file has it whole.
SUMMARY_MAX_CHARS = 200
_CLUSTER_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# Characters XML 1.0 cannot carry at all, not even escaped.
_XML_INVALID = re.compile(u"[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
_SECRET_HEADER = re.compile(r"authorization|cookie|token|secret|password|api-?key", re.I)

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    cluster=dict(type="str", required=True),
    results=dict(type="list", elements="dict", required=True),
    generated_at=dict(type="str"),
    mode=dict(type="raw"),
)


# -- input -----------------------------------------------------------------------------------------------------------

def check_cluster(value):
    if not _CLUSTER_STEM.match(value or ""):
        raise ValidationError(
            "cluster %r is not a safe file name stem: use 1 to 128 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit" % (value,)
        )
    return value


def check_mode(value):
    """File mode from an int (used as is, as Ansible's file modules do) or an octal string such as ``'0640'``."""
    if value is None:
        return DEFAULT_MODE
    if isinstance(value, bool):
        mode = None
    elif isinstance(value, int):
        mode = value
    else:
        text = str(value).strip()
        mode = int(text, 8) if re.match(r"^0?[0-7]{3,4}$", text) else None
    if mode is None or not 0 <= mode <= 0o7777:
        raise ValidationError("mode %r is not a file mode: give octal digits as a string, for example '0644'" % (value,))
    return mode


def _entry_error(index, key, value, problem):
    return ValidationError("results[%d].%s %r %s" % (index, key, value, problem), index=index, key=key, value=value)


def _text_value(index, result, key, required):
    value = result.get(key)
    if value is None and not required:
        return None
    if key not in result:
        raise ValidationError("results[%d].%s is missing" % (index, key), index=index, key=key)
    if not isinstance(value, str) or (required and not value.strip()):
        raise _entry_error(index, key, value, "must be a non-empty string" if required else "must be a string")
    return value


def _duration(index, value):
    if value is None:
        return None
    seconds = None
    if not isinstance(value, bool):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = None
    if seconds is None or math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise _entry_error(index, "duration", value, "must be a number of seconds, 0 or more")
    return seconds


def check_results(results):
    """The results with every key present (``reason``/``duration`` None, ``checks`` a list); bad input raises."""
    checked = []
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise ValidationError("results[%d] must be a dict with area, step and status, got %r" % (index, result),
                                  index=index, value=result)
        unknown = sorted(set(result) - set(RESULT_KEYS))
        if unknown:
            raise _entry_error(index, unknown[0], result[unknown[0]],
                               "is not a known key; a result has %s" % ", ".join(RESULT_KEYS))
        entry = dict(
            area=_text_value(index, result, "area", True),
            step=_text_value(index, result, "step", True),
            status=result.get("status"),
            reason=_text_value(index, result, "reason", False),
            duration=_duration(index, result.get("duration")),
            checks=result.get("checks") if result.get("checks") is not None else [],
        )
        if "status" not in result:
            raise ValidationError("results[%d].status is missing" % index, index=index, key="status")
        if entry["status"] not in STATUSES:
            raise _entry_error(index, "status", entry["status"], "is not one of %s" % ", ".join(STATUSES))
        if not isinstance(entry["checks"], list):
            raise _entry_error(index, "checks", entry["checks"], "must be a list of mesh_probe reports")
        for number, check in enumerate(entry["checks"] if entry["status"] == "passed" else []):
            failed = _failed_expectation(check)
            if failed:
                raise ValidationError(
                    "results[%d].status is 'passed' but checks[%d] did not hold (%s): a passed step cannot carry a "
                    "failed check" % (index, number, failed), index=index, key="status", value="passed")
        checked.append(entry)
    return checked


def _failed_expectation(check):
    """The text of the first expectation of ``check`` that did not hold, or None."""
    report = _probe(check)[0]
    expectations = report.get("expectations") if isinstance(report.get("expectations"), list) else []
    for item in expectations:
        if isinstance(item, dict) and item.get("passed") is False:
            return item.get("expectation") or "an expectation"
    return "the check" if report.get("passed") is False else None


def totals(results):
    counts = dict((key, 0) for _status, key in TOTAL_KEYS)
    for result in results:
        counts[dict(TOTAL_KEYS)[result["status"]]] += 1
    return counts


# -- rows: what each step showed, shared by the Markdown table and the JUnit messages ----------------------------------

def _probe(check):
    """``(report, target)`` of a check: a mesh_probe report, or its registered task result, or anything else."""
    if not isinstance(check, dict):
        return {}, None
    report = check
    if not check.get("expectations") and isinstance(check.get("report"), dict):
        report = check["report"]
    invocation = check.get("invocation") if isinstance(check.get("invocation"), dict) else {}
    args = invocation.get("module_args") if isinstance(invocation.get("module_args"), dict) else {}
    # mesh_probe reports what it sent under "request".
    request = report.get("request") if isinstance(report.get("request"), dict) else {}
    url = check.get("url") or report.get("url") or request.get("url") or args.get("url")
    headers = check.get("headers") or report.get("headers") or request.get("headers") or args.get("headers")
    target = None
    if url:
        target = str(url)
        if isinstance(headers, dict) and headers:
            target += " (%s)" % ", ".join("%s: %s" % (k, _header_value(k, headers[k])) for k in sorted(headers, key=str))
        elif headers:
            target += " (%s)" % (headers,)
    return report, target


def _header_value(name, value):
    """Credentials stay out of the table and the CI report (the JSON file holds the input as given)."""
    return "***" if _SECRET_HEADER.search(str(name)) else value


def _number(value, fmt):
    try:
        return fmt % float(value)
    except (TypeError, ValueError):
        return str(value)


def _observed(expectation, report):
    count = expectation.get("observed_count")
    share = expectation.get("observed_share")
    p50 = expectation.get("observed_p50")
    parts = []
    if count is None:
        parts.append("nothing observed")
    else:
        text = "%s/%s" % (count, report["requests"]) if report.get("requests") is not None else str(count)
        if share is not None:
            text += " (%s)" % _number(share * 100 if isinstance(share, (int, float)) else share, "%.1f%%")
        parts.append(text)
    if p50 is not None:
        parts.append("p50 %s" % _number(p50, "%.3fs"))
    return ", ".join(parts)


def _summary(check, report):
    """A compact account of a check that has no expectations."""
    if not isinstance(check, dict):
        text = json.dumps(check, sort_keys=True, default=str)
        return text if len(text) <= SUMMARY_MAX_CHARS else text[:SUMMARY_MAX_CHARS - 3] + "..."
    parts = []
    if report.get("requests") is not None:
        parts.append("%s requests" % report["requests"])
    statuses = report.get("status_counts")
    if isinstance(statuses, dict) and statuses:
        parts.append("status " + ", ".join("%s: %s" % (k, statuses[k]) for k in sorted(statuses, key=str)))
    latency = report.get("latency")
    if isinstance(latency, dict) and latency.get("p50") is not None:
        parts.append("p50 %s" % _number(latency["p50"], "%.3fs"))
    reason = check.get("skip_reason") or report.get("skip_reason")
    if reason:
        parts.append("skipped: %s" % reason)
    return "; ".join(parts) or "nothing observed"


def step_rows(result):
    """One row per expectation (or per check without expectations); a step that shows nothing else gets one row."""
    rows = []
    for check in result["checks"]:
        report, target = _probe(check)
        expectations = report.get("expectations")
        if isinstance(expectations, list) and expectations:
            for item in expectations:
                if not isinstance(item, dict):
                    rows.append(dict(expectation=_join(target, str(item)), observed="", verdict=result["status"],
                                     why=result["reason"], passed=None))
                    continue
                passed = item.get("passed") if isinstance(item.get("passed"), bool) else None
                rows.append(dict(
                    expectation=_join(target, str(item.get("expectation") or "")),
                    observed=_observed(item, report),
                    verdict={True: "passed", False: "failed", None: "no verdict"}[passed],
                    why=None if passed else (item.get("reason") or None),
                    passed=passed,
                ))
        else:
            rows.append(dict(expectation=target or "", observed=_summary(check, report), verdict=result["status"],
                             why=result["reason"], passed=None))
    if not rows or (result["reason"] and all(row["passed"] is not None for row in rows)):
        rows.append(dict(expectation="", observed="", verdict=result["status"], why=result["reason"], passed=None))
    return rows


def _join(target, text):
    return "%s - %s" % (target, text) if target and text else target or text


def _verdict(row):
    return "%s: %s" % (row["verdict"], row["why"]) if row["why"] else row["verdict"]


# -- the three files -------------------------------------------------------------------------------------------------

def render_json(cluster, results, counts, generated_at=None):
    data = dict(report="oke.istio.runbook_report", cluster=cluster, totals=counts, results=results)
    if generated_at is not None:
        data["generated_at"] = generated_at
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def _xml_text(value):
    return _XML_INVALID.sub(lambda m: "\\u%04x" % ord(m.group(0)), str(value))


def _row_line(row):
    observed = " (observed: %s)" % row["observed"] if row["observed"] else ""
    return "- %s%s: %s" % (row["expectation"] or "step", observed, _verdict(row))


def _failed_line(row):
    why = "; %s" % row["why"] if row["why"] else ""
    return "%s: observed %s%s" % (row["expectation"] or "step", row["observed"] or "nothing", why)


def _testcase(suite, result):
    case = ET.SubElement(suite, "testcase", classname=_xml_text("oke.istio.%s" % result["area"]),
                         name=_xml_text(result["step"]))
    if result["duration"] is not None:
        case.set("time", "%.3f" % result["duration"])
    rows = step_rows(result)
    details = "\n".join(_row_line(row) for row in rows)
    if result["status"] == "failed":
        failed = [_failed_line(r) for r in rows if r["passed"] is False]
        message = "; ".join(([result["reason"]] if result["reason"] else []) + failed) or "failed"
        ET.SubElement(case, "failure", message=_xml_text(message)).text = _xml_text(details)
        return
    if result["status"] in ("skipped", "not run"):
        reason = result["reason"]
        message = reason if result["status"] == "skipped" else "not run: %s" % reason if reason else "not run"
        ET.SubElement(case, "skipped", message=_xml_text(message or "skipped"))
    if result["checks"]:
        ET.SubElement(case, "system-out").text = _xml_text(details)


def _indent(element, level=0):
    """Pretty-print in place (ElementTree.indent is Python 3.9+ only)."""
    pad = "\n" + "  " * level
    children = list(element)
    if children:
        if not (element.text or "").strip():
            element.text = pad + "  "
        for child in children:
            _indent(child, level + 1)
            if not (child.tail or "").strip():
                child.tail = pad + "  "
        children[-1].tail = pad


def render_junit(cluster, results, generated_at=None):
    root = ET.Element("testsuites", name=_xml_text("oke.istio runbook %s" % cluster))
    suites = []
    for result in results:
        suite = next((s for s in suites if s[0] == result["area"]), None)
        if suite is None:
            suite = (result["area"], [])
            suites.append(suite)
        suite[1].append(result)
    grand = dict(tests=0, failures=0, skipped=0, time=0.0)
    for area, members in suites:
        counts = dict(
            tests=len(members),
            failures=sum(1 for r in members if r["status"] == "failed"),
            skipped=sum(1 for r in members if r["status"] in ("skipped", "not run")),
            time=sum(r["duration"] or 0.0 for r in members),
        )
        suite = ET.SubElement(root, "testsuite", name=_xml_text(area), tests=str(counts["tests"]),
                              failures=str(counts["failures"]), errors="0", skipped=str(counts["skipped"]),
                              time="%.3f" % counts["time"])
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="cluster", value=cluster)
        if generated_at is not None:
            ET.SubElement(properties, "property", name="generated_at", value=_xml_text(generated_at))
        for result in members:
            _testcase(suite, result)
        for key in grand:
            grand[key] += counts[key]
    root.set("tests", str(grand["tests"]))
    root.set("failures", str(grand["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(grand["skipped"]))
    root.set("time", "%.3f" % grand["time"])
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def md_cell(text):
    """Text safe inside a Markdown table cell: pipes and backslashes escaped, HTML tags defused, newlines as <br>."""
    text = str(text if text is not None else "").replace("\\", "\\\\").replace("|", "\\|")
    text = _HTML_START.sub("&lt;", text)
    text = "<br>".join(line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n"))
    return text or "-"


def render_table(results):
    lines = ["| Area | Step | Expectation | Observed | Result |", "| --- | --- | --- | --- | --- |"]
    for result in results:
        for row in step_rows(result):
            verdict = _verdict(row)
            if row["verdict"] == "failed":
                verdict = "**failed**" + verdict[len("failed"):]
            cells = [result["area"], result["step"], row["expectation"], row["observed"]]
            lines.append("| %s | %s |" % (" | ".join(md_cell(c) for c in cells), md_cell(verdict)))
    return "\n".join(lines) + "\n"


def render_markdown(cluster, counts, table, generated_at=None):
    steps = sum(counts.values())
    lines = ["# Runbook proof: %s" % cluster, ""]
    if generated_at is not None:
        lines += ["Generated %s." % md_cell(generated_at), ""]
    lines += ["**%d passed, %d failed, %d skipped, %d not run** (%d step%s)" % (
        counts["passed"], counts["failed"], counts["skipped"], counts["not_run"], steps, "" if steps == 1 else "s"), ""]
    return "\n".join(lines) + "\n" + table


# -- files -----------------------------------------------------------------------------------------------------------

def _existing(path):
    """``(bytes, mode)`` of the file at ``path``, ``(None, None)`` when there is none."""
    if not os.path.lexists(path):
        return None, None
    if os.path.isdir(path):
        raise ValidationError("%s is a directory, where the report file goes; move it away or choose another dest or "
                              "cluster" % path, path=path)
    try:
        with open(path, "rb") as handle:
            return handle.read(), os.stat(path).st_mode & 0o7777
    except (IOError, OSError) as exc:
        raise OkeIstioError("Cannot read %s: %s" % (path, exc), path=path)


def _diff(path, old, new, old_mode, mode):
    diff = dict(before_header=path, after_header=path)
    if old is not None and len(old) > DIFF_MAX_BYTES:
        diff["dst_larger"] = DIFF_MAX_BYTES
    else:
        diff["before"] = old.decode("utf-8", "replace") if old is not None else ""
    if len(new) > DIFF_MAX_BYTES:
        diff["src_larger"] = DIFF_MAX_BYTES
    else:
        diff["after"] = new.decode("utf-8")
    if old_mode is not None and old_mode != mode:
        diff["prepared"] = "mode of %s: %04o -> %04o\n" % (path, old_mode, mode)
    return diff


def _write(module, path, data, mode):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        module.atomic_move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    os.chmod(path, mode)


def run(module):
    """The runbook_report module: check everything, render the three files, write those that differ."""
    params = module.params
    cluster = check_cluster(params["cluster"])
    mode = check_mode(params["mode"])
    results = check_results(params["results"])
    dest = os.path.abspath(params["dest"])
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise ValidationError("dest %s exists and is not a directory" % dest, path=dest)

    counts = totals(results)
    table = render_table(results)
    generated_at = params["generated_at"]
    rendered = (
        ("json", "%s.json" % cluster, render_json(cluster, results, counts, generated_at)),
        ("junit", "%s.junit.xml" % cluster, render_junit(cluster, results, generated_at)),
        ("markdown", "%s.md" % cluster, render_markdown(cluster, counts, table, generated_at)),
    )
    files, diffs, writes = {}, [], []
    for kind, name, text in rendered:
        path = os.path.join(dest, name)
        data = text.encode("utf-8")
        old, old_mode = _existing(path)
        files[kind] = path
        if old != data or old_mode != mode:
            writes.append((path, data, old != data))
            diffs.append(_diff(path, old, data, old_mode, mode))

    if writes and not module.check_mode:
        try:
            if not os.path.isdir(dest):
                os.makedirs(dest)
            for path, data, content_changed in writes:
                if content_changed:
                    _write(module, path, data, mode)
                else:
                    os.chmod(path, mode)
        except (IOError, OSError) as exc:
            raise OkeIstioError("Cannot write the report to %s: %s" % (dest, exc), path=dest)

    return dict(changed=bool(writes), files=files, totals=counts, markdown=table, diff=diffs)
