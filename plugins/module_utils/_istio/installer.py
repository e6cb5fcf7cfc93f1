# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Idempotent istioctl installs.

The desired install is rendered offline with ``istioctl manifest generate`` and each object is
dry-run applied the way ``istioctl install`` applies it (server-side apply, field manager
``istio-operator``, forced). The install runs only when the cluster differs, so a repeated run
costs a render and a dry run instead of a full install.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.oke.istio.plugins.module_utils._istio.operator import istio_namespace, operator_file, render
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Applier, ObjectRef, parallel_map
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import list_items
from ansible_collections.oke.istio.plugins.module_utils._k8s import waiter as waiters

ISTIOCTL_FIELD_MANAGER = "istio-operator"

# Labels ``istioctl install`` adds to every object it applies; ``manifest generate`` omits them.
INSTALLER_LABELS = (
    "operator.istio.io/component",
    "operator.istio.io/managed",
    "operator.istio.io/version",
    "install.operator.istio.io/owning-resource",
    "install.operator.istio.io/owning-resource-namespace",
    "istio.io/rev",
)

# istioctl install points injection at the "default" revision tag webhook and switches the
# injector's own selectors off ("istio.io/deactivated"), which manifest generate does not show.
INSTALLER_REWRITTEN_PATHS = {
    "MutatingWebhookConfiguration": (("webhooks", "*", "namespaceSelector"), ("webhooks", "*", "objectSelector")),
}

RECORD_PREFIX = "oke-istio-install"

# Kinds that ``istioctl uninstall`` may leave behind at cluster scope.
# istioctl labels everything it installs with the namespace of the owning IstioOperator.
OWNING_NAMESPACE_LABEL = "install.operator.istio.io/owning-resource-namespace"
CLUSTER_LEFTOVER_KINDS = (
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
)


def record_name(revision):
    return "%s-%s" % (RECORD_PREFIX, revision) if revision else RECORD_PREFIX


def fingerprint(operator, istioctl_version):
    material = json.dumps({"operator": operator, "istioctl": istioctl_version}, sort_keys=True)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class InstallPlan(object):
    """What installing ``operator`` would change: per-object changes plus the recorded spec's diff."""

    def __init__(self, operator, manifests, changes, record, istioctl_version, refs=None):
        self.operator = operator
        self.manifests = manifests
        self.changes = changes
        self.record = record
        self.istioctl_version = istioctl_version
        self.fingerprint = fingerprint(operator, istioctl_version)
        # Objects of the install; taken from the record when the fast path skipped rendering.
        self.refs = refs if refs is not None else [c.ref for c in changes]

    @property
    def recorded_fingerprint(self):
        return ((self.record or {}).get("data") or {}).get("fingerprint")

    @property
    def objects_changed(self):
        return any(c.changed for c in self.changes)

    @property
    def changed(self):
        return self.objects_changed or self.recorded_fingerprint != self.fingerprint

    def recorded_operator(self):
        text = ((self.record or {}).get("data") or {}).get("operator")
        return json.loads(text) if text else None

    def diff(self):
        spec_diff = {
            "before_header": "IstioOperator (recorded at the last install)",
            "after_header": "IstioOperator (desired)",
            "before": self.recorded_operator() or {},
            "after": self.operator,
        }
        return [spec_diff] + [c.as_diff() for c in self.changes if c.changed]

    def deployments(self):
        return [ref for ref in self.refs if ref.kind == "Deployment"]


