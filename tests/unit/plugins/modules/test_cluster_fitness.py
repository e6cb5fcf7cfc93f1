# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.module_utils._k8s import client as k8s_client
from ansible_collections.oke.istio.plugins.modules import cluster_fitness


class _List(object):
    def __init__(self, items):
        self.items = items

    def to_dict(self):
        return {"items": self.items}


def _selected(item, namespace, label_selector):
    meta = item.get("metadata") or {}
    if namespace and meta.get("namespace", namespace) != namespace:  # no namespace given: in the one asked for
        return False
    labels = meta.get("labels") or {}
    for term in (label_selector or "").split(","):
        if term:
            key, value = term.split("=")
            if labels.get(key) != value:
                return False
    return True


class _Resource(object):
    def __init__(self, items):
        self._items = items

    def get(self, namespace=None, label_selector=None):
        return _List([i for i in self._items if _selected(i, namespace, label_selector)])


class _Resources(object):
    def __init__(self, cluster):
        self.cluster = cluster

    def get(self, api_version, kind):
        return _Resource(self.cluster.objects[kind])


class FakeCluster(object):
    """What cluster_fitness reads through the DynamicClient: /version, Nodes, kube-system DaemonSets, Deployments and
    ConfigMaps (listed by label, in all namespaces)."""

    def __init__(self, version="v1.35.4", nodes=None, daemonsets=()):
        self.version = {"kubernetes": {"gitVersion": version}}
        self.objects = {
            "Node": nodes if nodes is not None else [oke_node("oke-worker-%d" % i) for i in (1, 2, 3)],
            "DaemonSet": [{"metadata": {"name": n, "namespace": "kube-system"}} for n in daemonsets],
            "Deployment": [],
            "ConfigMap": [],
        }
        self.resources = _Resources(self)


def oke_node(name, kubelet="v1.35.4", os_image="Oracle Linux Server 8.10", provider_id="ocid1.instance.oc1.iad.aaaa"):
    return {
        "metadata": {"name": name, "labels": {}, "annotations": {}},
        "spec": {"providerID": provider_id},
        "status": {"nodeInfo": {"kubeletVersion": kubelet, "osImage": os_image}},
    }


@pytest.fixture
def cluster(monkeypatch):
    fake = FakeCluster()
    monkeypatch.setattr(k8s_client, "get_dynamic_client", lambda auth: fake)
    return fake


def statuses(result):
    return dict((c["name"], c["status"]) for c in result["checks"])


def test_a_fit_cluster_passes_and_reports_facts(run_module, cluster):
    cluster.objects["DaemonSet"] = [{"metadata": {"name": "vcn-native-ip-cni"}}]
    result, failed = run_module(cluster_fitness.main, dict(kubeconfig="/dev/null"))
    assert not failed, result
    assert result["changed"] is False
    assert statuses(result) == dict(
        kubernetes_version="pass", node_pools="pass", pod_network="pass", node_os="pass", istio_addon="pass"
    )
    assert result["summary"] == {"pass": 5, "warn": 0, "fail": 0}
    assert result["facts"]["api_server_version"] == "v1.35.4" and len(result["facts"]["nodes"]) == 3
    assert result["facts"]["istio_control_planes"] == []
    assert "oke" not in result["facts"]


def test_a_too_old_cluster_fails_with_an_actionable_message(run_module, cluster):
    cluster.version = {"kubernetes": {"gitVersion": "v1.25.16"}}
    cluster.objects["Node"] = [oke_node("w1", kubelet="v1.25.16")]
    result, failed = run_module(cluster_fitness.main, dict())
    assert failed
    assert result["msg"].startswith(
        "The cluster is not fit for Istio: [kubernetes_version] Kubernetes outside the support window of Istio 1.31 "
        "on the API server v1.25.16, node w1 (kubelet) v1.25.16"
    )
    assert "Istio 1.31 supports Kubernetes 1.32 to 1.37 (tested there but not supported: 1.27 to 1.31)" in result["msg"]
    assert "Upgrade the cluster" in result["msg"] and "cluster_prep_kubernetes_version_warn_only" in result["msg"]
    assert statuses(result)["kubernetes_version"] == "fail"


def test_a_too_old_cluster_passes_with_a_warning_when_asked(run_module, cluster):
    cluster.version = {"kubernetes": {"gitVersion": "v1.25.16"}}
    result, failed = run_module(cluster_fitness.main, dict(warn_only=["kubernetes_version"]))
    assert not failed, result
    assert statuses(result)["kubernetes_version"] == "warn"


