# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading what Ansible registered for mesh_probe tasks: one run per task or loop item, and its outcome."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text


def probe_runs(registered):
    """Each run in a registered result (a loop's items in order); a list of registered results is read in order."""
    if isinstance(registered, (list, tuple)):
        for item in registered:
            yield from probe_runs(item)
        return
    if not isinstance(registered, dict) or not registered:
        return
    if isinstance(registered.get("results"), list):
        yield from (run for run in registered["results"] if isinstance(run, dict))
        return
    yield registered


def run_outcome(run):
    """(status, reason) of one run: not run (its condition was false), failed, skipped or passed."""
    if run.get("false_condition") is not None:
        return "not run", "condition false: %s" % to_text(run["false_condition"])
    if run.get("failed"):
        return "failed", to_text(run.get("msg") or "failed without a message")
    if run.get("skipped"):
        return "skipped", to_text(run.get("skip_reason") or "skipped")
    return "passed", ""
