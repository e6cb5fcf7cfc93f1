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
    that it saw traffic of O(app) in O(app_namespace) within O(lookback) seconds. Prometheus must count
    C(istio_requests_total) for it, Jaeger and Zipkin must return traces for it, and Kiali's graph must hold its nodes
    (for Bookinfo's product page, all four Bookinfo apps).
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
"""

EXAMPLES = r"""
- name: Check that every tool saw the product page traffic
  oke.istio.observability_check:
    checks: [prometheus, jaeger, zipkin, kiali]
  register: seen
  until: seen is not failed
  retries: 6
  delay: 10
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
  description: Per tool, V(passed), V(failed) or V(skipped), with what the tool answered.
  returned: always
  type: dict
  sample: {"prometheus": {"status": "passed", "detail": "istio_requests_total for productpage.bookinfo grew by 100 in 600s"}}
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
    )
    OkeIstioModule(argument_spec=argument_spec).run(checks.run)


if __name__ == "__main__":
    main()
