# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._istio import installer as istio_installer, operator as istio_operator
from ansible_collections.oke.istio.plugins.module_utils._istio.module_backends import install as backend
from ansible_collections.oke.istio.plugins.module_utils._istio.istioctl import (
    Istioctl,
    IstioctlError,
    parse_precheck,
    parse_version,
)
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Change, ObjectRef


def test_set_path_builds_nested_maps_and_lists():
    spec = {}
    istio_operator.set_path(spec, "meshConfig.outboundTrafficPolicy.mode", "REGISTRY_ONLY")
    istio_operator.set_path(spec, "components.ingressGateways[0].enabled", False)
    istio_operator.set_path(spec, "components.ingressGateways[0].name", "istio-ingressgateway")
    assert spec == {
        "meshConfig": {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}},
        "components": {"ingressGateways": [{"enabled": False, "name": "istio-ingressgateway"}]},
    }


@pytest.mark.parametrize("path", ["", ".a", "a.", "a..b", "a[x]", 3])
def test_set_path_refuses_malformed_keys(path):
    with pytest.raises(ValidationError) as err:
        istio_operator.set_path({}, path, 1)
    assert "set_values key" in err.value.msg


def test_set_path_refuses_descending_into_a_scalar():
    with pytest.raises(ValidationError) as err:
        istio_operator.set_path({"a": "text"}, "a.b", 1)
    assert "'a.b'" in err.value.msg


def test_build_operator_orders_spec_profile_revision_and_values():
    operator = istio_operator.build_operator(
        "demo", "canary-1", {"meshConfig.accessLogFile": "/dev/stdout"}, {"profile": "minimal", "meshConfig": {"enableTracing": True}}
    )
    assert operator["kind"] == "IstioOperator"
    assert operator["spec"] == {
        "profile": "demo",
        "revision": "canary-1",
        "meshConfig": {"enableTracing": True, "accessLogFile": "/dev/stdout"},
    }


@pytest.mark.parametrize("revision", ["Canary", "a_b", "-x", "x" * 64])
def test_build_operator_refuses_invalid_revisions(revision):
    with pytest.raises(ValidationError) as err:
        istio_operator.build_operator("default", revision)
    assert "revision" in err.value.msg


def test_istio_namespace_and_record_names():
    assert istio_operator.istio_namespace({"spec": {}}) == "istio-system"
    assert istio_operator.istio_namespace({"spec": {"values": {"global": {"istioNamespace": "mesh"}}}}) == "mesh"
    assert istio_installer.record_name(None) == "oke-istio-install"
    assert istio_installer.record_name("canary") == "oke-istio-install-canary"


def test_fingerprint_depends_on_spec_and_istioctl_version():
    operator = istio_operator.build_operator("default")
    assert istio_installer.fingerprint(operator, "1.31.2") == istio_installer.fingerprint(istio_operator.build_operator("default"), "1.31.2")
    assert istio_installer.fingerprint(operator, "1.31.2") != istio_installer.fingerprint(operator, "1.31.3")
    assert istio_installer.fingerprint(operator, "1.31.2") != istio_installer.fingerprint(istio_operator.build_operator("demo"), "1.31.2")


def test_parse_manifests_skips_empty_documents_and_flattens_lists():
    text = (
        "---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n"
    )
    assert [m["metadata"]["name"] for m in istio_operator.parse_manifests(text)] == ["a", "b"]


def plan(record_fingerprint=None, actions=("none",)):
    operator = istio_operator.build_operator("default")
    changes = [Change(ObjectRef("apps/v1", "Deployment", "istiod", "istio-system"), {}, action, {"a": 1}, {"a": 2}) for action in actions]
    record = {"data": {"fingerprint": record_fingerprint, "operator": json.dumps(operator)}} if record_fingerprint else None
    return istio_installer.InstallPlan(operator, [], changes, record, "1.31.2")


