# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/gateway.yml, security.yml and egress.yml against the local control plane with Istio installed.

Every object applies, ``istioctl analyze`` finds nothing wrong with them, a second run changes nothing, bad input
changes nothing, and state=absent removes what was applied. The egress role reads the cluster CIDRs from the local
OKE API server. Traffic checks report skipped on the simulated nodes. The module starts a local control plane of its own
(hack/local-cluster.sh) and installs Istio on it with istioctl.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shutil
import subprocess
import uuid

import pytest

from kubernetes import client, config


SERVICES = ("productpage", "details", "reviews", "ratings")
# The simulated control plane runs no injection webhook, so pods lack sidecars; that is the cluster, not our objects.
ANALYZE_IGNORED = ("IST0103",)


@pytest.fixture(scope="module")
def kubeconfig(local_clusters):
    """A local control plane of this module's own, with Istio installed."""
    assert shutil.which("ansible-playbook") and shutil.which("istioctl"), "the environment of hack/install-tools.sh is needed"
    path = local_clusters.up("h-gw-it")
    subprocess.run(["istioctl", "install", "-y", "--kubeconfig", path], check=True, stdout=subprocess.DEVNULL)
    return path


def _api(kubeconfig):
    api_client = config.new_client_from_config(config_file=kubeconfig)
    return client.CoreV1Api(api_client), client.AppsV1Api(api_client), client.CustomObjectsApi(api_client)


@pytest.fixture
def app(kubeconfig):
    """A namespace with stand-ins for the Bookinfo services (Service, ServiceAccount, Deployment each)."""
    core, apps, _custom = _api(kubeconfig)
    namespace = "edge-%s" % uuid.uuid4().hex[:6]
    core.create_namespace({"metadata": {"name": namespace, "labels": {"istio-injection": "enabled"}}})
    for name in SERVICES:
        core.create_namespaced_service_account(namespace, {"metadata": {"name": "bookinfo-%s" % name}})
        core.create_namespaced_service(namespace, {
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 9080}]},
        })
        apps.create_namespaced_deployment(namespace, {
            "metadata": {"name": "%s-v1" % name, "labels": {"app": name}},
            "spec": {
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name, "version": "v1"}},
                    "spec": {"serviceAccountName": "bookinfo-%s" % name,
                             "containers": [{"name": name, "image": "registry.istio.io/release/examples-bookinfo-%s-v1:1.20.3" % name,
                                             "ports": [{"containerPort": 9080}]}]},
                },
            },
        })
    yield namespace
    for ns in (namespace, namespace + "-mesh", namespace + "-legacy"):
        try:
            core.delete_namespace(ns)
        except client.ApiException:
            pass


def analyze(kubeconfig, *namespaces):
    """Findings of istioctl analyze in the namespaces, except those caused by the simulated cluster."""
    findings = []
    for namespace in namespaces:
        process = subprocess.run(
            ["istioctl", "analyze", "--kubeconfig", kubeconfig, "-n", namespace],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120, check=False,
        )
        findings += [line for line in process.stdout.splitlines()
                     if re.match(r"^(Error|Warning|Info) \[IST\d+\]", line) and not any(code in line for code in ANALYZE_IGNORED)]
    return findings


def _objects(kubeconfig, namespace):
    _core, _apps, custom = _api(kubeconfig)
    found = {}
    for group, version, plural in (("networking.istio.io", "v1", "gateways"), ("networking.istio.io", "v1", "virtualservices"),
                                   ("networking.istio.io", "v1", "serviceentries"), ("security.istio.io", "v1", "authorizationpolicies"),
                                   ("security.istio.io", "v1", "peerauthentications")):
        items = custom.list_namespaced_custom_object(group, version, namespace, plural)["items"]
        found[plural] = sorted(i["metadata"]["name"] for i in items)
    return found


