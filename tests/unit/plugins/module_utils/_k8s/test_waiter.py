# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import WaitTimeout, ClusterError
from ansible_collections.oke.istio.plugins.module_utils._k8s import waiter
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException


def deployment(ready=1, wanted=1, generation=1, observed=1):
    return {
        "metadata": {"name": "istiod", "generation": generation},
        "spec": {"replicas": wanted},
        "status": {"observedGeneration": observed, "updatedReplicas": ready, "readyReplicas": ready, "availableReplicas": ready},
    }


def test_deployment_predicate():
    assert waiter.deployment_ready(deployment()) == (True, "1/1 replicas available")
    assert waiter.deployment_ready(deployment(ready=0))[0] is False
    assert "generation 2" in waiter.deployment_ready(deployment(generation=2))[1]


def test_deployment_rollout_in_progress_is_not_ready():
    # Ready counts of the old pods: the controller has not looked at generation 2 yet.
    assert waiter.deployment_ready(deployment(generation=2, observed=1)) == (False, "controller has not observed generation 2 yet")
    # Observed, one new pod ready, but the old one still counted.
    surged = deployment(generation=2, observed=2)
    surged["status"]["replicas"] = 2
    assert waiter.deployment_ready(surged) == (False, "1 old replica(s) still running beside the 1 wanted")
    # Observed, not all replicas updated yet (old pods still serve the ready count).
    rolling = deployment(ready=3, wanted=3, generation=2, observed=2)
    rolling["status"].update(updatedReplicas=1, replicas=3)
    assert waiter.deployment_ready(rolling) == (False, "1/3 replicas updated")
    unavailable = deployment(generation=2, observed=2)
    unavailable["status"]["unavailableReplicas"] = 1
    assert waiter.deployment_ready(unavailable)[0] is False


def test_deployment_rollout_finished_is_ready():
    done = deployment(ready=3, wanted=3, generation=2, observed=2)
    done["status"]["replicas"] = 3
    assert waiter.deployment_ready(done) == (True, "3/3 replicas available")
    assert waiter.deployment_ready({"metadata": {"generation": 4}, "spec": {"replicas": 0}, "status": {"observedGeneration": 4}})[0]


def statefulset(wanted=2, generation=1, observed=1, ready=2, updated=2, current="web-2", update="web-2", strategy=None):
    return {
        "metadata": {"name": "web", "generation": generation},
        "spec": {"replicas": wanted, "updateStrategy": strategy or {"type": "RollingUpdate"}},
        "status": {"observedGeneration": observed, "replicas": wanted, "readyReplicas": ready, "updatedReplicas": updated,
                   "currentRevision": current, "updateRevision": update},
    }


def test_statefulset_rollout_in_progress_is_not_ready():
    # Before: readyReplicas alone made this ready while the controller had not even seen the new spec.
    assert waiter.statefulset_ready(statefulset(generation=2, observed=1, current="web-1", update="web-1")) == (
        False, "controller has not observed generation 2 yet")
    # Observed; the old pods are all still ready but none runs the new revision.
    assert waiter.statefulset_ready(statefulset(generation=2, observed=2, updated=0, current="web-1")) == (
        False, "0/2 replicas updated")
    # Every pod updated and ready, the controller has not yet made the new revision current.
    assert waiter.statefulset_ready(statefulset(current="web-1")) == (False, "revision web-2 not yet current (still web-1)")
    assert waiter.statefulset_ready(statefulset(ready=1))[0] is False


def test_statefulset_rollout_finished_is_ready():
    assert waiter.statefulset_ready(statefulset(generation=3, observed=3)) == (True, "2/2 replicas ready")
    # A partitioned update is done once the pods at or above the partition run the new revision.
    partitioned = {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}
    assert waiter.statefulset_ready(statefulset(updated=1, current="web-1", strategy=partitioned))[0] is True
    assert waiter.statefulset_ready(statefulset(updated=0, current="web-1", strategy=partitioned))[0] is False
    # OnDelete: pods change only when deleted; ready replicas of the observed generation are all there is.
    assert waiter.statefulset_ready(statefulset(updated=0, current="web-1", strategy={"type": "OnDelete"}))[0] is True


def daemonset(desired=3, generation=1, observed=1, updated=3, available=3, unavailable=0):
    return {
        "metadata": {"name": "proxy", "generation": generation},
        "status": {"observedGeneration": observed, "desiredNumberScheduled": desired, "numberReady": available,
                   "updatedNumberScheduled": updated, "numberAvailable": available, "numberUnavailable": unavailable},
    }


