# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Traffic proof, the options of mesh_probe (and of mesh_scenario's verify, and of the traffic steps' checks):
their argument spec, and the checks no argument spec can express."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlsplit

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh.durations import check_int, parse_duration
from ansible_collections.oke.istio.plugins.module_utils._mesh.probe_statistics import ERROR_CLASS

# mesh_probe's options; mesh_scenario's verify takes them too (verify_argument_spec), as do the traffic steps' checks.
ARGUMENT_SPEC = dict(
    namespace=dict(type="str", default="default"),
    client_selector=dict(type="str", required=True),
    container=dict(type="str"),
    url=dict(type="str", required=True),
    method=dict(type="str", default="GET"),
    headers=dict(type="dict", default={}),
    requests=dict(type="int", default=10),
    concurrency=dict(type="int", default=1),
    timeout=dict(type="float", default=30),
    classify=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        status=dict(type="int"),
        body_regex=dict(type="str"),
        header=dict(type="dict"),
    )),
    tool=dict(type="str", default="curl", choices=["curl", "fortio"]),
    login=dict(type="dict", options=dict(
        url=dict(type="str", required=True),
        form=dict(type="dict", default={}),
    )),
    expect=dict(type="list", elements="dict", default=[], options=dict(
        status=dict(type="int"),
        counter=dict(type="str", aliases=["inbound"]),
        share=dict(type="float"),
        tolerance=dict(type="float"),
        min_share=dict(type="float"),
        max_share=dict(type="float"),
        p50_latency_min=dict(type="raw"),
        p50_latency_max=dict(type="raw"),
        **{"class": dict(type="str")}
    )),
    count=dict(type="list", elements="dict", default=[], aliases=["count_inbound"], options=dict(
        name=dict(type="str", required=True),
        selector=dict(type="str"),
        namespace=dict(type="str"),
        source=dict(type="str", default="access_log", choices=["access_log", "stats"]),
        match=dict(type="str"),
    )),
    attempts=dict(type="int", default=1),
    attempt_delay=dict(type="float", default=3),
)


def _unsupported(params, spec, path):
    """The message for an option ``path`` (``("classify", "stat")``) the spec does not have: its value, and the
    options there are."""
    entries, options = [params], spec
    for part in path[:-1]:
        found = [entry.get(part) for entry in entries if isinstance(entry, dict)]
        entries = [item for value in found for item in (value if isinstance(value, list) else [value])]
        options = options[part].get("options") or {}
    values = [entry[path[-1]] for entry in entries if isinstance(entry, dict) and path[-1] in entry]
    return "%s = %r is not an option of mesh_probe (the options there: %s)" % (
        ".".join(path), values[0] if values else None, ", ".join(sorted(options)))


def validate(params, option, spec=None):
    """``params`` given as ``option`` (mesh_scenario's verify, a traffic step's check) checked against ``spec``
    (default: mesh_probe's) the way Ansible checks a module's own: the defaults filled in, or a ValidationError."""
    if not isinstance(params, dict):
        raise ValidationError("%s must be a mapping of mesh_probe options" % option, parameter=option)
    spec = spec or ARGUMENT_SPEC
    result = ArgumentSpecValidator(spec).validate(params)
    unsupported = [name if isinstance(name, tuple) else (name,) for name in result.unsupported_parameters]
    messages = [_unsupported(params, spec, path) for path in sorted(unsupported)]
    messages += [error.msg for error in result.errors if not isinstance(error, UnsupportedError)]
    if messages:
        raise ValidationError("%s: %s" % (option, "; ".join(messages)), parameter=option, problems=messages)
    return result.validated_parameters


def verify_argument_spec():
    """mesh_scenario's verify: the probe's options, its namespace by default the scenario's (so none here), and
    five attempts, because configuration takes seconds to reach every sidecar."""
    spec = dict((name, dict(option)) for name, option in ARGUMENT_SPEC.items())
    del spec["namespace"]["default"]
    spec["attempts"]["default"] = 5
    return spec


MAX_REQUESTS = 10000
MAX_CONCURRENCY = 64
EXPECT_KEYS = tuple(ARGUMENT_SPEC["expect"]["options"])


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
        name = rule["name"]
        if not name:
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

    url = params["url"]
    if not re.match(r"^https?://[^\s/]+", url):
        raise ValidationError("%s must be an http:// or https:// URL (got %r)" % (name("url"), url), parameter=name("url"))
    selector = params["client_selector"]
    if not selector.strip():
        raise ValidationError("%s must be a label selector such as app=sleep" % name("client_selector"),
                              parameter=name("client_selector"))
    method = str(params.get("method") or "GET").upper()
    if not re.match(r"^[A-Z]+$", method):
        raise ValidationError("%s must be an HTTP method (got %r)" % (name("method"), method), parameter=name("method"))
    headers = params.get("headers") or {}
    for header, value in headers.items():
        if not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", str(header)) or "\n" in str(value) or "\r" in str(value):
            raise ValidationError("%s has an invalid header %r" % (name("headers"), header), parameter=name("headers"))
    requests = check_int(10 if params.get("requests") is None else params["requests"], name("requests"), 1, MAX_REQUESTS)
    concurrency = check_int(1 if params.get("concurrency") is None else params["concurrency"], name("concurrency"),
                            1, MAX_CONCURRENCY)
    timeout = params.get("timeout")
    timeout = 30.0 if timeout is None else timeout
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
        if item["name"] in [c["name"] for c in checked]:
            raise ValidationError("%s.name repeats counter %s" % (where, item["name"]), parameter="%s.name" % where)
        source = item.get("source") or "access_log"
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
    if not re.match(r"^https?://[^\s/]+", str(login["url"])):
        raise ValidationError("%s.url must be an http:// or https:// URL (got %r)" % (where, login["url"]),
                              parameter="%s.url" % where)
    form = login.get("form") or {}
    return {"url": str(login["url"]), "form": dict((str(k), str(v)) for k, v in form.items())}
