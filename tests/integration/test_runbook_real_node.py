# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The runbook proven on a real node: site.yml converges a local real-node cluster as ``make main`` does, then
playbooks/runbook.yml walks every area and every step passes, its reports (JSON, JUnit XML, Markdown) say so, and
the cluster's objects afterwards are those before. The checks are not vacuous: a deliberately wrong traffic rule (all
of reviews to v1 while expecting half on v3) and a missing authorization viewer each fail their step, naming the
expectation and what was observed, and leave nothing behind.

Observability on the same cluster, for real: site.yml's summary reads the observability verification passed with
its evidence; every addon URL answers its health endpoint from this host; traces linking all four Bookinfo services
arrive in Zipkin and in Jaeger; Prometheus's counts of Envoy's requests to each reviews subset rise with traffic;
spans reach a local APM-shaped collector over TLS with the right data key, from a Bookinfo pod and from the ingress
gateway, and the key is never printed; the sidecars' access-log lines are in the files the OCI Logging agent
configuration tails.

Skipped, with the reason, only where ``hack/real-node.sh check`` says the machine cannot run a real node.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.oke.istio.tests.servers.apm_collector import ApmCollector
from ansible_collections.oke.istio.tests.servers.oci_observability import ApmApiServer
from ansible_collections.oke.istio.tests.servers.oke_api import COMPARTMENT

AGENT_GROUP = "ocid1.dynamicgroup.oc1..aaaaaaaaworkers"

REVIEWS_CLASSES = [
    {"name": "v3", "status": 200, "body_regex": '"color": ?"red"'},
    {"name": "v2", "status": 200, "body_regex": '"color": ?"black"'},
    {"name": "v1", "status": 200},
]
STEPS = [
    {"name": "all-v1", "scenarios": [{"scenario": "route_all", "service": "reviews", "subset": "v1"}],
     "verify": [{"url": "http://reviews:9080/reviews/0", "requests": 20, "classify": REVIEWS_CLASSES,
                 "expect": [{"class": "v1", "min_share": 1.0}]}]},
    {"name": "wrong-split", "scenarios": [{"scenario": "weighted", "service": "reviews", "weights": {"v1": 100}}],
     "verify": [{"url": "http://reviews:9080/reviews/0", "requests": 20, "classify": REVIEWS_CLASSES,
                 "expect": [{"class": "v3", "share": 0.5, "tolerance": 0.1}]}]},
]


@pytest.fixture(scope="module")
def site(local_clusters, run_playbook):
    """The real-node cluster converged by site.yml: (kubeconfig, site.yml's output)."""
    problem = local_clusters.real_node_problem()
    if problem:
        pytest.skip("this machine cannot run a real node: %s" % problem)
    path = local_clusters.up_real("runbook-it")
    result, output = run_playbook("playbooks/site.yml", kubeconfig=path, variables={})
    assert result["failed"] == 0, output
    return path, output


@pytest.fixture(scope="module")
def kubeconfig(site):
    return site[0]


# Objects the walk-through may touch, namespace by namespace ("" for cluster-scoped kinds).
SNAPSHOT = [
    ("bookinfo", "deployments,services,serviceaccounts,configmaps,secrets,virtualservices.networking.istio.io,"
                 "destinationrules.networking.istio.io,gateways.networking.istio.io,ingresses.networking.k8s.io,"
                 "serviceentries.networking.istio.io,peerauthentications.security.istio.io,"
                 "authorizationpolicies.security.istio.io,telemetries.telemetry.istio.io"),
    ("istio-system", "deployments,services,secrets,configmaps,gateways.networking.istio.io,"
                     "peerauthentications.security.istio.io"),
    ("", "namespaces"),
]


