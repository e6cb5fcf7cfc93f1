# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.oke.istio.plugins.filter.role_result import role_result

UNCHANGED = {"changed": False, "result": {}}
SKIPPED_PROBE = {"changed": False, "skipped": True, "skip_reason": "every node is simulated (kwok)"}


@pytest.mark.parametrize("registered, changed", [
    ([], False),
    ([UNCHANGED, {"changed": False, "skipped": True}], False),
    ([UNCHANGED, {"changed": True}], True),
    ([{"results": [{"changed": False}, {"changed": True}]}], True),  # a loop changes when one item does
    ([{"changed": False, "results": [{"changed": True}]}], False),  # Ansible's own verdict on the loop wins
    (["a fact", ["a", "list"], {"name": "a dict fact"}, None, 3], False),  # facts are not results
])
def test_changed_is_any_registered_change(registered, changed):
    assert role_result(registered, "present")["changed"] is changed


def test_an_absent_run_says_what_it_removed():
    assert role_result([{"changed": True, "result": {"deleted": ["Gateway bookinfo/x"]}}], "absent") == {
        "state": "absent", "changed": True}


@pytest.mark.parametrize("probes, verification", [
    (None, None),
    ([], {"status": "not run"}),
    ([{}], {"status": "not run"}),  # the task was never reached
    ([{"changed": False, "skipped": True, "false_condition": "gateway_verify"}], {"status": "not run"}),
    ([SKIPPED_PROBE], {"status": "skipped", "reason": "every node is simulated (kwok)"}),
    ([{"results": [{"changed": False}, {"changed": False}]}, {"changed": False}], {"status": "passed", "checks": 3}),
    ([{"results": [{"changed": False}, {"failed": True, "msg": "status 504"}]}, SKIPPED_PROBE],
     {"status": "failed", "reason": "status 504"}),
])
def test_verification_from_probes(probes, verification):
    result = role_result([], "present", probes=probes)
    assert result.get("verification") == verification


def test_a_verification_of_the_roles_own_is_published_as_it_is():
    own = [{"step": "route-to-v1", "status": "passed", "reason": ""}]
    assert role_result([], "present", probes=[SKIPPED_PROBE], verification=own)["verification"] == own


@pytest.mark.parametrize("registered, state, message", [
    ("not a list", "present", "list of registered values, got str"),
    ([], "", "state as a non-empty string, got ''"),
    ([], None, "state as a non-empty string, got None"),
])
def test_bad_arguments_are_named(registered, state, message):
    with pytest.raises(AnsibleFilterError, match=message):
        role_result(registered, state)


def test_the_probe_runs_are_published_for_reports():
    ran = {"changed": False, "report": {"requests": 5}, "_ansible_item_label": "/productpage -> 200"}
    not_run = {"skipped": True, "false_condition": "x"}
    assert role_result([], "present", probes=[{"results": [ran, not_run]}, {}])["probes"] == [ran, not_run]
    assert "probes" not in role_result([], "present")


def test_named_probes_are_published_by_name_and_judged_together():
    mtls = {"changed": False, "report": {"requests": 5}}
    result = role_result([], "present", probes={"mtls": mtls, "authorization": {"skipped": True, "false_condition": "x"}})
    assert result["probes"] == {"mtls": [mtls], "authorization": [{"skipped": True, "false_condition": "x"}]}
    assert result["verification"] == {"status": "passed", "checks": 1}
