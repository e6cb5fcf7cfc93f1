# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: revision_restart
short_description: The patch that restarts a workload onto an Istio revision
version_added: 0.1.0
description:
  - Given a Deployment (as returned by M(kubernetes.core.k8s_info)), returns the minimal object to apply with
    M(oke.istio.resource_set) so that its pods restart once onto the sidecars of O(revision).
  - The pod template carries the annotation C(oke.istio/revision), so applying the same revision again changes nothing.
positional: revision
options:
  _input:
    description: A Deployment, StatefulSet or DaemonSet.
    type: dict
    required: true
  revision:
    description: The Istio revision the workload moves to.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Restart every Deployment of bookinfo onto revision 1-31-2
  oke.istio.resource_set:
    definitions: "{{ deployments.resources | map('oke.istio.revision_restart', '1-31-2') | list }}"
"""

RETURN = r"""
_value:
  description: The object to apply.
  type: dict
"""

from ansible.errors import AnsibleFilterError

REVISION_ANNOTATION = "oke.istio/revision"


def revision_restart(workload, revision):
    try:
        metadata = workload["metadata"]
        return {
            "apiVersion": workload["apiVersion"],
            "kind": workload["kind"],
            "metadata": {"name": metadata["name"], "namespace": metadata["namespace"]},
            "spec": {"template": {"metadata": {"annotations": {REVISION_ANNOTATION: revision}}}},
        }
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("revision_restart needs a workload object with apiVersion, kind and metadata: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"revision_restart": revision_restart}
