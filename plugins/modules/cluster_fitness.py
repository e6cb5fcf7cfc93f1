#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cluster_fitness
short_description: Check that a cluster is fit for Istio on OKE
version_added: 0.1.0
description:
  - Reads the cluster through the Kubernetes API and, when O(cluster_id) is given, through the OKE API, and judges five
    things, each V(pass), V(warn) or V(fail) with a message that says what to do.
  - C(kubernetes_version) - the API server and every node's kubelet (and, with O(cluster_id), the OKE control plane and
    every node pool) run a Kubernetes minor that the Istio release being installed (O(istio_version)) supports,
    according to the collection's table of Istio's support window (from istio.io, Supported Releases). A minor the
    Istio project lists as tested but not supported is a warning; any other fails, with the supported and the
    tested ranges in the message.
  - C(node_pools) - no virtual node pool and no virtual node. OKE virtual nodes cannot run Istio sidecars. With
    O(cluster_id) the OKE API lists the node pools and virtual node pools; otherwise nodes are recognised as virtual by
    their C(providerID) (C(ocid1.virtualnode.)) or their C(oci.oraclecloud.com/virtual-node-pool-id) annotation.
  - C(pod_network) - the pod networking is one of O(allowed_pod_networks). It is read from the cluster's
    C(cluster_pod_network_options) with O(cluster_id), otherwise from the C(vcn-native-ip-cni) or C(kube-flannel-ds)
    DaemonSet in C(kube-system). The message says what the detected networking means for the mesh. When it cannot be
    told, the check warns.
  - C(node_os) - every node's OS image is in O(supported_node_os).
  - C(istio_addon) - no Istio control plane other than this collection's. OKE's managed Istio add-on (a managed install
    that lags upstream Istio) breaks, and is broken by, a standalone Istio installed beside it. With O(cluster_id) the
    OKE API lists the cluster's add-ons; an add-on called C(Istio) in state C(ACTIVE), C(CREATING), C(UPDATING) or
    C(NEEDS_ATTENTION) fails the check, naming its version and state (C(DELETED), C(DELETING) and C(FAILED) do not
    count). In the cluster, every istiod Deployment (label C(app=istiod)) is compared with the install records the
    istio role writes (ConfigMap C(oke-istio-install[-<revision>]) labelled C(app.kubernetes.io/managed-by=oke.istio));
    an istiod without one is "an Istio control plane not installed by oke.istio" (Oracle documents no label that marks
    the add-on's objects, so the add-on and an Istio installed by other means are not told apart) and fails the
    check, naming the Deployment and its labels. The message gives the two ways on - disable and remove the add-on
    (C(oci ce cluster disable-addon ... --is-remove-existing-add-on true)), or keep it, skip this collection's Istio
    install and add V(istio_addon) to O(warn_only).
  - The module fails when a check fails, after returning all results. O(warn_only) turns chosen checks' failures into
    warnings, shown as task warnings.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.oci_auth
  - oke.istio.attributes
  - oke.istio.attributes.READ_ONLY
  - oke.istio.attributes.ACTION_GROUP
options:
  cluster_id:
    description:
      - OCID of the OKE cluster. Adds the OKE API's view (control plane version, node pools, virtual node pools, pod
        networking, cluster add-ons) to the Kubernetes API's. Leave it out for clusters that are not OKE, or with no
        OCI access.
    type: str
  istio_version:
    description:
      - The Istio release that will be installed (V(1.31), V(1.31.2), or what a build from source reports, V(1.31-dev));
        its minor selects the row of the support table. A minor the table does not have is refused.
      - When not set, the istio role's default release, Istio 1.31.
      - The table covers Istio 1.26 to 1.31; for each, the Kubernetes minors supported and those tested but not
        supported are listed in the collection's README.
    type: str
  supported_node_os:
    description:
      - OS images accepted on nodes. An entry matches a node's C(osImage) equal to it or starting with it up to a
        version boundary (C(Oracle Linux 8) matches C(Oracle Linux Server 8.10)); C(Oracle Linux Server) is read as
        C(Oracle Linux).
      - The default is Oracle Linux 7, 8 and 9, the OKE images the runbook's support statement covers. OKE's Ubuntu
        images are not in it; add for example C(Ubuntu 22.04) to accept them.
    type: list
    elements: str
    default: [Oracle Linux 7, Oracle Linux 8, Oracle Linux 9]
  allowed_pod_networks:
    description:
      - Pod networking accepted. V(vcn_native) is OCI VCN-native pod networking (the one Oracle supports service
        meshes on), V(flannel) the flannel overlay, V(other) any other CNI found (Calico, Cilium, Weave).
    type: list
    elements: str
    choices: [vcn_native, flannel, other]
    default: [vcn_native, flannel]
  warn_only:
    description: Checks whose failure is reported as a warning instead of failing the task.
    type: list
    elements: str
    choices: [kubernetes_version, node_pools, pod_network, node_os, istio_addon]
    default: []