def test_daemonset_rollout_in_progress_is_not_ready():
    assert waiter.daemonset_ready(daemonset(generation=2, observed=1)) == (False, "controller has not observed generation 2 yet")
    assert waiter.daemonset_ready(daemonset(generation=2, observed=2, updated=1)) == (False, "1/3 pods updated")
    assert waiter.daemonset_ready(daemonset(available=2, unavailable=1)) == (False, "2/3 pods available")
    # A DaemonSet the controller has not looked at has no status at all.
    assert waiter.daemonset_ready({"metadata": {"generation": 1}})[0] is False


def test_daemonset_rollout_finished_is_ready():
    assert waiter.daemonset_ready(daemonset(generation=2, observed=2)) == (True, "3/3 pods ready")


def test_other_predicates():
    assert waiter.crd_established({"status": {"conditions": [{"type": "Established", "status": "True"}]}})[0]
    assert not waiter.crd_established({"status": {}})[0]
    assert waiter.load_balancer_address({"status": {"loadBalancer": {"ingress": [{"hostname": "lb.example"}]}}}) == (True, "lb.example")
    assert waiter.load_balancer_address({"status": {"loadBalancer": {}}})[0] is False
    assert waiter.daemonset_ready({"status": {"desiredNumberScheduled": 2, "numberReady": 1, "updatedNumberScheduled": 2}})[0] is False
    assert waiter.statefulset_ready(statefulset())[0]
    assert waiter.pod_ready({"status": {"phase": "Pending"}}) == (False, "phase Pending")
    with pytest.raises(ClusterError):
        waiter.job_complete({"metadata": {"name": "j"}, "status": {"conditions": [{"type": "Failed", "status": "True"}]}})
    assert waiter.readiness_for("ConfigMap") is None


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Obj(dict):
    def to_dict(self):
        return dict(self)


class WatchedResource(object):
    namespaced = True

    def __init__(self, clock, initial, events, step=1.0):
        self.clock = clock
        self.initial = initial
        self.events = events
        self.step = step
        self.watch_timeouts = []
        self.watch_versions = []

    def get(self, name=None, namespace=None):
        if self.initial is None:
            raise ApiException(status=404, reason="Not Found")
        return Obj(self.initial)

    def watch(self, namespace=None, name=None, resource_version=None, timeout=None):
        self.watch_timeouts.append(timeout)
        self.watch_versions.append(resource_version)
        while self.events:
            self.clock.now += self.step
            event = self.events.pop(0)
            if isinstance(event, Exception):
                raise event
            if event.get("type") == "DELETED":
                self.initial = None
            yield event
        self.clock.now += timeout


class Resources(object):
    def __init__(self, resource):
        self.resource = resource

    def get(self, api_version, kind):
        return self.resource


class Client(object):
    def __init__(self, resource):
        self.resources = Resources(resource)


REF = ObjectRef("apps/v1", "Deployment", "istiod", "istio-system")


def test_returns_at_once_when_already_ready():
    clock = Clock()
    resource = WatchedResource(clock, deployment(), [])
    obj, detail = waiter.Waiter(Client(resource), clock).wait_for(REF, waiter.deployment_ready, 30)
    assert detail == "1/1 replicas available" and resource.watch_timeouts == []


def test_follows_watch_events_until_ready():
    clock = Clock()
    events = [{"type": "MODIFIED", "raw_object": deployment(ready=0)}, {"type": "MODIFIED", "raw_object": deployment()}]
    resource = WatchedResource(clock, deployment(ready=0), events)
    _obj, detail = waiter.Waiter(Client(resource), clock).wait_for(REF, waiter.deployment_ready, 30)
    assert detail == "1/1 replicas available"
    assert clock.now == 2.0


def test_timeout_names_the_object_and_what_it_lacks():
    clock = Clock()
    resource = WatchedResource(clock, deployment(ready=0), [])
    with pytest.raises(WaitTimeout) as err:
        waiter.Waiter(Client(resource), clock).wait_for(REF, waiter.deployment_ready, 5)
    assert "Deployment/istio-system/istiod" in err.value.msg
    assert "0/1 replicas updated" in err.value.msg
    assert resource.watch_timeouts == [5]


def test_wait_for_absence():
    clock = Clock()
    resource = WatchedResource(clock, deployment(), [{"type": "DELETED", "raw_object": deployment()}])
    waiter.Waiter(Client(resource), clock).wait_for_absence(REF, 10)
    gone = WatchedResource(clock, None, [])
    waiter.Waiter(Client(gone), clock).wait_for_absence(REF, 10)
    assert gone.watch_timeouts == []


class DeletedAfterRead(WatchedResource):
    """The API server's behaviour when the object goes between the read and the watch: a watch from the
    version that was read reports the deletion, a watch without a version reports nothing at all."""

    def get(self, name=None, namespace=None):
        found = WatchedResource.get(self, name, namespace)
        self.initial = None
        return found

    def watch(self, namespace=None, name=None, resource_version=None, timeout=None):
        if resource_version == "7":
            self.events = [{"type": "DELETED", "raw_object": dict(deployment(), metadata={"name": "istiod", "resourceVersion": "8"})}]
        return WatchedResource.watch(self, namespace, name, resource_version, timeout)


