#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: oke_network_info
short_description: Read the pod and service CIDRs of an OKE cluster
version_added: 0.1.0
description:
  - Reads the Kubernetes network configuration of an OKE cluster through the OKE API (C(GetCluster)) and returns its pod
    and service CIDRs, the ranges sidecars must keep intercepting when direct access to external services bypasses them.
author:
  - oke.istio maintainers (@oke-istio)
requirements:
  - oci
extends_documentation_fragment:
  - oke.istio.oci_auth
  - oke.istio.attributes
  - oke.istio.attributes.READ_ONLY
options:
  cluster_id:
    description: OCID of the OKE cluster.
    type: str
    required: true
notes:
  - Tested against a local HTTP server answering C(GET /20180222/clusters/{id}), with the real oci SDK pointed at it through
    O(oci_service_endpoint).
"""

EXAMPLES = r"""
- name: Read the CIDRs sidecars must keep intercepting
  oke.istio.oke_network_info:
    cluster_id: ocid1.cluster.oc1.iad.aaaaaaaaexample
  register: oke_network

- name: Use them
  ansible.builtin.debug:
    msg: "traffic.sidecar.istio.io/includeOutboundIPRanges: {{ oke_network.cidrs | join(',') }}"
"""

RETURN = r"""
pods_cidr:
  description: CIDR of the cluster's pods.
  returned: success
  type: str
  sample: 10.244.0.0/16
services_cidr:
  description: CIDR of the cluster's services.
  returned: success
  type: str
  sample: 10.96.0.0/16
cidrs:
  description: Both, pods first.
  returned: success
  type: list
  elements: str
  sample: [10.244.0.0/16, 10.96.0.0/16]
cluster_name:
  description: Name of the cluster.
  returned: success
  type: str
cluster_id:
  description: OCID of the cluster.
  returned: success
  type: str
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._oci import OCI_AUTH_ARG_SPEC


def run(module):
    from ansible_collections.oke.istio.plugins.module_utils import _oke_network

    return _oke_network.run(module)


def main():
    argument_spec = dict(cluster_id=dict(type="str", required=True))
    argument_spec.update(OCI_AUTH_ARG_SPEC)
    module = OkeIstioModule(argument_spec=argument_spec, needs_cluster=False)
    module.requires("oci")
    module.run(run)


if __name__ == "__main__":
    main()
