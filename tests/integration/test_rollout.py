# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rollout across three real local clusters, one of them broken, run by ansible-runner as AWX runs it;
then uninstall.yml on the cluster the rollout completed: nothing of the runbook is left, and a second
uninstall changes nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import ansible_runner
import kubernetes
import pytest
import yaml

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


@pytest.fixture(scope="module")
def rollout(local_clusters, tmp_path_factory):
    """The rollout of site.yml in waves of one: canary, then the broken cluster, then one it never reaches."""
    tmp_path = tmp_path_factory.mktemp("rollout")
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
    return dict(canary=canary, later=later, result=result, events=events, found=summaries(events), output=result.stdout.read())


def test_rollout_stops_at_the_broken_cluster(rollout, play):
    result, events, found, output = rollout["result"], rollout["events"], rollout["found"], rollout["output"]
    canary, later = rollout["canary"], rollout["later"]
    assert set(found) <= {"canary", "broken"}, output[-3000:]
    assert "canary" in found and "broken" in found, output[-3000:]

    assert result.status == "failed"
    # The canary went first and is fully installed.
    assert found["canary"]["result"] == "ok"
    assert found["canary"]["istio"]["ready"] == ["istio-ingressgateway", "istiod"]
    # What changed, area by area: a first converge creates every area's objects.
    changed = found["canary"]["changed"]
    assert set(changed) == {"prep", "istio", "bookinfo", "addons", "observability", "gateway", "traffic", "egress", "security"}
    assert changed["istio"] and changed["bookinfo"] and changed["addons"] and changed["traffic"], changed
    assert not changed["prep"], changed  # a given kubeconfig is used as it is
    # Verification results: traffic cannot be observed on simulated nodes, and the summary says so and why.
    verification = found["canary"]["verification"]
    for area in ("bookinfo", "addons"):
        assert verification[area]["status"] == "skipped" and "simulated" in verification[area]["reason"], verification
    assert [step["status"] for step in verification["traffic"]] == ["skipped"], verification
    assert verification["gateway"] == {"status": "not run"}, verification  # gateway_verify is off by default
    assert "istio-system" in namespaces(canary)
    # The broken cluster is named with the reason.
    assert found["broken"]["result"] == "failed"
    assert "Failed to" in found["broken"]["failure"]["message"] or "reach" in found["broken"]["failure"]["message"]
    # The next wave never started, and its cluster was left as it was.
    assert "later" not in found
    assert "istio-system" not in namespaces(later)
    assert not [e for e in events if e.get("event_data", {}).get("host") == "later" and e.get("event") == "runner_on_ok"]


@pytest.fixture
def play(run_playbook):
    """Run a playbook with the local inventory; return (changed count, output)."""

    def run(kubeconfig, playbook):
        counts, output = run_playbook("playbooks/%s" % playbook, kubeconfig=kubeconfig)
        assert counts["failed"] == 0 and counts["unreachable"] == 0, output[-6000:]
        return counts["changed"], output

    return run


def runbook_objects(kubeconfig):
    """Istio's cluster-scoped objects and the runbook's namespaces still in the cluster."""
    api = kubernetes.config.new_client_from_config(config_file=kubeconfig)
    admission = kubernetes.client.AdmissionregistrationV1Api(api)
    rbac = kubernetes.client.RbacAuthorizationV1Api(api)
    extensions = kubernetes.client.ApiextensionsV1Api(api)
    core = kubernetes.client.CoreV1Api(api)
    found = []
    found += ["MutatingWebhookConfiguration/" + w.metadata.name
              for w in admission.list_mutating_webhook_configuration().items if "istio" in w.metadata.name]
    found += ["ValidatingWebhookConfiguration/" + w.metadata.name
              for w in admission.list_validating_webhook_configuration().items if "istio" in w.metadata.name]
    found += ["ClusterRole/" + r.metadata.name for r in rbac.list_cluster_role().items if "istio" in r.metadata.name]
    found += ["ClusterRoleBinding/" + b.metadata.name for b in rbac.list_cluster_role_binding().items if "istio" in b.metadata.name]
    found += ["CustomResourceDefinition/" + c.metadata.name
              for c in extensions.list_custom_resource_definition().items if c.metadata.name.endswith(".istio.io")]
    found += ["Namespace/" + n.metadata.name for n in core.list_namespace().items
              if n.metadata.name in ("istio-system", "bookinfo") or (n.metadata.labels or {}).get("istio-injection")]
    return sorted(found)


def printed_summary(output):
    """The summary the playbook printed for the local inventory's one cluster."""
    start = output.index("TASK [Summarize this cluster]")
    body = output[output.index("{", start):output.index("\nTASK [", start + 1)]
    return json.loads(body)["msg"]


def test_noop_rerun_summary_says_nothing_changed(rollout, play):
    changed, out = play(rollout["canary"], "site.yml")
    assert changed == 0, out[-6000:]
    summary = printed_summary(out)
    assert summary["result"] == "ok"
    assert len(summary["changed"]) == 9 and not any(summary["changed"].values()), summary["changed"]


def test_uninstall_leaves_nothing_of_the_runbook(rollout, play):
    canary = rollout["canary"]
    before = runbook_objects(canary)
    assert "Namespace/bookinfo" in before and "Namespace/istio-system" in before
    assert any(item.startswith("CustomResourceDefinition/") for item in before)
    assert any(item.startswith("MutatingWebhookConfiguration/") for item in before)

    changed, _out = play(canary, "uninstall.yml")
    assert changed > 0
    assert runbook_objects(canary) == []

    changed, out = play(canary, "uninstall.yml")
    assert changed == 0, out[-6000:]
