# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError, ClusterError
from ansible_collections.oke.istio.plugins.module_utils._k8s import apply
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException


def configmap(name="c", namespace="ns", data=None):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data or {"k": "v"}}


class Instance(dict):
    def to_dict(self):
        return copy.deepcopy(dict(self))


class FakeResource(object):
    """A namespaced or cluster-scoped kind backed by a dict; server-side apply merges top-level keys."""

    def __init__(self, store, kind, namespaced=True, reject=None):
        self.store = store
        self.kind = kind
        self.namespaced = namespaced
        self.reject = reject or {}
        self.applied = []

    def _key(self, name, namespace):
        return (self.kind, namespace if self.namespaced else None, name)

    def get(self, name=None, namespace=None):
        obj = self.store.get(self._key(name, namespace))
        if obj is None:
            raise ApiException(status=404, reason="Not Found")
        return Instance(obj)

    def server_side_apply(self, body, name, namespace, field_manager, force_conflicts, dry_run=None):
        if name in self.reject:
            exc = ApiException(status=422, reason="Unprocessable Entity")
            exc.body = '{"message": "%s"}' % self.reject[name]
            raise exc
        if self.namespaced and namespace not in self.store.get("namespaces", {namespace}):
            raise ApiException(status=404, reason="namespace %s not found" % namespace)
        merged = copy.deepcopy(self.store.get(self._key(name, namespace)) or {})
        merged.update(copy.deepcopy(body))
        merged.setdefault("metadata", {})["managedFields"] = [{"manager": field_manager}]
        merged["metadata"]["resourceVersion"] = "2" if dry_run else "3"
        if not dry_run:
            self.store[self._key(name, namespace)] = merged
            self.applied.append(name)
        return Instance(merged)

    def delete(self, name, namespace, body):
        self.store.pop(self._key(name, namespace), None)


class FakeResources(object):
    def __init__(self, kinds):
        self.kinds = kinds

    def get(self, api_version, kind):
        from kubernetes.dynamic.exceptions import ResourceNotFoundError

        if kind not in self.kinds:
            raise ResourceNotFoundError("no %s" % kind)
        return self.kinds[kind]

    def invalidate_cache(self):
        pass


class FakeClient(object):
    def __init__(self, store, **kinds):
        self.resources = FakeResources(kinds)


class NoWait(object):
    def wait_for(self, *args, **kwargs):
        return {}, "ready"

    def wait_for_absence(self, *args, **kwargs):
        return None


@pytest.fixture
def cluster():
    store = {"namespaces": {"ns", "default"}}
    configmaps = FakeResource(store, "ConfigMap")
    client = FakeClient(store, ConfigMap=configmaps, Namespace=FakeResource(store, "Namespace", namespaced=False))
    return store, configmaps, apply.Applier(client, waiter=NoWait())


def test_normalize_drops_bookkeeping_and_controller_fields():
    live = {
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "v", "resourceVersion": "9", "managedFields": [], "uid": "u", "labels": {"keep": "1", "drop": "x"}},
        "webhooks": [{"name": "w", "clientConfig": {"caBundle": "abc", "service": {"name": "istiod"}}, "failurePolicy": "Fail"}],
        "status": {"x": 1},
    }
    assert apply.normalize(live, ignore_labels=("drop",)) == {
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "v", "labels": {"keep": "1"}},
        "webhooks": [{"name": "w", "clientConfig": {"service": {"name": "istiod"}}}],
    }


def test_normalize_extra_paths_and_missing_paths_are_harmless():
    obj = {"kind": "MutatingWebhookConfiguration", "metadata": {"name": "m"}, "webhooks": [{"name": "a", "objectSelector": {}}, {"name": "b"}]}
    out = apply.normalize(obj, ignore_paths={"MutatingWebhookConfiguration": (("webhooks", "*", "objectSelector"),)})
    assert out["webhooks"] == [{"name": "a"}, {"name": "b"}]
    assert apply.normalize(None) is None


@pytest.mark.parametrize(
    "manifest, message",
    [
        ("text", "manifest #0 is not a mapping"),
        ({"kind": "ConfigMap", "metadata": {"name": "a"}}, "lacks apiVersion"),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}, "lacks metadata.name"),
    ],
)
def test_object_ref_names_what_is_missing(manifest, message):
    with pytest.raises(ValidationError) as err:
        apply.object_ref(manifest, 0)
    assert message in err.value.msg


def test_create_then_unchanged(cluster):
    store, configmaps, applier = cluster
    changes = applier.apply([configmap()])
    assert [c.action for c in changes] == ["create"]
    changes = applier.apply([configmap()])
    assert [c.action for c in changes] == ["none"]
    assert configmaps.applied == ["c"]


