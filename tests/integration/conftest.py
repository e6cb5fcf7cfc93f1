# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures that start real local control planes (hack/local-cluster.sh) for the integration tests: with simulated
workers (kwok), or with one real worker node (hack/real-node.sh; root, one per machine)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess

import pytest

from kubernetes import client, config

ROOT = os.environ.get("OKE_ISTIO_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOCAL_CLUSTER = os.path.join(ROOT, "hack", "local-cluster.sh")
REAL_NODE = os.path.join(ROOT, "hack", "real-node.sh")
LOCAL_INVENTORY = "inventories/local/hosts.yml"
RECAP_LINE = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class LocalClusters(object):
    script = LOCAL_CLUSTER
    real_node_script = REAL_NODE

    def __init__(self):
        self.started = []

    def up(self, name, nodes=1):
        out = subprocess.run([LOCAL_CLUSTER, "up", name, str(nodes)], check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
        self.started.append(name)
        return out.strip().splitlines()[-1]

    @staticmethod
    def real_node_problem():
        """Why this machine cannot run a real node (``hack/real-node.sh check``), or None if it can."""
        proc = subprocess.run([REAL_NODE, "check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        if proc.returncode == 0:
            return None
        return proc.stdout.strip() or "hack/real-node.sh check failed (exit %d)" % proc.returncode

    def up_real(self, name):
        """Start cluster ``name`` with one real worker node; returns its kubeconfig. Callers skip first when
        real_node_problem() names a reason."""
        self.started.append(name)
        out = subprocess.run([LOCAL_CLUSTER, "up-real", name], check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
        return out.strip().splitlines()[-1]

    def down(self, name):
        """Delete one cluster now (a real node first); returns the finished process (stdout and stderr together)."""
        if name in self.started:
            self.started.remove(name)
        return subprocess.run([LOCAL_CLUSTER, "down", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)

    def down_all(self):
        errors = []
        for name in list(self.started):
            proc = self.down(name)
            if proc.returncode != 0:
                errors.append(proc.stdout)
        return errors


@pytest.fixture(scope="module")
def local_clusters():
    clusters = LocalClusters()
    yield clusters
    errors = clusters.down_all()
    assert not errors, "clusters left processes behind: %s" % errors


def _run_playbook(playbook, variables=None, kubeconfig=None, inventory=LOCAL_INVENTORY, check=False, verbose=False,
                  timeout=900):
    """Run one of the collection's playbooks; return (the recap counts of its one host, the output).

    ``kubeconfig`` reaches the local inventory's host through OKE_ISTIO_KUBECONFIG (and modules that read the
    environment through K8S_AUTH_KUBECONFIG); an inventory ending in "," is a host list run with connection local."""
    command = ["ansible-playbook", "-i", inventory, playbook]
    if inventory.endswith(","):
        command += ["-c", "local"]
    if variables:
        command += ["-e", json.dumps(variables)]
    if check:
        command.append("--check")
    if verbose:
        command.append("-v")
    env = dict(os.environ)
    if kubeconfig:
        env.update(OKE_ISTIO_KUBECONFIG=kubeconfig, K8S_AUTH_KUBECONFIG=kubeconfig)
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=timeout, check=False, env=env)
    recaps = RECAP_LINE.findall(proc.stdout.split("PLAY RECAP")[-1])
    assert len(recaps) == 1, "expected the recap of one host (exit %d):\n%s" % (proc.returncode, proc.stdout[-6000:])
    counts = dict(zip(("ok", "changed", "unreachable", "failed"), map(int, recaps[0][1:])))
    return counts, proc.stdout


@pytest.fixture(scope="session")
def run_playbook():
    """The one way the integration tests run a playbook: see _run_playbook."""
    return _run_playbook


ISTIO_RESOURCES = (("networking.istio.io", "gateways"), ("networking.istio.io", "virtualservices"),
                   ("networking.istio.io", "serviceentries"), ("networking.istio.io", "destinationrules"),
                   ("security.istio.io", "authorizationpolicies"), ("security.istio.io", "peerauthentications"))


def _written(item):
    """What a client's write changes. Objects with a status are also written by their controllers (a Deployment's
    ready counts move while a rollout settles), so for them only writes outside the status subresource count: the
    generation, labels, annotations and each manager's non-status timestamp. Others: the resourceVersion."""
    metadata = item["metadata"]
    if "status" not in item:
        return metadata["resourceVersion"]
    managers = sorted((m.get("manager", ""), m.get("operation", ""), m.get("time", ""))
                      for m in metadata.get("managedFields") or [] if m.get("subresource") != "status")
    return (metadata.get("generation"), metadata.get("labels"), metadata.get("annotations"), managers)


def _cluster_writes(kubeconfig, namespaces):
    """A fingerprint of every object a role could write in ``namespaces`` (ConfigMaps, Secrets, Services,
    Deployments, Istio's routing and security objects) and of every Namespace not being deleted: equal before and
    after a run means the run wrote nothing."""
    api_client = config.new_client_from_config(config_file=kubeconfig)
    core, apps, custom = client.CoreV1Api(api_client), client.AppsV1Api(api_client), client.CustomObjectsApi(api_client)
    listed = [("Namespace", "", api_client.sanitize_for_serialization(core.list_namespace())["items"])]
    for namespace in namespaces:
        for kind, listing in (("ConfigMap", core.list_namespaced_config_map), ("Secret", core.list_namespaced_secret),
                              ("Service", core.list_namespaced_service), ("Deployment", apps.list_namespaced_deployment)):
            listed.append((kind, namespace + "/", api_client.sanitize_for_serialization(listing(namespace))["items"]))
        for group, plural in ISTIO_RESOURCES:
            try:
                items = custom.list_namespaced_custom_object(group, "v1", namespace, plural)["items"]
            except client.exceptions.ApiException as error:
                if error.status != 404:  # 404: Istio's CRDs are not installed, so there is none to write
                    raise
                items = []
            listed.append((plural, namespace + "/", items))
    # An object already being deleted (an earlier test's namespace, say) goes on its own time, not by this run.
    return dict(("%s %s%s" % (kind, prefix, item["metadata"]["name"]), _written(item)) for kind, prefix, items in listed
                for item in items if not item["metadata"].get("deletionTimestamp"))


@pytest.fixture(scope="session")
def cluster_writes():
    """``cluster_writes(kubeconfig, namespaces)``: see _cluster_writes."""
    return _cluster_writes