class Installer(object):
    def __init__(self, client, istioctl, waiter=None):
        self.client = client
        self.istioctl = istioctl
        self.waiter = waiter or waiters.Waiter(client)
        self.applier = Applier(
            client,
            field_manager=ISTIOCTL_FIELD_MANAGER,
            waiter=self.waiter,
            ignore_labels=INSTALLER_LABELS,
            ignore_paths=INSTALLER_REWRITTEN_PATHS,
        )
        self.recorder = Applier(client, waiter=self.waiter)

    def record_ref(self, operator, revision):
        return ObjectRef("v1", "ConfigMap", record_name(revision), istio_namespace(operator))

    def plan(self, operator, revision=None, full=False):
        """What installing ``operator`` changes.

        Fast path: when the record's fingerprint matches and every recorded object still has the
        generation (or, for kinds without one, the resourceVersion) seen after the last install or
        comparison, nothing can differ and no render or dry run is needed. Otherwise, or with
        ``full``, every object is compared by a server-side dry run.
        """
        record = self.applier.get(self.record_ref(operator, revision))
        version = self.istioctl.client_version()
        if not full:
            unchanged = self._unchanged_since_record(record, fingerprint(operator, version))
            if unchanged is not None:
                return InstallPlan(operator, [], [], record, version, refs=unchanged)
        manifests = render(self.istioctl, operator, revision)
        foundation, rest, _missing = self.applier.plan_set(manifests, create_namespaces=True)
        return InstallPlan(operator, manifests, foundation + rest, record, version)

    def _unchanged_since_record(self, record, current_fingerprint):
        data = (record or {}).get("data") or {}
        if data.get("fingerprint") != current_fingerprint or not data.get("objects"):
            return None
        try:
            recorded = json.loads(data["objects"])
            refs = [ObjectRef(o["api_version"], o["kind"], o["name"], o.get("namespace")) for o in recorded]
        except (ValueError, KeyError, TypeError):
            return None
        versions = parallel_map(lambda ref: object_version(self.applier.get(ref)), refs)
        if [o.get("version") for o in recorded] != versions:
            return None
        return refs

    def observed_objects(self, plan):
        """Each object of the install with its current version, as the fast path compares them."""
        versions = parallel_map(lambda ref: object_version(self.applier.get(ref)), plan.refs)
        return [dict(ref.as_dict(), version=version) for ref, version in zip(plan.refs, versions)]

    def install(self, plan, revision, timeout):
        if plan.objects_changed:
            with operator_file(plan.operator) as path:
                self.istioctl.install(path, timeout)
        self.write_record(plan, revision)

    def write_record(self, plan, revision):
        ref = self.record_ref(plan.operator, revision)
        record = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": ref.name,
                "namespace": ref.namespace,
                "labels": {"app.kubernetes.io/managed-by": "oke.istio", "istio.io/rev": revision or "default"},
            },
            "data": {
                "operator": json.dumps(plan.operator, sort_keys=True),
                "fingerprint": plan.fingerprint,
                "istioctl-version": plan.istioctl_version,
                "objects": json.dumps(self.observed_objects(plan), sort_keys=True),
            },
        }
        return any(c.changed for c in self.recorder.apply([record]))

    def readiness(self, plan, timeout):
        return self.waiter.wait_ready(plan.deployments(), timeout)

    def load_balancer_address(self, service_ref, timeout):
        try:
            _obj, address = self.waiter.wait_for(service_ref, waiters.load_balancer_address, timeout, "assigned a load balancer address")
        except waiters.WaitTimeout as exc:
            exc.msg = (
                "%s. The cloud gave the ingress gateway no load balancer address: check the OCI load balancer "
                "annotations and service limits, or, on clusters without a load balancer controller (kind, "
                "bare metal, simulated nodes), set wait_for_load_balancer=false and use the NodePort." % exc.msg
            )
            raise
        return address

    def installed_revisions(self, namespace):
        """Revisions recorded by this collection or running an istiod, whoever installed them."""
        configmaps = list_items(self.client, "v1", "ConfigMap", namespace, "app.kubernetes.io/managed-by=oke.istio")
        deployments = list_items(self.client, "apps/v1", "Deployment", namespace, "app=istiod")
        recorded = set(
            i["metadata"]["labels"].get("istio.io/rev", "default")
            for i in configmaps
            if i["metadata"]["name"].startswith(RECORD_PREFIX)
        )
        running = set((i["metadata"].get("labels") or {}).get("istio.io/rev", "default") for i in deployments)
        return sorted(recorded | running)

    def leftovers(self, namespace):
        """Cluster-scoped objects istioctl installed for any revision of ``namespace``, rendered or not
        (istiod-default-validator and istio-revision-tag-* come from defaultRevision and tags)."""
        refs = []
        for api_version, kind in CLUSTER_LEFTOVER_KINDS:
            found = list_items(self.client, api_version, kind, label_selector="%s=%s" % (OWNING_NAMESPACE_LABEL, namespace))
            refs += [ObjectRef(api_version, kind, item["metadata"]["name"], None) for item in found]
        return refs

    def final_cleanup(self, namespace, remove_namespace):
        """What goes once no revision is left: istioctl's leftovers, and the namespace if asked."""
        refs = self.leftovers(namespace)
        if remove_namespace:
            refs.append(ObjectRef("v1", "Namespace", namespace, None))
        return refs

    def uninstall(self, operator, revision, purge, check_mode, timeout, remove_namespace=False):
        """Remove the revision (and CRDs with ``purge``); leave no webhook or cluster role behind once no revision remains.

        Whether the revision is installed is told by the objects only it owns (its istiod and its
        injector webhook) and its record: objects shared with other revisions do not count. With
        ``remove_namespace`` the Istio namespace goes too once no revision is left.
        """
        manifests = render(self.istioctl, operator, revision)
        refs = []
        for manifest in manifests:
            meta = manifest["metadata"]
            if manifest["kind"] == "CustomResourceDefinition" and not purge:
                continue
            refs.append(ObjectRef(manifest["apiVersion"], manifest["kind"], meta["name"], meta.get("namespace")))
        record = self.record_ref(operator, revision)
        owned = [r for r in refs if revision_owned(r)] + [record]
        namespace = record.namespace
        last = purge or not [r for r in self.installed_revisions(namespace) if r != (revision or "default")]
        cleanup = self.final_cleanup(namespace, remove_namespace) if last else []
        planned = self.applier.delete(unique_refs((refs + [record] if purge else owned) + cleanup), check_mode=True)
        if check_mode or not any(c.changed for c in planned):
            return planned
        if any(c.changed for c in planned if revision_owned(c.ref) or c.ref.kind == "CustomResourceDefinition"):
            self.istioctl.uninstall(revision=revision, purge=purge)
        revisions = self.installed_revisions(namespace)
        others = [] if purge else [r for r in revisions if r != (revision or "default")]
        if others:
            # The other revisions still use the shared objects. istioctl only asked for this revision's
            # own objects to go: wait until they are gone, so a re-run finds the revision uninstalled.
            remaining = owned
        else:
            remaining = [r for r in refs if r.namespace or (r.api_version, r.kind) in CLUSTER_LEFTOVER_KINDS or purge]
            remaining += [self.record_ref(operator, None if r == "default" else r) for r in revisions] + [record]
            remaining += cleanup if last else self.final_cleanup(namespace, remove_namespace)
        # Delete what istioctl left and wait until all of it is gone.
        self.applier.delete(unique_refs(remaining), wait=True, timeout=timeout)
        return planned