def test_gateway_security_and_egress_apply_analyze_clean_and_rerun_unchanged(kubeconfig, app, oke_api, tmp_path, run_playbook):
    cluster = oke_api.state.add_cluster(suffix="edgee2e")
    ca_file = str(tmp_path / "ca.crt")
    # Host names of this run only: two namespaces claiming one host is a conflict istioctl analyze reports.
    host, external = "%s.oke-istio.test" % app, "%s.external.oke-istio.test" % app
    gateway = dict(gateway_namespace=app, gateway_hosts=[host], gateway_tls_mode="SIMPLE",
                   gateway_tls_hosts=[host], gateway_https_redirect=True,
                   gateway_tls_credential_name="%s-credential" % app, gateway_tls_ca_cert_dest=ca_file,
                   gateway_verify=True, gateway_verify_client_namespace=app, gateway_verify_client_selector="app=ratings")
    security = dict(security_app_namespace=app, security_namespace_mtls_modes={app: "STRICT"}, security_authorization="viewers",
                    security_demo=True, security_demo_mesh_namespace=app + "-mesh", security_demo_legacy_namespace=app + "-legacy",
                    security_workload_mtls=[{"name": "ratings", "namespace": app, "selector": {"app": "ratings"}, "mode": "STRICT",
                                             "port_modes": {"9080": "STRICT"}}],
                    security_verify=True)
    egress = dict(egress_namespace=app,
                  egress_service_entries=[{"name": "httpbin-ext", "hosts": [external],
                                           "ports": [{"number": 80, "name": "http", "protocol": "HTTP"},
                                                     {"number": 443, "name": "https", "protocol": "HTTPS"}]}],
                  egress_traffic_rules=[{"name": "httpbin-ext", "host": external, "port": 80, "timeout": "3s"}],
                  egress_direct_access="workloads", egress_direct_access_workloads=[{"namespace": app, "name": "ratings-v1"}],
                  egress_oke_cluster_id=cluster["id"], egress_oci_auth=oke_api.auth_args(),
                  egress_verify=True, egress_verify_client_namespace=app, egress_verify_client_selector="app=ratings",
                  egress_verify_checks=[{"name": "timeout", "url": "http://%s/delay/5" % external, "status": 504,
                                         "p50_latency_min": 2.5, "p50_latency_max": 4}])
    plays = (("playbooks/gateway.yml", gateway), ("playbooks/security.yml", security), ("playbooks/egress.yml", egress))

    for playbook, variables in plays:
        first, output = run_playbook(playbook, kubeconfig=kubeconfig, variables=variables)
        assert first["failed"] == 0 and first["changed"] > 0, output
        assert "Traffic checks skipped: the cluster's nodes are simulated by kwok" in output, output
    objects = _objects(kubeconfig, app)
    assert objects["gateways"] == ["bookinfo-gateway"] and objects["virtualservices"] == ["bookinfo-gateway", "httpbin-ext"]
    assert objects["serviceentries"] == ["httpbin-ext"]
    assert objects["authorizationpolicies"] == ["allow-nothing", "details-viewer", "productpage-viewer", "ratings-viewer", "reviews-viewer"]
    assert objects["peerauthentications"] == ["default", "ratings"]
    _core, apps, custom = _api(kubeconfig)
    template = apps.read_namespaced_deployment("ratings-v1", app).spec.template
    assert template.metadata.annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"] == "10.244.0.0/16,10.96.0.0/16"
    assert template.spec.containers[0].name == "ratings"  # the workload's own fields are left alone
    details = custom.get_namespaced_custom_object("security.istio.io", "v1", app, "authorizationpolicies", "details-viewer")
    assert details["spec"]["rules"][0]["from"][0]["source"]["principals"] == ["cluster.local/ns/%s/sa/bookinfo-productpage" % app]
    assert analyze(kubeconfig, app, app + "-mesh", app + "-legacy") == []

    for playbook, variables in plays:
        second, output = run_playbook(playbook, kubeconfig=kubeconfig, variables=variables)
        assert second["failed"] == 0 and second["changed"] == 0, output

    for playbook, variables in plays:
        absent = dict(variables, gateway_state="absent", security_state="absent", egress_state="absent")
        removed, output = run_playbook(playbook, kubeconfig=kubeconfig, variables=absent)
        assert removed["failed"] == 0, output
    assert all(not names for names in _objects(kubeconfig, app).values()), _objects(kubeconfig, app)
    template = apps.read_namespaced_deployment("ratings-v1", app).spec.template
    assert "traffic.sidecar.istio.io/includeOutboundIPRanges" not in (template.metadata.annotations or {})


