# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml then uninstall.yml on a real local control plane: nothing of the runbook is left, and a
second uninstall changes nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the kubernetes library is part of requirements/control-node.txt")

RECAP = re.compile(r"local\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0")
RUNBOOK_NAMESPACES = {"istio-system", "bookinfo"}


def play(kubeconfig, playbook, *extra):
    """Run a playbook with the local inventory; return (changed count, output)."""
    proc = subprocess.run(
        ["ansible-playbook", "-i", "inventories/local/hosts.yml", "playbooks/%s" % playbook] + list(extra),
        env=dict(os.environ, OKE_ISTIO_KUBECONFIG=kubeconfig),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False,
    )
    recap = RECAP.search(proc.stdout.split("PLAY RECAP")[-1])
    assert proc.returncode == 0 and recap, proc.stdout[-6000:]
    return int(recap.group(1)), proc.stdout


def istio_leftovers(kubeconfig):
    """Every cluster-scoped object and namespace of the runbook still in the cluster."""
    api = kubernetes.config.new_client_from_config(config_file=kubeconfig)
    admission = kubernetes.client.AdmissionregistrationV1Api(api)
    rbac = kubernetes.client.RbacAuthorizationV1Api(api)
    extensions = kubernetes.client.ApiextensionsV1Api(api)
    core = kubernetes.client.CoreV1Api(api)
    left = []
    left += ["MutatingWebhookConfiguration/" + w.metadata.name
             for w in admission.list_mutating_webhook_configuration().items if "istio" in w.metadata.name]
    left += ["ValidatingWebhookConfiguration/" + w.metadata.name
             for w in admission.list_validating_webhook_configuration().items if "istio" in w.metadata.name]
    left += ["ClusterRole/" + r.metadata.name for r in rbac.list_cluster_role().items if "istio" in r.metadata.name]
    left += ["ClusterRoleBinding/" + b.metadata.name for b in rbac.list_cluster_role_binding().items if "istio" in b.metadata.name]
    left += ["CustomResourceDefinition/" + c.metadata.name
             for c in extensions.list_custom_resource_definition().items if c.metadata.name.endswith(".istio.io")]
    left += ["Namespace/" + n.metadata.name for n in core.list_namespace().items
             if n.metadata.name in RUNBOOK_NAMESPACES or (n.metadata.labels or {}).get("istio-injection")]
    return sorted(left)


def test_uninstall_leaves_nothing_of_the_runbook(local_clusters):
    kubeconfig = local_clusters.up("site-uninstall", 2)
    changed, out = play(kubeconfig, "site.yml")
    assert changed > 0
    assert "Summarize this cluster" in out
    before = istio_leftovers(kubeconfig)
    assert "Namespace/bookinfo" in before and "Namespace/istio-system" in before
    assert any(item.startswith("CustomResourceDefinition/") for item in before)

    changed, out = play(kubeconfig, "uninstall.yml")
    assert changed > 0
    assert istio_leftovers(kubeconfig) == []

    changed, out = play(kubeconfig, "uninstall.yml")
    assert changed == 0, out[-6000:]