@pytest.mark.parametrize(
    "istio_version, kubernetes, status",
    [
        ("1.31.2", "v1.35.4", "pass"),
        ("1.31-dev", "v1.35.4", "pass"),
        ("1.29.8", "v1.35.4", "pass"),
        ("1.28.10", "v1.35.4", "fail"),
        ("1.30.4", "v1.30.2", "warn"),
        ("1.26.8", "v1.35.4", "fail"),
    ],
)
def test_the_window_follows_the_istio_version_given(run_module, cluster, istio_version, kubernetes, status):
    cluster.version = {"kubernetes": {"gitVersion": kubernetes}}
    cluster.objects["Node"] = [oke_node("w1", kubelet=kubernetes)]
    result, failed = run_module(cluster_fitness.main, dict(istio_version=istio_version))
    assert failed == (status == "fail")
    checks = result["checks"]
    assert statuses(result)["kubernetes_version"] == status
    assert checks[0]["details"]["istio_version"] == istio_version


def test_without_an_istio_version_the_window_is_the_default_istios(run_module, cluster):
    result, failed = run_module(cluster_fitness.main, dict())
    assert not failed
    assert result["checks"][0]["details"]["window"]["istio"] == "1.31"


def test_the_oke_api_finds_a_virtual_node_pool(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster()
    oke_api.state.add_node_pool(created, name="workers")
    oke_api.state.add_virtual_node_pool(created, name="serverless")
    result, failed = run_module(cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"]))
    assert failed
    assert "[node_pools] The cluster has virtual node pool(s) serverless" in result["msg"]
    assert "Istio cannot run on OKE virtual nodes" in result["msg"]
    assert statuses(result) == dict(
        kubernetes_version="pass", node_pools="fail", pod_network="pass", node_os="pass", istio_addon="pass"
    )
    assert result["facts"]["oke"]["virtual_node_pools"][0]["name"] == "serverless"
    paths = [c["path"] for c in oke_api.calls("GET")]
    assert paths == [
        "/20180222/clusters/%s" % created["id"],
        "/20180222/nodePools",
        "/20180222/virtualNodePools",
        "/20180222/clusters/%s/addons" % created["id"],
    ]


def test_a_virtual_node_pool_is_a_warning_when_asked(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster()
    oke_api.state.add_virtual_node_pool(created, name="serverless")
    result, failed = run_module(
        cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"], warn_only=["node_pools"])
    )
    assert not failed, result
    assert statuses(result)["node_pools"] == "warn"


def test_the_oke_api_reports_an_old_control_plane(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster(version="v1.25.4")
    result, failed = run_module(cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"]))
    assert failed and "the OKE control plane v1.25.4" in result["msg"]


def test_flannel_from_the_oke_api(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster(cni="FLANNEL_OVERLAY")
    result, failed = run_module(cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"]))
    assert not failed
    check = [c for c in result["checks"] if c["name"] == "pod_network"][0]
    assert check["details"]["pod_networks"] == ["flannel"] and "flannel overlay" in check["message"]
    result, failed = run_module(
        cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"], allowed_pod_networks=["vcn_native"])
    )
    assert failed and "[pod_network]" in result["msg"]


def test_several_failures_are_all_named(run_module, cluster):
    cluster.objects["Node"] = [
        oke_node("vn-1", provider_id="ocid1.virtualnode.oc1.iad.aaaa", os_image="Ubuntu 22.04.4 LTS"),
    ]
    result, failed = run_module(cluster_fitness.main, dict())
    assert failed
    assert "[node_pools]" in result["msg"] and "[node_os]" in result["msg"]
    assert result["summary"]["fail"] == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(cluster_id="not-an-ocid"), "cluster_id 'not-an-ocid' is not a cluster OCID"),
        (dict(istio_version="latest"), "istio_version 'latest' is not an Istio version"),
        (dict(istio_version="1.20.1"), "istio_version 1.20.1: Istio 1.20 is not in the collection's support table"),
        (dict(warn_only=["everything"]), "warn_only"),
        (dict(allowed_pod_networks=["calico"]), "allowed_pod_networks"),
    ],
)
def test_bad_input_is_named(run_module, cluster, args, message):
    result, failed = run_module(cluster_fitness.main, args)
    assert failed and message in result["msg"]


def test_an_unknown_cluster_ocid_is_reported(run_module, cluster, oke_api):
    result, failed = run_module(
        cluster_fitness.main, dict(oke_api.auth_args(), cluster_id="ocid1.cluster.oc1.iad.aaaaaaaamissing")
    )
    assert failed and "404 NotAuthorizedOrNotFound" in result["msg"]


def test_a_missing_kubeconfig_is_named_by_its_path(run_module, tmp_path):
    missing = str(tmp_path / "missing")
    result, failed = run_module(cluster_fitness.main, dict(kubeconfig=missing))
    assert failed and result["msg"] == "kubeconfig %s does not exist (or is not a file)" % missing


# istio_addon ---------------------------------------------------------------------------------------------------


def istiod(namespace="istio-system", revision="default", image="container-registry.example.com/istio/pilot:1.24.3"):
    return {
        "metadata": {
            "name": "istiod" if revision == "default" else "istiod-%s" % revision,
            "namespace": namespace,
            "labels": {"app": "istiod", "istio": "pilot", "istio.io/rev": revision},
        },
        "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": image}]}}},
    }


