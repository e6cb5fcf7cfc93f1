# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import stat

import pytest
import yaml

from ansible_collections.oke.istio.plugins.modules import oke_kubeconfig
from ansible_collections.oke.istio.tests.servers.oke_api import COMPARTMENT


@pytest.fixture
def cluster(oke_api):
    return oke_api.state.add_cluster()


@pytest.fixture
def dest(tmp_path):
    return str(tmp_path / "kube" / "oke-mesh")


def args(oke_api, dest, **extra):
    result = dict(oke_api.auth_args(), dest=dest)
    result.update(extra)
    return result


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def test_writes_the_kubeconfig_0600_and_is_unchanged_the_second_time(run_module, oke_api, cluster, dest):
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], context_name="mesh"))
    assert not failed, result
    assert result["changed"] is True
    assert result["dest"] == dest and result["context"] == "mesh" and result["cluster_name"] == "mesh"
    assert result["server"] == "https://203.0.113.10:6443"
    assert mode_of(dest) == 0o600
    assert mode_of(os.path.dirname(dest)) == 0o700
    data = load(dest)
    assert data["kind"] == "Config"
    assert data["current-context"] == "mesh"
    assert [c["name"] for c in data["contexts"]] == ["mesh"]
    user = data["users"][0]["user"]["exec"]
    assert user["command"] == "oci"
    # The test's config file is not ~/.oci/config, so the plugin is told where it is.
    assert user["args"] == [
        "ce", "cluster", "generate-token", "--cluster-id", cluster["id"], "--region", "us-ashburn-1",
        "--config-file", oke_api.key.config_file,
    ]
    before = os.stat(dest).st_mtime_ns

    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], context_name="mesh"))
    assert not failed and result["changed"] is False
    assert os.stat(dest).st_mtime_ns == before


def test_check_mode_writes_nothing(run_module, oke_api, cluster, dest):
    result, failed = run_module(
        oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], _ansible_check_mode=True, _ansible_diff=True)
    )
    assert not failed and result["changed"] is True
    assert not os.path.exists(dest)
    assert result["diff"]["before"] == "" and "generate-token" in result["diff"]["after"]


def test_a_changed_context_name_is_a_change_with_a_diff(run_module, oke_api, cluster, dest):
    run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], context_name="one"))
    result, failed = run_module(
        oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], context_name="two", _ansible_diff=True)
    )
    assert not failed and result["changed"] is True
    assert "current-context: one" in result["diff"]["before"] and "current-context: two" in result["diff"]["after"]
    assert load(dest)["current-context"] == "two"


def test_default_context_is_the_one_oke_names(run_module, oke_api, cluster, dest):
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"]))
    assert not failed and result["context"] == "context-" + cluster["id"][-11:]


def test_a_loose_file_mode_is_tightened(run_module, oke_api, cluster, dest):
    run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"]))
    os.chmod(dest, 0o644)
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"]))
    assert not failed and result["changed"] is True
    assert mode_of(dest) == 0o600


@pytest.mark.parametrize("content", [": not yaml [", "just a string\n", "- a\n- list\n", ""])
def test_a_foreign_file_is_replaced(run_module, oke_api, cluster, dest, content):
    os.makedirs(os.path.dirname(dest))
    with open(dest, "w") as handle:
        handle.write(content)
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"]))
    assert not failed and result["changed"] is True
    assert load(dest)["kind"] == "Config"


def test_cluster_by_compartment_and_name(run_module, oke_api, cluster, dest):
    result, failed = run_module(
        oke_kubeconfig.main, args(oke_api, dest, compartment_id=COMPARTMENT, cluster_name="mesh", endpoint="private")
    )
    assert not failed, result
    assert result["cluster_id"] == cluster["id"] and result["server"] == "https://10.0.0.5:6443"


def test_profile_and_principal_are_passed_to_the_exec_plugin(run_module, oke_api, cluster, dest, tmp_path):
    config = str(tmp_path / "config")
    with open(oke_api.key.config_file) as source, open(config, "w") as target:
        target.write(source.read().replace("[DEFAULT]", "[MESH]"))
    result, failed = run_module(
        oke_kubeconfig.main,
        args(oke_api, dest, cluster_id=cluster["id"], oci_config_file=config, oci_profile="MESH", oci_cli_command="/opt/oci/bin/oci"),
    )
    assert not failed, result
    exec_spec = load(dest)["users"][0]["user"]["exec"]
    assert exec_spec["command"] == "/opt/oci/bin/oci"
    assert exec_spec["args"][-4:] == ["--config-file", config, "--profile", "MESH"]


def test_token_credential_needs_no_oci_cli(run_module, oke_api, cluster, dest):
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], credential="token"))
    assert not failed, result
    assert result["changed"] is True and result["token_expires_at"].endswith("Z")
    user = load(dest)["users"][0]["user"]
    assert list(user) == ["token"]
    url = base64.urlsafe_b64decode(user["token"].encode("ascii")).decode("utf-8")
    assert url.startswith("https://containerengine.us-ashburn-1.oraclecloud.com/cluster_request/%s?" % cluster["id"])
    assert mode_of(dest) == 0o600

    # A fresh token every run, but no change reported for it alone; the diff never shows a token.
    result, failed = run_module(
        oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], credential="token", _ansible_diff=True)
    )
    assert not failed and result["changed"] is False
    assert user["token"] not in result["diff"]["after"] and "<token" in result["diff"]["after"]


def test_switching_to_token_credential_is_a_change(run_module, oke_api, cluster, dest):
    run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"]))
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=cluster["id"], credential="token"))
    assert not failed and result["changed"] is True


@pytest.mark.parametrize(
    "extra, message",
    [
        (dict(cluster_id="ocid1.cluster.oc1.iad.aaaaaaaamissing"), "404 NotAuthorizedOrNotFound"),
        (dict(cluster_id="mesh"), "cluster_id 'mesh' is not a cluster OCID"),
        (dict(compartment_id=COMPARTMENT, cluster_name="nope"), "No OKE cluster named 'nope'"),
        (dict(compartment_id="ocid1.vcn.oc1..x", cluster_name="mesh"), "compartment_id 'ocid1.vcn.oc1..x' is not a compartment OCID"),
        (dict(cluster_name="mesh"), "compartment_id"),
        (dict(), "one of the following is required: cluster_id, cluster_name"),
        (dict(cluster_id="ocid1.cluster.oc1.iad.aaaaaaaamesh01", context_name="bad name"), "context_name 'bad name'"),
        (dict(cluster_id="ocid1.cluster.oc1.iad.aaaaaaaamesh01", oci_profile="NOPE"), "oci_profile"),
        (dict(cluster_id="ocid1.cluster.oc1.iad.aaaaaaaamesh01", oci_config_file="/nonexistent/config"), "oci_config_file"),
    ],
)
def test_errors_name_the_cause(run_module, oke_api, cluster, dest, extra, message):
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, **extra))
    assert failed
    assert message in result["msg"]
    assert not os.path.exists(dest)


def test_a_cluster_being_created_has_no_kubeconfig(run_module, oke_api, dest):
    creating = oke_api.state.add_cluster(suffix="new", state="CREATING")
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, dest, cluster_id=creating["id"]))
    assert failed and "is CREATING" in result["msg"]


def test_dest_must_not_be_a_directory(run_module, oke_api, cluster, tmp_path):
    result, failed = run_module(oke_kubeconfig.main, args(oke_api, str(tmp_path), cluster_id=cluster["id"]))
    assert failed and "is a directory" in result["msg"]