def test_plan_unchanged_only_when_objects_and_record_match():
    current = plan()
    assert current.changed is True  # no record yet
    assert plan(current.fingerprint).changed is False
    assert plan(current.fingerprint, actions=("update",)).changed is True
    assert plan("stale").changed is True


def test_plan_diff_starts_with_the_install_spec():
    diff = plan(actions=("update", "none")).diff()
    assert diff[0]["after_header"] == "IstioOperator (desired)"
    assert diff[0]["before"] == {}
    assert len(diff) == 2


def test_component_report():
    p = plan(actions=("none",))
    report = istio_installer.component_report(p, [{"namespace": "istio-system", "name": "istiod", "detail": "1/1 replicas available"}])
    assert report == [{"name": "istiod", "namespace": "istio-system", "kind": "Deployment", "ready": True, "detail": "1/1 replicas available"}]
    assert istio_installer.component_report(p, [])[0]["ready"] is False


@pytest.mark.parametrize("value", ["istio-system", "a/b/c", "Istio/Gw", ""])
def test_service_ref_must_be_namespace_slash_name(value):
    with pytest.raises(ValidationError) as err:
        backend._service_ref(value)
    assert "ingress_gateway_service" in err.value.msg


class Runner(object):
    def __init__(self, *results):
        self.results = list(results)
        self.commands = []

    def __call__(self, command, data=None, binary_data=False):
        self.commands.append(command)
        return self.results.pop(0)


def test_istioctl_runs_argument_lists_with_cluster_flags():
    runner = Runner((0, "", ""))
    Istioctl(runner, "/opt/istioctl", kubeconfig="/k", context="ctx").install("/spec.yaml", 120)
    assert runner.commands == [
        ["/opt/istioctl", "install", "-y", "-f", "/spec.yaml", "--readiness-timeout", "120s", "--kubeconfig", "/k", "--context", "ctx"]
    ]


def test_istioctl_failure_carries_command_and_output():
    runner = Runner((1, "", "Error: cluster unreachable\n"))
    with pytest.raises(IstioctlError) as err:
        Istioctl(runner).uninstall()
    assert err.value.msg == "istioctl uninstall failed (rc=1): Error: cluster unreachable"
    assert err.value.details["command"] == ["istioctl", "uninstall", "-y", "--revision", "default"]
    assert err.value.details["rc"] == 1


def test_istioctl_missing_binary():
    def missing(command, data=None, binary_data=False):
        raise OSError("No such file or directory")

    with pytest.raises(IstioctlError) as err:
        Istioctl(missing, "/nope/istioctl").client_version()
    assert "Failed to run istioctl at /nope/istioctl" in err.value.msg


def test_version_checks():
    runner = Runner((0, json.dumps({"clientVersion": {"version": "1.31.2"}}), ""))
    istioctl = Istioctl(runner)
    assert istioctl.require_version("1.31") == "1.31.2"
    assert istioctl.require_version("1.31.2") == "1.31.2"
    with pytest.raises(ValidationError) as err:
        istioctl.require_version("1.30")
    assert "is version 1.31.2, but 1.30 is required" in err.value.msg
    with pytest.raises(ValidationError):
        istioctl.require_version("latest")
    assert len(runner.commands) == 1  # the version is asked once
    assert parse_version("1.31-dev") == (1, 31, 0)
    assert parse_version("dev") is None


def test_unreadable_version_output():
    with pytest.raises(IstioctlError) as err:
        Istioctl(Runner((0, "not json", ""))).client_version()
    assert "Could not read the version" in err.value.msg


def test_parse_precheck():
    findings = json.dumps([{"code": "IST0141", "level": "Warning", "message": "m", "origin": "o", "documentationUrl": "u"}])
    assert parse_precheck(1, findings, "") == [
        {"code": "IST0141", "level": "Warning", "message": "m", "origin": "o", "documentation_url": "u"}
    ]
    assert parse_precheck(0, "", "No issues found") == []
    with pytest.raises(IstioctlError):
        parse_precheck(1, "", "Error: failed to connect")
    with pytest.raises(IstioctlError):
        parse_precheck(1, "garbage", "")


