# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.oke.istio.plugins.module_utils import _module
from ansible_collections.oke.istio.plugins.module_utils._mesh import probe
from ansible_collections.oke.istio.plugins.modules import mesh_probe, mesh_scenario

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "mesh")


class _Result(object):
    def __init__(self, data):
        self.data = data

    def to_dict(self):
        return self.data


class _Resource(object):
    def __init__(self, items):
        self.items = items

    def get(self, **kwargs):
        return _Result({"items": self.items})


class _Resources(object):
    def __init__(self, nodes, pods):
        self.by_kind = {"Node": _Resource(nodes), "Pod": _Resource(pods)}

    def get(self, api_version, kind):
        return self.by_kind[kind]


class FakeClient(object):
    def __init__(self, simulated):
        annotations = {"kwok.x-k8s.io/node": "fake"} if simulated else {}
        nodes = [{"metadata": {"name": "worker-1", "annotations": annotations}}]
        pods = [{
            "metadata": {"name": "curl-1"},
            "spec": {"containers": [{"name": "istio-proxy"}, {"name": "curl"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        }]
        self.resources = _Resources(nodes, pods)


@pytest.fixture
def cluster(monkeypatch):
    """Replace the module's cluster client; ``cluster(simulated)`` installs one."""
    def install(simulated):
        client = FakeClient(simulated)
        monkeypatch.setattr(_module.OkeIstioModule, "client", property(lambda self: client))
        return client
    return install


@pytest.fixture
def recorded_exec(monkeypatch):
    """exec_in_pod answers with the recorded reviews responses, whatever marker the probe chose."""
    with open(os.path.join(FIXTURES, "reviews_probe_output.txt")) as handle:
        recorded = handle.read()
    calls = []

    def fake_exec(client, namespace, pod, container, argv, timeout):
        calls.append(dict(namespace=namespace, pod=pod, container=container, argv=argv))
        return 0, recorded.replace("@@mesh-probe-0123456789abcdef0123456789abcdef", argv[9]), ""

    monkeypatch.setattr(probe, "exec_in_pod", fake_exec)
    return calls


PROBE_ARGS = dict(
    namespace="bookinfo", client_selector="app=curl", url="http://reviews:9080/reviews/0",
    classify=[{"name": "v3", "body_regex": '"color": ?"red"'}, {"name": "v2", "body_regex": '"color": ?"black"'},
              {"name": "v1", "status": 200}],
)


def test_probe_is_skipped_on_simulated_nodes(run_module, cluster, recorded_exec):
    cluster(simulated=True)
    args = dict(PROBE_ARGS, expect=[{"class": "v1", "min_share": 1.0}])
    result, failed = run_module(mesh_probe.main, args)
    assert not failed
    assert result["skipped"] is True
    assert "simulated by kwok" in result["skip_reason"]
    assert "report" not in result
    assert recorded_exec == []


def test_probe_reports_on_a_real_data_plane(run_module, cluster, recorded_exec):
    cluster(simulated=False)
    expect = [{"class": "v1", "share": 0.5, "tolerance": 0.15}, {"status": 503, "min_share": 0.05}]
    args = dict(PROBE_ARGS, headers={"end-user": "jason"}, expect=expect)
    result, failed = run_module(mesh_probe.main, args)
    assert not failed, result
    assert result["skipped"] is False and result["changed"] is False
    assert result["report"]["counts"]["v1"] == 4
    assert result["report"]["client"] == {"namespace": "bookinfo", "pod": "curl-1", "container": "curl"}
    assert [e["passed"] for e in result["report"]["expectations"]] == [True, True]
    assert recorded_exec[0]["container"] == "curl"
    assert recorded_exec[0]["argv"][-2:] == ["-H", "end-user: jason"]


def test_probe_fails_when_an_expectation_fails(run_module, cluster, recorded_exec):
    cluster(simulated=False)
    args = dict(PROBE_ARGS, attempts=2, attempt_delay=0, expect=[{"class": "v2", "min_share": 1.0}])
    result, failed = run_module(mesh_probe.main, args)
    assert failed
    assert result["msg"].startswith("1 of 1 traffic expectation(s) failed: class v2: share >= 100%")
    assert result["report"]["passed"] is False
    assert result["attempts"] == 2 and len(recorded_exec) == 2


def test_probe_sends_nothing_in_check_mode(run_module, cluster, recorded_exec):
    cluster(simulated=False)
    result, failed = run_module(mesh_probe.main, dict(PROBE_ARGS, _ansible_check_mode=True))
    assert not failed and result["skipped"] is True and recorded_exec == []


def test_probe_names_a_bad_option_before_any_request(run_module, cluster, recorded_exec):
    cluster(simulated=False)
    result, failed = run_module(mesh_probe.main, dict(PROBE_ARGS, expect=[{"class": "v9", "min_share": 1}]))
    assert failed and "expect[0].class" in result["msg"]
    assert recorded_exec == []


@pytest.mark.parametrize("args,parameter", [
    (dict(scenario="weighted", subsets=["v1", "v3"], weights={"v1": 50, "v3": 40}), "weights"),
    (dict(scenario="route_all", subsets=["v1"], subset="v2"), "subset"),
    (dict(scenario="timeout", subsets=["v1"], subset="v1", timeout="fast"), "timeout"),
    (dict(scenario="delay", subsets=["v1"], subset="v1", delay="2s", percentage=101), "percentage"),
    (dict(scenario="route_all", subsets=["v1"], subset="v1",
          verify={"url": "http://x/", "client_selector": "a=b", "requests": 0}), "verify.requests"),
    # verify is checked against mesh_probe's own argument spec: unknown keys, types and choices.
    (dict(scenario="route_all", subsets=["v1"], subset="v1",
          verify={"url": "http://x/", "client_selector": "a=b", "retries": 3}), "verify"),
    (dict(scenario="route_all", subsets=["v1"], subset="v1",
          verify={"url": "http://x/", "client_selector": "a=b", "requests": "many"}), "verify"),
    (dict(scenario="route_all", subsets=["v1"], subset="v1",
          verify={"url": "http://x/", "client_selector": "a=b", "tool": "wget"}), "verify"),
    (dict(scenario="route_all", subsets=["v1"], subset="v1", verify={"url": "http://x/"}), "verify"),
])
def test_scenario_rejects_bad_input_before_reaching_the_cluster(run_module, monkeypatch, args, parameter):
    def no_cluster(self):
        raise AssertionError("the cluster was reached")

    monkeypatch.setattr(_module.OkeIstioModule, "client", property(no_cluster))
    result, failed = run_module(mesh_scenario.main, dict(args, namespace="bookinfo", service="reviews"))
    assert failed
    assert parameter in result["msg"]
    assert result["parameter"] == parameter
    for name, value in (args.get("verify") or {}).items():
        if name not in ("url", "client_selector"):
            assert name in result["msg"] and str(value) in result["msg"], result["msg"]
    if args.get("verify") == {"url": "http://x/"}:
        assert "client_selector" in result["msg"], result["msg"]


def test_unknown_scenario_is_refused_by_the_argument_spec(run_module):
    result, failed = run_module(mesh_scenario.main, dict(scenario="teleport", service="reviews"))
    assert failed and "scenario" in result["msg"]


def test_removal_leaves_foreign_objects_alone():
    from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import ObjectRef
    from ansible_collections.oke.istio.plugins.module_utils._mesh import runner

    live = {
        "ours": {"metadata": {"name": "ours", "labels": {"mesh.oke.istio/scenario": "route-all"}}},
        "theirs": {"metadata": {"name": "theirs", "labels": {"app": "reviews"}}},
    }

    class StubApplier(object):
        def get(self, ref):
            return live.get(ref.name)

    refs = [ObjectRef("networking.istio.io/v1", "VirtualService", name, "bookinfo") for name in ("ours", "theirs", "gone")]
    ours, foreign = runner._split_ours(StubApplier(), refs)
    assert [r.name for r in ours] == ["ours", "gone"]
    assert [r.name for r in foreign] == ["theirs"]


def test_steps_check_names_a_bad_later_step_without_a_cluster(run_module, monkeypatch):
    from ansible_collections.oke.istio.plugins.modules import mesh_steps_check

    def no_cluster(self):
        raise AssertionError("the cluster was reached")

    monkeypatch.setattr(_module.OkeIstioModule, "client", property(no_cluster))
    good = {"name": "route-all-v1", "scenarios": [{"scenario": "route_all", "service": "reviews", "subset": "v1"}]}
    bad = {"name": "shift", "scenarios": [{"scenario": "weighted", "service": "reviews", "weights": {"v1": 50, "v3": 40}}]}
    args = dict(namespace="bookinfo", services={"reviews": ["v1", "v3"]}, client_selector="app=curl")
    result, failed = run_module(mesh_steps_check.main, dict(args, steps=[good]))
    assert not failed and result["changed"] is False and result["steps"] == ["route-all-v1"]
    result, failed = run_module(mesh_steps_check.main, dict(args, steps=[good, bad], _ansible_check_mode=True))
    assert failed
    assert result["msg"].startswith("step shift: scenarios[0].weights = {'v1': 50, 'v3': 40}: weights must sum to 100")
    assert result["step"] == "shift" and result["option"] == "scenarios[0].weights"


class _Objects(object):
    """Reads only: get by name, or list by label selector (the selector is recorded, the items given)."""

    def __init__(self, objects):
        self.objects = objects
        self.lists = []

    def get(self, name=None, namespace=None, label_selector=None):
        if name is None:
            self.lists.append(label_selector)
            return _Result({"items": self.objects})
        return _Result(self.objects[0])


class ReadOnlyCluster(object):
    """A Service reviews (port 9080) and its pods; any write fails, since these resources have no write methods."""

    def __init__(self, pod_versions):
        service = {"metadata": {"name": "reviews", "namespace": "bookinfo"},
                   "spec": {"selector": {"app": "reviews"}, "ports": [{"name": "http", "port": 9080}]}}
        pods = [{"metadata": {"name": "reviews-%s" % v, "labels": {"app": "reviews", "version": v}}} for v in pod_versions]
        self.resources = _Resources([], pods)
        self.resources.by_kind["Service"] = _Objects([service])
        self.resources.by_kind["Pod"] = _Objects(pods)
        self.resources.by_kind["Gateway"] = _Objects([{"metadata": {"name": "bookinfo-gateway"}}])


REWRITE = dict(scenario="rewrite", namespace="bookinfo", service="reviews", uri_prefixes=["/r"], rewrite_uri="/reviews",
               gateways=["bookinfo-gateway"])


def test_scenario_refuses_a_port_the_service_does_not_have(run_module, monkeypatch):
    cluster = ReadOnlyCluster(["v1"])
    monkeypatch.setattr(_module.OkeIstioModule, "client", property(lambda self: cluster))
    result, failed = run_module(mesh_scenario.main, dict(REWRITE, port=9999))
    assert failed and not result.get("changed")
    assert result["msg"] == "port 9999 is not a port of Service bookinfo/reviews (its ports: 9080)"
    assert result["parameter"] == "port"


def test_a_subset_that_selects_no_pod_of_the_service_is_warned_about():
    from ansible_collections.oke.istio.plugins.module_utils._mesh import runner, scenarios

    cluster = ReadOnlyCluster(["v1", "v2"])
    warnings = []
    scenario = scenarios.validate(dict(scenario="route_all", namespace="bookinfo", service="reviews",
                                       subsets=["v1", "v3", {"name": "canary", "labels": {"track": "canary"}}],
                                       subset="v1"))
    service = runner._check_references(cluster, scenario, warnings.append)
    assert service["metadata"]["name"] == "reviews"
    assert cluster.resources.by_kind["Pod"].lists == ["app=reviews"]
    assert warnings == [
        "subset v3 (labels version=v3) selects none of the 2 pod(s) of Service bookinfo/reviews: its routes would have "
        "no endpoints",
        "subset canary (labels track=canary) selects none of the 2 pod(s) of Service bookinfo/reviews: its routes would "
        "have no endpoints",
    ]
    # No pods yet (the application is still starting): nothing to compare with, no warning.
    assert runner._check_references(ReadOnlyCluster([]), scenario, warnings.append) and len(warnings) == 2
    # The port routed to is one of the Service's: accepted.
    rewrite = scenarios.validate(dict(REWRITE, port=9080))
    assert runner._check_references(cluster, rewrite, warnings.append) and len(warnings) == 2