notes:
  - The OKE API part is tested against a local HTTP server answering the OKE API calls used, with the real oci SDK
    pointed at it through O(oci_service_endpoint).
"""

EXAMPLES = r"""
- name: Check the cluster before installing Istio
  oke.istio.cluster_fitness:
    kubeconfig: ~/.kube/oke-istio
    cluster_id: ocid1.cluster.oc1.iad.aaaaaaaaexample
  register: fitness

- name: Any Kubernetes cluster about to get Istio 1.30, Ubuntu nodes accepted, a version outside its window only reported
  oke.istio.cluster_fitness:
    istio_version: "1.30.4"
    supported_node_os: [Oracle Linux 8, Oracle Linux 9, Ubuntu 22.04]
    warn_only: [kubernetes_version]

- name: An OKE cluster that keeps Oracle's Istio add-on (the istio role is not run); the add-on is only reported
  oke.istio.cluster_fitness:
    cluster_id: ocid1.cluster.oc1.iad.aaaaaaaaexample
    warn_only: [istio_addon]
"""

RETURN = r"""
checks:
  description: One entry per check, in the order kubernetes_version, node_pools, pod_network, node_os, istio_addon.
  returned: always, also when the module fails because of a check
  type: list
  elements: dict
  contains:
    name:
      description: The check.
      type: str
      sample: node_pools
    status:
      description: V(pass), V(warn) or V(fail).
      type: str
      sample: pass
    message:
      description: What was found, what it means, and what to do when it is not V(pass).
      type: str
    details:
      description:
        - The data the verdict rests on (versions per source, node OS per image, detected pod networking, the Istio
          add-on and the istiod Deployments found...).
      type: dict
summary:
  description: How many checks passed, warned and failed.
  returned: always
  type: dict
  sample: {"pass": 4, "warn": 1, "fail": 0}
facts:
  description:
    - What was read. C(api_server_version), C(nodes) (name, kubelet_version, os_image, provider_id, virtual,
      node_pool), C(kube_system_daemonsets), C(istio_control_planes) (each istiod Deployment's namespace, name,
      revision, version, labels, annotations and installed_by_oke_istio), and with O(cluster_id) C(oke) (cluster,
      node_pools, virtual_node_pools, addons with name, version, current_installed_version, lifecycle_state, error).
  returned: always
  type: dict
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._oci import OCI_AUTH_ARG_SPEC


def run(module):
    from ansible_collections.oke.istio.plugins.module_utils._oke import fitness

    return fitness.run(module)


def main():
    argument_spec = dict(
        cluster_id=dict(type="str"),
        istio_version=dict(type="str"),
        supported_node_os=dict(
            type="list", elements="str", default=["Oracle Linux 7", "Oracle Linux 8", "Oracle Linux 9"]
        ),
        allowed_pod_networks=dict(
            type="list", elements="str", default=["vcn_native", "flannel"], choices=["vcn_native", "flannel", "other"]
        ),
        warn_only=dict(
            type="list",
            elements="str",
            default=[],
            choices=["kubernetes_version", "node_pools", "pod_network", "node_os", "istio_addon"],
        ),
    )
    argument_spec.update(OCI_AUTH_ARG_SPEC)
    module = OkeIstioModule(argument_spec=argument_spec)
    if module.params["cluster_id"]:
        module.requires("oci")
    module.run(run)


if __name__ == "__main__":
    main()
