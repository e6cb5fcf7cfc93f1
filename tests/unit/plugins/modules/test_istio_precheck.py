# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

from ansible_collections.oke.istio.plugins.modules import istio_precheck

# Recorded from istioctl 1.31 `x precheck -o json` run as a user who may read but not create anything (rc 1).
MISSING_PERMISSIONS = [
    {
        "code": "IST0141",
        "documentationUrl": "https://istio.io/v1.31/docs/reference/config/analysis/ist0141/",
        "level": "Error",
        "message": "Missing required permission to create resource %s (permission denied)" % kind,
        "origin": "Cluster",
    }
    for kind in ("clusterrolebindings", "clusterroles", "customresourcedefinitions")
]
WARNING = {
    "code": "IST0139",
    "documentationUrl": "https://istio.io/v1.31/docs/reference/config/analysis/ist0139/",
    "level": "Warning",
    "message": "Istio is already installed in namespace istio-system",
    "origin": "Namespace istio-system",
}
INFO = {"code": "IST0118", "level": "Info", "message": "Port name is not following the naming convention"}
CLEAN_STDERR = "\u2714 No issues found when checking the cluster. Istio is safe to install or upgrade!\n"

FAKE = r'''#!%(python)s
import json, sys
with open(%(log)r, "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\n")
if sys.argv[1] == "version":
    print(json.dumps({"clientVersion": {"version": "1.31.2"}}))
    sys.exit(0)
sys.stdout.write(%(stdout)r)
sys.stderr.write(%(stderr)r)
sys.exit(%(rc)d)
'''


@pytest.fixture
def istioctl(tmp_path):
    """Writes a stand-in istioctl that answers the precheck with the given output; returns its path."""
    log = str(tmp_path / "istioctl.log")

    def make(stdout="", stderr="", rc=0):
        path = str(tmp_path / "istioctl")
        with open(path, "w") as handle:
            handle.write(FAKE % dict(python=sys.executable, log=log, stdout=stdout, stderr=stderr, rc=rc))
        os.chmod(path, 0o755)
        return path

    make.calls = lambda: [json.loads(line) for line in open(log)] if os.path.exists(log) else []
    return make


@pytest.fixture
def kubeconfig(tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text("apiVersion: v1\nkind: Config\n")
    return str(path)


def test_a_clean_cluster_passes(run_module, istioctl, kubeconfig):
    binary = istioctl(stderr=CLEAN_STDERR)
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig, context="mesh"))
    assert not failed, result
    assert result["changed"] is False and result["findings"] == []
    assert result["summary"] == dict(errors=0, warnings=0, info=0, ignored=0)
    assert result["istioctl_version"] == "1.31.2"
    assert ["x", "precheck", "-o", "json", "--kubeconfig", kubeconfig, "--context", "mesh"] in istioctl.calls()


def test_errors_fail_naming_each_finding_and_the_fix(run_module, istioctl, kubeconfig):
    binary = istioctl(stdout=json.dumps(MISSING_PERMISSIONS), stderr="Error: Issues found when checking the cluster.", rc=1)
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig))
    assert failed
    assert result["msg"].startswith("istioctl x precheck found 3 problem(s) to fix before installing Istio: IST0141 ")
    assert "create resource clusterroles (permission denied) (Cluster)" in result["msg"]
    assert "--clusterrole=cluster-admin" in result["msg"]
    assert [f["level"] for f in result["by_level"]["error"]] == ["Error"] * 3
    assert result["findings"][0]["documentation_url"].endswith("/ist0141/")


def test_warnings_are_reported_not_fatal(run_module, istioctl, kubeconfig):
    binary = istioctl(stdout=json.dumps([WARNING, INFO]))
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig))
    assert not failed, result
    assert [f["code"] for f in result["by_level"]["warning"]] == ["IST0139"]
    assert [f["code"] for f in result["by_level"]["info"]] == ["IST0118"]


