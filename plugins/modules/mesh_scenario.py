#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mesh_scenario
short_description: Apply a named Istio traffic-management scenario and optionally prove it with traffic
version_added: 0.1.0
description:
  - A catalogue of parameterised traffic scenarios for any Service, its subsets and namespace, covering request
    routing, weighted shifts, header-based routing, URI rewrites behind a gateway, request timeouts, fault injection
    (delay and abort), circuit breaking and mirroring.
  - Renders Istio C(DestinationRule) and C(VirtualService) objects (O(api=istio)), or, where the Kubernetes Gateway
    API can express the scenario, an C(HTTPRoute) bound to the Service with one backend Service per subset
    (O(api=gateway_api)).
  - Every object of the scenario is validated by the API server in a dry run before any is written; one rejected
    object means nothing changes. Applied with server-side apply, so fields set by others are left alone.
  - A change is reported only when the server's dry-run result differs from the live object, so defaults filled in
    by the API server or Istio never count as changes.
  - With O(verify), sends traffic from a pod in the mesh after applying and judges the responses (see
    M(oke.istio.mesh_probe)); the task fails when an expectation fails. On simulated nodes the verification is
    reported as skipped with the reason, never as passed.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.k8s_auth.WAIT
  - oke.istio.attributes
  - oke.istio.attributes.ACTION_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Validates the scenario with the API server (dry run) and reports what would change; sends no traffic.
  diff_mode:
    support: full
    details:
      - One diff per object, without server bookkeeping (managedFields, resourceVersion, status).
  idempotent:
    support: full
    details:
      - O(verify) sends requests on every run; they change nothing in the cluster's configuration.
