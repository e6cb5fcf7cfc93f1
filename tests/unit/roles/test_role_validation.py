# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each role's input checks, run as ansible-playbook runs them: a bad value fails with a message that names the
variable and the offending value, and only that rule; the defaults pass; every role checks its input first.

All cases run in one playbook (a block and rescue per case, conftest.py's run_role_cases) to keep the suite fast; the
output is split per case."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES = ("addons", "bookinfo", "cluster_prep", "egress", "gateway", "istio", "observability", "security")
SIGNING_KEY = "too-short-key"

# (case id, role, tasks file, variables, the messages of the rules that fail: exactly these)
CASES = [
    ("security-viewer-account", "security", "validate.yml",
     {"security_viewers": [{"name": "details-viewer", "app": "details", "from_service_accounts": ["Bookinfo_Productpage"]}]},
     ["security_viewers from_service_accounts must be service account names (lower-case letters, digits, '-' and '.'), "
      "got ['Bookinfo_Productpage']"]),
    ("security-viewer-incomplete", "security", "validate.yml",
     {"security_viewers": [{"name": "details-viewer"}]},
     ["each security_viewers item needs name and app, got [{'name': 'details-viewer'}]"]),
    ("security-namespace-mode", "security", "validate.yml", {"security_namespace_mtls_modes": {"bookinfo": "lax", "legacy": "DISABLE"}},
     ["security_namespace_mtls_modes must map each namespace to STRICT, PERMISSIVE, DISABLE or remove, got {'bookinfo': 'lax'}"]),
    ("security-workload-modes", "security", "validate.yml",
     {"security_workload_mtls": [{"name": "db", "namespace": "data", "selector": {"app": "db"}, "mode": "Strict",
                                  "port_modes": {"5432": "OFF"}}]},
     ["security_workload_mtls mode must be STRICT, PERMISSIVE, DISABLE or remove, got ['Strict'] in ['db']",
      "security_workload_mtls port_modes must be STRICT, PERMISSIVE, DISABLE or UNSET, got {'5432': 'OFF'}"]),
    ("security-workload-selector", "security", "validate.yml",
     {"security_workload_mtls": [{"name": "db", "namespace": "data", "selector": {}, "mode": "STRICT"}]},
     ["each security_workload_mtls item needs a non-empty selector (a PeerAuthentication without one applies to its "
      "whole namespace), got [{'name': 'db', 'namespace': 'data', 'selector': {}, 'mode': 'STRICT'}]"]),
    ("security-defaults", "security", "validate.yml", {}, []),
    ("egress-timeout", "egress", "validate.yml",
     {"egress_traffic_rules": [{"name": "httpbin", "host": "httpbin.org", "timeout": "3 seconds"}]},
     ["egress_traffic_rules timeout must be a duration such as 3s or 500ms, got ['3 seconds']"]),
    ("egress-protocol", "egress", "validate.yml",
     {"egress_service_entries": [{"name": "httpbin", "hosts": ["httpbin.org"], "ports": [{"number": 80, "protocol": "http"}]}]},
     ["egress_service_entries port protocols must be HTTP, HTTPS, HTTP2, GRPC, TLS, TCP or MONGO, got ['http']"]),
    ("egress-ranges", "egress", "validate.yml", {"egress_direct_access": "mesh", "egress_include_ip_ranges": ["10.0.0.0/33"]},
     ["egress_include_ip_ranges must be CIDRs such as 10.244.0.0/16, got ['10.0.0.0/33']"]),
    ("egress-attempts", "egress", "validate.yml", {"egress_verify_attempts": 0},
     ["egress_verify_attempts must be a positive number of rounds, got '0'"]),
    ("gateway-attempts", "gateway", "validate.yml", {"gateway_verify_attempts": -1},
     ["gateway_verify_attempts must be a positive number of rounds, got '-1'"]),
    ("security-attempts", "security", "validate.yml", {"security_verify_attempts": "none"},
     ["security_verify_attempts must be a positive number of rounds, got 'none'"]),
    ("egress-defaults", "egress", "validate.yml", {}, []),
    ("observability-sampling", "observability", "validate.yml", {"observability_tracing_sampling": 150},
     ["observability_tracing_sampling must be a percentage from 0 to 100, got '150'"]),
    ("observability-defaults", "observability", "validate.yml", {}, []),
    ("addons-signing-key", "addons", "validate.yml", {"addons_kiali_signing_key": SIGNING_KEY},
     ["addons_kiali_signing_key must be 16, 24 or 32 characters long (or empty), got one of 13 characters"]),
    ("addons-gateway-hosts", "addons", "validate.yml", {"addons_gateway_hosts": {"kiali": "kiali.example.com", "loki": "x"}},
     ["addons_gateway_hosts keys must be addon names (prometheus, grafana, jaeger, zipkin, kiali), got ['loki']"]),
    ("addons-defaults", "addons", "validate.yml", {}, []),
    ("gateway-mutual-ingress", "gateway", "validate.yml",
     {"gateway_mode": "ingress", "gateway_tls_mode": "MUTUAL", "gateway_tls_hosts": ["bookinfo.example.com"]},
     ["gateway_tls_mode MUTUAL needs gateway_mode istio (the Gateway API and Ingress have no standard client-certificate "
      "validation), got gateway_mode 'ingress'"]),
    ("gateway-defaults", "gateway", "validate.yml", {}, []),
    ("istio-sampling", "istio", "validate.yml", {"istio_istioctl_path": "/usr/bin/true", "istio_tracing_sampling": 101},
     ["istio_tracing_sampling must be a percentage from 0 to 100, got '101'"]),
    ("istio-checksum", "istio", "validate.yml", {"istio_istioctl_sha256": "abc"},
     ["istio_istioctl_sha256 must be the 64-hex-digit SHA-256 of https://github.com/istio/istio/releases/download/1.31.2/"
      "istioctl-1.31.2-linux-amd64.tar.gz (from the release's .sha256 file), or set istio_istioctl_path to an istioctl "
      "you trust; got 'abc'"]),
    ("istio-defaults", "istio", "validate.yml", {"istio_istioctl_path": "/usr/bin/true"}, []),
    ("bookinfo-port", "bookinfo", "validate.yml", {"bookinfo_gateway_port": 70000},
     ["bookinfo_gateway_port must be a port 1-65535, got '70000'"]),
    ("bookinfo-defaults", "bookinfo", "validate.yml", {}, []),
    ("cluster-prep-kubeconfig", "cluster_prep", "validate.yml", {"cluster_prep_kubeconfig": "/nonexistent/oke-istio/kubeconfig"},
     ["cluster_prep_kubeconfig /nonexistent/oke-istio/kubeconfig does not exist. Point it at the cluster's kubeconfig, or "
      "give cluster_prep_oke_cluster_id to have it written from the OKE API."]),
    ("cluster-prep-istio-version", "cluster_prep", "validate.yml", {"cluster_prep_istio_version": "latest"},
     ["cluster_prep_istio_version must be an Istio version such as 1.31 or 1.31.2, got 'latest'"]),
    ("cluster-prep-defaults", "cluster_prep", "validate.yml", {}, []),
    # The traffic role checks every step before it applies the first: a bad later step stops it there.
    ("traffic-later-weights", "traffic", "validate.yml",
     {"traffic_steps": [{"name": "all-v1", "scenarios": [{"scenario": "route_all", "service": "reviews", "subset": "v1"}]},
                        {"name": "shift", "scenarios": [{"scenario": "weighted", "service": "reviews",
                                                         "weights": {"v1": 50, "v3": 40}}]}]},
     ["step shift: scenarios[0].weights = {'v1': 50, 'v3': 40}: weights must sum to 100 (got 90: v1=50, v3=40)"]),
    ("traffic-later-verify", "traffic", "validate.yml",
     {"traffic_steps": [{"name": "all-v1", "scenarios": [{"scenario": "route_all", "service": "reviews", "subset": "v1"}]},
                        {"name": "probe", "scenarios": [{"scenario": "route_all", "service": "reviews", "subset": "v1"}],
                         "verify": [{"url": "http://reviews:9080/", "tool": "wrk"}]}]},
     ["step probe: verify[0]: value of tool must be one of: curl, fortio, got: wrk"]),
    ("traffic-namespace", "traffic", "validate.yml", {"traffic_namespace": "Book_Info"},
     ["traffic_namespace must be a namespace name (DNS-1123 label), got 'Book_Info'"]),
    ("traffic-repeated-step", "traffic", "validate.yml",
     {"traffic_steps": [{"name": "a", "scenarios": []}, {"name": "a", "scenarios": []}]},
     ["traffic_steps names must be unique, got ['a', 'a']"]),
    ("traffic-only-unknown", "traffic", "validate.yml", {"traffic_only_steps": ["no-such-step"]},
     ["traffic_only_steps may only name steps of traffic_steps, got ['no-such-step']"]),
    ("traffic-fortio-image", "traffic", "validate.yml",
     {"traffic_load_client_image": "",
      "traffic_steps": [{"name": "cb", "scenarios": [], "verify": [{"url": "http://a:9080/", "tool": "fortio"}]}]},
     ["traffic_load_client_image must name an image: 1 check(s) use the fortio tool, got ''"]),
    ("traffic-attempts", "traffic", "validate.yml", {"traffic_verify_attempts": 0},
     ["traffic_verify_attempts must be a positive number of rounds, got '0'"]),
    ("traffic-defaults", "traffic", "validate.yml", {}, []),
]


@pytest.fixture(scope="module")
def outcomes(run_role_cases):
    """The failed rules' messages of each case, and the whole output."""
    found, output = run_role_cases("validation", [case[:4] for case in CASES])
    return dict((case_id, [failure["msg"] for failure in seen["failures"]]) for case_id, seen in found.items()), output


@pytest.mark.parametrize("case_id, messages", [(c[0], c[4]) for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_value_is_named_with_its_variable_and_only_its_rule(outcomes, case_id, messages):
    found, output = outcomes
    assert case_id in found, output
    assert sorted(found[case_id]) == sorted(messages)


def test_a_secret_is_never_shown(outcomes):
    assert SIGNING_KEY not in outcomes[1]


def _first_task(role):
    """The first task main.yml runs: the first of its block when the role runs in a block (to publish its result)."""
    with open(os.path.join(ROOT, "roles", role, "tasks", "main.yml")) as handle:
        first = yaml.safe_load(handle)[0]
    while "block" in first:
        first = first["block"][0]
    return first


@pytest.mark.parametrize("role", ROLES)
def test_every_role_checks_its_input_before_anything_else(role):
    first = _first_task(role)
    assert first.get("ansible.builtin.include_tasks") == "validate.yml", first


def test_the_traffic_role_checks_every_step_before_the_first():
    first = _first_task("traffic")
    assert first.get("ansible.builtin.include_tasks") == "validate.yml", first
    with open(os.path.join(ROOT, "roles", "traffic", "tasks", "validate.yml")) as handle:
        checks = [t for t in yaml.safe_load(handle) if "oke.istio.mesh_steps_check" in t]
    assert checks and checks[0]["oke.istio.mesh_steps_check"]["steps"] == "{{ traffic_steps }}"


@pytest.mark.parametrize("role", ROLES)
def test_every_rule_has_its_own_message(role):
    """One pattern for all: the input checks are one assert over a list of {valid, msg}, a message per rule."""
    with open(os.path.join(ROOT, "roles", role, "tasks", "validate.yml")) as handle:
        tasks = yaml.safe_load(handle)
    checks = [t for t in tasks if "ansible.builtin.assert" in t and "loop" in t]
    assert checks, role
    for check in checks:
        assert check["ansible.builtin.assert"]["fail_msg"] == "{{ item.msg }}"
        for rule in check["loop"]:
            assert set(rule) == {"valid", "msg"}, rule
