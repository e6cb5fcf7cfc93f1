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


def facts(nodes=None, version="v1.35.4", daemonsets=(), oke=None, istiods=(), records=()):
    result = dict(
        api_server_version=version,
        nodes=[fitness.node_facts(n) for n in (nodes if nodes is not None else [node("oke-worker-%d" % i) for i in (1, 2, 3)])],
        kube_system_daemonsets=list(daemonsets),
    )
    if istiods or records:
        result["istio_control_planes"] = fitness.control_plane_facts(list(istiods), list(records))
    if oke is not None:
        result["oke"] = oke
    return result


def oke(version="v1.34.2", cni=("OCI_VCN_IP_NATIVE",), pools=(("pool1", None),), virtual=(), addons=()):
    return dict(
        cluster=dict(id="ocid1.cluster.oc1.iad.aaaa", name="mesh", kubernetes_version=version, lifecycle_state="ACTIVE",
                     type="ENHANCED_CLUSTER", cni_types=list(cni)),
        node_pools=[dict(id="np", name=n, kubernetes_version=v or version, node_image_name=None, lifecycle_state="ACTIVE")
                    for n, v in pools],
        virtual_node_pools=[dict(id="vnp", name=n, kubernetes_version=version, lifecycle_state="ACTIVE") for n in virtual],
        addons=list(addons),
    )


def addon(name="Istio", installed="v1.24.3", version=None, state="ACTIVE", error=None):
    """An add-on as oke_facts records it from ListAddons."""
    return dict(name=name, version=version, current_installed_version=installed, lifecycle_state=state, error=error)


def istiod(namespace="istio-system", revision=None, image="docker.io/istio/pilot:1.24.3", labels=None):
    """An istiod Deployment as Istio's chart renders it (istioctl or Helm); nothing says who installed it."""
    base = {"app": "istiod", "istio": "pilot", "istio.io/rev": revision or "default", "release": "istio"}
    return {
        "metadata": {
            "name": "istiod-%s" % revision if revision else "istiod",
            "namespace": namespace,
            "labels": dict(base, **(labels or {})),
            "annotations": {"deployment.kubernetes.io/revision": "1"},
        },
        "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": image}]}}},
    }


def our_record(namespace="istio-system", revision=None):
    """The record ConfigMap the istio role's istioctl_install writes beside the istiod it installed."""
    name = "oke-istio-install-%s" % revision if revision else "oke-istio-install"
    labels = {"app.kubernetes.io/managed-by": "oke.istio", "istio.io/rev": revision or "default"}
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels}, "data": {}}


def by_name(checks):
    return dict((c.name, c) for c in checks)


def test_the_local_simulated_cluster_passes_with_an_unknown_pod_network():
    checks = by_name(fitness.evaluate(facts()))
    assert [c.status for c in checks.values()] == ["pass", "pass", "warn", "pass", "pass"]
    assert "neither OKE's vcn-native-ip-cni nor kube-flannel-ds" in checks["pod_network"].message


def test_an_oke_cluster_with_managed_vcn_native_nodes_passes():
    checks = fitness.evaluate(facts(oke=oke()))
    assert [c.status for c in checks] == ["pass"] * 5
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


# istio_addon ---------------------------------------------------------------------------------------------------


def test_the_checks_and_their_role_variables():
    assert fitness.CHECKS[-1] == "istio_addon"
    assert fitness.ROLE_VARIABLES["istio_addon"] == "cluster_prep_istio_addon_warn_only"
    assert [c.name for c in fitness.evaluate(facts())] == list(fitness.CHECKS)


def test_an_active_istio_addon_fails_naming_its_version_and_both_ways_forward():
    check = fitness.check_istio_addon(facts(oke=oke(addons=[addon("CoreDNS", "v1.11.1"), addon()])))
    assert check.status == "fail"
    assert check.message.startswith(
        "OKE's managed Istio add-on is enabled on this cluster (OKE API: add-on Istio, version v1.24.3 (updated by "
        "Oracle automatically), state ACTIVE)."
    )
    # Way 1: disable it and remove what it installed.
    assert (
        "oci ce cluster disable-addon --addon-name Istio --cluster-id ocid1.cluster.oc1.iad.aaaa "
        "--is-remove-existing-add-on true" in check.message
    )
    # Way 2: keep it, skip the install, and let this check only warn.
    assert "skip this collection's Istio install (oke_istio_install: false" in check.message
    assert "its namespace istio-system" in check.message
    assert "cluster_prep_istio_addon_warn_only: true" in check.message
    assert check.details["addon"]["current_installed_version"] == "v1.24.3"
    assert [a["name"] for a in check.details["istio_addons"]] == ["Istio"]


@pytest.mark.parametrize("state", ["CREATING", "UPDATING", "NEEDS_ATTENTION"])
def test_an_istio_addon_on_its_way_counts_as_present(state):
    check = fitness.check_istio_addon(facts(oke=oke(addons=[addon(state=state, version="v1.24.3")])))
    assert check.status == "fail"
    assert "version v1.24.3 (pinned to v1.24.3), state %s" % state in check.message


def test_the_addons_control_plane_is_named_with_it():
    check = fitness.check_istio_addon(facts(oke=oke(addons=[addon()]), istiods=[istiod()]))
    assert check.status == "fail"
    assert "Its control plane: Deployment istio-system/istiod (Istio 1.24.3, revision default; labels: app=istiod" in check.message