options:
  scenario:
    description:
      - V(subsets) defines a subset per version (DestinationRule).
      - V(route_all) sends every request to O(subset).
      - V(weighted) splits traffic between subsets by O(weights).
      - V(header_route) sends requests matching O(match) to O(match_subset), the rest to O(subset).
      - V(rewrite) rewrites URIs starting with one of O(uri_prefixes) to O(rewrite_uri) on O(gateways) and routes them
        to the Service.
      - V(timeout) sets a request timeout on the route to O(subset).
      - V(delay) and V(abort) inject a fixed delay or an HTTP abort for O(percentage) of the requests (those matching
        O(match), if set).
      - V(circuit_breaker) sets connection pool limits and outlier detection on the DestinationRule (and, with
        O(subset), routes every request to that subset).
      - V(mirror) routes everything to O(subset) and mirrors O(mirror_percentage) of it to O(mirror_subset).
    type: str
    required: true
    choices: [subsets, route_all, weighted, header_route, rewrite, timeout, delay, abort, circuit_breaker, mirror]
  namespace:
    description: Namespace of the scenario's objects (and of the Service, unless O(service) names another).
    type: str
    default: default
  service:
    description:
      - The Service (the Istio host) the scenario is about, as C(name), C(name.namespace) or
        C(name.namespace.svc.cluster.local).
      - It must exist when O(state=present).
      - Called C(service) because O(host) is the API server's address, as in every module of the collection.
    type: str
    required: true
  name:
    description:
      - Name of the objects. Defaults to the Service's name (C(<service>-rewrite) for O(scenario=rewrite)).
    type: str
  api:
    description:
      - V(istio) renders Istio networking objects; V(gateway_api) renders Kubernetes Gateway API objects for the
        scenarios it can express (C(subsets), C(route_all), C(weighted), C(header_route), C(rewrite), C(timeout),
        C(mirror)).
      - With V(gateway_api) each subset becomes a Service C(<service>-<subset>) selecting the Service's pods with
        the subset's labels, and timeouts are written in the Gateway API's duration format (C(0.5s) becomes C(500ms)).
    type: str
    choices: [istio, gateway_api]
    default: istio
  api_version:
    description: API version of the Istio objects; older meshes may need V(networking.istio.io/v1beta1).
    type: str
    choices: [networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3]
    default: networking.istio.io/v1
  subsets:
    description:
      - The subsets, each a name (labels C(version=<name>)) or a mapping with C(name) and C(labels).
      - Every subset another option names must be listed here.
      - When the Service has pods, a subset whose labels select none of them is warned about (its routes would have
        no endpoints); it is still applied, since its pods may not be deployed yet.
    type: list
    elements: raw
  subset:
    description: The subset that receives the traffic (the default route with O(match)); optional for V(circuit_breaker).
    type: str
  weights:
    description: Integer weight per subset name; the weights must sum to 100.
    type: dict
  match:
    description:
      - 'A request header match: C(header) (name), C(value) and C(type): V(exact) (default), V(prefix) or V(regex).'
      - The Gateway API has no prefix match on headers.
    type: dict
  match_subset:
    description: The subset that receives the requests matching O(match).
    type: str
  uri_prefixes:
    description: URI prefixes to rewrite (for example C(/products) and C(/bookinfoproductpage)).
    type: list
    elements: str
  rewrite_uri:
    description: What the matched prefix is replaced with (for example C(/productpage)).
    type: str
  gateways:
    description:
      - Gateways (C(name) or C(namespace/name)) the rewrite applies on; Istio Gateways with O(api=istio), Gateway API
        Gateways with O(api=gateway_api). They must exist.
    type: list
    elements: str
  hosts:
    description: Host names the rewrite applies to on the gateways.
    type: list
    elements: str
  port:
    description:
      - Port of the Service to route to; defaults to its only (or, for the Gateway API, first) port.
      - It must be one of the Service's ports; the task fails before anything is applied when it is not.
    type: int
  timeout:
    description: Request timeout as a duration, such as C(0.5s) or C(3s).
    type: str
  delay:
    description: Fixed delay to inject, such as C(7s).
    type: str
  abort_status:
    description: HTTP status returned by an injected abort.
    type: int
  percentage:
    description: Percentage (0-100, fractions allowed) of requests that get the fault; defaults to 100.
    type: float
  circuit_breaker:
    description:
      - Connection pool limits and outlier detection. Keys C(max_connections), C(connect_timeout),
        C(http1_max_pending_requests), C(http2_max_requests), C(max_requests_per_connection), C(max_retries),
        C(consecutive_5xx_errors), C(consecutive_gateway_errors), C(interval), C(base_ejection_time),
        C(max_ejection_percent).
    type: dict
  mirror_subset:
    description: The subset that receives the mirrored copies.
    type: str
  mirror_percentage:
    description: Percentage of requests mirrored; defaults to 100.
    type: float
  purge:
    description:
      - Also delete other VirtualServices and DestinationRules (HTTPRoutes with O(api=gateway_api)) in O(namespace)
        that route the same Service inside the mesh, so that only the scenario decides.
    type: bool
    default: false
  state:
    description:
      - V(present) applies the scenario; V(absent) deletes exactly the objects it renders.
      - V(absent) leaves alone a same-named object that carries no C(mesh.oke.istio/scenario) label, because
        mesh_scenario did not create it.
    type: str
    choices: [present, absent]
    default: present
  verify:
    description:
      - Prove the scenario with traffic after applying it, with the options of M(oke.istio.mesh_probe) (C(namespace)
        defaults to O(namespace), C(attempts) to 5, because configuration takes seconds to reach every sidecar).
      - Needs a real data plane (kind, OKE); on simulated nodes the result says skipped and why.
    type: dict
notes:
  - Only O(state=present) validates the service and gateways; O(state=absent) deletes what the scenario would render
    even when the Service is gone. It needs only O(scenario), O(service), O(name) and O(api) (and, with
    O(api=gateway_api), O(subsets), which name the backend Services; for V(circuit_breaker), O(subset) if it was set).
  - O(verify) needs a real data plane; this is the path used on kind and OKE clusters. On the local simulated control
    plane it is reported as skipped.
seealso:
  - module: oke.istio.mesh_probe
  - module: oke.istio.resource_set
"""

EXAMPLES = r"""
- name: Route every request for reviews to v1
  oke.istio.mesh_scenario:
    scenario: route_all
    namespace: bookinfo
    service: reviews
    subsets: [v1, v2, v3]
    subset: v1

