# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tls_gateway_cert: input checks, which fail before any cluster is contacted.

The Secrets it writes are tested against a local control plane in tests/integration/test_tls_gateway_cert_cluster.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.modules import tls_gateway_cert
from ansible_collections.oke.istio.plugins.module_utils._tls import certificate as crt


def _pem_pair(key_type="ecdsa", size=256, ca=True):
    key = crt.generate_key(key_type, size)
    cert = crt.issue_ca(key, "given CA", 3650) if ca else crt.issue_server(
        key, ["x.example.com"], "x.example.com", 10, *_ca_objects())
    return crt.cert_pem(cert).decode(), crt.key_pem(key).decode()


def _ca_objects():
    key = crt.generate_key("ecdsa", 256)
    return crt.issue_ca(key, "other", 100), key


# -- bad input: a clear message, and nothing is read or written (the kubeconfig does not even exist) ---------------

BAD_INPUT = [
    (dict(hosts=[]), "hosts must name at least one host"),
    (dict(hosts=["bad_host.example.com"]), "hosts: 'bad_host.example.com' is not a valid DNS name"),
    (dict(hosts=["a.example.com"], validity_days=0), "validity_days must be a positive number of days, got 0"),
    (dict(hosts=["a.example.com"], validity_days=-5), "validity_days must be a positive number of days, got -5"),
    (dict(hosts=["a.example.com"], ca_validity_days=0), "ca_validity_days must be a positive number of days"),
    (dict(hosts=["a.example.com"], validity_days=10, renew_before_days=10), "renew_before_days must be at least 0 and less"),
    (dict(hosts=["a.example.com"], key_type="rsa", key_size=1024), "key_size 1024 is not supported for key_type=rsa"),
    (dict(hosts=["a.example.com"], name="Bad_Name"), "name 'Bad_Name' is not a valid Kubernetes object name"),
    (dict(hosts=["a.example.com"], ca_cert_content="x"), "ca_cert_content and ca_key_content go together"),
    (dict(hosts=["a.example.com"], ca_cert_dest="/nonexistent/dir/ca.crt"), "ca_cert_dest: directory /nonexistent/dir"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT)
def test_bad_input_fails_before_touching_the_cluster(run_module, tmp_path, args, message):
    params = dict(name="gw-cert", kubeconfig=str(tmp_path / "missing-kubeconfig"))
    params.update(args)
    result, failed = run_module(tls_gateway_cert.main, params)
    assert failed, result
    assert message in result["msg"]


def test_mismatched_ca_and_key_fail_without_key_material_in_the_message(run_module, tmp_path):
    ca_pem = _pem_pair()[0]
    other_key = _pem_pair()[1]
    result, failed = run_module(tls_gateway_cert.main, dict(
        name="gw-cert", hosts=["a.example.com"], ca_cert_content=ca_pem, ca_key_content=other_key, kubeconfig=str(tmp_path / "none")))
    assert failed
    assert result["msg"] == "ca_key_content does not match ca_cert_content: the private key is not the one of the CA certificate"
    assert "PRIVATE KEY" not in repr(result)


def test_a_leaf_certificate_is_not_accepted_as_ca(run_module, tmp_path):
    leaf_pem, leaf_key = _pem_pair(ca=False)
    result, failed = run_module(tls_gateway_cert.main, dict(
        name="gw-cert", hosts=["a.example.com"], ca_cert_content=leaf_pem, ca_key_content=leaf_key, kubeconfig=str(tmp_path / "none")))
    assert failed and "is not a CA certificate" in result["msg"]


def test_no_option_shadows_a_cluster_auth_option():
    from ansible_collections.oke.istio.plugins.module_utils._argspec import K8S_AUTH_ARG_SPEC
    from ansible_collections.oke.istio.plugins.module_utils._tls.module_backends.gateway_cert import ARGUMENT_SPEC

    assert not set(ARGUMENT_SPEC) & set(K8S_AUTH_ARG_SPEC)