def test_update_reports_before_and_after(cluster):
    _store, _configmaps, applier = cluster
    applier.apply([configmap()])
    change = applier.apply([configmap(data={"k": "new"})])[0]
    assert change.action == "update"
    assert change.before["data"] == {"k": "v"} and change.after["data"] == {"k": "new"}
    assert change.as_diff()["before_header"] == "ConfigMap/ns/c"


def test_check_mode_writes_nothing(cluster):
    store, configmaps, applier = cluster
    changes = applier.apply([configmap()], check_mode=True)
    assert [c.action for c in changes] == ["create"]
    assert configmaps.applied == [] and ("ConfigMap", "ns", "c") not in store


def test_one_rejected_object_means_nothing_is_applied():
    store = {"namespaces": {"ns"}}
    configmaps = FakeResource(store, "ConfigMap", reject={"bad": "data.k: Invalid value"})
    applier = apply.Applier(FakeClient(store, ConfigMap=configmaps), waiter=NoWait())
    with pytest.raises(ValidationError) as err:
        applier.apply([configmap("good"), configmap("bad")])
    assert "1 of 2" in err.value.msg and "manifest #1 (apiVersion v1, kind ConfigMap, name ns/bad)" in err.value.msg
    assert "Invalid value" in err.value.msg
    assert configmaps.applied == []


def test_unknown_kind_is_rejected_before_applying(cluster):
    _store, configmaps, applier = cluster
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "ns"}}
    with pytest.raises(ValidationError) as err:
        applier.apply([configmap(), widget])
    assert "manifest #1 (apiVersion example.com/v1, kind Widget, name ns/w): The cluster does not serve example.com/v1 Widget" in err.value.msg
    assert configmaps.applied == []


class RacyResources(FakeResources):
    """Discovery as the kubernetes library does it: invalidate_cache() empties the cache and fills it
    again from the API server, and a lookup from another thread meanwhile fails with a bare KeyError."""

    def __init__(self, kinds):
        super(RacyResources, self).__init__(kinds)
        self.refreshing = False
        self.refreshes = 0

    def get(self, api_version, kind):
        if self.refreshing:
            raise KeyError("resources")
        return super(RacyResources, self).get(api_version, kind)

    def invalidate_cache(self):
        self.refreshing = True
        self.refreshes += 1
        time.sleep(0.05)
        self.refreshing = False


def test_an_unknown_kind_among_others_is_named_not_a_discovery_race():
    """One unknown kind in a set: looking it up again (and refreshing discovery) from one thread while
    the others look theirs up was the bare "Module failed: 'resources'" of resource_set."""
    store = {"namespaces": {"ns"}}
    configmaps = FakeResource(store, "ConfigMap")
    client = FakeClient(store)
    client.resources = RacyResources({"ConfigMap": configmaps})
    applier = apply.Applier(client, waiter=NoWait())
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "ns"}}
    manifests = [configmap("a"), configmap("b"), widget] + [configmap("c%d" % i) for i in range(6)]
    with pytest.raises(ValidationError) as err:
        applier.apply(manifests)
    assert err.value.msg.startswith("1 of 9 object(s) failed validation")
    assert err.value.msg.endswith(
        "manifest #2 (apiVersion example.com/v1, kind Widget, name ns/w): "
        "The cluster does not serve example.com/v1 Widget: is the CRD installed (for Istio resources: is Istio installed)?"
    )
    assert configmaps.applied == []
    # The unknown kind was looked up once (one refresh), not again by each parallel request.
    assert client.resources.refreshes == 1


def test_rejections_name_the_position_in_the_whole_set_across_stages(cluster):
    """Namespaces go first, so the rest is planned as a stage of its own: the message still counts from the set."""
    _store, configmaps, applier = cluster
    configmaps.reject = {"bad": "data.k: Invalid value"}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}
    with pytest.raises(ValidationError) as err:
        applier.apply([configmap("good"), namespace, configmap("bad")], check_mode=True)
    assert "manifest #2 (apiVersion v1, kind ConfigMap, name ns/bad): 422 Unprocessable Entity: data.k: Invalid value" in err.value.msg


def test_objects_in_a_namespace_of_the_same_set_are_validated_elsewhere_then_applied(cluster):
    store, configmaps, applier = cluster
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fresh"}}

    original = configmaps.server_side_apply

    def apply_and_register(body, name, namespace, field_manager, force_conflicts, dry_run=None):
        result = original(body, name, namespace, field_manager, force_conflicts, dry_run)
        return result

    configmaps.server_side_apply = apply_and_register
    store["namespaces"].add("fresh")  # the fake has no namespace lifecycle; the ordering is what is checked
    changes = applier.apply([configmap(namespace="fresh"), namespace])
    assert [str(c.ref) for c in changes] == ["Namespace/fresh", "ConfigMap/fresh/c"]


