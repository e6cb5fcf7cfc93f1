# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local cluster with a REAL worker node (hack/local-cluster.sh up-real, hack/real-node.sh): the node registers
and is Ready, it is not simulated and carries OKE's labels, pods run in containers and resolve cluster names, the
iptables guard keeps pod and Service traffic off the uplink, a second real-node cluster is refused while one runs,
and `down` leaves nothing on the host.

Skipped, with the reason, only where ``hack/real-node.sh check`` says the machine cannot run a real node (not
root, no overlay filesystem, no bridge netfilter, ...).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import time

import pytest

NAME = "real-node-it"
SECOND = "real-node-it-2"
NODE = os.environ.get("OKE_ISTIO_NODE_NAME", "oke-real-node-1")
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
CURL_IMAGE = "docker.io/curlimages/curl:8.16.0"
OKE_LABELS = ("oke.oraclecloud.com/node-pool", "node.kubernetes.io/instance-type", "topology.kubernetes.io/region", "topology.kubernetes.io/zone")
LEFTOVER_KINDS = ("process", "mount", "netns", "veth", "bridge", "iptables", "cgroup", "state", "file", "sysctl", "lock")


def run(*args, check=True, **kwargs):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=check, **kwargs)


def uplink():
    """The interface of the IPv4 default route: the one that must carry no pod or Service traffic."""
    words = run("ip", "-4", "route", "show", "default").stdout.split()
    return words[words.index("dev") + 1]


def leftovers(local_clusters):
    proc = run(local_clusters.real_node_script, "leftovers", check=False)
    found = dict((kind, []) for kind in LEFTOVER_KINDS)
    for line in proc.stdout.splitlines():
        kind, _separator, what = line.partition(": ")
        found.setdefault(kind, []).append(what)
    return proc.returncode, found


class Cluster(object):
    def __init__(self, kubeconfig):
        self.kubeconfig = kubeconfig
        self.kubectl_path = os.path.join(os.environ["OKE_ISTIO_TOOLS"], "kubectl")

    def kubectl(self, *args, **kwargs):
        return run(self.kubectl_path, "--kubeconfig", self.kubeconfig, *args, **kwargs)

    def get(self, *args):
        return json.loads(self.kubectl("get", "-o", "json", *args).stdout)

    def wait_for(self, what, predicate, timeout=60):
        deadline = time.time() + timeout
        while True:
            value = self.get(*what)
            if predicate(value):
                return value
            assert time.time() < deadline, "%s: not there after %d s: %s" % (" ".join(what), timeout, json.dumps(value.get("status"), indent=1))
            time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster(local_clusters):
    problem = local_clusters.real_node_problem()
    if problem:
        pytest.skip("this machine cannot run a real node: %s" % problem)
    assert os.environ.get("OKE_ISTIO_TOOLS"), "the environment of hack/install-tools.sh is needed"
    return Cluster(local_clusters.up_real(NAME))


def test_node_is_real_ready_and_labelled_like_oke(cluster):
    nodes = cluster.get("nodes")["items"]
    assert [n["metadata"]["name"] for n in nodes] == [NODE]
    node = nodes[0]
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    assert ready and ready[0]["status"] == "True", node["status"]["conditions"]
    # kwok marks the nodes it simulates; this one is kubelet's own.
    assert "kwok.x-k8s.io/node" not in node["metadata"].get("annotations", {})
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    labels = node["metadata"]["labels"]
    missing = [label for label in OKE_LABELS if not labels.get(label)]
    assert not missing, "OKE labels missing from the node: %s (labels: %s)" % (missing, labels)
    addresses = dict((a["type"], a["address"]) for a in node["status"]["addresses"])
    expected_ip = os.environ.get("OKE_ISTIO_NODE_IP")
    if not expected_ip:
        expected_ip = run("ip", "-4", "-o", "addr", "show", "dev", uplink(), "scope", "global").stdout.split()[3].split("/")[0]
    assert addresses.get("InternalIP") == expected_ip