def test_object_version_prefers_generation():
    assert istio_installer.object_version({"metadata": {"generation": 3, "resourceVersion": "99"}}) == "g3"
    assert istio_installer.object_version(None) is None


def test_object_version_without_generation_ignores_status_and_server_metadata():
    hpa = {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "gw", "resourceVersion": "343", "labels": {"a": "1"}},
           "spec": {"maxReplicas": 5}, "status": {"currentReplicas": 1}}
    rewritten_status = json.loads(json.dumps(hpa))
    rewritten_status["metadata"]["resourceVersion"] = "440"
    rewritten_status["status"] = {"currentReplicas": 1, "conditions": [{"type": "ScalingActive", "status": "False"}]}
    assert istio_installer.object_version(hpa) == istio_installer.object_version(rewritten_status)
    assert istio_installer.object_version(hpa).startswith("h")
    new_spec = json.loads(json.dumps(hpa))
    new_spec["spec"]["maxReplicas"] = 6
    new_label = json.loads(json.dumps(hpa))
    new_label["metadata"]["labels"]["a"] = "2"
    assert len(set(istio_installer.object_version(o) for o in (hpa, new_spec, new_label))) == 3


def test_parse_manifests_uses_the_safe_loader():
    assert istio_operator.SAFE_LOADER.__name__ in ("CSafeLoader", "SafeLoader")
    with pytest.raises(Exception):
        istio_operator.parse_manifests("a: !!python/object/apply:os.system ['true']")


class RecordingApplier(object):
    def __init__(self, objects):
        self.objects = objects
        self.reads = []

    def get(self, ref):
        self.reads.append(str(ref))
        return self.objects.get(str(ref))


def fast_path_installer(objects):
    fast = istio_installer.Installer.__new__(istio_installer.Installer)
    fast.applier = RecordingApplier(objects)
    return fast


def record(fingerprint, objects):
    return {"data": {"fingerprint": fingerprint, "objects": json.dumps(objects)}}


RECORDED = [
    {"api_version": "apps/v1", "kind": "Deployment", "name": "istiod", "namespace": "istio-system", "version": "g2"},
    {"api_version": "v1", "kind": "ConfigMap", "name": "istio", "namespace": "istio-system",
     "version": istio_installer.object_version({"metadata": {"resourceVersion": "10"}})},
]


def test_fast_path_when_fingerprint_and_versions_match():
    installer = fast_path_installer(
        {
            "Deployment/istio-system/istiod": {"metadata": {"generation": 2, "resourceVersion": "50"}},
            "ConfigMap/istio-system/istio": {"metadata": {"resourceVersion": "10"}},
        }
    )
    refs = installer._unchanged_since_record(record("fp", RECORDED), "fp")
    assert [str(r) for r in refs] == ["Deployment/istio-system/istiod", "ConfigMap/istio-system/istio"]


@pytest.mark.parametrize(
    "live, fingerprint",
    [
        ({"Deployment/istio-system/istiod": {"metadata": {"generation": 3}}, "ConfigMap/istio-system/istio": {"metadata": {"resourceVersion": "10"}}}, "fp"),
        ({"Deployment/istio-system/istiod": {"metadata": {"generation": 2}}}, "fp"),
        ({"Deployment/istio-system/istiod": {"metadata": {"generation": 2}}, "ConfigMap/istio-system/istio": {"metadata": {"resourceVersion": "10"}}}, "new"),
    ],
    ids=["spec-changed", "object-deleted", "input-changed"],
)
def test_full_comparison_otherwise(live, fingerprint):
    installer = fast_path_installer(live)
    assert installer._unchanged_since_record(record("fp", RECORDED), fingerprint) is None


