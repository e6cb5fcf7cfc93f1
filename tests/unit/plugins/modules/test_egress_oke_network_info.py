# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""oke_network_info (the egress role's source of the cluster CIDRs) against the local OKE API server, real oci SDK."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.modules import oke_network_info
from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oke_network import validate_cidrs
from ansible_collections.oke.istio.tests.servers.oke_api import cluster_ocid


def test_reads_the_pod_and_service_cidrs(run_module, oke_api):
    cluster = oke_api.state.add_cluster(suffix="edge01", name="edge")
    cluster["options"]["kubernetesNetworkConfig"] = {"podsCidr": "10.244.0.0/16", "servicesCidr": "10.96.0.0/16"}
    result, failed = run_module(oke_network_info.main, dict(cluster_id=cluster["id"], **oke_api.auth_args()))
    assert not failed, result
    assert result["pods_cidr"] == "10.244.0.0/16" and result["services_cidr"] == "10.96.0.0/16"
    assert result["cidrs"] == ["10.244.0.0/16", "10.96.0.0/16"]
    assert result["cluster_name"] == "edge" and not result["changed"]
    calls = oke_api.calls("GET")
    assert [c["path"].split("?")[0] for c in calls] == ["/20180222/clusters/%s" % cluster["id"]]


def test_a_cluster_without_network_config_is_a_clear_error(run_module, oke_api):
    cluster = oke_api.state.add_cluster(suffix="edge02")
    cluster["options"]["kubernetesNetworkConfig"] = None
    result, failed = run_module(oke_network_info.main, dict(cluster_id=cluster["id"], **oke_api.auth_args()))
    assert failed and "reports no kubernetes network configuration" in result["msg"] and "give the CIDRs" in result["msg"]


def test_an_unknown_cluster_names_the_api_error(run_module, oke_api):
    result, failed = run_module(oke_network_info.main, dict(cluster_id=cluster_ocid("missing"), **oke_api.auth_args()))
    assert failed and "404" in result["msg"], result


def test_a_malformed_ocid_fails_before_any_call(run_module, oke_api):
    result, failed = run_module(oke_network_info.main, dict(cluster_id="ocid1.vcn.oc1..x", **oke_api.auth_args()))
    assert failed and "is not a cluster OCID" in result["msg"]
    assert oke_api.calls() == []


def test_cidrs_are_validated_and_normalized():
    assert validate_cidrs(["10.244.1.0/16", "fd00::/64", "10.244.0.0/16"], "x") == ["10.244.0.0/16", "fd00::/64"]
    with pytest.raises(ValidationError) as err:
        validate_cidrs(["10.0.0.0/33"], "egress_include_ip_ranges")
    assert "egress_include_ip_ranges: '10.0.0.0/33' is not a CIDR" in err.value.msg