def test_warnings_fail_when_asked(run_module, istioctl, kubeconfig):
    binary = istioctl(stdout=json.dumps([WARNING]))
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig, fail_on_warnings=True))
    assert failed and "IST0139 Istio is already installed" in result["msg"]


def test_ignored_codes_do_not_count(run_module, istioctl, kubeconfig):
    binary = istioctl(stdout=json.dumps(MISSING_PERMISSIONS + [WARNING]), rc=1)
    result, failed = run_module(
        istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig, ignore_codes=["IST0141"])
    )
    assert not failed, result
    assert result["summary"] == dict(errors=0, warnings=1, info=0, ignored=3)


def test_revision_is_passed(run_module, istioctl, kubeconfig):
    binary = istioctl()
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig, revision="1-31-2"))
    assert not failed
    assert any(call[:6] == ["x", "precheck", "-o", "json", "--revision", "1-31-2"] for call in istioctl.calls())


def test_check_mode_runs_the_precheck(run_module, istioctl, kubeconfig):
    binary = istioctl(stdout=json.dumps([WARNING]))
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig, _ansible_check_mode=True))
    assert not failed and result["summary"]["warnings"] == 1


def test_an_unreachable_cluster_is_an_error_with_istioctl_output(run_module, istioctl, kubeconfig):
    binary = istioctl(stderr="Error: Get \"https://10.0.0.5:6443/version\": dial tcp 10.0.0.5:6443: i/o timeout\n", rc=2)
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig))
    assert failed
    assert "istioctl x precheck could not check the cluster (rc=2)" in result["msg"] and "i/o timeout" in result["msg"]
    assert result["rc"] == 2


def test_output_that_is_not_json_is_an_error(run_module, istioctl, kubeconfig):
    binary = istioctl(stdout="something else", rc=1)
    result, failed = run_module(istio_precheck.main, dict(istioctl_path=binary, kubeconfig=kubeconfig))
    assert failed and "printed no JSON" in result["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(istioctl_path="no-such-istioctl-anywhere"), "istioctl_path: 'no-such-istioctl-anywhere' is not on PATH"),
        (dict(istioctl_path="/nonexistent/istioctl"), "istioctl_path /nonexistent/istioctl is not an executable file"),
        (dict(kubeconfig={"apiVersion": "v1"}), "kubeconfig must be a file path"),
        (dict(kubeconfig="/nonexistent/kubeconfig"), "kubeconfig /nonexistent/kubeconfig does not exist"),
        (dict(host="https://10.0.0.5:6443", api_key="secret"), "host/api_key cannot be passed to istioctl"),
    ],
)
def test_bad_input_is_named(run_module, istioctl, args, message):
    binary = istioctl()
    args = dict(args)
    args.setdefault("istioctl_path", binary)
    result, failed = run_module(istio_precheck.main, args)
    assert failed and message in result["msg"]
    assert "secret" not in json.dumps(result)


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(istioctl_path="/nonexistent/istioctl"), "istioctl_path /nonexistent/istioctl is not an executable file"),
        (dict(kubeconfig={"apiVersion": "v1", "kind": "Config"}), "kubeconfig must be a file path"),
        (dict(host="https://127.0.0.1:1", api_key="secret"), "host/api_key cannot be passed to istioctl"),
    ],
)
def test_istioctl_install_refuses_what_istioctl_cannot_honour_and_runs_nothing(run_module, istioctl, args, message):
    """Dropping a kubeconfig dictionary or host/api_key would send istioctl to the default kubeconfig's cluster
    while the module's client reads another one: refused before istioctl or the cluster is touched."""
    from ansible_collections.oke.istio.plugins.modules import istioctl_install

    binary = istioctl()
    args = dict(args)
    args.setdefault("istioctl_path", binary)
    result, failed = run_module(istioctl_install.main, args)
    assert failed and message in result["msg"], result
    assert istioctl.calls() == []
    assert "secret" not in json.dumps(result)
