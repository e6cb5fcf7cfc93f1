#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ingress_gateway_info
short_description: Work out where the Istio ingress gateway is reached from outside the cluster
version_added: 0.1.0
description:
  - Returns the host and ports of the ingress gateway (the runbook's E(INGRESS_HOST) and E(INGRESS_PORT)).
  - A load balancer address wins, whether the provider reports an IP (OCI) or a host name; without one the node ports
    on a node's external (else internal) address are used; a ClusterIP Service is reported as reachable in-cluster only.
  - Also reports whether traffic can be observed on the cluster at all (simulated nodes cannot serve it).
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.k8s_auth.WAIT
  - oke.istio.attributes
  - oke.istio.attributes.READ_ONLY
  - oke.istio.attributes.ACTION_GROUP
options:
  namespace:
    description: Namespace of the gateway Service.
    type: str
    default: istio-system
  service:
    description: Name of the gateway Service.
    type: str
    default: istio-ingressgateway
  port_name:
    description: Name of the plain HTTP port; the port numbered 80 is used when no port has this name.
    type: str
    default: http2
  secure_port_name:
    description: Name of the HTTPS port; the port numbered 443 is used when no port has this name.
    type: str
    default: https
notes:
  - With O(wait=true) a LoadBalancer Service is awaited until it has an address, up to O(wait_timeout); with
    O(wait=false) the node ports are returned at once when it has none yet.
"""

EXAMPLES = r"""
- name: Find INGRESS_HOST and INGRESS_PORT
  oke.istio.ingress_gateway_info:
    wait_timeout: 300
  register: ingress

- name: Show the product page URL
  ansible.builtin.debug:
    msg: "{{ ingress.url }}/productpage"
"""

RETURN = r"""
host:
  description: INGRESS_HOST.
  returned: always
  type: str
  sample: 203.0.113.25
port:
  description: INGRESS_PORT (plain HTTP).
  returned: always
  type: int
  sample: 80
secure_port:
  description: The HTTPS port, when the Service has one.
  returned: always
  type: int
  sample: 443
url:
  description: C(http://host:port).
  returned: always
  type: str
  sample: http://203.0.113.25:80
source:
  description: Where the address came from.
  returned: always
  type: str
  sample: load_balancer
  choices: [load_balancer, node_port_externalip, node_port_internalip, cluster_ip]
service_type:
  description: The Service's type.
  returned: always
  type: str
note:
  description: Why a fallback was used, if one was.
  returned: always
  type: str
data_plane_skip_reason:
  description: Why traffic cannot be observed on this cluster (simulated nodes); null on a real data plane.
  returned: always
  type: str
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._argspec import WAIT_ARG_SPEC
from ansible_collections.oke.istio.plugins.module_utils._observability import ingress


def main():
    argument_spec = dict(
        namespace=dict(type="str", default="istio-system"),
        service=dict(type="str", default="istio-ingressgateway"),
        port_name=dict(type="str", default="http2"),
        secure_port_name=dict(type="str", default="https"),
    )
    argument_spec.update(WAIT_ARG_SPEC)
    OkeIstioModule(argument_spec=argument_spec).run(ingress.run)


if __name__ == "__main__":
    main()
