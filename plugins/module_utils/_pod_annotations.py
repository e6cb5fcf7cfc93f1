# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Own a few pod-template annotations of workloads someone else manages, through the Applier.

The Applier's server-side apply is used under a field manager of its own: applying a partial object under the manager
that created the workload would drop every other field that manager owns. Under its own manager only the annotations
are claimed, and applying without them hands them back (removes them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Applier, ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_subdomain

FIELD_MANAGER = "oke.istio-pod-annotations"
KINDS = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1"}


def _partial(kind, name, namespace, annotations):
    body = {"apiVersion": KINDS[kind], "kind": kind, "metadata": {"name": name, "namespace": namespace}}
    if annotations:
        body["spec"] = {"template": {"metadata": {"annotations": dict(annotations)}}}
    return body


def run(module):
    params = module.params
    annotations = params["annotations"] or {}
    for key, value in annotations.items():
        if not isinstance(value, str):
            raise ValidationError("annotations: the value of %s must be a string, got %r" % (key, value))
    workloads = params["workloads"]
    if not workloads:
        raise ValidationError("workloads must name at least one workload")
    refs = []
    for index, item in enumerate(workloads):
        kind = item.get("kind") or "Deployment"
        if kind not in KINDS:
            raise ValidationError("workloads[%d].kind must be one of %s, got %s" % (index, ", ".join(sorted(KINDS)), kind))
        for key in ("name", "namespace"):
            if not is_dns_subdomain(item.get(key)):
                raise ValidationError("workloads[%d].%s %r is not a valid Kubernetes name" % (index, key, item.get(key)))
        refs.append(ObjectRef(KINDS[kind], kind, item["name"], item["namespace"]))
    applier = Applier(module.client, field_manager=FIELD_MANAGER)
    missing = [str(ref) for ref in refs if applier.get(ref) is None]
    if missing:
        # A partial object would otherwise be created, and rejected for what it lacks.
        raise ValidationError("workloads not found, nothing was changed: %s" % ", ".join(missing))
    wanted = annotations if params["state"] == "present" else {}
    manifests = [_partial(ref.kind, ref.name, ref.namespace, wanted) for ref in refs]
    changes = applier.apply(manifests, check_mode=module.check_mode)
    return {
        "changed": any(c.changed for c in changes),
        "resources": [c.as_result() for c in changes],
        "diff": [c.as_diff() for c in changes if c.changed],
    }
