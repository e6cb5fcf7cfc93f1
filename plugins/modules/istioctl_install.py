#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istioctl_install
short_description: Install, reconfigure or uninstall Istio with istioctl, idempotently
version_added: 0.1.0
description:
  - Renders the desired install offline with C(istioctl manifest generate) and compares every object with what the
    cluster holds through a server-side dry run made exactly as C(istioctl install) applies it. C(istioctl install)
    runs only when something differs, so a repeated run with the same input reports no change without reinstalling.
  - Fields that Istio's controllers rewrite after an install (webhook C(caBundle) and C(failurePolicy)) and the owner
    labels C(istioctl install) adds are not compared, so they never cause a change.
  - The applied IstioOperator is recorded in a ConfigMap C(oke-istio-install[-REVISION]) in the Istio namespace, which
    gives the diff of the install spec between runs.
  - Waits without sleeping, on watches, for the Deployments of the install to be Ready and, when asked, for the
    ingress gateway Service to get an address from the cloud.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.attributes
  - oke.istio.attributes.ACTION_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the recorded and desired IstioOperator, then every object that would change.
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) installs or reconfigures; V(absent) uninstalls the revision.
      - With V(absent), no Istio webhook configuration, cluster role or binding is left once no revision remains.
    type: str
    choices: [present, absent]
    default: present
  istioctl_path:
    description: Path of the istioctl binary.
    type: path
    default: istioctl
  istioctl_version:
    description:
      - When set, fail before touching the cluster unless istioctl reports this version (V(1.31) or V(1.31.2)).
    type: str
  profile:
    description: The installation profile (V(default), V(demo), V(minimal), V(ambient), ...).
    type: str
    default: default
  revision:
    description:
      - Revision name for canary upgrades. Omit for the default revision.
    type: str
  set_values:
    description:
      - Values as C(istioctl --set) takes them, paths relative to the IstioOperator C(spec), for example
        C(meshConfig.accessLogFile) or C(values.global.proxy.resources.requests.cpu).
      - Applied after O(operator_spec), so they win.
    type: dict
    default: {}
  operator_spec:
    description:
      - A full IstioOperator C(spec) to start from.
    type: dict
    default: {}
  precheck:
    description:
      - Run C(istioctl x precheck) before installing. Findings of level Error fail the task; the rest are returned.
      - Runs only when the install would change the cluster (in check mode too); an unchanged install is not checked again.
    type: bool
    default: true
  wait:
    description: Wait until every Deployment of the install is Ready.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for readiness (also given to istioctl as its readiness timeout).
    type: int
    default: 600
  wait_for_load_balancer:
    description:
      - Also wait until the Service named by O(ingress_gateway_service) has a load balancer address, and return it.
    type: bool
    default: false
  ingress_gateway_service:
    description: Namespace and name of the ingress gateway Service, as C(NAMESPACE/NAME).
    type: str
    default: istio-system/istio-ingressgateway
  purge:
    description: With O(state=absent), also remove Istio's CRDs (and so every Istio resource in the cluster).
    type: bool
    default: false
  remove_namespace:
    description:
      - With O(state=absent), once no Istio revision is left, also delete the Istio namespace (C(istio-system) unless the
        spec names another) with whatever it still holds, and wait until it is gone.
      - Left alone while another revision still runs there.
    type: bool
    default: false
  full_compare:
    description:
      - Always render the install and compare every object by a server-side dry run.
      - By default a run whose input matches the recorded install, and whose objects still carry the generation (or
        resourceVersion) recorded after the last install or comparison, is known unchanged without rendering. A change
        to an object's metadata that leaves its generation alone is only seen with O(full_compare=true).
    type: bool
    default: false
notes:
  - Needs network access to the cluster only; rendering is done offline by istioctl.
  - istioctl takes a kubeconfig file and context only; O(host), O(api_key) and a kubeconfig given as a dictionary are
    refused before anything runs, so istioctl and the module always act on the same cluster.
seealso:
  - module: oke.istio.istio_precheck
  - name: istioctl install reference
    description: The command this module runs when the cluster differs from the desired install.
    link: https://istio.io/latest/docs/reference/commands/istioctl/#istioctl-install
"""

EXAMPLES = r"""
- name: Install Istio with the runbook's mesh options
  oke.istio.istioctl_install:
    istioctl_path: /usr/local/bin/istioctl
    profile: default
    set_values:
      meshConfig.accessLogFile: /dev/stdout
      meshConfig.outboundTrafficPolicy.mode: REGISTRY_ONLY

- name: Install a canary revision beside the running one
  oke.istio.istioctl_install:
    revision: 1-31-2
    operator_spec:
      components:
        ingressGateways:
          - name: istio-ingressgateway
            enabled: false

- name: Uninstall the default revision, keeping the CRDs
  oke.istio.istioctl_install:
    state: absent
"""

RETURN = r"""
version:
  description: Version of the istioctl client that rendered (and, if needed, ran) the install.
  returned: always
  type: str
  sample: 1.31.2
revision:
  description: The revision, V(default) when none was given.
  returned: always
  type: str
profile:
  description: The profile used.
  returned: always
  type: str
fingerprint:
  description: SHA-256 of the IstioOperator and istioctl version; unchanged input gives the same value.
  returned: state=present
  type: str
components:
  description: Deployments of the install and whether they are Ready.
  returned: state=present
  type: list
  elements: dict
  sample: [{"name": "istiod", "namespace": "istio-system", "kind": "Deployment", "ready": true, "detail": "1/1 replicas available"}]
precheck:
  description: Findings of C(istioctl x precheck) (code, level, message, origin, documentation_url).
  returned: when O(precheck=true), state=present and the install changes the cluster
  type: list
  elements: dict
resources:
  description: Every object of the install with the action taken (create, update, delete or none).
  returned: always
  type: list
  elements: dict
ingress_address:
  description: The ingress gateway's load balancer IP or host name.
  returned: when O(wait_for_load_balancer=true)
  type: str
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._istio.module_backends import install


def main():
    module = OkeIstioModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            istioctl_path=dict(type="path", default="istioctl"),
            istioctl_version=dict(type="str"),
            profile=dict(type="str", default="default"),
            revision=dict(type="str"),
            set_values=dict(type="dict", default={}),
            operator_spec=dict(type="dict", default={}),
            precheck=dict(type="bool", default=True),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            wait_for_load_balancer=dict(type="bool", default=False),
            ingress_gateway_service=dict(type="str", default="istio-system/istio-ingressgateway"),
            purge=dict(type="bool", default=False),
            remove_namespace=dict(type="bool", default=False),
            full_compare=dict(type="bool", default=False),
        ),
    )
    module.run(install.run)


if __name__ == "__main__":
    main()
