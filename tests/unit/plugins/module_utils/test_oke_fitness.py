# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oke import fitness


def node(name="oke-worker-1", kubelet="v1.35.4", os_image="Oracle Linux Server 8.10", provider_id=None,
         annotations=None, labels=None):
    return {
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}},
        "spec": {"providerID": provider_id} if provider_id else {},
        "status": {"nodeInfo": {"kubeletVersion": kubelet, "osImage": os_image}},
    }


def facts(nodes=None, version="v1.35.4", daemonsets=(), oke=None):
    result = dict(
        api_server_version=version,
        nodes=[fitness.node_facts(n) for n in (nodes if nodes is not None else [node("oke-worker-%d" % i) for i in (1, 2, 3)])],
        kube_system_daemonsets=list(daemonsets),
    )
    if oke is not None:
        result["oke"] = oke
    return result


def oke(version="v1.34.2", cni=("OCI_VCN_IP_NATIVE",), pools=(("pool1", None),), virtual=()):
    return dict(
        cluster=dict(id="ocid1.cluster.oc1.iad.aaaa", name="mesh", kubernetes_version=version, lifecycle_state="ACTIVE",
                     type="ENHANCED_CLUSTER", cni_types=list(cni)),
        node_pools=[dict(id="np", name=n, kubernetes_version=v or version, node_image_name=None, lifecycle_state="ACTIVE")
                    for n, v in pools],
        virtual_node_pools=[dict(id="vnp", name=n, kubernetes_version=version, lifecycle_state="ACTIVE") for n in virtual],
    )


def by_name(checks):
    return dict((c.name, c) for c in checks)


def test_the_local_simulated_cluster_passes_with_an_unknown_pod_network():
    checks = by_name(fitness.evaluate(facts()))
    assert [c.status for c in checks.values()] == ["pass", "pass", "warn", "pass"]
    assert "neither OKE's vcn-native-ip-cni nor kube-flannel-ds" in checks["pod_network"].message


def test_an_oke_cluster_with_managed_vcn_native_nodes_passes():
    checks = fitness.evaluate(facts(oke=oke()))
    assert [c.status for c in checks] == ["pass"] * 4
    assert "VCN-native" in checks[2].message and "OKE API" in checks[2].message
    assert "node pool(s) pool1" in checks[1].message


# The support table, row by row: (Istio, Kubernetes) -> verdict. Edges of each window, the tested-but-not-supported
# range around them, and outside both.
WINDOW_CASES = [
    ("1.31", "v1.32.0", "pass"),
    ("1.31", "v1.37.1", "pass"),
    ("1.31", "v1.31.9", "warn"),
    ("1.31", "v1.27.0", "warn"),
    ("1.31", "v1.26.15", "fail"),
    ("1.31", "v1.38.0", "fail"),
    ("1.30", "v1.32.0", "pass"),
    ("1.30", "v1.36.2", "pass"),
    ("1.30", "v1.37.0", "fail"),
    ("1.30", "v1.27.3", "warn"),
    ("1.30", "v1.26.0", "fail"),
    ("1.29", "v1.31.0", "pass"),
    ("1.29", "v1.35.4", "pass"),
    ("1.29", "v1.36.0", "fail"),
    ("1.29", "v1.26.1", "warn"),
    ("1.29", "v1.25.0", "fail"),
    ("1.28", "v1.30.0", "pass"),
    ("1.28", "v1.34.9", "pass"),
    ("1.28", "v1.35.0", "fail"),
    ("1.28", "v1.29.0", "fail"),
    ("1.27", "v1.29.0", "pass"),
    ("1.27", "v1.33.0", "pass"),
    ("1.27", "v1.34.0", "fail"),
    ("1.26", "v1.29.0", "pass"),
    ("1.26", "v1.33.5", "pass"),
    ("1.26", "v1.28.0", "fail"),
    ("1.26.3", "v1.34.0-oke.2", "fail"),
    ("1.31-dev", "v1.35.4", "pass"),
    ("1.31.0-rc.0", "v1.30.0", "warn"),
    ("v1.29.8", "v1.35.0", "pass"),
]


