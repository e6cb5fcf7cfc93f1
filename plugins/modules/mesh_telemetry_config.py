#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mesh_telemetry_config
short_description: Tracing and access log providers for Istio's Telemetry API, in a shared mesh config
version_added: 0.1.0
description:
  - Writes the mesh config extension providers that Telemetry resources refer to (a tracer and a stdout access log
    provider) into the ConfigMap istiod loads through its E(SHARED_MESH_CONFIG) variable, so the Istio install itself
    is left untouched. istiod merges these providers, by name, under its own mesh config.
  - Tracers are Jaeger (OpenTelemetry, port 4317), Zipkin, a provider of your own, or OCI APM without a custom
    bootstrap (a Zipkin provider to the APM collector, with a ServiceEntry and a DestinationRule that originates TLS).
  - O(legacy_tracing) sets the runbook's C(enableTracing) and C(defaultConfig.tracing) instead, for older releases.
  - Reports (and warns) when istiod does not read the ConfigMap, with the install option that makes it.
  - An APM data key is never returned or logged; diffs show a fingerprint of the mesh config that holds it.
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
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  namespace:
    description: Istio's root namespace, where istiod runs.
    type: str
    default: istio-system
  config_map:
    description: Name of the shared mesh config ConfigMap (the value of istiod's E(SHARED_MESH_CONFIG)).
    type: str
    default: istio-user
  revision:
    description: Revision of the istiod whose E(SHARED_MESH_CONFIG) is checked; empty for the default one.
    type: str
    default: ""
  state:
    description: V(present) writes the providers; V(absent) deletes the ConfigMap and the APM egress objects.
    type: str
    choices: [present, absent]
    default: present
  tracer:
    description: The tracing provider.
    type: str
    choices: [none, jaeger, zipkin, apm, custom]
    default: none
  provider_name:
    description: Name of the tracing provider; empty names it after O(tracer) (V(oci-apm) for V(apm)).
    type: str
    default: ""
  custom_provider:
    description:
      - For O(tracer=custom), one provider kind and its settings, for example a C(zipkin) key whose value names the
        C(service) and C(port) of a Zipkin collector.
    type: dict
  addons_namespace:
    description: Namespace of the Jaeger and Zipkin addons.
    type: str
    default: istio-system
  access_log_provider_name:
    description: Name of an Envoy file access log provider writing to C(/dev/stdout); empty defines none.
    type: str
    default: ""
  access_log_format:
    description: V(json) writes O(access_log_labels) as JSON lines; V(text) uses O(access_log_text) or Envoy's default.
    type: str
    choices: [json, text]
    default: json
  access_log_labels:
    description: JSON access log fields and their Envoy command operators.
    type: dict
    default:
      start_time: "%START_TIME%"
      method: "%REQ(:METHOD)%"
      path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"
      protocol: "%PROTOCOL%"
      response_code: "%RESPONSE_CODE%"
      response_flags: "%RESPONSE_FLAGS%"
      duration: "%DURATION%"
      upstream_host: "%UPSTREAM_HOST%"
      upstream_cluster: "%UPSTREAM_CLUSTER%"
      authority: "%REQ(:AUTHORITY)%"
      request_id: "%REQ(X-REQUEST-ID)%"
      trace_id: "%REQ(X-B3-TRACEID)%"
  access_log_text:
    description: Text format for O(access_log_format=text); empty keeps Envoy's default.
    type: str
    default: ""
  legacy_tracing:
    description: Set C(enableTracing) and C(defaultConfig.tracing) (sampling and Zipkin address) as the runbook does.
    type: bool
    default: false
  legacy_tracer_address:
    description: C(host:port) of the Zipkin collector for O(legacy_tracing).
    type: str
  sampling:
    description: Percentage of requests traced with O(legacy_tracing).
    type: float
    default: 1.0
  apm_data_upload_endpoint:
    description: The APM domain's data upload endpoint (read from the domain when O(apm_domain_id) is given).
    type: str
  apm_data_key:
    description: The APM data key for O(tracer=apm).
    type: str
  apm_data_key_type:
    description: Type of the data key.
    type: str
    choices: [private, public]
    default: private
  apm_domain_id:
    description: OCID of the APM domain to look the endpoint and key up in.
    type: str
  apm_data_key_name:
    description: Name of the data key to look up.
    type: str
"""

EXAMPLES = r"""
- name: Providers for Jaeger and JSON access logs on stdout
  oke.istio.mesh_telemetry_config:
    tracer: jaeger
    access_log_provider_name: stdout-json

- name: Send spans to OCI APM without a custom bootstrap
  oke.istio.mesh_telemetry_config:
    tracer: apm
    apm_data_upload_endpoint: https://aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com
    apm_data_key: "{{ vault_apm_private_key }}"
"""

RETURN = r"""
providers:
  description: Names of the providers written, for Telemetry resources to refer to.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [jaeger, stdout-json]
shared_mesh_config_active:
  description: Whether istiod reads the ConfigMap.
  returned: when O(state=present)
  type: bool
shared_mesh_config_detail:
  description: Which istiod reads it, or the install option that is missing.
  returned: when O(state=present)
  type: str
resources:
  description: Every object with the action taken.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._oci import OCI_AUTH_ARG_SPEC
from ansible_collections.oke.istio.plugins.module_utils._observability import mesh

DEFAULT_LABELS = {
    "start_time": "%START_TIME%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "protocol": "%PROTOCOL%",
    "response_code": "%RESPONSE_CODE%",
    "response_flags": "%RESPONSE_FLAGS%",
    "duration": "%DURATION%",
    "upstream_host": "%UPSTREAM_HOST%",
    "upstream_cluster": "%UPSTREAM_CLUSTER%",
    "authority": "%REQ(:AUTHORITY)%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "trace_id": "%REQ(X-B3-TRACEID)%",
}


def main():
    argument_spec = dict(
        namespace=dict(type="str", default="istio-system"),
        config_map=dict(type="str", default="istio-user"),
        revision=dict(type="str", default=""),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tracer=dict(type="str", default="none", choices=["none", "jaeger", "zipkin", "apm", "custom"]),
        provider_name=dict(type="str", default=""),
        custom_provider=dict(type="dict"),
        addons_namespace=dict(type="str", default="istio-system"),
        access_log_provider_name=dict(type="str", default=""),
        access_log_format=dict(type="str", default="json", choices=["json", "text"]),
        access_log_labels=dict(type="dict", default=DEFAULT_LABELS),
        access_log_text=dict(type="str", default=""),
        legacy_tracing=dict(type="bool", default=False),
        legacy_tracer_address=dict(type="str"),
        sampling=dict(type="float", default=1.0),
        apm_data_upload_endpoint=dict(type="str"),
        apm_data_key=dict(type="str", no_log=True),
        apm_data_key_type=dict(type="str", default="private", choices=["private", "public"], no_log=False),
        apm_domain_id=dict(type="str"),
        apm_data_key_name=dict(type="str", no_log=False),
    )
    argument_spec.update(OCI_AUTH_ARG_SPEC)
    OkeIstioModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("apm_data_key", "apm_domain_id")],
        required_if=[("tracer", "custom", ["custom_provider"])],
    ).run(mesh.run)


if __name__ == "__main__":
    main()
