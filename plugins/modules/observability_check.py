#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: observability_check
short_description: Check that Prometheus, Jaeger, Zipkin and Kiali saw an application's traffic
version_added: 0.1.0
description:
  - Queries each tool's API through the Kubernetes API server's service proxy (no port-forward needed) and checks
    that it saw traffic of O(app) in O(app_namespace) within O(lookback) seconds.
  - C(prometheus) with Istio's proxies must count C(istio_requests_total) for it; with upstream Envoy
    (O(proxy=upstream)) Envoy's own C(envoy_cluster_upstream_rq_total) of the clusters to it (one per subset) must
    have grown, and their totals are returned.
  - C(jaeger) and C(zipkin) must hold a trace of O(app) whose spans name every app of O(trace_services), each span's
    parent being a span of the same trace (the services are linked, not only present).
  - C(kiali)'s graph must hold the app's nodes (for Bookinfo's product page, all four Bookinfo apps). It needs the
    C(istio_*) metrics, so with O(proxy=upstream) it is reported V(skipped) with the reason.
  - Send the traffic first. Fails when a check fails; retry the task while spans are still being flushed.
  - On clusters whose nodes are simulated no traffic can exist, so every check is reported skipped with the reason.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.attributes
  - oke.istio.attributes.READ_ONLY
  - oke.istio.attributes.ACTION_GROUP
options:
  namespace:
    description: Namespace of the tools' Services (C(prometheus:9090), C(tracing:80), C(zipkin:9411), C(kiali:20001)).
    type: str
    default: istio-system
  app:
    description: The C(app) label of the destination that received the traffic.
    type: str
    default: productpage
  app_namespace:
    description: Namespace of O(app).
    type: str
    default: bookinfo
  checks:
    description: Tools to ask.
    type: list
    elements: str
    choices: [prometheus, jaeger, zipkin, kiali]
    default: [prometheus, jaeger, kiali]
  lookback:
    description: How far back, in seconds, the traffic may be.
    type: int
    default: 600
  proxy:
    description:
      - The proxies' Envoy. V(istio) is Istio's own build (C(istio/proxyv2), OKE), which produces the C(istio_*)
        metrics. V(upstream) is upstream Envoy (the local real node), which does not.
    type: str
    choices: [istio, upstream]
    default: istio
  trace_services:
    description:
      - The apps one trace must link, by their C(app) label (the tracing service name is C(<app>.<namespace>)).
      - Default for C(productpage) is C(productpage), C(details) and C(reviews), which every product page request
        crosses (reviews v1 does not call ratings); else O(app) alone.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Check that every tool saw the product page traffic
  oke.istio.observability_check:
    checks: [prometheus, jaeger, zipkin, kiali]
  register: seen
  until: seen is not failed
  retries: 6
  delay: 10

- name: On upstream Envoy, count the requests to each reviews subset and find a trace through ratings in Zipkin
  oke.istio.observability_check:
    app: reviews
    proxy: upstream
    checks: [prometheus, zipkin]
    trace_services: [reviews, ratings]
  register: reviews_seen
"""

RETURN = r"""
skipped:
  description: Whether the checks were skipped because traffic cannot be observed on this cluster.
  returned: always
  type: bool
skip_reason:
  description: Why they were skipped.
  returned: always
  type: str
checks:
  description:
    - Per tool, its V(status) (V(passed), V(failed) or V(skipped)) and V(detail) (what the tool answered, or why it
      was skipped), with its figures. Prometheus gives C(increase) and C(totals); Jaeger and Zipkin give C(traces),
      C(services), C(spans) and C(trace_services).
  returned: always
  type: dict
  sample:
    prometheus: {"status": "passed", "detail": "istio_requests_total for productpage.bookinfo grew by 100 in 600s", "increase": 100}
    jaeger:
      status: passed
      detail: "Jaeger returned 20 trace(s) of productpage.bookinfo; one of 8 spans links details, productpage, ratings, reviews, ..."
      traces: 20
      spans: 8
      services: [details, productpage, ratings, reviews]
      trace_services: [details, productpage, ratings, reviews]
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._observability import checks


def main():
    argument_spec = dict(
        namespace=dict(type="str", default="istio-system"),
        app=dict(type="str", default="productpage"),
        app_namespace=dict(type="str", default="bookinfo"),
        checks=dict(type="list", elements="str", default=["prometheus", "jaeger", "kiali"],
                    choices=["prometheus", "jaeger", "zipkin", "kiali"]),
        lookback=dict(type="int", default=600),
        proxy=dict(type="str", default="istio", choices=["istio", "upstream"]),
        trace_services=dict(type="list", elements="str"),
    )
    OkeIstioModule(argument_spec=argument_spec).run(checks.run)


if __name__ == "__main__":
    main()