def test_an_active_istio_addon_fails_with_both_ways_forward(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster()
    oke_api.state.add_node_pool(created, name="workers")
    oke_api.state.add_addon(created, name="CoreDNS", installed="v1.11.1")
    oke_api.state.add_addon(created, name="Istio", installed="v1.24.3")
    cluster.objects["Deployment"] = [istiod()]
    result, failed = run_module(cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"]))
    assert failed
    assert statuses(result)["istio_addon"] == "fail"
    assert (
        "[istio_addon] OKE's managed Istio add-on is enabled on this cluster (OKE API: add-on Istio, version v1.24.3 "
        "(updated by Oracle automatically), state ACTIVE). Its control plane: Deployment istio-system/istiod" in result["msg"]
    )
    assert (
        "oci ce cluster disable-addon --addon-name Istio --cluster-id %s --is-remove-existing-add-on true" % created["id"]
        in result["msg"]
    )
    assert "oke_istio_install: false" in result["msg"] and "cluster_prep_istio_addon_warn_only: true" in result["msg"]
    addons = result["facts"]["oke"]["addons"]
    assert [(a["name"], a["current_installed_version"], a["lifecycle_state"]) for a in addons] == [
        ("CoreDNS", "v1.11.1", "ACTIVE"),
        ("Istio", "v1.24.3", "ACTIVE"),
    ]


def test_a_deleted_istio_addon_passes(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster()
    oke_api.state.add_addon(created, name="Istio", state="DELETED")
    result, failed = run_module(cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"]))
    assert not failed, result
    check = [c for c in result["checks"] if c["name"] == "istio_addon"][0]
    assert check["status"] == "pass"
    assert check["message"].endswith("the OKE API lists the Istio add-on as DELETED.")


def test_the_addon_list_is_paged(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster()
    for name in ("CoreDNS", "KubeProxy", "OciVcnIpNative", "Istio"):
        oke_api.state.add_addon(created, name=name)
    oke_api.state.page_size = 1
    result, failed = run_module(cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"]))
    assert failed and "[istio_addon] OKE's managed Istio add-on is enabled" in result["msg"]
    assert len([c for c in oke_api.calls("GET") if c["path"].endswith("/addons")]) == 4


def test_an_addon_list_refused_by_oci_is_an_oke_api_error(run_module, cluster, oke_api):
    created = oke_api.state.add_cluster()
    oke_api.state.addon_errors[created["id"]] = (404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.")
    result, failed = run_module(cluster_fitness.main, dict(oke_api.auth_args(), cluster_id=created["id"]))
    assert failed
    assert result["msg"].startswith("Failed to list the add-ons of cluster %s through the OKE API: " % created["id"])
    assert "404 NotAuthorizedOrNotFound" in result["msg"] and "IAM" in result["msg"]


def test_without_a_cluster_id_a_foreign_istiod_fails(run_module, cluster):
    cluster.objects["Deployment"] = [istiod()]
    result, failed = run_module(cluster_fitness.main, dict())
    assert failed
    assert (
        "[istio_addon] An Istio control plane not installed by oke.istio runs in the cluster: Deployment "
        "istio-system/istiod (Istio 1.24.3, revision default; labels: app=istiod, istio=pilot, istio.io/rev=default)"
    ) in result["msg"]
    assert "It may be OKE's managed Istio add-on or an Istio installed by other means" in result["msg"]
    assert result["facts"]["istio_control_planes"][0]["installed_by_oke_istio"] is False


def test_our_own_istiod_from_an_earlier_run_passes(run_module, cluster):
    cluster.objects["Deployment"] = [istiod(image="docker.io/istio/pilot:1.31.2")]
    cluster.objects["ConfigMap"] = [
        {"metadata": {"name": "istio-ca-root-cert", "namespace": "istio-system", "labels": {}}},
        {
            "metadata": {
                "name": "oke-istio-install",
                "namespace": "istio-system",
                "labels": {"app.kubernetes.io/managed-by": "oke.istio", "istio.io/rev": "default"},
            }
        },
    ]
    result, failed = run_module(cluster_fitness.main, dict())
    assert not failed, result
    assert statuses(result)["istio_addon"] == "pass"
    assert result["facts"]["istio_control_planes"][0]["installed_by_oke_istio"] is True


def test_a_foreign_istiod_is_a_warning_when_asked(run_module, cluster):
    cluster.objects["DaemonSet"] = [{"metadata": {"name": "vcn-native-ip-cni", "namespace": "kube-system"}}]
    cluster.objects["Deployment"] = [istiod()]
    result, failed = run_module(cluster_fitness.main, dict(warn_only=["istio_addon"]))
    assert not failed, result
    assert statuses(result)["istio_addon"] == "warn"
    assert result["summary"] == {"pass": 4, "warn": 1, "fail": 0}