- name: Send half of the traffic to v3 and check the split
  oke.istio.mesh_scenario:
    scenario: weighted
    namespace: bookinfo
    service: reviews
    subsets: [v1, v2, v3]
    weights: {v1: 50, v3: 50}
    verify:
      client_selector: app=ratings
      url: http://productpage:9080/productpage
      requests: 100
      classify:
        - {name: v3, body_regex: 'color="red"'}
        - {name: v2, body_regex: 'color="black"'}
        - {name: v1, status: 200}
      expect:
        - {class: v3, share: 0.5, tolerance: 0.1}
        - {class: v1, share: 0.5, tolerance: 0.1}

- name: Send jason to v2, everyone else to v1, as a Gateway API HTTPRoute
  oke.istio.mesh_scenario:
    scenario: header_route
    api: gateway_api
    namespace: bookinfo
    service: reviews
    subsets: [v1, v2]
    subset: v1
    match: {header: end-user, value: jason}
    match_subset: v2

- name: Circuit breaker on productpage
  oke.istio.mesh_scenario:
    scenario: circuit_breaker
    namespace: bookinfo
    service: productpage
    subsets: [v1]
    circuit_breaker:
      max_connections: 1
      http1_max_pending_requests: 1
      max_requests_per_connection: 1
      consecutive_5xx_errors: 1
      interval: 1s
      base_ejection_time: 3m
      max_ejection_percent: 100

- name: Remove the scenario again
  oke.istio.mesh_scenario:
    scenario: circuit_breaker
    namespace: bookinfo
    service: productpage
    state: absent
"""

RETURN = r"""
scenario:
  description: The scenario applied.
  returned: always
  type: str
  sample: weighted
api:
  description: The API the objects were rendered for.
  returned: always
  type: str
  sample: istio
resources:
  description: Every object with the action taken (create, update, delete or none).
  returned: always
  type: list
  elements: dict
  sample: [{"api_version": "networking.istio.io/v1", "kind": "VirtualService", "namespace": "bookinfo",
            "name": "reviews", "action": "update"}]
manifests:
  description: The objects the scenario rendered.
  returned: when O(state=present)
  type: list
  elements: dict
verification:
  description: The traffic proof; see the C(report) of M(oke.istio.mesh_probe).
  returned: when O(verify) is set and O(state=present)
  type: dict
  contains:
    skipped:
      description: Whether no traffic was sent (simulated nodes, check mode).
      type: bool
    skip_reason:
      description: Why no traffic was sent.
      type: str
    report:
      description: Counts, shares, latency percentiles and the verdict of every expectation.
      type: dict
    attempts:
      description: Rounds of requests sent until every expectation held (or attempts ran out).
      type: int
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._argspec import WAIT_ARG_SPEC
from ansible_collections.oke.istio.plugins.module_utils._mesh import runner


def main():
    argument_spec = dict(
        scenario=dict(type="str", required=True, choices=["subsets", "route_all", "weighted", "header_route", "rewrite",
                                                          "timeout", "delay", "abort", "circuit_breaker", "mirror"]),
        namespace=dict(type="str", default="default"),
        service=dict(type="str", required=True),
        name=dict(type="str"),
        api=dict(type="str", default="istio", choices=["istio", "gateway_api"]),
        api_version=dict(type="str", default="networking.istio.io/v1",
                         choices=["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]),
        subsets=dict(type="list", elements="raw"),
        subset=dict(type="str"),
        weights=dict(type="dict"),
        match=dict(type="dict"),
        match_subset=dict(type="str"),
        uri_prefixes=dict(type="list", elements="str"),
        rewrite_uri=dict(type="str"),
        gateways=dict(type="list", elements="str"),
        hosts=dict(type="list", elements="str"),
        port=dict(type="int"),
        timeout=dict(type="str"),
        delay=dict(type="str"),
        abort_status=dict(type="int"),
        percentage=dict(type="float"),
        circuit_breaker=dict(type="dict"),
        mirror_subset=dict(type="str"),
        mirror_percentage=dict(type="float"),
        purge=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        verify=dict(type="dict"),
    )
    argument_spec.update(WAIT_ARG_SPEC)
    OkeIstioModule(argument_spec=argument_spec).run(runner.run_scenario)


if __name__ == "__main__":
    main()
