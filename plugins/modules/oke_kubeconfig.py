#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: oke_kubeconfig
short_description: Write a kubeconfig file for an OKE cluster
version_added: 0.1.0
description:
  - Asks the OKE (Container Engine for Kubernetes) API for the cluster's kubeconfig, the same call as
    C(oci ce cluster create-kubeconfig), and writes it to O(dest) with mode C(0600).
  - The cluster is given by O(cluster_id), or found by O(cluster_name) in O(compartment_id).
  - The file is replaced only when its content differs from what the API returns (after renaming the context), so a
    second run reports no change.
  - O(dest) belongs to this module. The file is written whole, not merged into an existing kubeconfig; use a file of
    its own and pass it as O(oke.istio.cluster_fitness#module:kubeconfig) to the modules that follow.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.oci_auth
  - oke.istio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the kubeconfig with any static token masked.
  idempotent:
    support: partial
    details:
      - With O(credential=oci_cli) (the default) a second run writes nothing and reports no change.
      - With O(credential=token) the short-lived token is rewritten on every run (it must be fresh to be usable); a
        new token alone is not reported as a change.
options:
  cluster_id:
    description: OCID of the cluster. Mutually exclusive with O(cluster_name).
    type: str
  compartment_id:
    description: OCID of the compartment (or tenancy) to look O(cluster_name) up in.
    type: str
  cluster_name:
    description: Name of the cluster in O(compartment_id); it must name exactly one cluster there.
    type: str
  dest:
    description: Path of the kubeconfig file to write. Missing parent directories are created with mode C(0700).
    type: path
    required: true
  context_name:
    description:
      - Name of the kubeconfig context, which is also made the current context. Defaults to the name the OKE API gives
        (C(context-) and the cluster OCID's last characters).
    type: str
  endpoint:
    description:
      - Which API server endpoint the kubeconfig points at. V(public) and V(private) are the cluster's public and
        private endpoints, V(vcn_hostname) the private endpoint's VCN host name, V(legacy) the pre-VCN-native endpoint.
    type: str
    choices: [public, private, vcn_hostname, legacy]
    default: public
  credential:
    description:
      - How kubectl, istioctl and the modules authenticate with the kubeconfig.
      - V(oci_cli) keeps the exec credential plugin the OKE API writes, which runs C(oci ce cluster generate-token)
        whenever a token is needed. It needs the OCI CLI where the kubeconfig is used. The plugin's arguments get
        C(--profile), C(--config-file) or C(--auth) when the task used a non-default profile, file or principal.
      - V(token) writes a bearer token made here with the OCI SDK's request signer (the same pre-signed request that
        C(oci ce cluster generate-token) returns), so no OCI CLI is needed. OCI accepts it for about five minutes
        (RV(token_expires_at)); run the module again before each block of work that needs the cluster.
    type: str
    choices: [oci_cli, token]
    default: oci_cli
  oci_cli_command:
    description: Command the exec plugin runs for O(credential=oci_cli) (C(oci) on PATH, or a full path).
    type: str
    default: oci
notes:
  - Tested against a local HTTP server answering the OKE API calls used, with the real oci SDK pointed at it through
    O(oci_service_endpoint).
seealso:
  - name: Setting up cluster access (OKE documentation)
    description: How OKE kubeconfig files and the exec credential plugin work.
    link: https://docs.oracle.com/en-us/iaas/Content/ContEng/Tasks/contengdownloadkubeconfigfile.htm
  - module: oke.istio.cluster_fitness
"""

EXAMPLES = r"""
- name: Kubeconfig for the cluster, used by the following tasks
  oke.istio.oke_kubeconfig:
    cluster_id: ocid1.cluster.oc1.iad.aaaaaaaaexample
    dest: ~/.kube/oke-istio
    context_name: oke-istio
  register: oke

- name: Find the cluster by name, authenticate as the instance (Cloud Shell, AWX on OCI), no OCI CLI needed
  oke.istio.oke_kubeconfig:
    compartment_id: ocid1.compartment.oc1..aaaaaaaaexample
    cluster_name: prod-mesh
    oci_auth_type: instance_principal
    oci_region: us-ashburn-1
    endpoint: private
    credential: token
    dest: /tmp/prod-mesh.kubeconfig
"""

RETURN = r"""
dest:
  description: Absolute path of the kubeconfig file.
  returned: always
  type: str
  sample: /home/opc/.kube/oke-istio
context:
  description: The kubeconfig's current context.
  returned: always
  type: str
  sample: oke-istio
cluster_id:
  description: OCID of the cluster.
  returned: always
  type: str
cluster_name:
  description: Name of the cluster.
  returned: always
  type: str
kubernetes_version:
  description: The control plane's Kubernetes version as OKE reports it.
  returned: always
  type: str
  sample: v1.31.1
server:
  description: URL of the API server the kubeconfig points at.
  returned: always
  type: str
  sample: https://10.0.0.5:6443
credential:
  description: The O(credential) written.
  returned: always
  type: str
mode:
  description: File mode of O(dest).
  returned: always
  type: str
  sample: "0600"
token_expires_at:
  description: When the token written with O(credential=token) stops being accepted (UTC).
  returned: when O(credential=token)
  type: str
  sample: "2026-11-24T16:04:54Z"
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._oci import OCI_AUTH_ARG_SPEC


def run(module):
    from ansible_collections.oke.istio.plugins.module_utils._oke import kubeconfig

    return kubeconfig.run(module)


def main():
    argument_spec = dict(
        cluster_id=dict(type="str"),
        compartment_id=dict(type="str"),
        cluster_name=dict(type="str"),
        dest=dict(type="path", required=True),
        context_name=dict(type="str"),
        endpoint=dict(type="str", default="public", choices=["public", "private", "vcn_hostname", "legacy"]),
        credential=dict(type="str", default="oci_cli", choices=["oci_cli", "token"]),
        oci_cli_command=dict(type="str", default="oci"),
    )
    argument_spec.update(OCI_AUTH_ARG_SPEC)
    module = OkeIstioModule(
        argument_spec=argument_spec,
        needs_cluster=False,
        required_one_of=[("cluster_id", "cluster_name")],
        mutually_exclusive=[("cluster_id", "cluster_name")],
        required_by=dict(cluster_name="compartment_id"),
    )
    module.requires("oci")
    module.run(run)


if __name__ == "__main__":
    main()
