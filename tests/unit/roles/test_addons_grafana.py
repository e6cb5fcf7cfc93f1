# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Grafana is not built here (its module is AGPL), so what the addons role ships for it is tested by its content: the
manifests the role renders, with its own defaults, hold the five Istio dashboards as valid JSON whose panels ask the
data source the role provisions, and that data source is the Prometheus Service the role installs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "addons")


def _dashboard_names():
    """The dashboard list the role itself sets in tasks/main.yml."""
    with open(os.path.join(ROLE, "tasks", "main.yml")) as handle:
        tasks = yaml.safe_load(handle)
    pending = list(tasks)
    while pending:
        task = pending.pop(0)
        pending.extend(task.get("block") or [])
        facts = task.get("ansible.builtin.set_fact") or {}
        if "__addons_dashboards" in facts:
            return facts["__addons_dashboards"]
    raise AssertionError("roles/addons/tasks/main.yml sets no __addons_dashboards")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The role's Grafana and Prometheus manifests, rendered by Ansible from its templates, files and defaults."""
    play_dir = tmp_path_factory.mktemp("grafana")
    for name in ("templates", "files"):
        os.symlink(os.path.join(ROLE, name), str(play_dir / name))
    out = play_dir / "rendered.json"
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars_files": [os.path.join(ROLE, "defaults", "main.yml")],
             "vars": {"__addons_dashboards": _dashboard_names()},
             "tasks": [{"ansible.builtin.copy": {
                 "dest": str(out),
                 "content": "{{ {'grafana': lookup('ansible.builtin.template', 'grafana.yml.j2') | from_yaml_all | select | list,"
                            " 'prometheus': lookup('ansible.builtin.template', 'prometheus.yml.j2') | from_yaml_all | select | list,"
                            " 'namespace': addons_namespace} | to_json }}"}}]}]
    (play_dir / "render.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(play_dir / "render.yml")], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, cwd=str(play_dir), check=False)
    assert proc.returncode == 0, proc.stdout
    with open(str(out)) as handle:
        return json.load(handle)


def _objects(manifests, kind):
    return dict((m["metadata"]["name"], m) for m in manifests if m["kind"] == kind)


def test_the_data_source_is_the_prometheus_the_role_installs(rendered):
    namespace = rendered["namespace"]
    service = _objects(rendered["prometheus"], "Service")["prometheus"]
    port = [p["port"] for p in service["spec"]["ports"] if p["name"] == "http"][0]
    config = yaml.safe_load(_objects(rendered["grafana"], "ConfigMap")["grafana"]["data"]["datasources.yaml"])
    [source] = config["datasources"]
    assert (source["type"], source["uid"], source["isDefault"]) == ("prometheus", "prometheus", True)
    assert source["url"] == "http://%s.%s:%d" % (service["metadata"]["name"], service["metadata"]["namespace"], port)
    assert service["metadata"]["namespace"] == namespace


def test_the_istio_dashboards_are_provisioned_as_valid_json_asking_that_source(rendered):
    maps = _objects(rendered["grafana"], "ConfigMap")
    names = _dashboard_names()
    assert sorted(names) == ["istio-control-plane", "istio-mesh", "istio-performance", "istio-service", "istio-workload"]
    for name in names:
        [(key, text)] = maps["grafana-dashboard-%s" % name]["data"].items()
        dashboard = json.loads(text)
        assert key.endswith(".json") and dashboard["uid"] == name and dashboard["title"].startswith("Istio "), (key, name)
        targets = [t for panel in dashboard["panels"] for t in panel.get("targets") or []]
        assert targets and all(t.get("expr") for t in targets), name
        sources = set(json.dumps(panel.get("datasource"), sort_keys=True) for panel in dashboard["panels"] if "targets" in panel)
        assert sources == {json.dumps({"type": "prometheus", "uid": "prometheus"}, sort_keys=True)}, (name, sources)
    # The Istio metrics the dashboards are about (on OKE; upstream Envoy on the local node does not make them).
    texts = " ".join(m["data"][k] for m in maps.values() for k in m["data"] if k.endswith(".json"))
    assert "istio_requests_total" in texts and "istio_build" in texts


def test_the_provisioning_points_grafana_at_the_dashboards(rendered):
    grafana = _objects(rendered["grafana"], "ConfigMap")["grafana"]["data"]
    providers = yaml.safe_load(grafana["dashboardproviders.yaml"])["providers"]
    assert [p["type"] for p in providers] == ["file"]
    deployment = _objects(rendered["grafana"], "Deployment")["grafana"]
    mounts = [m["mountPath"] for c in deployment["spec"]["template"]["spec"]["containers"] for m in c.get("volumeMounts") or []]
    assert any(m.startswith(providers[0]["options"]["path"]) for m in mounts), (providers, mounts)


def test_the_prometheus_configuration_is_valid_yaml_scraping_the_annotated_pods(rendered):
    config = yaml.safe_load(_objects(rendered["prometheus"], "ConfigMap")["prometheus"]["data"]["prometheus.yml"])
    jobs = dict((job["job_name"], job) for job in config["scrape_configs"])
    relabel = jobs["kubernetes-pods"]["relabel_configs"]
    assert relabel[0] == {"action": "keep", "regex": "true",
                          "source_labels": ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]}
    # Every regular expression survives YAML as written (a ? or : unquoted in a flow mapping does not).
    assert [r["regex"] for r in relabel if r.get("target_label") in ("__scheme__", "__metrics_path__")] == ["(https?)", "(.+)"]
    assert all(isinstance(r.get("regex", ""), str) for job in jobs.values() for r in job.get("relabel_configs") or [])
