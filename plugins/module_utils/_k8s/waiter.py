# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way we wait: watch an object until a readiness predicate holds, against a monotonic deadline.

A predicate takes the object (a dict) and returns ``(done, detail)``; ``detail`` says what is still
missing, so a timeout names the component that is not ready and why.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import time

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, WaitTimeout, api_error_message
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException, KubernetesErrors, get_resource, read_object


def _conditions(obj):
    return dict(
        (c.get("type"), c) for c in ((obj.get("status") or {}).get("conditions") or []) if isinstance(c, dict)
    )


def _condition_true(obj, condition_type):
    return _conditions(obj).get(condition_type, {}).get("status") == "True"


def crd_established(obj):
    if _condition_true(obj, "Established"):
        return True, "established"
    return False, "CRD not Established yet"


def _not_observed(obj):
    """Why the controller's status does not speak of the object's current spec yet, or None once it does."""
    generation = (obj.get("metadata") or {}).get("generation") or 0
    if ((obj.get("status") or {}).get("observedGeneration") or 0) < generation:
        return "controller has not observed generation %s yet" % generation
    return None


def _short_of(status, fields, wanted, unit):
    """Why ``status`` has fewer than ``wanted`` in one of ``fields``, or None; fields are ``(key, word)`` pairs."""
    for key, word in fields:
        if (status.get(key) or 0) < wanted:
            return "%s/%s %s %s" % (status.get(key) or 0, wanted, unit, word)
    return None


def deployment_ready(obj):
    """Rolled out: the current generation observed, every replica updated, ready and available, no old one left."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    wanted = spec.get("replicas", 1)
    missing = _not_observed(obj) or _short_of(
        status, (("updatedReplicas", "updated"), ("readyReplicas", "ready"), ("availableReplicas", "available")), wanted, "replicas"
    )
    if missing:
        return False, missing
    surplus = (status.get("replicas") or 0) - wanted
    if surplus > 0:
        return False, "%s old replica(s) still running beside the %s wanted" % (surplus, wanted)
    if status.get("unavailableReplicas"):
        return False, "%s replica(s) unavailable" % status["unavailableReplicas"]
    return True, "%s/%s replicas available" % (wanted, wanted)


def statefulset_ready(obj):
    """Rolled out as ``kubectl rollout status`` tells it: the current generation observed, every replica ready and
    updated (up to the partition), and with RollingUpdate and no partition the update revision current."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    wanted = spec.get("replicas", 1)
    strategy = spec.get("updateStrategy") or {}
    rolling = strategy.get("type", "RollingUpdate") == "RollingUpdate"
    partition = ((strategy.get("rollingUpdate") or {}).get("partition") or 0) if rolling else 0
    missing = _not_observed(obj) or _short_of(status, (("readyReplicas", "ready"),), wanted, "replicas")
    if not missing and rolling:
        missing = _short_of(status, (("updatedReplicas", "updated"),), wanted - partition, "replicas")
    if missing:
        return False, missing
    surplus = (status.get("replicas") or 0) - wanted
    if surplus > 0:
        return False, "%s replica(s) beyond the %s wanted still running" % (surplus, wanted)
    if rolling and not partition and status.get("currentRevision") != status.get("updateRevision"):
        return False, "revision %s not yet current (still %s)" % (status.get("updateRevision"), status.get("currentRevision"))
    return True, "%s/%s replicas ready" % (wanted, wanted)


def daemonset_ready(obj):
    """Rolled out: the current generation observed, the pod updated and available on every node that should run it."""
    status = obj.get("status") or {}
    wanted = status.get("desiredNumberScheduled") or 0
    missing = _not_observed(obj) or _short_of(
        status, (("updatedNumberScheduled", "updated"), ("numberAvailable", "available")), wanted, "pods"
    )
    if missing:
        return False, missing
    if status.get("numberUnavailable"):
        return False, "%s pod(s) unavailable" % status["numberUnavailable"]
    return True, "%s/%s pods ready" % (wanted, wanted)


def pod_ready(obj):
    if _condition_true(obj, "Ready"):
        return True, "ready"
    return False, "phase %s" % (obj.get("status") or {}).get("phase", "Unknown")


def job_complete(obj):
    if _condition_true(obj, "Complete"):
        return True, "complete"
    if _condition_true(obj, "Failed"):
        raise ClusterError("Job %s failed" % obj["metadata"]["name"])
    return False, "not complete"