def test_guard_keeps_pod_and_service_traffic_off_the_uplink(cluster):
    dev = uplink()
    for table, chain in (("mangle", "POSTROUTING"), ("filter", "FORWARD")):
        rules = run("iptables", "-w", "5", "-t", table, "-S", chain).stdout.splitlines()
        # First, ahead of kube-proxy's ACCEPT rules.
        assert rules[1] == "-A %s -j OKE-ISTIO-%s" % (chain, chain), rules
        guard = run("iptables", "-w", "5", "-t", table, "-S", "OKE-ISTIO-" + chain).stdout.splitlines()
        for match in ("-d 10.244.0.0/16", "-d 10.96.0.0/16", "-s 10.244.0.0/16"):
            assert any(match in rule and "-o %s " % dev in rule and rule.endswith("-j DROP") for rule in guard), (match, guard)
    postrouting = run("iptables", "-w", "5", "-t", "mangle", "-S", "OKE-ISTIO-POSTROUTING").stdout
    assert "--ctorigdst 10.96.0.0/16" in postrouting, postrouting
    forward = run("iptables", "-w", "5", "-S", "OKE-ISTIO-FORWARD").stdout
    assert "-i okeistio0 ! -o okeistio0" in forward, forward
    forward6 = run("ip6tables", "-w", "5", "-S", "FORWARD").stdout.splitlines()
    assert forward6[1] == "-A FORWARD -j OKE-ISTIO-FORWARD", forward6


def test_pod_runs_and_resolves_cluster_names(cluster):
    def images(node):
        return set(name for image in node["status"].get("images", []) for name in image.get("names", []))

    # kubelet reports the images it has with the node status, some seconds after they are imported.
    images = images(cluster.wait_for(("node", NODE), lambda node: PAUSE_IMAGE in images(node), timeout=30))
    name = "real-node-probe"
    if CURL_IMAGE in images:
        # One request to the API server by its Service name (cluster DNS, search path, kube-proxy) and one to the
        # kubelet by the local "external" zone's name (the node's own address): both stay on this machine.
        container = {
            "image": CURL_IMAGE,
            "command": ["curl"],
            "args": ["-sk", "--max-time", "10", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{remote_ip}\\n",
                     "https://kubernetes.default/livez", "https://probe.external.oke-istio.test:10250/healthz"],
        }
        restart = "Never"
    else:
        container = {"image": PAUSE_IMAGE}
        restart = "Always"
    container.update({"name": "probe", "imagePullPolicy": "Never"})
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"restartPolicy": restart, "terminationGracePeriodSeconds": 1, "containers": [container]},
    }
    cluster.kubectl("apply", "-f", "-", input=json.dumps(pod))
    if restart == "Always":
        running = cluster.wait_for(("pod", "-n", "default", name), lambda p: any(
            c["type"] == "Ready" and c["status"] == "True" for c in p.get("status", {}).get("conditions", [])))
        assert running["status"]["podIP"].startswith("10.244.0.")
        return
    done = cluster.wait_for(("pod", "-n", "default", name), lambda p: p.get("status", {}).get("phase") in ("Succeeded", "Failed"))
    logs = cluster.kubectl("logs", "-n", "default", name).stdout
    assert done["status"]["phase"] == "Succeeded", logs
    node_ip = [a["address"] for a in cluster.get("node", NODE)["status"]["addresses"] if a["type"] == "InternalIP"][0]
    assert logs.split() == ["10.96.0.1", node_ip], logs


def test_leftovers_sees_the_running_node(cluster, local_clusters):
    code, found = leftovers(local_clusters)
    assert code == 1
    for kind in ("process", "bridge", "iptables", "cgroup", "state", "lock"):
        assert found[kind], "leftovers does not see the running node's %s: %s" % (kind, found)


def test_second_real_node_cluster_is_refused(cluster, local_clusters):
    proc = run(local_clusters.script, "up-real", SECOND, check=False)
    assert proc.returncode != 0, proc.stdout
    assert "in use by cluster %s" % NAME in proc.stderr, proc.stderr
    assert SECOND not in run("kwokctl", "get", "clusters").stdout.split()
    # The first one is untouched.
    assert cluster.get("node", NODE)["metadata"]["name"] == NODE


def test_down_leaves_nothing(cluster, local_clusters):
    started = time.time()
    proc = local_clusters.down(NAME)
    assert proc.returncode == 0, proc.stdout
    assert time.time() - started < 90, "teardown took %.0f s" % (time.time() - started)
    code, found = leftovers(local_clusters)
    for kind in LEFTOVER_KINDS:
        assert not found[kind], "left on the host after down: %s: %s" % (kind, found[kind])
    assert code == 0, found
    assert NAME not in run("kwokctl", "get", "clusters").stdout.split()