def test_bad_input_changes_nothing(kubeconfig, app, run_playbook, cluster_writes):
    core = _api(kubeconfig)[0]
    mesh = [i for i in core.read_namespaced_config_map("istio", "istio-system").data["mesh"].splitlines() if "mode:" in i]
    live = "REGISTRY_ONLY" if any("REGISTRY_ONLY" in line for line in mesh) else "ALLOW_ANY"
    other = "ALLOW_ANY" if live == "REGISTRY_ONLY" else "REGISTRY_ONLY"
    cases = [
        ("playbooks/gateway.yml", dict(gateway_namespace=app, gateway_tls_mode="SIMPLE", gateway_tls_hosts=["*"]),
         'gateway_tls_hosts must be explicit names for the certificate, not "*"'),
        ("playbooks/gateway.yml", dict(gateway_namespace=app, gateway_hosts=["Bad_Host"]),
         "gateway_hosts must be \"*\" or lower-case DNS names, optionally with a leading \"*.\", got ['Bad_Host']"),
        ("playbooks/gateway.yml", dict(gateway_namespace=app, gateway_tls_mode="SIMPLE", gateway_tls_hosts=["a.oke-istio.test"],
                                       gateway_tls_validity_days=0), "validity_days must be a positive number of days"),
        ("playbooks/security.yml", dict(security_app_namespace=app, security_authorization="viewers",
                                        security_namespace_mtls_modes={app: "STRICTEST"}),
         "security_namespace_mtls_modes must map each namespace to STRICT, PERMISSIVE, DISABLE or remove"),
        ("playbooks/egress.yml", dict(egress_namespace=app, egress_outbound_traffic_policy=other,
                                      egress_service_entries=[{"name": "x", "hosts": ["x.external.oke-istio.test"],
                                                               "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]}]),
         "set them through the istio role (istio_outbound_traffic_policy"),
        ("playbooks/egress.yml", dict(egress_namespace=app, egress_direct_access="workloads", egress_include_ip_ranges=["10.0.0.0/8"],
                                      egress_direct_access_workloads=[{"namespace": app, "name": "missing"}]),
         "workloads not found, nothing was changed"),
    ]
    before = cluster_writes(kubeconfig, (app, "istio-system"))
    for playbook, variables, message in cases:
        result, output = run_playbook(playbook, kubeconfig=kubeconfig, variables=variables)
        assert result["failed"] == 1 and result["changed"] == 0, output
        assert message in output, output
        assert cluster_writes(kubeconfig, (app, "istio-system")) == before, (playbook, variables)
    assert all(not names for names in _objects(kubeconfig, app).values()), _objects(kubeconfig, app)


def _versions(kubeconfig, namespace):
    """resourceVersion of every Gateway and VirtualService in the namespace: any write changes one."""
    custom = _api(kubeconfig)[2]
    return dict(("%s/%s" % (plural, item["metadata"]["name"]), item["metadata"]["resourceVersion"])
                for plural in ("gateways", "virtualservices")
                for item in custom.list_namespaced_custom_object("networking.istio.io", "v1", namespace, plural)["items"])


def test_the_gateway_role_neither_takes_over_nor_deletes_bookinfos_own_gateway(kubeconfig, run_playbook):
    core, _apps, custom = _api(kubeconfig)
    namespace = "own-%s" % uuid.uuid4().hex[:6]
    try:
        result, output = run_playbook("playbooks/bookinfo.yml", kubeconfig=kubeconfig, variables=dict(bookinfo_namespace=namespace, bookinfo_verify=False))
        assert result["failed"] == 0, output
        gateway = custom.get_namespaced_custom_object("networking.istio.io", "v1", namespace, "gateways", "bookinfo-gateway")
        assert gateway["metadata"]["labels"]["oke.istio/owner"] == "bookinfo"
        before = _versions(kubeconfig, namespace)
        assert "gateways/bookinfo-gateway" in before and "virtualservices/bookinfo" in before, before

        result, output = run_playbook("playbooks/gateway.yml", kubeconfig=kubeconfig, variables=dict(gateway_namespace=namespace))
        assert result["failed"] == 1 and result["changed"] == 0, output
        assert ("(apiVersion networking.istio.io/v1, kind Gateway, name %s/bookinfo-gateway): owned by bookinfo "
                "(label oke.istio/owner=bookinfo), not gateway" % namespace) in output, output
        assert _versions(kubeconfig, namespace) == before

        result, output = run_playbook("playbooks/gateway.yml", kubeconfig=kubeconfig, variables=dict(gateway_namespace=namespace, gateway_state="absent"))
        assert result["failed"] == 0 and result["changed"] == 0, output
        assert "not deleted: owned by bookinfo (label oke.istio/owner=bookinfo): left in place" in output, output
        assert _versions(kubeconfig, namespace) == before
    finally:
        try:
            core.delete_namespace(namespace)
        except client.ApiException:
            pass
