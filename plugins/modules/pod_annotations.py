#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pod_annotations
short_description: Set or remove pod-template annotations of existing workloads
version_added: 0.1.0
description:
  - Claims the given pod-template annotations (for example Istio's C(traffic.sidecar.istio.io/*)) of existing
    Deployments, StatefulSets or DaemonSets with server-side apply under a field manager of its own, so the fields owned
    by whoever deployed the workload are left alone.
  - V(absent) releases the annotations this module set, which removes them.
  - Changing a pod template rolls the workload's pods, which is how sidecars pick up the new annotations.
  - Every workload must exist; otherwise nothing changes.
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
  idempotent:
    support: full
options:
  workloads:
    description: The workloads, each with C(name), C(namespace) and C(kind) (default C(Deployment)).
    type: list
    elements: dict
    required: true
  annotations:
    description: Pod-template annotations to set (string values).
    type: dict
    default: {}
  state:
    description: V(present) sets O(annotations); V(absent) removes the annotations set by this module.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Let ratings reach external services directly, bypassing its sidecar for anything outside the cluster
  oke.istio.pod_annotations:
    workloads:
      - {namespace: default, name: ratings-v1}
    annotations:
      traffic.sidecar.istio.io/includeOutboundIPRanges: "10.244.0.0/16,10.96.0.0/16"
"""

RETURN = r"""
resources:
  description: Every workload with the action taken (update or none).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils import _pod_annotations


def main():
    OkeIstioModule(
        argument_spec=dict(
            workloads=dict(type="list", elements="dict", required=True),
            annotations=dict(type="dict", default={}),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        )
    ).run(_pod_annotations.run)


if __name__ == "__main__":
    main()