def test_no_fast_path_without_a_usable_record():
    installer = fast_path_installer({})
    assert installer._unchanged_since_record(None, "fp") is None
    assert installer._unchanged_since_record({"data": {"fingerprint": "fp", "objects": "not json"}}, "fp") is None
    assert installer.applier.reads == []


class DeletingApplier(object):
    """Records delete calls; every ref in ``live`` exists."""

    def __init__(self, live):
        self.live = set(live)
        self.calls = []

    def delete(self, refs, check_mode=False, wait=True, timeout=120):
        self.calls.append(dict(refs=[str(r) for r in refs], check_mode=check_mode, wait=wait))
        return [FakeChange(r, str(r) in self.live) for r in refs]


class FakeChange(object):
    def __init__(self, ref, changed):
        self.ref = ref
        self.changed = changed


class UninstallingIstioctl(object):
    def __init__(self):
        self.uninstalls = []

    def uninstall(self, revision=None, purge=False):
        self.uninstalls.append(dict(revision=revision, purge=purge))


DEFAULT_REVISION_MANIFESTS = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "istiod", "namespace": "istio-system"}},
    {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "istio-sidecar-injector"}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "istiod-clusterrole-istio-system"}},
    {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "gateways.networking.istio.io"}},
]


DEFAULT_VALIDATOR = ObjectRef("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "istiod-default-validator", None)


def uninstaller(monkeypatch, live, revisions_left, leftovers=()):
    monkeypatch.setattr(istio_installer, "render", lambda istioctl, operator, revision=None: DEFAULT_REVISION_MANIFESTS)
    removing = istio_installer.Installer.__new__(istio_installer.Installer)
    removing.applier = DeletingApplier(live)
    removing.istioctl = UninstallingIstioctl()
    removing.installed_revisions = lambda namespace: revisions_left
    removing.leftovers = lambda namespace: list(leftovers)
    return removing


def test_uninstall_with_another_revision_left_waits_only_for_its_own_objects(monkeypatch):
    installer = uninstaller(monkeypatch, ["Deployment/istio-system/istiod"], ["canary"])
    changes = installer.uninstall(istio_operator.build_operator(profile="default"), None, False, False, 60)
    assert any(c.changed for c in changes)
    assert installer.istioctl.uninstalls == [dict(revision=None, purge=False)]
    final = installer.applier.calls[-1]
    assert final["wait"] is True and final["check_mode"] is False
    # istiod may still be terminating when istioctl returns; the shared cluster role stays for canary.
    assert final["refs"] == ["Deployment/istio-system/istiod", "MutatingWebhookConfiguration/istio-sidecar-injector",
                             "ConfigMap/istio-system/oke-istio-install"]


def test_uninstall_of_the_last_revision_removes_cluster_leftovers_but_keeps_crds(monkeypatch):
    installer = uninstaller(monkeypatch, ["Deployment/istio-system/istiod"], [])
    installer.uninstall(istio_operator.build_operator(profile="default"), None, False, False, 60)
    final = installer.applier.calls[-1]["refs"]
    assert "ClusterRole/istiod-clusterrole-istio-system" in final
    assert "CustomResourceDefinition/gateways.networking.istio.io" not in final


def test_uninstall_of_what_is_gone_does_not_run_istioctl(monkeypatch):
    installer = uninstaller(monkeypatch, [], ["canary"])
    changes = installer.uninstall(istio_operator.build_operator(profile="default"), None, False, False, 60)
    assert not any(c.changed for c in changes)
    assert installer.istioctl.uninstalls == []
    assert [c["check_mode"] for c in installer.applier.calls] == [True]


def test_uninstall_of_the_last_revision_removes_unrendered_leftovers_and_the_namespace(monkeypatch):
    live = ["Deployment/istio-system/istiod", "ValidatingWebhookConfiguration/istiod-default-validator", "Namespace/istio-system"]
    installer = uninstaller(monkeypatch, live, [], leftovers=[DEFAULT_VALIDATOR])
    changes = installer.uninstall(istio_operator.build_operator(profile="default"), None, True, False, 60, remove_namespace=True)
    planned = [str(c.ref) for c in changes]
    assert "ValidatingWebhookConfiguration/istiod-default-validator" in planned and planned[-1] == "Namespace/istio-system"
    final = installer.applier.calls[-1]["refs"]
    assert "ValidatingWebhookConfiguration/istiod-default-validator" in final
    assert final[-1] == "Namespace/istio-system"
    assert installer.istioctl.uninstalls == [dict(revision=None, purge=True)]


def test_namespace_stays_while_another_revision_runs(monkeypatch):
    installer = uninstaller(monkeypatch, ["Deployment/istio-system/istiod", "Namespace/istio-system"], ["canary"], leftovers=[DEFAULT_VALIDATOR])
    installer.uninstall(istio_operator.build_operator(profile="default"), None, False, False, 60, remove_namespace=True)
    assert all("Namespace/" not in ref and "istiod-default-validator" not in ref for call in installer.applier.calls for ref in call["refs"])


def test_a_namespace_left_after_istio_is_gone_is_removed_without_istioctl(monkeypatch):
    installer = uninstaller(monkeypatch, ["Namespace/istio-system"], [])
    changes = installer.uninstall(istio_operator.build_operator(profile="default"), None, True, False, 60, remove_namespace=True)
    assert any(c.changed for c in changes)
    assert installer.istioctl.uninstalls == []
    assert installer.applier.calls[-1]["refs"][-1] == "Namespace/istio-system"


class PrecheckIstioctl(object):
    prechecks = []

    def __init__(self, run_command, path, kubeconfig=None, context=None):
        pass

    def client_version(self):
        return "1.31.0"

    def precheck(self, revision):
        PrecheckIstioctl.prechecks.append(revision)
        return [{"code": "IST0100", "level": "Error", "message": "cluster unfit"}]


class PlannedInstaller(object):
    changed = False

    def __init__(self, client, istioctl):
        pass

    def plan(self, operator, revision, full=False):
        changes = [Change(ObjectRef("apps/v1", "Deployment", "istiod", "istio-system"), {}, "update" if self.changed else "none", {"a": 1}, {"a": 2})]
        return istio_installer.InstallPlan(operator, [{}], changes, {"data": {"fingerprint": istio_installer.fingerprint(operator, "1.31.0")}}, "1.31.0")


class CheckModeModule(object):
    check_mode = True
    client = None

    def __init__(self):
        self.module = self
        self.params = dict(
            state="present", wait_timeout=60, ingress_gateway_service="istio-system/istio-ingressgateway", revision=None,
            profile="default", set_values={}, operator_spec={}, kubeconfig=None, context=None, istioctl_path="istioctl",
            istioctl_version=None, full_compare=False, precheck=True, wait=False, wait_for_load_balancer=False,
        )

    def run_command(self, *args, **kwargs):
        raise AssertionError("no command runs in this test")

    def get_bin_path(self, name):
        return "/opt/istio/bin/%s" % name


@pytest.mark.parametrize("changed", [True, False], ids=["install-changes", "install-unchanged"])
def test_precheck_guards_only_an_install_that_changes_the_cluster(monkeypatch, changed):
    from ansible_collections.oke.istio.plugins.module_utils._istio import istioctl

    monkeypatch.setattr(istioctl, "Istioctl", PrecheckIstioctl)
    monkeypatch.setattr(backend, "Installer", PlannedInstaller)
    monkeypatch.setattr(PlannedInstaller, "changed", changed)
    PrecheckIstioctl.prechecks = []
    if changed:
        with pytest.raises(ValidationError) as err:
            backend.run(CheckModeModule())
        assert "IST0100 cluster unfit" in err.value.msg and "nothing was installed" in err.value.msg
        assert PrecheckIstioctl.prechecks == [None]
    else:
        result = backend.run(CheckModeModule())
        assert result["changed"] is False and "precheck" not in result
        assert PrecheckIstioctl.prechecks == []