@pytest.mark.parametrize("istio, kubernetes, status", WINDOW_CASES)
def test_the_kubernetes_version_is_judged_by_the_window_of_the_istio_release(istio, kubernetes, status):
    check = fitness.check_kubernetes_version(facts(version=kubernetes, nodes=[node(kubelet=kubernetes)]), istio)
    assert check.status == status, check.message
    row = fitness.istio_window(istio)
    assert check.details["window"] == row.as_dict()
    if status != "pass":
        # Both ranges are named, whatever the verdict.
        assert row.describe() in check.message


def test_the_table_has_a_row_per_supported_istio_minor_and_sane_ranges():
    assert set(["1.26", "1.27", "1.28", "1.29", "1.30", "1.31"]) <= set(fitness.ISTIO_SUPPORT)
    for istio, (supported, tested) in fitness.ISTIO_SUPPORT.items():
        first, last = [fitness._minor(v) for v in supported]
        assert first <= last, istio
        if tested:
            low, high = [fitness._minor(v) for v in tested]
            assert low <= high and high[1] == first[1] - 1, istio  # tested range ends where support begins


def test_a_version_outside_the_window_fails_with_both_ranges_and_where_it_is_supported():
    old = [node("w1", kubelet="v1.25.16"), node("w2", kubelet="v1.35.4")]
    check = by_name(fitness.evaluate(facts(nodes=old, version="v1.25.16"), "1.31"))["kubernetes_version"]
    assert check.status == "fail"
    assert check.message.startswith(
        "Kubernetes outside the support window of Istio 1.31 on the API server v1.25.16, node w1 (kubelet) v1.25.16. "
        "Istio 1.31 supports Kubernetes 1.32 to 1.37 (tested there but not supported: 1.27 to 1.31)."
    )
    assert "Kubernetes 1.25: no Istio release in the table" in check.message
    assert "Upgrade the cluster" in check.message and "cluster_prep_istio_version" in check.message
    assert "cluster_prep_kubernetes_version_warn_only" in check.message
    assert check.details["outside"] == ["the API server v1.25.16", "node w1 (kubelet) v1.25.16"]


def test_a_too_new_cluster_is_told_which_istio_supports_it():
    check = fitness.check_kubernetes_version(facts(version="v1.37.0", nodes=[node(kubelet="v1.37.0")]), "1.30")
    assert check.status == "fail"
    assert "Kubernetes 1.37: Istio 1.31" in check.message


def test_a_tested_but_unsupported_version_warns_naming_both_ranges():
    check = fitness.check_kubernetes_version(facts(version="v1.31.4", nodes=[node(kubelet="v1.31.4")]), "1.31")
    assert check.status == "warn"
    assert "one the Istio project tested Istio 1.31 on but does not support" in check.message
    assert "Istio 1.31 supports Kubernetes 1.32 to 1.37 (tested there but not supported: 1.27 to 1.31)" in check.message
    assert check.details["tested_not_supported"] == ["the API server v1.31.4", "node oke-worker-1 (kubelet) v1.31.4"]


def test_an_old_node_pool_from_the_oke_api_fails_even_when_nodes_are_new():
    check = fitness.check_kubernetes_version(facts(oke=oke(pools=(("legacy", "v1.25.4"),))), "1.31")
    assert check.status == "fail" and "node pool legacy v1.25.4" in check.message


def test_a_version_outside_the_window_becomes_a_warning_when_asked():
    checks = by_name(fitness.evaluate(facts(version="v1.24.0"), warn_only=["kubernetes_version"]))
    check = checks["kubernetes_version"]
    assert check.status == "warn"
    assert check.details["downgraded"] is True
    assert check.message.endswith("(Reported as a warning: warn_only includes kubernetes_version.)")


