# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way we apply, diff and delete objects: server-side apply, validated by a server-side dry run first.

Changes are decided by comparing the live object with the server's dry-run result of our apply, so
defaults filled in by the API server or by controllers count as unchanged, and fields owned by
other managers are left alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.oke.istio.plugins.module_utils._errors import (
    ClusterError,
    ValidationError,
    api_error_message,
)
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import (
    ApiException,
    KubernetesErrors,
    get_resource,
    read_object,
    refresh_discovery,
)
from ansible_collections.oke.istio.plugins.module_utils._k8s import waiter as waiters

FIELD_MANAGER = "oke.istio"
# Which role (or caller) created an object: an object has one owner, and nothing else takes it over or deletes it.
OWNER_LABEL = "oke.istio/owner"

# Fields a controller rewrites after we apply; comparing them would report a change on every run.
CONTROLLER_OWNED_PATHS = {
    "MutatingWebhookConfiguration": (("webhooks", "*", "clientConfig", "caBundle"), ("webhooks", "*", "failurePolicy")),
    "ValidatingWebhookConfiguration": (("webhooks", "*", "clientConfig", "caBundle"), ("webhooks", "*", "failurePolicy")),
    "CustomResourceDefinition": (("spec", "conversion", "webhook", "clientConfig", "caBundle"),),
}

VOLATILE_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink")

# Where objects bound for a namespace the same set creates are validated meanwhile.
VALIDATION_NAMESPACE = "default"

# Objects other objects live in or are typed by: applied (and awaited) before the rest.
FOUNDATION_KINDS = ("Namespace", "CustomResourceDefinition")


# Requests in flight at once when planning or reading a set; the API server handles these in parallel.
PARALLEL_REQUESTS = 8


def parallel_map(function, items):
    """``[function(item) for item in items]``, several requests at a time, results in order."""
    items = list(items)
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(PARALLEL_REQUESTS, len(items))) as pool:
        return list(pool.map(function, items))


class ObjectRef(object):
    __slots__ = ("api_version", "kind", "namespace", "name")

    def __init__(self, api_version, kind, name, namespace=None):
        self.api_version = api_version
        self.kind = kind
        self.name = name
        self.namespace = namespace

    def __str__(self):
        if self.namespace:
            return "%s/%s/%s" % (self.kind, self.namespace, self.name)
        return "%s/%s" % (self.kind, self.name)

    def as_dict(self):
        return {"api_version": self.api_version, "kind": self.kind, "namespace": self.namespace, "name": self.name}

    def describe(self, index=None):
        """The object as a user finds it in what they wrote: position, apiVersion, kind, name (and namespace)."""
        where = "manifest #%d " % index if index is not None else ""
        name = "%s/%s" % (self.namespace, self.name) if self.namespace else self.name
        return "%s(apiVersion %s, kind %s, name %s)" % (where, self.api_version, self.kind, name)


class Change(object):
    """What applying (or deleting) one object does: ``action`` is create, update, delete or none."""

    __slots__ = ("ref", "manifest", "action", "before", "after", "note")

    def __init__(self, ref, manifest, action, before=None, after=None, note=None):
        self.ref = ref
        self.manifest = manifest
        self.action = action
        self.before = before
        self.after = after
        self.note = note

    @property
    def changed(self):
        return self.action != "none"

    def as_result(self):
        result = dict(self.ref.as_dict(), action=self.action)
        if self.note:
            result["note"] = self.note
        return result

    def as_diff(self):
        return {
            "before_header": str(self.ref),
            "after_header": str(self.ref),
            "before": self.before or {},
            "after": self.after or {},
        }


def _strip_path(obj, path):
    if not path or obj is None:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(obj, list) and rest:
            for item in obj:
                _strip_path(item, rest)
        return
    if not isinstance(obj, dict) or head not in obj:
        return
    if rest:
        _strip_path(obj[head], rest)
    else:
        del obj[head]


