#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: resource_set
short_description: Apply or delete a set of Kubernetes objects as one unit
version_added: 0.1.0
description:
  - Validates every object with a server-side dry run before writing any, so one rejected object means nothing in the
    cluster changes.
  - Applies with server-side apply (field manager C(oke.istio)); fields the objects do not set are left to their owners.
  - Namespaces and CustomResourceDefinitions are applied first, and CRDs awaited until Established, so a set may carry
    the namespace or CRD its other objects need.
  - A change is reported only when the server's dry-run result differs from the live object, so defaults filled in by
    the API server or by controllers never count as a change.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.k8s_auth.WAIT
  - oke.istio.attributes
  - oke.istio.attributes.ACTION_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - One diff per object, without server bookkeeping (managedFields, resourceVersion, status).
  idempotent:
    support: full
options:
  definitions:
    description:
      - The objects, as a list of mappings, one mapping, or a YAML string with one or more documents. C(List) kinds are
        flattened.
    type: raw
    required: true
  namespace:
    description: Namespace for namespaced objects that name none.
    type: str
  state:
    description: V(present) applies the objects; V(absent) deletes those that exist.
    type: str
    choices: [present, absent]
    default: present
  field_manager:
    description:
      - The server-side apply field manager. Fields this manager set before and the objects no longer carry are
        removed from the cluster.
      - Use a manager of its own for partial objects (a patch of a few fields of an object applied whole elsewhere),
        so the fields set by the whole object stay.
    type: str
    default: oke.istio
  owner:
    description:
      - Who owns the objects, for example the role that creates them. Every applied object gets the label
        C(oke.istio/owner) with this value.
      - An object that exists with another owner's label is not taken over. With O(state=present) the task fails before
        anything is applied, naming the object and its owner. With O(state=absent) it is left in place, with a warning.
      - Objects without the label are applied and deleted as usual (and get the label when applied).
      - Without O(owner), objects are applied and deleted whatever their label says.
    type: str
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Apply the runbook's destination rules in one unit
  oke.istio.resource_set:
    namespace: bookinfo
    definitions: "{{ lookup('ansible.builtin.template', 'destination-rules.yaml.j2') }}"

- name: Apply the front door as the gateway role's own (an object another role created is not taken over)
  oke.istio.resource_set:
    owner: gateway
    definitions: "{{ lookup('ansible.builtin.template', 'istio.yml.j2') }}"

- name: Remove them again
  oke.istio.resource_set:
    namespace: bookinfo
    state: absent
    definitions: "{{ lookup('ansible.builtin.template', 'destination-rules.yaml.j2') }}"
"""

RETURN = r"""
resources:
  description: Every object with the action taken (create, update, delete or none).
  returned: always
  type: list
  elements: dict
  sample: [{"api_version": "v1", "kind": "Namespace", "namespace": null, "name": "bookinfo", "action": "create"}]
ready:
  description: Objects that have a readiness condition, with what made them ready.
  returned: when O(wait=true) and O(state=present)
  type: list
  elements: dict
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._argspec import WAIT_ARG_SPEC
from ansible_collections.oke.istio.plugins.module_utils import _resource_set


def main():
    argument_spec = dict(
        definitions=dict(type="raw", required=True),
        namespace=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        field_manager=dict(type="str", default="oke.istio"),
        owner=dict(type="str"),
    )
    argument_spec.update(WAIT_ARG_SPEC)
    OkeIstioModule(argument_spec=argument_spec).run(_resource_set.run)


if __name__ == "__main__":
    main()
