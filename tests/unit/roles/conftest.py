# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running roles against localhost without a cluster, many cases in one ansible-playbook run.

Each case is a block (the role included with the case's variables) with a rescue, followed by a mark; the output is
split at the marks, so a case sees only its own tasks and failures. The run has no cluster to reach: the kubeconfig
and OCI configuration the modules would fall back to do not exist."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess

import pytest
import yaml

MARK = "CASE-END "
NOWHERE = "/nonexistent/oke-istio-role-cases"
# The default callback's header of each task: "TASK [<role> : <name>] ****" (or "TASK [<name>] ****").
_TASK = re.compile(r"^TASK \[(.*)\] \*+$")


def _playbook(cases):
    tasks = []
    for case_id, role, tasks_from, variables in cases:
        tasks.append({
            "name": "Case %s" % case_id,
            "block": [{"ansible.builtin.include_role": {"name": "oke.istio.%s" % role, "tasks_from": tasks_from}, "vars": variables}],
            "rescue": [{"ansible.builtin.debug": {"msg": "rescued"}}],
        })
        tasks.append({"ansible.builtin.debug": {"msg": MARK + case_id}})
    return [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def _split(output):
    """{case id: {"failures": [the failed task's result, with its "task" name], "tasks": [every task header]}}."""
    found, current, task = {}, {"failures": [], "tasks": []}, None
    for line in output.splitlines():
        header = _TASK.match(line)
        if header:
            task = header.group(1)
            current["tasks"].append(task)
        if line.startswith(("failed: [localhost]", "fatal: [localhost]")) and " => {" in line:
            failure = json.loads(line.split(" => ", 1)[1])
            failure["task"] = task
            current["failures"].append(failure)
        mark = re.search(r'"msg": "%s(.+)"' % MARK, line)
        if mark:
            current["tasks"].pop()  # the mark's own debug task
            found[mark.group(1)] = current
            current = {"failures": [], "tasks": []}
    return found


@pytest.fixture(scope="session")
def run_role_cases(tmp_path_factory):
    """``run(name, cases)`` runs [(case id, role, tasks file, variables)] in one ansible-playbook run and returns
    ({case id: {"failures": [...], "tasks": [...]}}, the whole output)."""

    def run(name, cases):
        playbook = tmp_path_factory.mktemp(name) / ("%s.yml" % name)
        playbook.write_text(yaml.safe_dump(_playbook(cases), sort_keys=False))
        env = dict(
            os.environ,
            ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
            # Should a case get past the role's checks, there is no cluster and no OCI tenancy for it to reach.
            K8S_AUTH_KUBECONFIG=NOWHERE + "/kubeconfig", KUBECONFIG=NOWHERE + "/kubeconfig",
            OCI_CONFIG_FILE=NOWHERE + "/oci-config", OCI_CLI_CONFIG_FILE=NOWHERE + "/oci-config",
        )
        proc = subprocess.run(
            ["ansible-playbook", "-i", "localhost,", str(playbook)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, check=False,
        )
        assert proc.returncode == 0, proc.stdout
        return _split(proc.stdout), proc.stdout

    return run
