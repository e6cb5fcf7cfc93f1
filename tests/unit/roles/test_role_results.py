# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every role publishes one result fact, ``<role>_result``, and it sees every change the role can make.

Each task that can change the cluster (or write the kubeconfig the play uses) registers its result under the role's
private prefix, and the role's "Publish the role's result" task reads that register; every entry point of the role
ends by publishing. So a new task cannot change the cluster without the summary hearing of it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES_DIR = os.path.join(ROOT, "roles")
ROLES = sorted(name for name in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, name)))
PUBLISH = "Publish the role's result"
WRITING_MODULES = frozenset("oke.istio." + name for name in (
    "resource_set", "mesh_scenario", "envoy_bootstrap", "oci_logging", "mesh_telemetry_config", "istioctl_install",
    "tls_gateway_cert", "pod_annotations", "oke_kubeconfig"))
INCLUDES = ("ansible.builtin.include_tasks", "ansible.builtin.import_tasks")


def _tasks(tasks):
    for task in tasks or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from _tasks(task.get(key))


def _task_files(role):
    directory = os.path.join(ROLES_DIR, role, "tasks")
    files = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name)) as handle:
            files[name] = list(_tasks(yaml.safe_load(handle)))
    return files


def _entry_points(role):
    with open(os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")) as handle:
        return sorted(yaml.safe_load(handle)["argument_specs"])


def _publishing(role):
    """The publishing task, and the name of the file it is in."""
    found = [(name, task) for name, tasks in _task_files(role).items() for task in tasks
             if task.get("name") == PUBLISH and "ansible.builtin.set_fact" in task]
    assert len(found) == 1, "%s: expected one task named %r, found %d" % (role, PUBLISH, len(found))
    return found[0]


@pytest.mark.parametrize("role", ROLES)
def test_every_change_the_role_can_make_reaches_its_result(role):
    publish_file, publish = _publishing(role)
    fact = role + "_result"
    assert list(publish["ansible.builtin.set_fact"]) == [fact], publish
    template = publish["ansible.builtin.set_fact"][fact]
    assert "oke.istio.role_result" in template, template
    missing = []
    for name, tasks in _task_files(role).items():
        for task in tasks:
            module = next((key for key in task if key in WRITING_MODULES), None)
            if module is None:
                continue
            register = task.get("register", "")
            if not register.startswith("__%s_" % role) or "'%s'" % register not in template:
                missing.append("%s: %r (%s) registers %r" % (name, task.get("name"), module, register or None))
    assert not missing, "%s: tasks whose changes %s does not read:\n%s" % (role, fact, "\n".join(missing))


@pytest.mark.parametrize("role", ROLES)
def test_every_entry_point_publishes_the_result(role):
    publish_file, _publish = _publishing(role)
    files = _task_files(role)
    for entry in _entry_points(role):
        tasks = files[entry + ".yml"]
        publishing = [task for task in tasks if (task.get("name") == PUBLISH and "ansible.builtin.set_fact" in task)
                      or any(task.get(include) == publish_file for include in INCLUDES)]
        assert publishing, "%s: entry point %s never publishes %s_result" % (role, entry, role)


SUMMARY = os.path.join(ROOT, "playbooks", "templates", "summary.yml.j2")


def _play(tmp_path, tasks):
    """Run ``tasks`` on localhost (no cluster anywhere); returns each task's result by name."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                         "tasks": tasks}], sort_keys=False))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOCALHOST_WARNING="0",
               KUBECONFIG="/nonexistent/kubeconfig", K8S_AUTH_KUBECONFIG="/nonexistent/kubeconfig")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {}
    for task in json.loads(proc.stdout)["plays"][0]["tasks"]:
        results[task["task"]["name"]] = task["hosts"]["localhost"]
    return results


def test_a_role_that_fails_still_publishes_its_result(tmp_path):
    results = _play(tmp_path, [
        {"name": "Gateway with a host it refuses", "block": [
            {"ansible.builtin.include_role": {"name": "oke.istio.gateway"}, "vars": {"gateway_hosts": ["Bad_Host"]}}],
         "rescue": [{"name": "Rescued", "ansible.builtin.debug": {"msg": "rescued"}}]},
        {"name": "Show", "ansible.builtin.debug": {"var": "gateway_result"}},
    ])
    assert "Rescued" in results
    assert results["Show"]["gateway_result"] == {"state": "present", "changed": False,
                                                 "verification": {"status": "not run"}, "probes": []}


def test_the_summary_reads_the_roles_results(tmp_path):
    facts = {
        "cluster_prep_result": {"state": "present", "changed": False, "checks": [{"name": "kubernetes_version", "status": "passed"}]},
        "istio_result": {"state": "present", "changed": True, "version": "1.31.0", "revision": "", "profile": "default",
                         "components": ["istiod"], "ready": ["istiod"]},
        "bookinfo_result": {"state": "present", "changed": False,
                            "verification": {"status": "passed", "reason": "", "in_mesh": {"requests": 5}}},
        "gateway_result": {"state": "absent", "changed": True, "verification": {"status": "not run"}, "probes": []},
        "traffic_result": {"state": "present", "changed": True,
                           "verification": [{"step": "route-to-v1", "status": "passed", "reason": ""}]},
        "egress_result": {"state": "present", "changed": False,
                          "verification": {"status": "passed", "checks": 2}, "probes": [{"report": {}}] * 2},
        "observability_result": {"state": "present", "changed": False, "verification": {
            "status": "passed", "reason": "", "checks": {
                "access_logs": {"status": "passed", "detail": "20 of 20 requests logged", "lines": 20},
                "traces": {"status": "passed", "detail": "Zipkin returned 3 trace(s)", "spans": 8}}}},
        "addons_result": {"state": "present", "changed": False, "verification": {"status": "skipped", "reason": "simulated"},
                          "urls": {"prometheus": {"url": "http://192.0.2.2:31090/", "health_url": "http://192.0.2.2:31090/-/healthy",
                                                  "command": ""}}},
        "security_result": "not a result",
    }
    results = _play(tmp_path, [
        {"name": "Results", "ansible.builtin.set_fact": facts},
        {"name": "Summary", "ansible.builtin.debug": {"msg": "{{ lookup('ansible.builtin.template', '%s') | from_yaml }}" % SUMMARY}},
    ])
    summary = results["Summary"]["msg"]
    assert summary["result"] == "ok" and summary["checks"] == {"kubernetes_version": "passed"}
    assert summary["istio"] == {"version": "1.31.0", "revision": "", "profile": "default", "changed": True,
                                "components": ["istiod"], "ready": ["istiod"]}
    assert summary["changed"] == {"prep": False, "istio": True, "bookinfo": False, "addons": False, "observability": False,
                                  "gateway": True, "traffic": True, "egress": False}
    assert summary["addons_urls"] == {"prometheus": "http://192.0.2.2:31090/"}
    assert summary["states"] == {"gateway": "absent"}
    assert summary["verification"] == {
        "bookinfo": {"status": "passed", "reason": ""},  # the verdict, not the evidence
        "gateway": {"status": "not run"},
        "traffic": [{"step": "route-to-v1", "status": "passed", "reason": ""}],
        "egress": {"status": "passed", "checks": 2},
        "addons": {"status": "skipped", "reason": "simulated"},
        # Named checks: what each saw, in a line.
        "observability": {"status": "passed", "reason": "", "evidence": {
            "access_logs": "passed: 20 of 20 requests logged", "traces": "passed: Zipkin returned 3 trace(s)"}},
    }
