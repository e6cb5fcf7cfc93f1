# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._resource_set import collect_manifests


def test_collects_dicts_lists_yaml_and_list_kinds_and_defaults_the_namespace():
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b, namespace: other}}\n"
    )
    manifests = collect_manifests([text, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c"}}, None], "bookinfo")
    assert [(m["kind"], m["metadata"]["name"], m["metadata"]["namespace"]) for m in manifests] == [
        ("ConfigMap", "a", "bookinfo"),
        ("Secret", "b", "other"),
        ("Service", "c", "bookinfo"),
    ]


def test_invalid_yaml_and_shapes_are_named():
    with pytest.raises(ValidationError) as err:
        collect_manifests("a: [b")
    assert "definitions is not valid YAML" in err.value.msg
    with pytest.raises(ValidationError) as err:
        collect_manifests([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}, {"kind": "Secret"}])
    assert "manifest #1 lacks apiVersion, metadata.name" in err.value.msg
