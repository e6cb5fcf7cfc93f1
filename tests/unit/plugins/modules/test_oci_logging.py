# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.modules import oci_logging
from ansible_collections.oke.istio.tests.servers.oke_api import COMPARTMENT

GROUP = "ocid1.dynamicgroup.oc1..aaaaaaaaworkers"


def args(server, **extra):
    result = dict(server.auth_args(), compartment_id=COMPARTMENT, agent_group_ids=[GROUP])
    result.update(extra)
    return result


def test_creates_group_log_and_agent_configuration_then_changes_nothing(run_module, apm_api):
    result, failed = run_module(oci_logging.main, args(apm_api))
    assert not failed, result
    assert result["changed"] and result["actions"] == {"log_group": "create", "log": "create", "agent_configuration": "create"}
    state = apm_api.state
    config = state.agent_configs[result["agent_configuration_id"]]
    source = config["serviceConfiguration"]["sources"][0]
    assert source["sourceType"] == "LOG_TAIL" and source["paths"] == ["/var/log/containers/*.log"]
    assert source["parser"]["parserType"] == "CRI"
    assert config["serviceConfiguration"]["destination"]["logObjectId"] == result["log_id"]
    assert config["groupAssociation"]["groupList"] == [GROUP]
    assert state.logs[result["log_id"]]["logType"] == "CUSTOM"

    again, failed = run_module(oci_logging.main, args(apm_api))
    assert not failed and not again["changed"]
    assert again["actions"] == {"log_group": "none", "log": "none", "agent_configuration": "none"}
    assert [r["method"] for r in apm_api.state.requests].count("POST") == 3


def test_check_mode_creates_nothing(run_module, apm_api):
    result, failed = run_module(oci_logging.main, args(apm_api, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result["changed"] and result["log_group_id"] is None
    assert not [r for r in apm_api.state.requests if r["method"] != "GET"]
    assert result["diff"]["after"]["actions"]["agent_configuration"] == "create"


def test_changed_paths_update_the_agent_configuration(run_module, apm_api):
    run_module(oci_logging.main, args(apm_api))
    changed_paths = args(apm_api, log_paths=["/var/log/containers/*_bookinfo_*.log"], _ansible_diff=True)
    result, failed = run_module(oci_logging.main, changed_paths)
    assert not failed and result["actions"]["agent_configuration"] == "update"
    assert result["diff"]["before"]["agent_configuration"]["paths"] == ["/var/log/containers/*.log"]
    assert [r for r in apm_api.state.requests if r["method"] == "PUT"]


def test_bad_input_names_the_parameter_and_calls_nothing(run_module, apm_api):
    result, failed = run_module(oci_logging.main, args(apm_api, compartment_id="ocid1.vcn.oc1..x"))
    assert failed and result["msg"].startswith("compartment_id")
    result, failed = run_module(oci_logging.main, args(apm_api, retention_days=45))
    assert failed and result["msg"].startswith("retention_days")
    assert apm_api.state.requests == []


def test_an_unknown_compartment_names_compartment_id(run_module, apm_api):
    result, failed = run_module(oci_logging.main, args(apm_api, compartment_id="ocid1.compartment.oc1..other"))
    assert failed and result["msg"].startswith("compartment_id:")