@pytest.mark.parametrize("state", ["DELETED", "DELETING", "FAILED"])
def test_a_deleted_or_failed_istio_addon_passes(state):
    check = fitness.check_istio_addon(facts(oke=oke(addons=[addon(state=state)])))
    assert check.status == "pass", check.message
    assert check.message == "No Istio control plane runs in the cluster; the OKE API lists the Istio add-on as %s." % state
    assert check.details["addon"] is None


def test_a_foreign_istiod_without_the_oke_api_fails_naming_the_deployment_and_its_labels():
    check = fitness.check_istio_addon(facts(istiods=[istiod(labels={"app.kubernetes.io/version": "1.24.3"})]))
    assert check.status == "fail"
    assert check.message.startswith(
        "An Istio control plane not installed by oke.istio runs in the cluster: Deployment istio-system/istiod "
        "(Istio 1.24.3, revision default; labels: app=istiod, app.kubernetes.io/version=1.24.3, istio=pilot, "
        "istio.io/rev=default, release=istio). It may be OKE's managed Istio add-on or an Istio installed by other means"
    )
    assert "Give cluster_id (role variable cluster_prep_oke_cluster_id) to ask the OKE API" in check.message
    assert "--addon-name Istio --cluster-id <cluster OCID> --is-remove-existing-add-on true" in check.message
    assert "istioctl uninstall --revision <revision>" in check.message
    assert "oke_istio_install: false" in check.message and "cluster_prep_istio_addon_warn_only: true" in check.message
    assert check.details["not_installed_by_oke_istio"] == ["istio-system/istiod"]
    assert check.details["control_planes"][0]["labels"]["istio"] == "pilot"


def test_a_foreign_istiod_left_by_a_disabled_addon_says_so():
    check = fitness.check_istio_addon(facts(oke=oke(addons=[addon(state="DELETED")]), istiods=[istiod()]))
    assert check.status == "fail"
    assert "The OKE API lists the Istio add-on as DELETED: this may be what disabling it without removing" in check.message


def test_our_own_istiod_from_an_earlier_run_passes():
    check = fitness.check_istio_addon(facts(oke=oke(), istiods=[istiod(image="docker.io/istio/pilot:1.31.2")], records=[our_record()]))
    assert check.status == "pass", check.message
    assert check.message == (
        "Only this collection's Istio runs (Deployment istio-system/istiod, revision default, from an earlier run); "
        "the OKE API lists no Istio add-on."
    )
    assert check.details["control_planes"][0]["installed_by_oke_istio"] is True
    assert check.details["control_planes"][0]["version"] == "1.31.2"


def test_a_record_counts_for_its_own_revision_and_namespace_only():
    planes = [istiod(revision="canary"), istiod(), istiod(namespace="other-mesh")]
    check = fitness.check_istio_addon(facts(istiods=planes, records=[our_record(revision="canary")]))
    assert check.status == "fail"
    assert check.details["not_installed_by_oke_istio"] == ["istio-system/istiod", "other-mesh/istiod"]
    assert "istio-system/istiod-canary" not in check.message


def test_nothing_installed_passes():
    check = fitness.check_istio_addon(facts())
    assert check.status == "pass"
    assert check.message == "No Istio control plane runs in the cluster; the OKE API was not asked (no cluster_id)."


def test_the_istio_addon_becomes_a_warning_when_asked():
    checks = by_name(fitness.evaluate(facts(oke=oke(addons=[addon()])), warn_only=["istio_addon"]))
    check = checks["istio_addon"]
    assert check.status == "warn" and check.details["downgraded"] is True
    assert check.message.endswith("(Reported as a warning: warn_only includes istio_addon.)")
    assert fitness.check_istio_addon(facts(istiods=[istiod()])).status == "fail"
    assert by_name(fitness.evaluate(facts(istiods=[istiod()]), warn_only=["istio_addon"]))["istio_addon"].status == "warn"


def test_the_record_the_istio_role_writes_marks_its_istiod_as_ours():
    """The mark the check looks for is the one Installer.write_record really writes (not a copy in the test)."""
    from ansible_collections.oke.istio.plugins.module_utils._istio import installer

    class Plan(object):
        operator = {"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {"revision": "canary"}}
        fingerprint = "f"
        istioctl_version = "1.31.2"
        refs = []

    written = []
    installer = installer.Installer(client=None, istioctl=None, waiter=object())
    installer.recorder.apply = lambda manifests: written.extend(manifests) or []
    installer.write_record(Plan(), "canary")
    planes = fitness.control_plane_facts([istiod(revision="canary")], written)
    assert planes[0]["installed_by_oke_istio"] is True
    assert "app.kubernetes.io/managed-by=oke.istio" == fitness.RECORD_SELECTOR
    assert written[0]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "oke.istio"


@pytest.mark.parametrize(
    "image, labels, version",
    [
        ("docker.io/istio/pilot:1.24.3", {}, "1.24.3"),
        ("registry.example.com:5000/istio/pilot:1.24.3-distroless@sha256:abcd", {}, "1.24.3-distroless"),
        ("registry.example.com:5000/istio/pilot", {}, None),
        ("docker.io/istio/pilot:latest", {}, None),
        ("docker.io/istio/pilot:latest", {"app.kubernetes.io/version": "1.25.0"}, "1.25.0"),
    ],
)
def test_the_istiod_release_is_read_from_its_label_or_image(image, labels, version):
    assert fitness.control_plane_facts([istiod(image=image, labels=labels)], [])[0]["version"] == version
