# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: probe_steps
short_description: Steps of the runbook report from a registered mesh_probe result
version_added: 0.2.0
description:
  - Turns what a M(oke.istio.mesh_probe) task registered (one task, or a loop) into the step records
    M(oke.istio.runbook_report) writes - one per request check, each C(passed), C(failed), C(skipped) (with the
    reason, for example simulated nodes) or C(not run) (its condition was false).
  - A step is named by its loop item (its C(name), or its C(path) and C(status)), else by O(step) with the item's
    position.
positional: area, step, prefix
options:
  _input:
    description: The registered result (with C(results) for a loop); a list of them is read in order.
    type: raw
    required: true
  area:
    description: The runbook area the checks belong to, for example C(egress).
    type: str
    required: true
  step:
    description: Name of the step when the result carries no loop label.
    type: str
    default: check
  prefix:
    description: Text put before every step name, for example the front door a gateway check ran behind.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Record the egress checks
  ansible.builtin.set_fact:
    runbook_results: "{{ runbook_results + (egress_result.probes | oke.istio.probe_steps('egress')) }}"
"""

RETURN = r"""
_value:
  description: Step records - C(area), C(step), C(status), C(reason), C(checks) (the probe reports).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.oke.istio.plugins.module_utils._probe_records import probe_runs, run_outcome


def _label(run):
    """What the loop item was: its name, a path and the status expected of it, or the item itself."""
    label = run.get("_ansible_item_label")
    if label not in (None, ""):
        return to_text(label)
    item = run.get(run.get("ansible_loop_var") or "item")
    if isinstance(item, dict):
        if item.get("name"):
            return to_text(item["name"])
        if item.get("path") is not None and item.get("status") is not None:
            return "%s -> %s" % (to_text(item["path"]), to_text(item["status"]))
        return None
    return to_text(item) if item not in (None, "") else None


def _step(run, area, step, index, prefix):
    label = _label(run)
    name = label if label else step if index is None else "%s %d" % (step, index + 1)
    status, reason = run_outcome(run)
    record = {"area": area, "step": prefix + name, "status": status, "reason": reason, "checks": []}
    if isinstance(run.get("report"), dict):
        record["checks"] = [run["report"]]
    return record


def probe_steps(registered, area, step="check", prefix=""):
    if not isinstance(area, str) or not area:
        raise AnsibleFilterError("probe_steps needs the area as a non-empty string, got %r" % (area,))
    runs = list(probe_runs(registered))
    single = len(runs) == 1
    return [_step(run, area, step, None if single else index, to_text(prefix)) for index, run in enumerate(runs)]


class FilterModule(object):
    def filters(self):
        return {"probe_steps": probe_steps}