def test_delete_reports_and_removes_only_existing(cluster):
    store, _configmaps, applier = cluster
    applier.apply([configmap()])
    refs = [apply.object_ref(configmap()), apply.object_ref(configmap("other"))]
    planned = applier.delete(refs, check_mode=True)
    assert [c.action for c in planned] == ["delete", "none"]
    assert ("ConfigMap", "ns", "c") in store
    applier.delete([apply.object_ref(configmap())])
    assert ("ConfigMap", "ns", "c") not in store


def test_read_errors_other_than_not_found_surface(cluster):
    _store, configmaps, applier = cluster

    def broken(name=None, namespace=None):
        raise ApiException(status=403, reason="Forbidden")

    configmaps.get = broken
    with pytest.raises(ClusterError) as err:
        applier.get(apply.object_ref(configmap()))
    assert "Failed to read ConfigMap/ns/c: 403 Forbidden" in err.value.msg


def test_summarize():
    ref = apply.object_ref(configmap())
    result = apply.summarize([apply.Change(ref, None, "none"), apply.Change(ref, None, "create", None, {"a": 1})])
    assert result["changed"] is True
    assert [r["action"] for r in result["resources"]] == ["none", "create"]
    assert len(result["diff"]) == 1


def test_objects_bound_for_a_new_default_namespace_are_validated_in_default():
    store = {"namespaces": {"default"}}
    configmaps = FakeResource(store, "ConfigMap")
    client = FakeClient(store, ConfigMap=configmaps, Namespace=FakeResource(store, "Namespace", namespaced=False))
    applier = apply.Applier(client, default_namespace="fresh", waiter=NoWait())
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fresh"}}
    unplaced = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    changes = applier.apply([namespace, unplaced], check_mode=True)
    assert [(str(c.ref), c.action) for c in changes] == [("Namespace/fresh", "create"), ("ConfigMap/fresh/c", "create")]


def owned_applier(store, owner):
    configmaps = FakeResource(store, "ConfigMap")
    return configmaps, apply.Applier(FakeClient(store, ConfigMap=configmaps), waiter=NoWait(), owner=owner)


def test_an_owner_labels_what_it_applies_and_keeps_applying_it():
    store = {"namespaces": {"ns"}}
    configmaps, applier = owned_applier(store, "bookinfo")
    assert [c.action for c in applier.apply([configmap()])] == ["create"]
    assert store[("ConfigMap", "ns", "c")]["metadata"]["labels"] == {apply.OWNER_LABEL: "bookinfo"}
    assert [c.action for c in applier.apply([configmap()])] == ["none"]
    assert [c.action for c in applier.apply([configmap(data={"k": "new"})])] == ["update"]


def test_an_object_of_another_owner_is_not_taken_over_and_nothing_is_applied():
    store = {"namespaces": {"ns"}}
    _configmaps, bookinfo = owned_applier(store, "bookinfo")
    bookinfo.apply([configmap("shared")])
    configmaps, gateway = owned_applier(store, "gateway")
    before = copy.deepcopy(store)
    for check_mode in (True, False):
        with pytest.raises(ValidationError) as err:
            gateway.apply([configmap("mine"), configmap("shared", data={"k": "taken"})], check_mode=check_mode)
        assert "manifest #1 (apiVersion v1, kind ConfigMap, name ns/shared): owned by bookinfo (label oke.istio/owner=bookinfo), " \
               "not gateway" in err.value.msg
    assert configmaps.applied == [] and store == before


def test_an_object_without_the_label_is_adopted():
    store = {"namespaces": {"ns"}}
    _configmaps, unowned = owned_applier(store, None)
    unowned.apply([configmap()])
    _configmaps, gateway = owned_applier(store, "gateway")
    assert [c.action for c in gateway.apply([configmap()])] == ["update"]
    assert store[("ConfigMap", "ns", "c")]["metadata"]["labels"] == {apply.OWNER_LABEL: "gateway"}


def test_delete_leaves_another_owners_object_with_a_note():
    store = {"namespaces": {"ns"}}
    _configmaps, bookinfo = owned_applier(store, "bookinfo")
    bookinfo.apply([configmap("theirs")])
    _configmaps, gateway = owned_applier(store, "gateway")
    gateway.apply([configmap("mine")])
    changes = gateway.delete([apply.object_ref(configmap("theirs")), apply.object_ref(configmap("mine"))])
    assert [c.action for c in changes] == ["none", "delete"]
    assert changes[0].note == "owned by bookinfo (label oke.istio/owner=bookinfo): left in place"
    assert ("ConfigMap", "ns", "theirs") in store and ("ConfigMap", "ns", "mine") not in store
    # Without an owner the caller deletes what it names, as before.
    _configmaps, anyone = owned_applier(store, None)
    assert [c.action for c in anyone.delete([apply.object_ref(configmap("theirs"))])] == ["delete"]
