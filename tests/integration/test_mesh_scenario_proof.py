# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""files/mesh/prove_scenarios.yml, the playbook proof of oke.istio.mesh_scenario, against a real local control plane.

The module starts a cluster of its own (hack/local-cluster.sh), installs Istio with istioctl and the standard Gateway API
CRDs (from the sigs.k8s.io/gateway-api Go module istioctl is built with: Istio does not install them), and creates the
Bookinfo stand-in of files/mesh/bookinfo-standin.yml. The playbook then proves every scenario: it applies, passes
istioctl analyze, re-runs unchanged, check mode writes nothing, state=absent removes exactly what it created, and
invalid input changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

MESH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "mesh")
COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The Go module whose go.mod pins the Gateway API version Istio is built against.
ISTIOCTL_MODULE = os.path.join(COLLECTION, "hack", "tools", "istioctl")


def _run(*command, **kwargs):
    proc = subprocess.run(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False, **kwargs)
    assert proc.returncode == 0, "%s failed:\n%s" % (" ".join(command), proc.stdout[-4000:])
    return proc.stdout


def gateway_api_crds():
    """The standard channel CRD directory of the sigs.k8s.io/gateway-api module in istioctl's go.mod."""
    module = json.loads(_run("go", "mod", "download", "-json", "sigs.k8s.io/gateway-api", cwd=ISTIOCTL_MODULE))
    crds = os.path.join(module["Dir"], "config", "crd", "standard")
    assert os.path.isdir(crds), "no standard CRDs in %s" % module["Dir"]
    return crds


@pytest.fixture(scope="module")
def kubeconfig(local_clusters):
    """A local control plane with Istio, the Gateway API CRDs and the Bookinfo stand-in in namespace bookinfo."""
    for tool in ("ansible-playbook", "istioctl", "kubectl", "go"):
        assert shutil.which(tool), "%s is needed: source the environment of hack/install-tools.sh" % tool
    path = local_clusters.up("h-mesh-it")
    _run("istioctl", "install", "-y", "--kubeconfig", path)
    # Server-side apply: the CRDs are too large for the last-applied annotation of a client-side apply.
    _run("kubectl", "--kubeconfig", path, "apply", "--server-side", "-f", gateway_api_crds())
    _run("kubectl", "--kubeconfig", path, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    _run("kubectl", "--kubeconfig", path, "apply", "-f", os.path.join(MESH, "bookinfo-standin.yml"))
    return path


def test_every_scenario_is_proven_on_the_cluster(kubeconfig, run_playbook):
    with open(os.path.join(MESH, "prove_scenarios.yml")) as handle:
        scenarios = yaml.safe_load(handle)[0]["vars"]["scenarios"]
    counts, output = run_playbook(os.path.join(MESH, "prove_scenarios.yml"), variables={"kubeconfig": kubeconfig},
                                  inventory="localhost,", timeout=1200)
    assert counts["failed"] == 0 and counts["unreachable"] == 0, output[-6000:]
    # Each scenario was judged (the assert's success message), none was left out.
    judged = re.findall(r'"msg": "(\w+) \((istio|gateway_api)\): created \[', output)
    assert judged == [(case["scenario"], case.get("api", "istio")) for case in scenarios], judged
    # Every invalid scenario was refused by the module (the play ignores exactly those errors).
    assert re.search(r"localhost\s+: .* ignored=1\s*$", output, re.M), output[-2000:]
    # Arguments are passed one by one, so ansible-core has no templated task arguments to warn about.
    assert "[WARNING]" not in output, re.findall(r"\[WARNING\].*", output)
