# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: role_result
short_description: The result a role publishes - whether it changed the cluster, and what it verified
version_added: 0.3.0
description:
  - Every role of the collection ends by publishing one fact, C(<role>_result), built with this filter; the per-cluster
    summary of C(playbooks/site.yml) reads only those facts.
  - C(changed) is true when any registered result of the run reports a change (a loop counts when one of its items
    does). Values that are not registered results are ignored.
  - C(verification) is O(verification) as given, else the outcome of the registered M(oke.istio.mesh_probe) results in
    O(probes) - C(not run) when none ran, C(failed) or C(skipped) with the first reason, else C(passed) with the number
    of checks - else absent.
positional: state
options:
  _input:
    description: The values the role registered in this run (typically every variable named C(__<role>_*)).
    type: list
    elements: raw
    required: true
  state:
    description: The state the role was asked for, for example C(present) or C(absent).
    type: str
    required: true
  probes:
    description:
      - Registered M(oke.istio.mesh_probe) results (one task, a loop, or a list of them) that verify the role, or a
        mapping of names to such results, to publish each check's runs under its name.
      - Probes whose condition was false count as not run.
    type: raw
  verification:
    description: A verification the role made itself, published as it is.
    type: raw
"""

EXAMPLES = r"""
- name: Publish the role's result
  ansible.builtin.set_fact:
    gateway_result: >-
      {{ query('ansible.builtin.vars', *query('ansible.builtin.varnames', '^__gateway_'))
         | oke.istio.role_result(gateway_state, probes=[__gateway_verify | default({})]) }}
"""

RETURN = r"""
_value:
  description:
    - C(state), C(changed) and, when the role verifies anything, C(verification).
    - With O(probes), also C(probes) - each probe run as registered (with its C(report)), in a list or, when
      O(probes) is a mapping, under each name; for reports such as the filter P(oke.istio.probe_steps#filter) makes.
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.oke.istio.plugins.module_utils._probe_records import probe_runs, run_outcome


def _changed(value):
    if not isinstance(value, Mapping):
        return False
    if "changed" in value:
        return bool(value["changed"])
    return any(_changed(item) for item in value.get("results") or [] if isinstance(value.get("results"), list))


def probe_verification(probes):
    """One verdict for a role's probes: the first failure, else the first skip, else passed with the count."""
    outcomes = [run_outcome(run) for run in probe_runs(probes)]
    outcomes = [outcome for outcome in outcomes if outcome[0] != "not run"]
    if not outcomes:
        return {"status": "not run"}
    for status in ("failed", "skipped"):
        reasons = [reason for found, reason in outcomes if found == status]
        if reasons:
            return {"status": status, "reason": reasons[0]}
    return {"status": "passed", "checks": len(outcomes)}


def role_result(registered, state, probes=None, verification=None):
    if not isinstance(registered, (list, tuple)):
        raise AnsibleFilterError("role_result needs the list of registered values, got %s" % type(registered).__name__)
    if not isinstance(state, str) or not state:
        raise AnsibleFilterError("role_result needs the state as a non-empty string, got %r" % (state,))
    result = {"state": state, "changed": any(_changed(value) for value in registered)}
    if verification is not None:
        result["verification"] = verification
    elif probes is not None:
        result["verification"] = probe_verification(list(probes.values()) if isinstance(probes, Mapping) else probes)
    if isinstance(probes, Mapping):
        result["probes"] = dict((name, list(probe_runs(registered))) for name, registered in probes.items())
    elif probes is not None:
        result["probes"] = list(probe_runs(probes))
    return result


class FilterModule(object):
    def filters(self):
        return {"role_result": role_result}