def test_absence_is_seen_when_the_object_goes_between_the_read_and_the_watch():
    clock = Clock()
    read = dict(deployment(), metadata={"name": "istiod", "resourceVersion": "7"})
    resource = DeletedAfterRead(clock, read, [])
    waiter.Waiter(Client(resource), clock).wait_for_absence(REF, 600)
    assert resource.watch_versions == ["7"]
    assert clock.now == 1.0  # the deletion event, not the timeout


class ClosedByTheServer(WatchedResource):
    """Each watch delivers one batch of events, then the API server ends the stream before the deadline."""

    def __init__(self, clock, initial, batches):
        WatchedResource.__init__(self, clock, initial, [])
        self.batches = batches

    def watch(self, namespace=None, name=None, resource_version=None, timeout=None):
        self.watch_versions.append(resource_version)
        for event in self.batches.pop(0):
            self.clock.now += self.step
            yield event


def test_a_new_watch_continues_from_the_last_version_seen():
    clock = Clock()

    def version(obj, rv):
        return dict(obj, metadata={"name": "istiod", "resourceVersion": rv})

    batches = [[{"type": "MODIFIED", "raw_object": version(deployment(ready=0), "9")}],
               [{"type": "MODIFIED", "raw_object": version(deployment(), "12")}]]
    resource = ClosedByTheServer(clock, version(deployment(ready=0), "7"), batches)
    _obj, detail = waiter.Waiter(Client(resource), clock).wait_for(REF, waiter.deployment_ready, 30)
    assert detail == "1/1 replicas available"
    assert resource.watch_versions == ["7", "9"]


def test_wait_ready_shares_one_deadline_and_skips_kinds_without_readiness():
    clock = Clock()
    resource = WatchedResource(clock, deployment(), [])
    report = waiter.Waiter(Client(resource), clock).wait_ready([REF, ObjectRef("v1", "ConfigMap", "c", "ns")], 10)
    assert [r["name"] for r in report] == ["istiod"]


def _api_exception(status, message):
    exc = ApiException(status=status, reason="Timeout" if status == 504 else "Gone")
    exc.body = '{"kind": "Status", "message": "%s"}' % message
    return exc


@pytest.mark.parametrize("status, message", [
    (504, "Timeout: Too large resource version: 1252, current: 1250"),
    (410, "too old resource version: 12 (1250)"),
])
def test_a_stale_watch_starts_again_from_the_current_object(status, message):
    clock = Clock()
    pauses = []
    resource = WatchedResource(clock, deployment(ready=0), [_api_exception(status, message)])
    resource.initial = deployment(ready=0)

    def became_ready(seconds):
        pauses.append(seconds)
        resource.initial = deployment()  # the change the broken watch would have missed

    _obj, detail = waiter.Waiter(Client(resource), clock, sleep=became_ready).wait_for(REF, waiter.deployment_ready, 30)
    assert detail == "1/1 replicas available"
    assert pauses == [waiter.WATCH_RESTART_PAUSE]


def test_absence_is_seen_after_a_stale_watch():
    clock = Clock()
    resource = WatchedResource(clock, deployment(), [_api_exception(504, "Timeout: Too large resource version: 9, current: 8")])

    def deleted_meanwhile(_seconds):
        resource.initial = None

    waiter.Waiter(Client(resource), clock, sleep=deleted_meanwhile).wait_for_absence(REF, 10)
    assert len(resource.watch_timeouts) == 1


def test_other_watch_errors_fail_with_the_api_message():
    clock = Clock()
    resource = WatchedResource(clock, deployment(ready=0), [_api_exception(403, "watch is forbidden for user x")])
    with pytest.raises(ClusterError) as err:
        waiter.Waiter(Client(resource), clock, sleep=lambda s: None).wait_for(REF, waiter.deployment_ready, 30)
    assert "Failed to watch Deployment/istio-system/istiod" in err.value.msg
    assert "forbidden" in err.value.msg


def test_wait_ready_waits_for_a_statefulset_rollout():
    clock = Clock()
    events = [{"type": "MODIFIED", "raw_object": statefulset(generation=2, observed=2, updated=1, current="web-1")},
              {"type": "MODIFIED", "raw_object": statefulset(generation=2, observed=2)}]
    resource = WatchedResource(clock, statefulset(generation=2, observed=1, current="web-1", update="web-1"), events)
    ref = ObjectRef("apps/v1", "StatefulSet", "web", "default")
    report = waiter.Waiter(Client(resource), clock).wait_ready([ref], 30)
    assert report[0]["detail"] == "2/2 replicas ready" and clock.now == 2.0