def normalize(obj, ignore_labels=(), ignore_paths=None):
    """The comparable part of an object: no status, no bookkeeping metadata, no controller-owned fields.

    ``ignore_labels`` are labels another tool adds to what we apply (istioctl's owner labels);
    ``ignore_paths`` maps a kind to more paths to leave out, as CONTROLLER_OWNED_PATHS does.
    """
    if obj is None:
        return None
    data = copy.deepcopy(obj)
    data.pop("status", None)
    metadata = data.get("metadata", {})
    for key in VOLATILE_METADATA:
        metadata.pop(key, None)
    annotations = metadata.get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if not annotations:
        metadata.pop("annotations", None)
    labels = metadata.get("labels") or {}
    for key in ignore_labels:
        labels.pop(key, None)
    if "labels" in metadata and not labels:
        metadata.pop("labels")
    kind = data.get("kind")
    for path in CONTROLLER_OWNED_PATHS.get(kind, ()) + tuple((ignore_paths or {}).get(kind, ())):
        _strip_path(data, path)
    return data


def object_ref(manifest, index=None, default_namespace=None):
    """Check a manifest's shape locally and return its reference; errors name the offending document."""
    where = "manifest #%d" % index if index is not None else "manifest"
    if not isinstance(manifest, dict):
        raise ValidationError("%s is not a mapping (got %s)" % (where, type(manifest).__name__))
    missing = [key for key in ("apiVersion", "kind") if not manifest.get(key)]
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict) or not metadata.get("name"):
        missing.append("metadata.name")
    if missing:
        raise ValidationError("%s lacks %s" % (where, ", ".join(missing)), manifest=manifest)
    return ObjectRef(manifest["apiVersion"], manifest["kind"], metadata["name"], metadata.get("namespace") or default_namespace)


def owner_of(obj):
    """The owner an object's label names, or None."""
    return (((obj or {}).get("metadata") or {}).get("labels") or {}).get(OWNER_LABEL)


def _to_dict(instance):
    if instance is None:
        return None
    return instance.to_dict() if hasattr(instance, "to_dict") else instance


