# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.module_utils import _module
from ansible_collections.oke.istio.plugins.modules import resource_set


class _ConfigMaps(object):
    """A kind the cluster serves; records what is written (nothing may be)."""

    namespaced = True

    def __init__(self):
        self.writes = []

    def get(self, name=None, namespace=None):
        from kubernetes.client.rest import ApiException

        raise ApiException(status=404, reason="Not Found")

    def server_side_apply(self, body, name, namespace, field_manager, force_conflicts, dry_run=None):
        if not dry_run:
            self.writes.append(name)
        return dict(body)


class _Resources(object):
    def __init__(self, kinds, broken=None):
        self.kinds = kinds
        self.broken = broken

    def get(self, api_version, kind):
        from kubernetes.dynamic.exceptions import ResourceNotFoundError

        if self.broken is not None:
            raise self.broken
        if kind not in self.kinds:
            raise ResourceNotFoundError("no %s" % kind)
        return self.kinds[kind]

    def invalidate_cache(self):
        pass


class _Client(object):
    def __init__(self, resources):
        self.resources = resources


@pytest.fixture
def configmaps(monkeypatch):
    kind = _ConfigMaps()
    client = _Client(_Resources({"ConfigMap": kind}))
    monkeypatch.setattr(_module.OkeIstioModule, "client", property(lambda self: client))
    return kind


CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}
WIDGET = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}


def test_an_object_of_an_unknown_kind_is_named_with_the_reason(run_module, configmaps):
    result, failed = run_module(resource_set.main, {"namespace": "demo", "definitions": [CONFIGMAP, CONFIGMAP, WIDGET]})
    assert failed
    assert "manifest #2 (apiVersion example.com/v1, kind Widget, name demo/w): The cluster does not serve example.com/v1 Widget" in result["msg"]
    assert "nothing was applied" in result["msg"]
    assert configmaps.writes == []


def test_an_unexpected_error_leaves_through_fail_json_with_its_type(run_module, monkeypatch):
    client = _Client(_Resources({}, broken=KeyError("resources")))
    monkeypatch.setattr(_module.OkeIstioModule, "client", property(lambda self: client))
    result, failed = run_module(resource_set.main, {"definitions": [CONFIGMAP]})
    assert failed
    assert result["msg"] == "Unexpected error: KeyError: 'resources'"
    assert "Traceback" in result["exception"]


def test_a_missing_kubeconfig_is_named_by_its_path(run_module, tmp_path):
    missing = str(tmp_path / "no-such-kubeconfig")
    result, failed = run_module(resource_set.main, {"kubeconfig": missing, "definitions": [CONFIGMAP]})
    assert failed
    assert result["msg"] == "kubeconfig %s does not exist (or is not a file)" % missing


def test_a_kubeconfig_variable_naming_no_file_is_named(run_module, tmp_path, monkeypatch):
    missing = str(tmp_path / "gone")
    monkeypatch.setenv("KUBECONFIG", missing)
    result, failed = run_module(resource_set.main, {"definitions": [CONFIGMAP]})
    assert failed
    assert result["msg"] == "KUBECONFIG names no existing file: %s" % missing


@pytest.mark.parametrize("owner", ["Gateway", "", "gate way", "-gateway", "g" * 64])
def test_an_owner_that_cannot_be_a_label_value_is_named(run_module, configmaps, owner):
    result, failed = run_module(resource_set.main, {"namespace": "demo", "owner": owner, "definitions": [CONFIGMAP]})
    assert failed
    assert result["msg"] == ("owner must be a label value (lower-case letters, digits, '-', '_' and '.', at most 63), got %r" % owner)
    assert configmaps.writes == []


def test_objects_applied_with_an_owner_carry_its_label(run_module, configmaps):
    result, failed = run_module(resource_set.main, {"namespace": "demo", "owner": "gateway", "definitions": [CONFIGMAP]})
    assert not failed and result["changed"]
    assert configmaps.writes == ["a"]