def revision_owned(ref):
    """Objects that exist once per revision: istiod and the sidecar injector webhook configuration."""
    return (ref.kind == "Deployment" and ref.name.startswith("istiod")) or (
        ref.kind == "MutatingWebhookConfiguration" and ref.name.startswith("istio-sidecar-injector")
    )


def unique_refs(refs):
    seen, result = set(), []
    for ref in refs:
        if str(ref) not in seen:
            seen.add(str(ref))
            result.append(ref)
    return result


# Metadata the API server or controllers change without anyone changing the object's desired state.
VOLATILE_METADATA = ("resourceVersion", "managedFields", "uid", "creationTimestamp", "selfLink", "generation")


def object_version(obj):
    """What changes when an object's desired state changes: its generation, else a hash of everything but
    its status (controllers rewrite the status, and so the resourceVersion, of kinds without a
    generation, such as a HorizontalPodAutoscaler, all the time)."""
    if obj is None:
        return None
    metadata = obj.get("metadata") or {}
    if metadata.get("generation"):
        return "g%s" % metadata["generation"]
    content = dict((k, v) for k, v in obj.items() if k != "status")
    content["metadata"] = dict((k, v) for k, v in metadata.items() if k not in VOLATILE_METADATA)
    return "h%s" % hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def component_report(plan, readiness):
    ready = dict(("%s/%s" % (r["namespace"], r["name"]), r) for r in readiness)
    components = []
    for ref in plan.deployments():
        entry = ready.get("%s/%s" % (ref.namespace, ref.name))
        components.append(
            {
                "name": ref.name,
                "namespace": ref.namespace,
                "kind": ref.kind,
                "ready": bool(entry),
                "detail": entry["detail"] if entry else "not awaited",
            }
        )
    return components
