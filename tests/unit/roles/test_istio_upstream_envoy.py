# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The istio role's upstream-Envoy profile: the three Istio-only extensions are off in the composed
IstioOperator spec, only when asked for, and Istio telemetry on top of it fails before anything runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import os
import subprocess

import pytest

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Compose and check the role's input
      ansible.builtin.include_role:
        name: oke.istio.istio
        tasks_from: validate.yml
    - name: Show the spec
      ansible.builtin.debug:
        msg: "SPEC={{ __istio_operator_spec | to_json }}"
"""


def compose(tmp_path, **extra_vars):
    playbook = tmp_path / "compose.yml"
    playbook.write_text(PLAYBOOK)
    extra = dict({"istio_istioctl_path": "/usr/bin/true"}, **extra_vars)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(playbook), "-e", json.dumps(extra)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, check=False,
    )
    spec = None
    for line in proc.stdout.splitlines():
        if '"msg": "SPEC=' in line:
            spec = json.loads(json.loads(line.split('"msg": ', 1)[1]).split("=", 1)[1])
    return proc, spec


def test_upstream_envoy_turns_the_three_istio_only_extensions_off(tmp_path):
    proc, spec = compose(tmp_path, istio_upstream_envoy=True)
    assert proc.returncode == 0, proc.stdout
    assert spec["values"]["telemetry"] == {"enabled": False}
    env = spec["values"]["pilot"]["env"]
    assert env["PILOT_ENABLE_ALPN_FILTER"] == "false"
    assert env["PILOT_ENABLE_METADATA_EXCHANGE"] == "false"
    assert env["SHARED_MESH_CONFIG"] == "istio-user"
    # Envoy's own request counts per cluster stand in for the istio_* metrics.
    [regex] = spec["meshConfig"]["defaultConfig"]["proxyStatsMatcher"]["inclusionRegexps"]
    stats = ["cluster.outbound|9080|v1|reviews.bookinfo.svc.cluster.local.upstream_rq_total",
             "cluster.inbound|9080||.upstream_rq_2xx", "cluster.outbound|9080||details.bookinfo.svc.cluster.local.upstream_cx_total",
             "cluster.xds-grpc.upstream_rq_total"]
    assert [bool(re.match(regex + "$", stat)) for stat in stats] == [True, True, False, False]


def test_upstream_envoy_keeps_the_tracing_options(tmp_path):
    proc, spec = compose(tmp_path, istio_upstream_envoy=True, istio_tracing_enabled=True, istio_tracer_address="zipkin:9411")
    assert proc.returncode == 0, proc.stdout
    default_config = spec["meshConfig"]["defaultConfig"]
    assert default_config["tracing"]["zipkin"] == {"address": "zipkin:9411"} and "proxyStatsMatcher" in default_config


def test_istio_envoy_keeps_istios_defaults(tmp_path):
    proc, spec = compose(tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "telemetry" not in spec["values"]
    assert "defaultConfig" not in spec["meshConfig"]
    assert set(spec["values"]["pilot"]["env"]) == {"SHARED_MESH_CONFIG"}


@pytest.mark.parametrize(
    "extra, shown",
    [
        ({"istio_operator_spec": {"values": {"telemetry": {"enabled": True}}}}, "values.telemetry.enabled: True in"),
        ({"istio_set_values": {"values.telemetry.enabled": "true"}}, "true in istio_set_values"),
        ({"istio_operator_spec": {"meshConfig": {"defaultProviders": {"metrics": ["prometheus"]}}}}, "['prometheus']"),
        ({"istio_set_values": {"meshConfig.defaultProviders.metrics[0]": "prometheus"}}, "istio_set_values"),
    ],
)
def test_telemetry_on_upstream_envoy_fails_naming_the_setting(tmp_path, extra, shown):
    proc, spec = compose(tmp_path, istio_upstream_envoy=True, **extra)
    assert proc.returncode != 0
    assert spec is None
    assert "istio_upstream_envoy is true, and Istio telemetry is turned on" in proc.stdout
    assert shown in proc.stdout


def test_telemetry_without_upstream_envoy_is_fine(tmp_path):
    proc, spec = compose(tmp_path, istio_operator_spec={"values": {"telemetry": {"enabled": True}}})
    assert proc.returncode == 0, proc.stdout
    assert spec["values"]["telemetry"] == {"enabled": True}
