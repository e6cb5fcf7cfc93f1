# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The traffic checks on a real node are not vacuous: Bookinfo converged by site.yml on a local real-node cluster,
then the traffic role with a correct step and a deliberately wrong one (all of reviews to v1 while expecting half
on v3). The correct step passes, the wrong one fails naming the expectation and what was observed, the role fails
once listing it, and every object of both steps and the client are gone afterwards.

Skipped, with the reason, only where ``hack/real-node.sh check`` says the machine cannot run a real node.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess

import pytest

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


def run_playbook(kubeconfig, playbook, variables):
    proc = subprocess.run(
        ["ansible-playbook", "-i", "inventories/local/hosts.yml", playbook, "-e", json.dumps(variables)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=900, check=False,
        env=dict(os.environ, OKE_ISTIO_KUBECONFIG=kubeconfig, K8S_AUTH_KUBECONFIG=kubeconfig),
    )
    recap = re.search(r"local\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", proc.stdout)
    assert recap, proc.stdout
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, recap.groups()))), proc.stdout


@pytest.fixture(scope="module")
def kubeconfig(local_clusters):
    problem = local_clusters.real_node_problem()
    if problem:
        pytest.skip("this machine cannot run a real node: %s" % problem)
    path = local_clusters.up_real("traffic-it")
    areas = dict(oke_istio_observability=False, oke_istio_gateway=False, oke_istio_egress=False, oke_istio_security=False,
                 oke_istio_traffic=False)
    result, output = run_playbook(path, "playbooks/site.yml", areas)
    assert result["failed"] == 0, output
    return path


def routing_objects(kubeconfig):
    """Routing objects and traffic clients in the Bookinfo namespace (Bookinfo's own exposure included)."""
    kubectl = os.path.join(os.environ["OKE_ISTIO_TOOLS"], "kubectl")
    found = []
    for what in (["virtualservices.networking.istio.io,destinationrules.networking.istio.io"], ["deployments", "-l", "app=traffic-client"]):
        found += subprocess.run([kubectl, "--kubeconfig", kubeconfig, "-n", "bookinfo", "get"] + what + ["-o", "name"],
                                stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.split()
    return sorted(found)


def test_a_wrong_rule_fails_its_step_with_what_was_seen_and_the_others_still_pass(kubeconfig):
    before = routing_objects(kubeconfig)
    result, output = run_playbook(kubeconfig, "playbooks/traffic.yml", {"traffic_steps": STEPS, "traffic_verify_attempts": 2})
    assert result["failed"] == 1, output
    assert "1 of 2 traffic steps failed: wrong-split" in output, output
    assert "class v3: share 50% +/- 10%" in output, output
    assert "Verify with traffic the step all-v1" in output
    assert routing_objects(kubeconfig) == before