def load_balancer_address(obj):
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    for entry in ingress:
        address = entry.get("ip") or entry.get("hostname")
        if address:
            return True, address
    return False, "no load balancer address assigned"


READINESS = {
    "Deployment": deployment_ready,
    "StatefulSet": statefulset_ready,
    "DaemonSet": daemonset_ready,
    "Pod": pod_ready,
    "Job": job_complete,
    "CustomResourceDefinition": crd_established,
}


def readiness_for(kind):
    """The predicate that tells an object of ``kind`` is ready, or None for kinds that are ready once created."""
    return READINESS.get(kind)


# How long to pause before watching again after the API server refused a stale watch.
WATCH_RESTART_PAUSE = 0.5


def _watch_can_restart(exc):
    """410 Gone (the watch's version was compacted away) and 504 'Too large resource version' (the API
    server's watch cache has not caught up yet with a version it just returned) clear up on a new watch."""
    if exc.status == 410:
        return True
    return exc.status == 504 and "resource version" in api_error_message(exc).lower()


def _resource_version(obj):
    return (obj or {}).get("metadata", {}).get("resourceVersion")


class Waiter(object):
    def __init__(self, client, clock=time.monotonic, sleep=time.sleep):
        self.client = client
        self.clock = clock
        self.sleep = sleep

    def _resource(self, ref):
        return get_resource(self.client, ref.api_version, ref.kind)

    def _watch(self, resource, ref, deadline, resource_version=None):
        """Yield the object (or None once deleted) on every change after ``resource_version`` (the
        version of the object as last read) until the deadline. Without a version the API server only
        reports what exists when the watch starts: an object deleted after the read would go unseen."""
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                return
            try:
                stream = resource.watch(
                    namespace=ref.namespace if resource.namespaced else None,
                    name=ref.name,
                    resource_version=resource_version,
                    timeout=max(1, int(math.ceil(remaining))),
                )
                for event in stream:
                    obj = event.get("raw_object") or {}
                    resource_version = _resource_version(obj) or resource_version
                    yield None if event.get("type") == "DELETED" else obj
                    if deadline - self.clock() <= 0:
                        return
            except ApiException as exc:
                if not _watch_can_restart(exc):
                    raise KubernetesErrors.error("watch %s" % ref, exc)
                # Events may have been missed: start again from the object as it is now.
                self.sleep(min(WATCH_RESTART_PAUSE, max(0, deadline - self.clock())))
                obj = read_object(resource, ref)
                resource_version = _resource_version(obj)
                yield obj

    def wait_for(self, ref, predicate, timeout, what=None):
        """Wait until ``predicate`` holds for the object ``ref``; return ``(object, detail)``."""
        resource = self._resource(ref)
        deadline = self.clock() + timeout
        obj = read_object(resource, ref)
        detail = "does not exist"
        if obj is not None:
            done, detail = predicate(obj)
            if done:
                return obj, detail
        for obj in self._watch(resource, ref, deadline, _resource_version(obj)):
            if obj is None:
                detail = "was deleted"
                continue
            done, detail = predicate(obj)
            if done:
                return obj, detail
        raise WaitTimeout(
            "Timed out after %ss waiting for %s to be %s: %s" % (timeout, ref, what or "ready", detail),
            resource=ref.as_dict(),
            detail=detail,
        )

    def wait_for_absence(self, ref, timeout):
        resource = self._resource(ref)
        deadline = self.clock() + timeout
        obj = read_object(resource, ref)
        if obj is None:
            return
        for obj in self._watch(resource, ref, deadline, _resource_version(obj)):
            if obj is None:
                return
        if read_object(resource, ref) is not None:
            raise WaitTimeout("Timed out after %ss waiting for %s to be deleted" % (timeout, ref), resource=ref.as_dict())

    def wait_ready(self, refs, timeout):
        """Wait for every ref whose kind has a readiness predicate; one shared deadline for all."""
        deadline = self.clock() + timeout
        report = []
        for ref in refs:
            predicate = readiness_for(ref.kind)
            if predicate is None:
                continue
            _obj, detail = self.wait_for(ref, predicate, max(0, deadline - self.clock()))
            report.append(dict(ref.as_dict(), ready=True, detail=detail))
        return report
