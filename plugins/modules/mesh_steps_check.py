#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mesh_steps_check
short_description: Check a list of traffic steps (scenarios and traffic checks) before any of them is applied
version_added: 0.2.0
description:
  - Checks every step of O(steps) with the same checks as M(oke.istio.mesh_scenario) (each scenario) and
    M(oke.istio.mesh_probe) (each traffic check). A list of steps is applied one step after the other, so a bad
    later step would otherwise be found only after the first steps changed the cluster.
  - Fails on the first bad input with the step's name, the option (from the step down, such as
    C(scenarios[0].weights) or C(verify[1].expect[0].class)) and the value given.
  - Also refuses keys a step, scenario or check does not know, and two scenarios of one step that write the same
    object (applied one after the other, the second would undo the first).
  - Reads no cluster and needs no cluster options. What only the cluster can tell (the Service exists, has the
    port, the subsets select pods) is checked by M(oke.istio.mesh_scenario) when it applies the scenario.
  - The C(traffic) role runs it on C(traffic_steps) before it applies anything.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.attributes
  - oke.istio.attributes.READ_ONLY
options:
  steps:
    description:
      - The steps, each a mapping with C(name) (unique), C(scenarios) and optionally C(verify).
      - C(scenarios) is a non-empty list of M(oke.istio.mesh_scenario) options (without C(namespace),
        C(api_version) and the wait options, which the steps share).
      - C(verify) is a list of M(oke.istio.mesh_probe) options (without C(namespace) and C(client_selector), which
        the steps share).
    type: list
    elements: dict
    required: true
  namespace:
    description: Namespace of the scenarios and of the traffic checks' client.
    type: str
    default: default
  api_version:
    description: API version of the Istio objects, as the O(oke.istio.mesh_scenario#module:api_version) option.
    type: str
    choices: [networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3]
    default: networking.istio.io/v1
  services:
    description: Subsets per Service name; a scenario that uses subsets and sets none gets its Service's.
    type: dict
    default: {}
  client_selector:
    description: Label selector of the client pod the checks send requests from; needed when a step has checks.
    type: str
  attempts:
    description: Attempts of a check that sets none.
    type: int
    default: 1
seealso:
  - module: oke.istio.mesh_scenario
  - module: oke.istio.mesh_probe
"""

EXAMPLES = r"""
- name: Check every step before the first is applied
  oke.istio.mesh_steps_check:
    namespace: bookinfo
    services: {reviews: [v1, v2, v3]}
    client_selector: app=traffic-client
    steps:
      - name: shift-50-50
        scenarios:
          - {scenario: weighted, service: reviews, weights: {v1: 50, v3: 50}}
        verify:
          - url: http://reviews:9080/reviews/0
            requests: 100
            classify:
              - {name: v3, status: 200, body_regex: '"color": ?"red"'}
              - {name: v1, status: 200}
            expect:
              - {class: v3, share: 0.5, tolerance: 0.15}
"""

RETURN = r"""
steps:
  description: The names of the steps checked, in order.
  returned: success
  type: list
  elements: str
  sample: [route-all-v1, shift-50-50]
step:
  description: The name of the bad step (C(#<index>) when it has none).
  returned: failure
  type: str
  sample: shift-50-50
option:
  description: The bad option, from the step down.
  returned: failure
  type: str
  sample: scenarios[0].weights
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._mesh import scenarios, steps


def main():
    argument_spec = dict(
        steps=dict(type="list", elements="dict", required=True),
        namespace=dict(type="str", default="default"),
        api_version=dict(type="str", default=scenarios.ISTIO_API_VERSIONS[0], choices=list(scenarios.ISTIO_API_VERSIONS)),
        services=dict(type="dict", default={}),
        client_selector=dict(type="str"),
        attempts=dict(type="int", default=1),
    )
    OkeIstioModule(argument_spec=argument_spec, needs_cluster=False).run(steps.run)


if __name__ == "__main__":
    main()
