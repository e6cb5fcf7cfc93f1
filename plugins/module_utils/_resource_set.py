# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Apply or delete a set of objects as one unit: the logic behind the resource_set module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import OWNER_LABEL, Applier, object_ref

import re

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None


def collect_manifests(definitions, namespace=None):
    """Flatten ``definitions`` (dicts, lists, YAML strings, ``List`` kinds) into manifests, namespace defaulted."""
    manifests = []

    def add(item):
        if item is None:
            return
        if isinstance(item, str):
            for document in yaml.safe_load_all(item):
                add(document)
            return
        if isinstance(item, list):
            for entry in item:
                add(entry)
            return
        if isinstance(item, dict) and str(item.get("kind", "")).endswith("List") and isinstance(item.get("items"), list):
            add(item["items"])
            return
        manifests.append(item)

    try:
        add(definitions)
    except yaml.YAMLError as exc:
        raise ValidationError("definitions is not valid YAML: %s" % exc)
    for index, manifest in enumerate(manifests):
        object_ref(manifest, index)
        if namespace and not manifest["metadata"].get("namespace"):
            manifest["metadata"]["namespace"] = namespace
    return manifests


# A label value: what OWNER_LABEL can hold.
OWNER_RE = re.compile(r"^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$")


def run(module):
    params = module.params
    if params["wait_timeout"] <= 0:
        raise ValidationError("wait_timeout must be a positive number of seconds, got %s" % params["wait_timeout"])
    if params["owner"] is not None and not OWNER_RE.match(params["owner"]):
        raise ValidationError("owner must be a label value (lower-case letters, digits, '-', '_' and '.', at most 63), got %r"
                              % params["owner"])
    manifests = collect_manifests(params["definitions"], params["namespace"])
    if not manifests:
        raise ValidationError("definitions holds no Kubernetes object")
    applier = Applier(module.client, field_manager=params["field_manager"], default_namespace=params["namespace"] or "default",
                      owner=params["owner"])
    if params["state"] == "absent":
        refs = [object_ref(m) for m in manifests]
        changes = applier.delete(refs, check_mode=module.check_mode, wait=params["wait"], timeout=params["wait_timeout"])
        for change in changes:
            if OWNER_LABEL in (change.note or ""):
                module.warn("%s not deleted: %s" % (change.ref, change.note))
        return {
            "changed": any(c.changed for c in changes),
            "resources": [c.as_result() for c in changes],
            "diff": [c.as_diff() for c in changes if c.changed],
        }
    changes = applier.apply(manifests, check_mode=module.check_mode, timeout=params["wait_timeout"])
    result = {
        "changed": any(c.changed for c in changes),
        "resources": [c.as_result() for c in changes],
        "diff": [c.as_diff() for c in changes if c.changed],
        "ready": [],
    }
    if params["wait"] and not module.check_mode:
        result["ready"] = applier.waiter.wait_ready([c.ref for c in changes], params["wait_timeout"])
    return result
