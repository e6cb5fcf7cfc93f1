# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/cluster_prep.yml end to end as an OKE user runs it, against the local control plane.

The local OKE API server stands in for OCI and describes the local control plane as an OKE cluster (its API server
address and CA); a stand-in ``oci`` command plays ``oci ce cluster generate-token`` and hands out a token of a
cluster-admin service account. Everything else is real: the oci SDK, the kubeconfig written, the Kubernetes API,
istioctl, and a local control plane started for the test (hack/local-cluster.sh).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import shutil
import stat
import sys

import pytest
import yaml


ISTIOCTL = os.path.join(os.environ.get("OKE_ISTIO_TOOLS", ""), "istioctl")

FAKE_OCI = r'''#!%(python)s
import json, sys
args = sys.argv[1:]
# Only the call OKE's kubeconfig makes is understood.
assert args[:3] == ["ce", "cluster", "generate-token"], args
assert args[args.index("--cluster-id") + 1] == %(cluster_id)r, args
assert args[args.index("--region") + 1] == "us-ashburn-1", args
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                  "status": {"token": %(token)r}}))
'''


@pytest.fixture(scope="module")
def local_kubeconfig(local_clusters):
    assert shutil.which("ansible-playbook") and os.path.isfile(ISTIOCTL), "the environment of hack/install-tools.sh is needed"
    return local_clusters.up("prep-oke")


def _admin_token(kubeconfig):
    from kubernetes import client, config

    api_client = config.new_client_from_config(config_file=kubeconfig)
    core, rbac = client.CoreV1Api(api_client), client.RbacAuthorizationV1Api(api_client)
    name, namespace = "oke-user", "kube-system"
    try:
        core.create_namespaced_service_account(namespace, {"metadata": {"name": name}})
    except client.ApiException as exc:
        if exc.status != 409:
            raise
    try:
        rbac.create_cluster_role_binding({
            "metadata": {"name": "oke-user-cluster-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        })
    except client.ApiException as exc:
        if exc.status != 409:
            raise
    request = core.create_namespaced_service_account_token(name, namespace, {"spec": {"expirationSeconds": 3600}})
    return request.status.token


def _local_endpoint(kubeconfig):
    with open(kubeconfig) as handle:
        data = yaml.safe_load(handle)
    cluster = data["clusters"][0]["cluster"]
    if "certificate-authority-data" in cluster:
        ca = cluster["certificate-authority-data"]
    else:
        with open(cluster["certificate-authority"], "rb") as handle:
            ca = base64.b64encode(handle.read()).decode("ascii")
    return cluster["server"].replace("https://", ""), ca


@pytest.fixture
def oke_cluster(oke_api, local_kubeconfig, tmp_path):
    endpoint, ca = _local_endpoint(local_kubeconfig)
    cluster = oke_api.state.add_cluster(suffix="local", name="local", version="v1.35.4")
    cluster["endpoints"]["publicEndpoint"] = endpoint
    oke_api.state.ca_data[cluster["id"]] = ca
    oke_api.state.add_node_pool(cluster, name="simulated-pool")
    fake_oci = tmp_path / "oci"
    fake_oci.write_text(FAKE_OCI % dict(python=sys.executable, cluster_id=cluster["id"], token=_admin_token(local_kubeconfig)))
    fake_oci.chmod(0o755)
    return cluster, str(fake_oci)


@pytest.fixture
def prep(run_playbook, oke_api, oke_cluster, tmp_path):
    """Run playbooks/cluster_prep.yml against the OKE stand-in; ``extra`` variables on top."""
    cluster, fake_oci = oke_cluster

    def run(**extra):
        variables = dict(
            oke_istio_kubeconfig=str(tmp_path / "kube" / "oke-local"),
            oke_cluster_id=cluster["id"],
            istio_istioctl_path=ISTIOCTL,
            cluster_prep_context="oke-local",
            cluster_prep_oke_oci_cli_command=fake_oci,
            cluster_prep_oci_config_file=oke_api.key.config_file,
            cluster_prep_oci_service_endpoint=oke_api.url,
        )
        variables.update(extra)
        return run_playbook("playbooks/cluster_prep.yml", variables=variables, timeout=300)

    return run


def test_oke_cluster_prep_twice_then_changed_zero(oke_api, tmp_path, prep):
    first, output = prep()
    assert first["failed"] == 0 and first["changed"] == 1, output
    kubeconfig = tmp_path / "kube" / "oke-local"
    assert stat.S_IMODE(kubeconfig.stat().st_mode) == 0o600
    assert yaml.safe_load(kubeconfig.read_text())["current-context"] == "oke-local"
    assert "PASS pod_network: Pod networking is OCI VCN-native pod networking" in output
    assert "node pool(s) simulated-pool" in output

    second, output = prep()
    assert second["failed"] == 0 and second["changed"] == 0, output
    # The OKE API was asked for the cluster, its kubeconfig and its node pools on each run.
    assert len(oke_api.calls("POST")) == 2


def test_oke_virtual_node_pool_fails_the_play_unless_warn_only(oke_api, oke_cluster, prep):
    cluster = oke_cluster[0]
    oke_api.state.add_virtual_node_pool(cluster, name="serverless")
    recap, output = prep()
    assert recap["failed"] == 1
    assert "[node_pools] The cluster has virtual node pool(s) serverless" in output
    assert "cluster_prep_node_pools_warn_only" in output

    recap, output = prep(cluster_prep_node_pools_warn_only=True)
    assert recap["failed"] == 0, output
    assert "WARN node_pools" in output


def test_oke_istio_addon_fails_the_play_unless_warn_only(oke_api, oke_cluster, prep):
    cluster = oke_cluster[0]
    oke_api.state.add_addon(cluster, name="Istio", installed="v1.24.3")
    recap, output = prep()
    assert recap["failed"] == 1
    assert (
        "[istio_addon] OKE's managed Istio add-on is enabled on this cluster (OKE API: add-on Istio, version v1.24.3"
        in output
    )
    assert "oci ce cluster disable-addon --addon-name Istio --cluster-id %s" % cluster["id"] in output
    assert "cluster_prep_istio_addon_warn_only" in output

    recap, output = prep(cluster_prep_istio_addon_warn_only=True)
    assert recap["failed"] == 0, output
    assert "WARN istio_addon" in output


def test_oke_too_old_kubernetes_fails_the_play_unless_warn_only(oke_api, oke_cluster, prep):
    cluster = oke_cluster[0]
    cluster["kubernetesVersion"] = "v1.25.16"
    recap, output = prep()
    assert recap["failed"] == 1
    assert "Kubernetes outside the support window of Istio 1.31 on the OKE control plane v1.25.16" in output
    assert "Istio 1.31 supports Kubernetes 1.32 to 1.37 (tested there but not supported: 1.27 to 1.31)" in output

    recap, output = prep(cluster_prep_kubernetes_version_warn_only=True)
    assert recap["failed"] == 0, output
    assert "WARN kubernetes_version" in output


def test_the_window_is_the_one_of_the_istio_the_istio_role_installs(oke_api, prep):
    """The playbook hands the istio role's pinned release to the fitness check: Istio 1.28 does not support the local
    control plane's Kubernetes (1.35), so the play stops before anything else runs."""
    recap, output = prep(istio_istioctl_version="1.28.10")
    assert recap["failed"] == 1
    assert "Kubernetes outside the support window of Istio 1.28 on the API server v1.35" in output
    assert "Istio 1.28 supports Kubernetes 1.30 to 1.34 (tested there but not supported: not confirmed)" in output
    assert "Kubernetes 1.35: Istio 1.29, 1.30, 1.31" in output