def test_unreadable_versions_warn():
    check = fitness.check_kubernetes_version(facts(nodes=[node(kubelet="")]), "1.31")
    assert check.status == "warn" and "node oke-worker-1 (kubelet)" in check.message


@pytest.mark.parametrize(
    "value, message",
    [
        ("latest", "istio_version 'latest' is not an Istio version such as 1.31 or 1.31.2"),
        ("1", "istio_version '1' is not an Istio version"),
        ("1.31.x", "istio_version '1.31.x' is not an Istio version"),
        ("1.25.3", "istio_version 1.25.3: Istio 1.25 is not in the collection's support table (Istio 1.26 to 1.31)"),
        ("1.32.0", "istio_version 1.32.0: Istio 1.32 is not in the collection's support table"),
    ],
)
def test_a_bad_or_unknown_istio_version_is_named(value, message):
    with pytest.raises(ValidationError) as exc:
        fitness.validate_options(dict(istio_version=value, supported_node_os=[]))
    assert exc.value.msg.startswith(message)


def test_the_default_istio_is_the_istio_roles_default_release():
    import os

    import yaml

    defaults = os.path.join(os.path.dirname(fitness.__file__), "..", "..", "..", "roles", "istio", "defaults", "main.yml")
    with open(defaults) as handle:
        release = yaml.safe_load(handle)["istio_istioctl_version"]
    assert fitness.istio_window(release).istio == fitness.DEFAULT_ISTIO_VERSION
    assert max(fitness.ISTIO_SUPPORT, key=fitness._minor) == fitness.DEFAULT_ISTIO_VERSION


def test_the_readme_table_says_what_the_code_table_says():
    import os
    import re

    readme = os.path.join(os.path.dirname(fitness.__file__), "..", "..", "..", "README.md")
    with open(readme) as handle:
        text = handle.read()
    rows = re.findall(r"^\| (1\.\d+) \| (1\.\d+) - (1\.\d+) \| (?:(1\.\d+) - (1\.\d+)|not confirmed) \|$", text, re.M)
    table = dict((istio, ((first, last), (low, high) if low else None)) for istio, first, last, low, high in rows)
    assert table == fitness.ISTIO_SUPPORT


def test_a_virtual_node_pool_from_the_oke_api_fails():
    check = by_name(fitness.evaluate(facts(oke=oke(virtual=("serverless",)))))["node_pools"]
    assert check.status == "fail"
    assert "virtual node pool(s) serverless" in check.message
    assert "Istio cannot run on OKE virtual nodes" in check.message
    assert "managed node pools" in check.message
    assert "cluster_prep_node_pools_warn_only" in check.message


@pytest.mark.parametrize(
    "virtual_node",
    [
        node("vn-1", provider_id="ocid1.virtualnode.oc1.iad.aaaa"),
        node("vn-1", annotations={"oci.oraclecloud.com/virtual-node-pool-id": "ocid1.virtualnodepool.oc1.iad.aaaa"}),
    ],
)
def test_virtual_nodes_are_recognised_without_the_oke_api(virtual_node):
    check = fitness.check_node_pools(facts(nodes=[node("w1", provider_id="ocid1.instance.oc1.iad.aaaa"), virtual_node]))
    assert check.status == "fail"
    assert "virtual node(s) vn-1" in check.message
    assert check.details["managed_nodes"] == ["w1"]


def test_virtual_nodes_become_a_warning_when_asked():
    checks = fitness.evaluate(facts(oke=oke(virtual=("serverless",))), warn_only=["node_pools"])
    assert by_name(checks)["node_pools"].status == "warn"
    assert all(c.status != "fail" for c in checks)


def test_a_cluster_without_nodes_warns():
    check = fitness.check_node_pools(facts(nodes=[]))
    assert check.status == "warn" and "no worker nodes" in check.message


