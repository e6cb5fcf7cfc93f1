# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.oke.istio.plugins.filter.probe_steps import probe_steps

REPORT = {"requests": 3, "status_counts": {"502": 3}, "passed": True,
          "expectations": [{"expectation": "status 502: share >= 100%", "passed": True}]}


def test_a_loop_gives_one_step_per_item_named_by_its_label():
    registered = {"changed": False, "results": [
        {"_ansible_item_label": "blocked: http://a.external.test/ -> 502", "skipped": False, "report": REPORT},
        {"_ansible_item_label": "timeout", "failed": True, "msg": "1 of 1 traffic expectation(s) failed: status 504",
         "report": dict(REPORT, passed=False)},
        {"_ansible_item_label": "sim", "skipped": True, "skip_reason": "every node is simulated (kwok)"},
        {"_ansible_item_label": "later", "skipped": True, "false_condition": "egress_verify"},
    ]}
    steps = probe_steps(registered, "egress")
    assert [(s["step"], s["status"]) for s in steps] == [
        ("blocked: http://a.external.test/ -> 502", "passed"), ("timeout", "failed"), ("sim", "skipped"),
        ("later", "not run")]
    assert steps[0]["checks"] == [REPORT] and steps[0]["area"] == "egress"
    assert steps[1]["reason"].startswith("1 of 1 traffic expectation(s) failed")
    assert steps[2]["reason"] == "every node is simulated (kwok)" and steps[2]["checks"] == []
    assert steps[3]["reason"] == "condition false: egress_verify"


def test_one_task_and_lists_of_registered_results():
    assert probe_steps({"changed": False, "skipped": False, "report": REPORT}, "security", "authorization") == [
        {"area": "security", "step": "authorization", "status": "passed", "reason": "", "checks": [REPORT]}]
    steps = probe_steps([{"report": REPORT}, None, {"results": [{"report": REPORT}]}], "security", "mtls")
    assert [s["step"] for s in steps] == ["mtls 1", "mtls 2"]
    assert probe_steps(None, "gateway") == [] and probe_steps({}, "gateway") == []
    labelled = {"results": [{"_ansible_item_label": "/productpage -> 200", "report": REPORT}]}
    assert probe_steps(labelled, "gateway", "check", "ingress: ")[0]["step"] == "ingress: /productpage -> 200"


def test_registered_loops_are_named_by_their_items():
    registered = {"results": [
        {"ansible_loop_var": "item", "item": {"path": "/not-exposed", "status": 404}, "report": REPORT},
        {"ansible_loop_var": "__check", "__check": {"name": "timeout", "url": "http://x/delay/5"}, "report": REPORT},
        {"ansible_loop_var": "item", "item": "plain", "report": REPORT},
        {"ansible_loop_var": "item", "item": {"url": "http://x/"}, "report": REPORT},
    ]}
    assert [s["step"] for s in probe_steps(registered, "gateway")] == ["/not-exposed -> 404", "timeout", "plain", "check 4"]


def test_the_area_is_required():
    with pytest.raises(AnsibleFilterError, match="area"):
        probe_steps({"report": REPORT}, "")
