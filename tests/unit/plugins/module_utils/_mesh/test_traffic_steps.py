# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The traffic role's default steps are valid mesh_scenario and mesh_probe input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.oke.istio.plugins.module_utils._mesh import steps

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "roles", "traffic")


def _defaults():
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    # The only templates in the steps are the role's own scalar variables.
    text = yaml.safe_dump(defaults["traffic_steps"])
    for name in ("traffic_gateway", "traffic_ingress_url"):
        text = text.replace("'{{ %s }}'" % name, str(defaults[name])).replace("{{ %s }}" % name, str(defaults[name]))
    return defaults, yaml.safe_load(text)


DEFAULTS, STEPS = _defaults()


def test_the_runbook_sequence_is_covered():
    names = [s["name"] for s in STEPS]
    assert names == ["route-all-v1", "shift-50-50", "shift-100-v3", "user-routing", "uri-rewrite", "request-timeout",
                     "delay-fault-bug", "delay-fault-fixed", "abort-fault", "circuit-breaker", "mirroring"]
    used = set(s["scenario"] for step in STEPS for s in step["scenarios"])
    assert used == set(["route_all", "weighted", "header_route", "rewrite", "timeout", "delay", "abort",
                        "circuit_breaker", "mirror"])
    assert all(step.get("verify") for step in STEPS)


def test_every_step_is_valid_input():
    """The role's defaults pass the check the role runs before its first step (mesh_steps_check)."""
    names = steps.check_steps(STEPS, namespace=DEFAULTS["traffic_namespace"], api_version=DEFAULTS["traffic_api_version"],
                              services=DEFAULTS["traffic_services"], client_selector=DEFAULTS["traffic_client_selector"],
                              attempts=DEFAULTS["traffic_verify_attempts"])
    assert names == [s["name"] for s in STEPS]


def test_defaults_and_argument_specs_declare_the_same_names():
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        specs = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    assert sorted(specs) == sorted(DEFAULTS)
    for name, spec in specs.items():
        if "default" in spec:
            assert spec["default"] == DEFAULTS[name], name