@pytest.mark.parametrize(
    "daemonsets, kind",
    [
        (["kube-proxy", "vcn-native-ip-cni", "csi-oci-node"], "vcn_native"),
        (["kube-flannel-ds", "kube-proxy"], "flannel"),
    ],
)
def test_pod_network_from_kube_system_daemonsets(daemonsets, kind):
    check = fitness.check_pod_network(facts(daemonsets=daemonsets), fitness.DEFAULT_POD_NETWORKS)
    assert check.status == "pass"
    assert check.details["pod_networks"] == [kind]
    assert fitness.POD_NETWORK_MEANING[kind] in check.message


def test_flannel_states_what_it_means_for_the_mesh():
    check = fitness.check_pod_network(facts(oke=oke(cni=("FLANNEL_OVERLAY",))), fitness.DEFAULT_POD_NETWORKS)
    assert check.status == "pass"
    assert "sidecars work on it" in check.message and "security rules can only match node addresses" in check.message


def test_a_pod_network_outside_the_allowed_list_fails():
    check = fitness.check_pod_network(facts(oke=oke(cni=("FLANNEL_OVERLAY",))), ["vcn_native"])
    assert check.status == "fail"
    assert "allowed_pod_networks (vcn_native) does not accept" in check.message
    assert "cluster_prep_pod_network_warn_only" in check.message


def test_another_cni_is_other():
    check = fitness.check_pod_network(facts(daemonsets=["calico-node"]), fitness.DEFAULT_POD_NETWORKS)
    assert check.status == "fail" and check.details["pod_networks"] == ["other"]
    assert fitness.check_pod_network(facts(daemonsets=["calico-node"]), ["other"]).status == "pass"


def test_the_oke_api_wins_over_daemonsets():
    kinds, source = fitness.detect_pod_network(facts(daemonsets=["kube-flannel-ds"], oke=oke()))
    assert kinds == ["vcn_native"] and source.startswith("OKE API")


@pytest.mark.parametrize(
    "os_image, supported, expected",
    [
        ("Oracle Linux Server 8.10", fitness.DEFAULT_SUPPORTED_OS, True),
        ("Oracle Linux Server 7.9", fitness.DEFAULT_SUPPORTED_OS, True),
        ("Oracle Linux Server 9.4", fitness.DEFAULT_SUPPORTED_OS, True),
        ("Oracle Linux Server 10.0", fitness.DEFAULT_SUPPORTED_OS, False),
        ("Oracle Linux Server 80.1", ["Oracle Linux 8"], False),
        ("Ubuntu 22.04.4 LTS", fitness.DEFAULT_SUPPORTED_OS, False),
        ("Ubuntu 22.04.4 LTS", ["Ubuntu 22.04"], True),
        ("Ubuntu 24.04 LTS", ["Ubuntu 22.04"], False),
        ("Ubuntu 24.04 LTS", ["ubuntu"], True),
    ],
)
def test_os_supported(os_image, supported, expected):
    assert fitness.os_supported(os_image, supported) is expected


def test_an_unsupported_node_os_fails_naming_the_nodes():
    nodes = [node("w1"), node("w2", os_image="Ubuntu 22.04.4 LTS"), node("w3", os_image="Ubuntu 22.04.4 LTS")]
    check = fitness.check_node_os(facts(nodes=nodes), fitness.DEFAULT_SUPPORTED_OS)
    assert check.status == "fail"
    assert "Ubuntu 22.04.4 LTS on w2, w3" in check.message
    assert "cluster_prep_supported_node_os" in check.message and "cluster_prep_node_os_warn_only" in check.message
    assert fitness.evaluate(facts(nodes=nodes), warn_only=["node_os"])[3].status == "warn"


def test_many_names_are_shortened():
    nodes = [node("w%d" % i, os_image="Ubuntu 22.04.4 LTS") for i in range(8)]
    assert "w4 and 3 more" in fitness.check_node_os(facts(nodes=nodes), fitness.DEFAULT_SUPPORTED_OS).message


def test_empty_supported_os_entries_are_refused():
    with pytest.raises(ValidationError) as exc:
        fitness.validate_options(dict(istio_version=None, supported_node_os=["Oracle Linux 8", " "]))
    assert "supported_node_os" in exc.value.msg
