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