def snapshot(kubeconfig):
    """Names of the objects of SNAPSHOT, with the generation of each Deployment (a restart would show)."""
    kubectl = os.path.join(os.environ["OKE_ISTIO_TOOLS"], "kubectl")
    found = {}
    for namespace, kinds in SNAPSHOT:
        where = ["-n", namespace] if namespace else []
        items = json.loads(subprocess.run([kubectl, "--kubeconfig", kubeconfig, "get", kinds, "-o", "json"] + where,
                                          stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout)["items"]
        found[namespace or "cluster"] = sorted(
            "%s/%s%s" % (i["kind"], i["metadata"]["name"],
                         "@%s" % i["metadata"].get("generation") if i["kind"] == "Deployment" else "")
            for i in items if not (i["kind"] == "ConfigMap" and i["metadata"]["name"] == "istio-ca-root-cert"))
    return found


def test_the_walkthrough_passes_every_step_reports_it_and_leaves_nothing_behind(kubeconfig, tmp_path, run_playbook):
    before = snapshot(kubeconfig)
    result, output = run_playbook("playbooks/runbook.yml", kubeconfig=kubeconfig, variables={"oke_istio_report_dir": str(tmp_path)})
    assert result["failed"] == 0, output

    report = json.loads((tmp_path / "local.json").read_text())
    steps = report["results"]
    areas = set(step["area"] for step in steps)
    assert areas == {"observability", "traffic", "gateway", "egress", "security"}, areas
    not_passed = [(s["area"], s["step"], s["status"], s.get("reason")) for s in steps if s["status"] != "passed"]
    # The Gateway API CRDs are not part of the local cluster: that variant alone may say why it did not run.
    assert all(area == "gateway" and step == "gateway_api" and status == "skipped"
               for area, step, status, _reason in not_passed), not_passed
    traffic = [s["step"] for s in steps if s["area"] == "traffic"]
    assert traffic == ["route-all-v1", "shift-50-50", "shift-100-v3", "user-routing", "uri-rewrite", "request-timeout",
                       "delay-fault-bug", "delay-fault-fixed", "abort-fault", "circuit-breaker", "mirroring"]
    split = [s for s in steps if s["step"] == "shift-50-50"][0]["checks"][0]
    assert split["requests"] == 100 and abs(split["shares"]["v1"] - 0.5) <= 0.15, split
    breaker = [s for s in steps if s["step"] == "circuit-breaker"][0]["checks"]
    assert breaker[0]["status_counts"] == {"200": 20} and breaker[0]["counters"]["pending_overflow"] == 0, breaker[0]
    assert all(c["counters"]["pending_overflow"] > 0 and c["status_counts"].get("503", 0) > 0 for c in breaker[1:]), breaker
    assert any("https: another CA is refused" in s["step"] for s in steps)

    suites = ET.parse(str(tmp_path / "local.junit.xml")).getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) == len(steps) and not suites.findall(".//failure")
    table = (tmp_path / "local.md").read_text()
    assert "| traffic | mirroring |" in table and "failed" not in table.lower().split("| result |")[-1]

    assert snapshot(kubeconfig) == before


