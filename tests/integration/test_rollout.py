# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rollout across three real local clusters, one of them broken, run by ansible-runner as AWX runs it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

ansible_runner = pytest.importorskip("ansible_runner", reason="ansible-runner is part of requirements/test.txt")
kubernetes = pytest.importorskip("kubernetes", reason="the kubernetes library is part of requirements/control-node.txt")

COLLECTION = os.getcwd()


def broken_kubeconfig(kubeconfig, path):
    """A copy of ``kubeconfig`` whose API server address answers nothing: an unreachable cluster."""
    with open(kubeconfig) as stream:
        config = yaml.safe_load(stream)
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = "https://127.0.0.1:9"
    with open(path, "w") as stream:
        yaml.safe_dump(config, stream)
    return path


def namespaces(kubeconfig):
    client = kubernetes.config.new_client_from_config(config_file=kubeconfig)
    return set(n.metadata.name for n in kubernetes.client.CoreV1Api(client).list_namespace().items)


def summaries(events):
    """The per-cluster summaries the playbook printed, from the job events."""
    found = {}
    for event in events:
        data = event.get("event_data", {})
        if event.get("event") == "runner_on_ok" and data.get("task") == "Summarize this cluster":
            found[data["host"]] = data["res"]["msg"]
    return found


def test_rollout_stops_at_the_broken_cluster(local_clusters, tmp_path):
    canary = local_clusters.up("rollout-canary")
    later = local_clusters.up("rollout-later")
    broken = broken_kubeconfig(local_clusters.up("rollout-broken"), str(tmp_path / "broken.kubeconfig"))
    tools = os.environ["OKE_ISTIO_TOOLS"]
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "istio_istioctl_path": os.path.join(tools, "istioctl"),
                "istio_wait_timeout": 120,
            },
            "children": {
                "clusters": {
                    "hosts": {
                        "canary": {"oke_istio_kubeconfig": canary},
                        "broken": {"oke_istio_kubeconfig": broken},
                        "later": {"oke_istio_kubeconfig": later},
                    }
                }
            },
        }
    }
    private = tmp_path / "runner"
    (private / "inventory").mkdir(parents=True)
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    result = ansible_runner.run(
        private_data_dir=str(private),
        project_dir=COLLECTION,
        playbook=os.path.join(COLLECTION, "playbooks", "rollout.yml"),
        extravars={"oke_istio_rollout_waves": [1, 1, 1]},
        envvars={"ANSIBLE_COLLECTIONS_PATH": os.environ["ANSIBLE_COLLECTIONS_PATH"]},
        quiet=True,
    )
    events = list(result.events)
    found = summaries(events)
    output = result.stdout.read()
    assert set(found) <= {"canary", "broken"}, output[-3000:]
    assert "canary" in found and "broken" in found, output[-3000:]

    assert result.status == "failed"
    # The canary went first and is fully installed.
    assert found["canary"]["result"] == "ok"
    assert found["canary"]["istio"]["ready"] == ["istio-ingressgateway", "istiod"]
    assert "istio-system" in namespaces(canary)
    # The broken cluster is named with the reason.
    assert found["broken"]["result"] == "failed"
    assert "Failed to" in found["broken"]["failure"]["message"] or "reach" in found["broken"]["failure"]["message"]
    # The next wave never started, and its cluster was left as it was.
    assert "later" not in found
    assert "istio-system" not in namespaces(later)
    assert not [e for e in events if e.get("event_data", {}).get("host") == "later" and e.get("event") == "runner_on_ok"]
