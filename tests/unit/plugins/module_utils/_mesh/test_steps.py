# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every step of a list is checked before the first is applied; a bad one is named with its option and value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh import steps

CHECK = {"url": "http://reviews:9080/reviews/0", "classify": [{"name": "v1", "status": 200}],
         "expect": [{"class": "v1", "min_share": 1.0}]}
STEPS = [
    {"name": "route-all-v1", "scenarios": [{"scenario": "route_all", "service": "reviews", "subset": "v1"}],
     "verify": [dict(CHECK)]},
    {"name": "shift-50-50", "scenarios": [{"scenario": "weighted", "service": "reviews", "weights": {"v1": 50, "v3": 50}}],
     "verify": [dict(CHECK)]},
]
OPTIONS = dict(namespace="bookinfo", services={"reviews": ["v1", "v2", "v3"]}, client_selector="app=traffic-client")


def check(step_list):
    return steps.check_steps(step_list, **OPTIONS)


def later_step(**changes):
    """The steps, the last one changed by ``changes`` (path -> value)."""
    step_list = copy.deepcopy(STEPS)
    for path, value in changes.items():
        target = step_list[-1]
        keys = path.split("/")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[keys[-1]] = value
    return step_list


def test_good_steps_pass():
    assert check(STEPS) == ["route-all-v1", "shift-50-50"]


@pytest.mark.parametrize("step_list, message", [
    (later_step(**{"scenarios/0/weights": {"v1": 50, "v3": 40}}),
     "step shift-50-50: scenarios[0].weights = {'v1': 50, 'v3': 40}: weights must sum to 100 (got 90: v1=50, v3=40)"),
    (later_step(**{"scenarios/0/scenario": "teleport"}),
     "step shift-50-50: scenarios[0].scenario = 'teleport': scenario must be one of"),
    (later_step(**{"scenarios/0/weights": {"v1": 50, "v4": 50}}),
     "step shift-50-50: scenarios[0].weights = {'v1': 50, 'v4': 50}: weights names subset 'v4'"),
    (later_step(**{"scenarios/0/weigths": {"v3": 100}}),
     "step shift-50-50: scenarios[0] = {"),
    (later_step(**{"verify/0/requests": 0}),
     "step shift-50-50: verify[0].requests = 0: requests must be"),
    (later_step(**{"verify/0/tool": "wrk"}),
     "step shift-50-50: verify[0]: value of tool must be one of: curl, fortio, got: wrk"),
    (later_step(**{"verify/0/expect": [{"class": "v9", "min_share": 1}]}),
     "step shift-50-50: verify[0].expect[0].class = 'v9': "),
    (later_step(**{"verify/0/login": {"url": "productpage/login"}}),
     "step shift-50-50: verify[0].login.url = 'productpage/login': login.url must be an http:// or https:// URL"),
    (later_step(**{"verify/0/namespace": "other"}),
     "step shift-50-50: verify[0]: namespace = 'other' is not an option of mesh_probe"),
    (later_step(**{"scenarios": [{"scenario": "route_all", "service": "reviews", "subset": "v1"},
                                 {"scenario": "timeout", "service": "reviews", "subset": "v1", "timeout": "1s"}]}),
     "step shift-50-50: scenarios[1] = {"),
    (later_step(name="route-all-v1"), "step route-all-v1: name = 'route-all-v1': repeats the name of an earlier step"),
    (later_step(scenarios=[]), "step shift-50-50: scenarios = []: must be a non-empty list"),
], ids=["weights-sum", "unknown-scenario", "unknown-subset", "unknown-scenario-key", "verify-requests", "verify-tool",
        "verify-expect-class", "verify-login", "verify-unknown-key", "one-object-twice", "repeated-name",
        "no-scenarios"])
def test_a_bad_later_step_is_named_with_its_option_and_value(step_list, message):
    with pytest.raises(ValidationError) as raised:
        check(step_list)
    assert raised.value.msg.startswith(message), raised.value.msg
    assert raised.value.details["step"] == step_list[-1]["name"]


def test_unknown_keys_and_a_shared_object_are_explained():
    with pytest.raises(ValidationError) as raised:
        check(later_step(**{"scenarios/0/weigths": {"v3": 100}}))
    assert "unknown key(s) weigths" in raised.value.msg
    with pytest.raises(ValidationError) as raised:
        check(later_step(scenarios=[{"scenario": "route_all", "service": "reviews", "subset": "v1"},
                                    {"scenario": "timeout", "service": "reviews", "subset": "v1", "timeout": "1s"}]))
    assert "writes DestinationRule reviews, as scenarios[0] does" in raised.value.msg


def test_subsets_come_from_the_services_unless_the_scenario_sets_them():
    step_list = later_step(**{"scenarios/0/subsets": ["v1", "v3"]})
    assert check(step_list)
    with pytest.raises(ValidationError) as raised:
        steps.check_steps(STEPS, namespace="bookinfo", client_selector="app=traffic-client")
    assert "scenarios[0].subsets" in raised.value.msg or "scenarios[0].subset" in raised.value.msg