def routing_objects(kubeconfig):
    """Routing objects and traffic clients in the Bookinfo namespace (Bookinfo's own exposure included)."""
    kubectl = os.path.join(os.environ["OKE_ISTIO_TOOLS"], "kubectl")
    found = []
    for what in (["virtualservices.networking.istio.io,destinationrules.networking.istio.io"], ["deployments", "-l", "app=traffic-client"]):
        found += subprocess.run([kubectl, "--kubeconfig", kubeconfig, "-n", "bookinfo", "get"] + what + ["-o", "name"],
                                stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.split()
    return sorted(found)


def test_a_missing_viewer_fails_the_viewers_step_with_what_was_seen(kubeconfig, run_playbook):
    viewers = [{"name": "productpage-viewer", "app": "productpage", "from_service_accounts": []},
               {"name": "details-viewer", "app": "details", "from_service_accounts": ["bookinfo-productpage"]},
               {"name": "ratings-viewer", "app": "ratings", "from_service_accounts": ["bookinfo-reviews"]}]
    variables = {"security_app_namespace": "bookinfo", "security_authorization": "viewers", "security_viewers": viewers,
                 "security_demo": True, "security_verify": True, "security_verify_attempts": 2}
    before = snapshot(kubeconfig)
    result, output = run_playbook("playbooks/security.yml", kubeconfig=kubeconfig, variables=variables)
    assert result["failed"] == 1, output
    assert "class rendered: share >= 100%" in output and '"partial"' in output, output
    result, output = run_playbook("playbooks/security.yml", kubeconfig=kubeconfig, variables=dict(variables, security_state="absent"))
    assert result["failed"] == 0, output
    assert snapshot(kubeconfig) == before


def test_a_wrong_rule_fails_its_step_with_what_was_seen_and_the_others_still_pass(kubeconfig, run_playbook):
    before = routing_objects(kubeconfig)
    result, output = run_playbook("playbooks/traffic.yml", kubeconfig=kubeconfig,
                                  variables={"traffic_steps": STEPS, "traffic_verify_attempts": 2, "traffic_client_remove": False})
    assert result["failed"] == 1, output
    assert "1 of 2 traffic steps failed: wrong-split" in output, output
    assert "class v3: share 50% +/- 10%" in output, output
    assert "Verify with traffic the step all-v1" in output
    # The steps removed what they applied, site.yml's baseline routing of reviews included: put it back as
    # playbooks/runbook.yml does, and the namespace is as before.
    result, output = run_playbook("playbooks/traffic.yml", kubeconfig=kubeconfig, variables={
        "traffic_only_steps": ["route-all-v1"], "traffic_cleanup": False, "traffic_verify": False,
        "traffic_client_remove": False})
    assert result["failed"] == 0, output
    assert routing_objects(kubeconfig) == before


# --- Observability, for real -------------------------------------------------------------------------------------

def task_json(output, task):
    """What the last run of ``task`` (a task name as shown in TASK [...]) returned, decoded."""
    start = output.rindex("%s] ***" % task)
    start = output.index("=> ", start) + 3
    return json.JSONDecoder().raw_decode(output[start:])[0]


def test_site_reports_observability_passed_with_its_evidence(site):
    _kubeconfig, output = site
    summary = task_json(output, "Summarize this cluster")["msg"]
    observability = summary["verification"]["observability"]
    assert observability["status"] == "passed", summary
    traces, access_logs = observability["evidence"]["traces"], observability["evidence"]["access_logs"]
    assert traces.startswith("passed: Jaeger returned") and " links " in traces, traces
    assert all(app in traces.split(" links ", 1)[1] for app in ("productpage", "details", "reviews")), traces
    assert access_logs.startswith("passed: 20 of 20 requests logged") and "200 GET /productpage" in access_logs, access_logs
    addons = summary["verification"]["addons"]
    assert addons["status"] == "passed", summary
    assert addons["evidence"]["prometheus"].startswith("passed: Envoy's requests to productpage.bookinfo"), addons
    assert "passed" in summary["verification"]["bookinfo"]["status"]


def play_tasks(tmp_path, run_playbook, kubeconfig, tasks, keep):
    """Run ``tasks`` against the cluster (the local inventory's host); return the variables named in ``keep``."""
    out = tmp_path / "kept.json"
    playbook = tmp_path / "tasks.yml"
    playbook.write_text(json.dumps([{
        "hosts": "clusters", "gather_facts": False, "tasks": tasks + [{
            "name": "Keep the results", "delegate_to": "localhost",
            "ansible.builtin.copy": {"dest": str(out), "mode": "0600", "content": "{{ {%s} | to_json }}" % ", ".join(
                "'%s': %s" % (name, name) for name in keep)}}]}]))
    result, output = run_playbook(str(playbook), kubeconfig=kubeconfig)
    assert result["failed"] == 0, output[-6000:]
    return json.loads(out.read_text()), output


def test_every_addon_url_answers_its_health_endpoint_from_this_host(kubeconfig, tmp_path, run_playbook):
    kept, _output = play_tasks(tmp_path, run_playbook, kubeconfig, [
        {"name": "Install the addons again", "ansible.builtin.include_role": {"name": "oke.istio.addons"},
         "vars": {"addons_verify": False}}], ["addons_result"])
    result = kept["addons_result"]
    assert result["changed"] is False, result
    urls = result["urls"]
    assert sorted(urls) == ["jaeger", "prometheus", "zipkin"]
    for name, entry in urls.items():
        assert entry["command"] == "" and entry["url"].startswith("http://"), entry
        with urllib.request.urlopen(entry["health_url"], timeout=10) as answer:
            assert answer.status == 200, (name, entry)
            body = answer.read().decode("utf-8", "replace")
        assert {"prometheus": "Healthy", "jaeger": '"data"', "zipkin": '"UP"'}[name] in body, (name, body[:300])


def traffic_steps(run_playbook, kubeconfig, *steps, **extra):
    variables = dict({"traffic_only_steps": list(steps), "traffic_cleanup": False, "traffic_verify": False,
                      "traffic_client_remove": False}, **extra)
    result, output = run_playbook("playbooks/traffic.yml", kubeconfig=kubeconfig, variables=variables)
    assert result["failed"] == 0, output[-6000:]


def test_traces_linking_all_four_services_reach_zipkin_and_jaeger(kubeconfig, run_playbook):
    # All of reviews to v3, which calls ratings: every product page request crosses the four services.
    traffic_steps(run_playbook, kubeconfig, "shift-100-v3")
    try:
        for tracer, tool in (("zipkin", "Zipkin"), ("jaeger", "Jaeger")):
            result, output = run_playbook("playbooks/observability.yml", kubeconfig=kubeconfig, variables={
                "observability_tracer": tracer,
                "observability_verify_trace_services": ["productpage", "details", "reviews", "ratings"]}, verbose=True)
            assert result["failed"] == 0, output[-6000:]
            verification = task_json(output, "Publish the role's result")["ansible_facts"]["observability_result"]["verification"]
            traces = verification["checks"]["traces"]
            assert traces["status"] == "passed", traces
            assert traces["detail"].startswith("%s returned" % tool), traces
            assert traces["trace_services"] == ["details", "productpage", "ratings", "reviews"], traces
            assert traces["spans"] >= 4, traces
    finally:
        # site.yml's baseline: all of reviews to v1, and the tracer it configures (jaeger, the last one above).
        traffic_steps(run_playbook, kubeconfig, "route-all-v1")


def test_prometheus_counts_of_envoys_requests_to_each_reviews_subset_rise_with_traffic(kubeconfig, tmp_path, run_playbook):
    check = {"oke.istio.observability_check": {"app": "reviews", "proxy": "upstream", "checks": ["prometheus"], "lookback": 900}}
    kept, _output = play_tasks(tmp_path, run_playbook, kubeconfig, [
        dict(check, name="Count before", register="before"),
        {"name": "Send 30 requests to the product page (all of reviews on v1)",
         "oke.istio.mesh_probe": {"namespace": "bookinfo", "client_selector": "app=ratings", "container": "ratings",
                                  "url": "http://productpage.bookinfo:9080/productpage", "requests": 30,
                                  "expect": [{"status": 200, "min_share": 1.0}]}},
        # Prometheus scrapes every 15 s: wait until the scrape after the traffic is in.
        dict(check, name="Count after", register="after",
             until="(after.checks.prometheus.totals[subset] | default(0)) >= (before.checks.prometheus.totals[subset] | default(0)) + 30",
             retries=8, delay=5, vars={"subset": "outbound|9080|v1|reviews.bookinfo.svc.cluster.local"}),
    ], ["before", "after"])
    subset = "outbound|9080|v1|reviews.bookinfo.svc.cluster.local"
    before, after = kept["before"]["checks"]["prometheus"], kept["after"]["checks"]["prometheus"]
    assert after["status"] == "passed" and after["totals"][subset] >= before["totals"].get(subset, 0) + 30, (before, after)
    # The other subsets served earlier steps of the run: they are counted too, and did not move.
    assert set(after["totals"]) >= set(before["totals"])


def test_spans_reach_an_apm_shaped_collector_over_tls_with_the_data_key(kubeconfig, tmp_path, run_playbook):
    key = "LOCALAPMKEY2C6YOLQSUZ5Q7IGN"
    node_ip = node_address(kubeconfig)
    host = "apm.external.oke-istio.test"
    with ApmCollector(str(tmp_path), host, address=node_ip) as collector:
        apm = {
            "observability_tracing_mode": "legacy",
            "observability_tracer": "none",
            "observability_legacy_tracer_address": "%s:%d" % (host, collector.port),
            "observability_apm_bootstrap": True,
            "observability_apm_bootstrap_workloads": {"bookinfo": ["productpage-v1"]},
            "observability_apm_data_upload_endpoint": collector.endpoint,
            "observability_apm_data_key": key,
            "observability_apm_ca_certificates": collector.ca_pem,
            "observability_verify_trace_services": ["productpage"],
        }
        try:
            result, output = run_playbook("playbooks/observability.yml", kubeconfig=kubeconfig, variables=apm, verbose=True)
            assert result["failed"] == 0, output[-6000:]
            assert key not in output
            # Through the ingress gateway from this host: its spans and the product page's.
            gateway = "http://%s:%d/productpage" % (node_ip, gateway_node_port(kubeconfig))
            deadline = time.time() + 120
            while time.time() < deadline:
                # x-client-trace-id: Envoy traces the request whatever the sampling percentage.
                urllib.request.urlopen(urllib.request.Request(gateway, headers={"x-client-trace-id": "apm-check"}),
                                       timeout=10).read()
                services = set(span.get("localEndpoint", {}).get("serviceName")
                               for upload in collector.received() for span in upload.spans)
                if {"istio-ingressgateway.istio-system", "productpage.bookinfo"} <= services:
                    break
                time.sleep(3)
            uploads = collector.received()
            services = set(span.get("localEndpoint", {}).get("serviceName") for upload in uploads for span in upload.spans)
            assert {"istio-ingressgateway.istio-system", "productpage.bookinfo"} <= services, services
            assert set((u.key_type, u.data_key) for u in uploads) == {("private", key)}
        finally:
            # Back to site.yml's tracing, naming the workloads so the bootstrap comes off them and the gateway.
            result, output = run_playbook("playbooks/observability.yml", kubeconfig=kubeconfig, variables={
                "observability_apm_bootstrap_workloads": apm["observability_apm_bootstrap_workloads"]})
            assert result["failed"] == 0, output[-6000:]
            assert key not in output


def test_access_log_lines_are_in_the_files_the_oci_logging_agent_tails(kubeconfig, tmp_path, run_playbook):
    with ApmApiServer(str(tmp_path)) as oci:
        kept, _output = play_tasks(tmp_path, run_playbook, kubeconfig, [
            {"name": "Configure OCI Logging", "register": "logging",
             "oke.istio.oci_logging": dict(oci.auth_args(), compartment_id=COMPARTMENT, agent_group_ids=[AGENT_GROUP])},
            {"name": "Send requests and find their access-log lines", "register": "probe",
             "oke.istio.mesh_probe": {"namespace": "bookinfo", "client_selector": "app=ratings", "container": "ratings",
                                      "url": "http://productpage.bookinfo:9080/productpage?oci-logging-check", "requests": 5,
                                      "count": [{"name": "access_log", "selector": "app=productpage"}],
                                      "expect": [{"status": 200, "min_share": 1.0}, {"counter": "access_log", "min_share": 1.0}]}},
        ], ["logging", "probe"])
        config = oci.state.agent_configs[kept["logging"]["agent_configuration_id"]]
    source = config["serviceConfiguration"]["sources"][0]
    assert source["parser"]["parserType"] == "CRI", source
    line = kept["probe"]["report"]["access_log_lines"]["access_log"]
    assert line["response_code"] == 200 and line["path"] == "/productpage?oci-logging-check", line
    assert line["upstream_cluster"].startswith("inbound|9080|"), line
    # The sidecar's log file as the node keeps it, found by the agent's own path patterns.
    files = sorted(set(f for pattern in source["paths"] for f in glob.glob(pattern)
                       if "_bookinfo_istio-proxy-" in f and os.path.basename(f).startswith(line["pod"] + "_")))
    assert files, (source["paths"], line["pod"])
    logged = []
    for name in files:
        with open(name) as stream:
            logged += [entry for entry in stream if "/productpage?oci-logging-check" in entry]
    assert len(logged) >= 5, files
    # CRI format, as the agent's parser reads it: time, stream, tag, then Envoy's JSON line.
    stamp, stream_name, tag, text = logged[-1].split(" ", 3)
    assert stream_name == "stdout" and tag == "F" and json.loads(text)["response_code"] == 200, logged[-1]


def node_address(kubeconfig):
    kubectl = os.path.join(os.environ["OKE_ISTIO_TOOLS"], "kubectl")
    return subprocess.run([kubectl, "--kubeconfig", kubeconfig, "get", "nodes", "-o",
                           'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}'],
                          stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()


def gateway_node_port(kubeconfig):
    kubectl = os.path.join(os.environ["OKE_ISTIO_TOOLS"], "kubectl")
    return int(subprocess.run([kubectl, "--kubeconfig", kubeconfig, "-n", "istio-system", "get", "service",
                               "istio-ingressgateway", "-o", "jsonpath={.spec.ports[?(@.port==80)].nodePort}"],
                              stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip())
