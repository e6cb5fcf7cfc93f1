# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Check a list of traffic steps (mesh_scenario scenarios, mesh_probe checks) before any of them is applied.

Pure: the scenarios and checks are checked by the same functions mesh_scenario and mesh_probe use, so a step
that passes here is refused by neither module for its input. Nothing reads the cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh import probe_options, scenario_objects, scenarios

STEP_KEYS = ("name", "scenarios", "verify")
# A scenario of a step: mesh_scenario's options, except those the steps share (namespace, api_version, waits).
SCENARIO_KEYS = ("scenario", "service", "name", "api") + scenarios.SCENARIO_OPTIONS
# A check of a step: mesh_probe's options, except where the requests start (shared by the steps).
CHECK_SPEC = dict((name, option) for name, option in probe_options.ARGUMENT_SPEC.items()
                  if name not in ("namespace", "client_selector"))

_MISSING = object()
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _value_at(data, path):
    """The value at ``path`` (``expect[0].class``, ``weights.v1``) in ``data``, or _MISSING."""
    for key, index in _PATH_PART.findall(path):
        if index:
            if not isinstance(data, list) or int(index) >= len(data):
                return _MISSING
            data = data[int(index)]
        elif isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return _MISSING
    return data


def _fail(step, path, item, parameter, message):
    """The error of one step: its name, the option (from the step down) and the value given, then why."""
    option = ".".join(part for part in (path, parameter) if part)
    value = _value_at(item, parameter) if parameter else item
    shown = "" if value is _MISSING else " = %r" % (value,)
    raise ValidationError("step %s: %s%s: %s" % (step, option, shown, message), parameter="steps", step=step,
                          option=option)


def _unknown_keys(step, path, item, known):
    if not isinstance(item, dict):
        _fail(step, path, item, None, "must be a mapping")
    unknown = sorted(set(item) - set(known))
    if unknown:
        _fail(step, path, item, None, "unknown key(s) %s (known: %s)" % (", ".join(unknown), ", ".join(known)))


def _scenario(step, path, entry, namespace, api_version, services):
    _unknown_keys(step, path, entry, SCENARIO_KEYS)
    params = dict(entry, namespace=namespace, api_version=api_version)
    spec = scenarios.SCENARIOS.get(entry.get("scenario"))
    if (spec and "subsets" in spec["uses"] and entry.get("subsets") is None
            and isinstance(entry.get("service"), str) and entry["service"] in services):
        params["subsets"] = services[entry["service"]]
    try:
        checked = scenarios.validate(params)
    except ValidationError as exc:
        _fail(step, path, entry, exc.details.get("parameter"), exc.msg)
    return [(kind, name) for _api_version, kind, name in scenario_objects.removal_refs(checked)]


def _check(step, path, check, namespace, client_selector, attempts):
    if not isinstance(check, dict):
        _fail(step, path, check, None, "must be a mapping of mesh_probe options")
    try:
        params = probe_options.validate(dict(check, attempts=check.get("attempts", attempts)), path, CHECK_SPEC)
    except ValidationError as exc:
        # The argument spec's own words name the option and the value.
        raise ValidationError("step %s: %s: %s" % (step, path, "; ".join(exc.details["problems"])), parameter="steps",
                              step=step, option=path)
    try:
        probe_options.check_options(dict(params, namespace=namespace, client_selector=client_selector))
    except ValidationError as exc:
        _fail(step, path, check, exc.details.get("parameter"), exc.msg)


def check_steps(steps, namespace="default", api_version=scenarios.ISTIO_API_VERSIONS[0], services=None,
                client_selector=None, attempts=1):
    """Check every step; raise ValidationError on the first bad one, or return the names of the steps."""
    services = services or {}
    names = []
    for index, step in enumerate(steps):
        name = step.get("name") if isinstance(step, dict) else None
        label = name if isinstance(name, str) and name else "#%d" % index
        _unknown_keys(label, "steps[%d]" % index, step, STEP_KEYS)
        if not isinstance(name, str) or not name:
            _fail(label, "", step, "name", "every step needs a name")
        if name in names:
            _fail(label, "", step, "name", "repeats the name of an earlier step")
        names.append(name)
        entries = step.get("scenarios")
        if not isinstance(entries, list) or not entries:
            _fail(label, "", step, "scenarios", "must be a non-empty list of mesh_scenario options")
        written = {}
        for position, entry in enumerate(entries):
            path = "scenarios[%d]" % position
            for ref in _scenario(label, path, entry, namespace, api_version, services):
                if ref in written:
                    # Applied one after the other, the second would undo the first.
                    _fail(label, path, entry, None, "writes %s %s, as %s does" % (ref[0], ref[1], written[ref]))
                written[ref] = path
        checks = step.get("verify") or []
        if not isinstance(checks, list):
            _fail(label, "", step, "verify", "must be a list of mesh_probe options")
        for position, check in enumerate(checks):
            _check(label, "verify[%d]" % position, check, namespace, client_selector, attempts)
    return names


def run(module):
    params = module.params
    names = check_steps(params["steps"], namespace=params["namespace"], api_version=params["api_version"],
                        services=params["services"], client_selector=params["client_selector"],
                        attempts=params["attempts"])
    return {"changed": False, "steps": names}