class Applier(object):
    """Plans and applies a set of manifests as one unit.

    ``plan`` dry-runs every object on the server and raises ValidationError listing every rejection,
    so a set with one bad object changes nothing. Namespaces and CRDs go first, because the rest
    cannot be created before them.
    """

    def __init__(self, client, field_manager=FIELD_MANAGER, default_namespace="default", waiter=None,
                 ignore_labels=(), ignore_paths=None, owner=None):
        self.client = client
        # With an owner, applied objects carry OWNER_LABEL, and objects another owner labelled are neither
        # updated (the plan fails) nor deleted (left in place, with a note).
        self.owner = owner
        self.ignore_labels = tuple(ignore_labels)
        self.ignore_paths = ignore_paths or {}
        self.field_manager = field_manager
        self.default_namespace = default_namespace
        self.waiter = waiter or waiters.Waiter(client)
        # What discovery answered per (apiVersion, kind), a resource or the ClusterError saying it is
        # not served: parallel requests read this and never look a kind up (or refresh) themselves.
        self._kinds = {}
        self._kinds_lock = threading.Lock()

    def _normalize(self, obj):
        return normalize(obj, self.ignore_labels, self.ignore_paths)

    def _foreign_owner(self, live):
        """The other owner of a live object, when this applier has an owner and the object names another."""
        found = owner_of(live)
        return found if self.owner and found and found != self.owner else None

    def _owned(self, manifest):
        if not self.owner:
            return manifest
        owned = copy.deepcopy(manifest)
        owned["metadata"].setdefault("labels", {})
        owned["metadata"]["labels"] = dict(owned["metadata"]["labels"] or {}, **{OWNER_LABEL: self.owner})
        return owned

    # -- reading -------------------------------------------------------------------------------

    def resource_for(self, ref):
        key = (ref.api_version, ref.kind)
        with self._kinds_lock:
            if key not in self._kinds:
                try:
                    self._kinds[key] = get_resource(self.client, ref.api_version, ref.kind)
                except ClusterError as exc:
                    self._kinds[key] = exc
            found = self._kinds[key]
        if isinstance(found, ClusterError):
            raise found
        return found

    def refresh_kinds(self):
        """Look every kind up again: CRDs of the set have just been established."""
        with self._kinds_lock:
            self._kinds.clear()
        refresh_discovery(self.client)

    def get(self, ref):
        """The object as a dict, or None when it does not exist."""
        return read_object(self.resource_for(ref), ref)

    def _namespace_exists(self, name, cache):
        if name not in cache:
            cache[name] = self.get(ObjectRef("v1", "Namespace", name)) is not None
        return cache[name]

    # -- planning ------------------------------------------------------------------------------

    def _dry_run(self, ref, manifest, namespace):
        resource = self.resource_for(ref)
        body = copy.deepcopy(manifest)
        if resource.namespaced:
            body["metadata"]["namespace"] = namespace
        return _to_dict(
            resource.server_side_apply(
                body=body,
                name=ref.name,
                namespace=namespace if resource.namespaced else None,
                field_manager=self.field_manager,
                force_conflicts=True,
                dry_run="All",
            )
        )

    def _plan_one(self, index, ref, manifest, pending_namespaces, pending_kinds, namespaces):
        """A Change for one object, or the text of its rejection naming the object (``index`` is its position in the set)."""
        try:
            if (ref.api_version, ref.kind) in pending_kinds:
                return Change(ref, manifest, "create", None, normalize(manifest), "validated after its CRD is established")
            resource = self.resource_for(ref)
            ref.namespace = (ref.namespace or self.default_namespace) if resource.namespaced else None
            live = None
            validate_in = ref.namespace
            if ref.namespace and ref.namespace in pending_namespaces and not namespaces.get(ref.namespace):
                # Kubernetes always has "default"; the set's own default namespace may be the one pending.
                validate_in = VALIDATION_NAMESPACE
            else:
                live = self.get(ref)
                other = self._foreign_owner(live)
                if other:
                    return "%s: owned by %s (label %s=%s), not %s; an object has one owner, so it is not taken over" % (
                        ref.describe(index), other, OWNER_LABEL, other, self.owner)
            dry = self._dry_run(ref, manifest, validate_in)
            if validate_in != ref.namespace:
                dry["metadata"]["namespace"] = ref.namespace
        except ApiException as exc:
            return "%s: %s" % (ref.describe(index), api_error_message(exc))
        except ClusterError as exc:
            return "%s: %s" % (ref.describe(index), exc.msg)
        before, after = self._normalize(live), self._normalize(dry)
        if live is None:
            action = "create"
        elif before != after:
            action = "update"
        else:
            action = "none"
        return Change(ref, manifest, action, before, after)

    def plan(self, manifests, pending_namespaces=(), pending_kinds=(), indexes=None):
        """Dry-run every manifest; return a Change per object or raise ValidationError naming each rejection.

        ``pending_namespaces`` and ``pending_kinds`` are created by an earlier stage of the same set:
        objects in such a namespace are validated in the default namespace instead, and objects of
        such a kind are validated once their CRD exists (see ``apply``). ``indexes`` are the
        manifests' positions in the set the user gave, for the messages (default: their positions here).
        """
        indexes = list(range(len(manifests))) if indexes is None else list(indexes)
        refs = [object_ref(manifest, index) for index, manifest in zip(indexes, manifests)]
        # Discovery is shared state: resolve every kind once, here, before the parallel requests.
        for ref in refs:
            if (ref.api_version, ref.kind) not in pending_kinds:
                try:
                    self.resource_for(ref)
                except ClusterError:
                    pass
        namespaces = {}
        for ref in refs:
            if ref.namespace and ref.namespace in pending_namespaces:
                self._namespace_exists(ref.namespace, namespaces)
        outcomes = parallel_map(
            lambda item: self._plan_one(item[0], item[1], item[2], pending_namespaces, pending_kinds, namespaces),
            zip(indexes, refs, manifests),
        )
        changes = [o for o in outcomes if isinstance(o, Change)]
        errors = [o for o in outcomes if not isinstance(o, Change)]
        if errors:
            raise ValidationError(
                "%d of %d object(s) failed validation (discovery and server-side dry run), so nothing was applied: %s"
                % (len(errors), len(manifests), "; ".join(errors)),
                rejected=errors,
            )
        return changes

    # -- applying ------------------------------------------------------------------------------

    def _apply_one(self, change):
        resource = self.resource_for(change.ref)
        body = copy.deepcopy(change.manifest)
        if resource.namespaced:
            body["metadata"]["namespace"] = change.ref.namespace
        with KubernetesErrors("apply %s" % change.ref):
            applied = resource.server_side_apply(
                body=body,
                name=change.ref.name,
                namespace=change.ref.namespace if resource.namespaced else None,
                field_manager=self.field_manager,
                force_conflicts=True,
            )
        change.after = self._normalize(_to_dict(applied))

    def plan_set(self, manifests, create_namespaces=False):
        """Plan a whole set: ``(foundation_changes, rest_changes, missing_kinds)``.

        With ``create_namespaces`` every namespace the set refers to counts as one the apply will
        create (as istioctl does for its own namespace).
        """
        for index, manifest in enumerate(manifests):
            object_ref(manifest, index)
        foundation_indexes = [i for i, m in enumerate(manifests) if m["kind"] in FOUNDATION_KINDS]
        rest_indexes = [i for i, m in enumerate(manifests) if m["kind"] not in FOUNDATION_KINDS]
        foundation = [manifests[i] for i in foundation_indexes]
        rest = [manifests[i] for i in rest_indexes]
        new_namespaces = set(m["metadata"]["name"] for m in foundation if m["kind"] == "Namespace")
        if create_namespaces:
            new_namespaces.update(m["metadata"].get("namespace") for m in rest if m["metadata"].get("namespace"))
        new_kinds = set()
        for crd in (m for m in foundation if m["kind"] == "CustomResourceDefinition"):
            spec = crd.get("spec", {})
            for version in spec.get("versions", []):
                new_kinds.add(("%s/%s" % (spec.get("group"), version.get("name")), spec.get("names", {}).get("kind")))
        foundation_changes = self.plan(foundation, indexes=foundation_indexes)
        missing_kinds = set(k for k in new_kinds if not self._serves(k))
        rest_changes = self.plan(rest, pending_namespaces=new_namespaces, pending_kinds=missing_kinds, indexes=rest_indexes)
        return foundation_changes, rest_changes, missing_kinds

    def apply(self, manifests, check_mode=False, timeout=120):
        """Apply ``manifests`` in stages (namespaces and CRDs first); return the list of Changes.

        Every object is validated before anything is written. In check mode nothing is written;
        objects that depend on a namespace or CRD created by the same set are reported as creations.
        """
        manifests = [self._owned(manifest) for manifest in manifests]
        foundation_changes, rest_changes, missing_kinds = self.plan_set(manifests)
        rest_indexes = [i for i, m in enumerate(manifests) if m["kind"] not in FOUNDATION_KINDS]
        if check_mode:
            return foundation_changes + rest_changes
        for change in foundation_changes:
            if change.changed:
                self._apply_one(change)
        for change in foundation_changes:
            if change.ref.kind == "CustomResourceDefinition":
                self.waiter.wait_for(change.ref, waiters.crd_established, timeout, "Established")
        if missing_kinds or any(c.note for c in rest_changes):
            # Validate the rest again now that its namespaces and CRDs exist.
            self.refresh_kinds()
            rest = [c.manifest for c in rest_changes]
            rest_changes = self.plan(rest, indexes=rest_indexes)
        for change in rest_changes:
            if change.changed:
                self._apply_one(change)
        return foundation_changes + rest_changes

    def _serves(self, kind_key):
        try:
            self.resource_for(ObjectRef(kind_key[0], kind_key[1], None))
            return True
        except ClusterError:
            return False

    # -- deleting ------------------------------------------------------------------------------

    @KubernetesErrors("delete {ref}", missing=None)
    def _delete(self, resource, ref):
        resource.delete(name=ref.name, namespace=ref.namespace, body={"propagationPolicy": "Background"})

    def delete(self, refs, check_mode=False, wait=True, timeout=120):
        """Delete each object that exists; return Changes (action ``delete`` or ``none``)."""
        changes = []
        for ref in refs:
            try:
                resource = self.resource_for(ref)
            except ClusterError:
                changes.append(Change(ref, None, "none", note="kind not served by the cluster"))
                continue
            if not resource.namespaced:
                ref.namespace = None
            elif not ref.namespace:
                ref.namespace = self.default_namespace
            live = self.get(ref)
            if live is None:
                changes.append(Change(ref, None, "none"))
                continue
            other = self._foreign_owner(live)
            if other:
                changes.append(Change(ref, None, "none", note="owned by %s (label %s=%s): left in place" % (other, OWNER_LABEL, other)))
                continue
            changes.append(Change(ref, None, "delete", self._normalize(live), None))
        if check_mode:
            return changes
        for change in changes:
            if not change.changed:
                continue
            self._delete(self.resource_for(change.ref), change.ref)
        if wait:
            for change in changes:
                if change.changed:
                    self.waiter.wait_for_absence(change.ref, timeout)
        return changes


def summarize(changes):
    """The result keys every applying module returns."""
    return {
        "changed": any(c.changed for c in changes),
        "resources": [c.as_result() for c in changes],
        "diff": [c.as_diff() for c in changes if c.changed],
    }
