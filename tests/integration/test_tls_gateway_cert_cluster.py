# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tls_gateway_cert against a real local control plane (hack/local-cluster.sh): the Secrets it writes, reads and removes.

The module runs in this process (the ``run_module`` fixture of the unit tests); each test works in a namespace of its own
on a cluster started for this file. Its input checks, which need no cluster, are in tests/unit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import os
import stat
import uuid

import pytest

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store
from kubernetes import client, config

from ansible_collections.oke.istio.plugins.modules import tls_gateway_cert
from ansible_collections.oke.istio.plugins.module_utils._tls import certificate as crt


def _pem_pair(key_type, size):
    """A CA certificate and its key, as PEM text."""
    key = crt.generate_key(key_type, size)
    return crt.cert_pem(crt.issue_ca(key, "given CA", 3650)).decode(), crt.key_pem(key).decode()


@pytest.fixture(scope="module")
def kubeconfig(local_clusters):
    return local_clusters.up("h-tls-it")


@pytest.fixture
def cluster(kubeconfig):
    """A namespace of its own for each test; yields (CoreV1Api, namespace, kubeconfig)."""
    api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    namespace = "tls-test-%s" % uuid.uuid4().hex[:8]
    api.create_namespace({"metadata": {"name": namespace}})
    yield api, namespace, kubeconfig
    api.delete_namespace(namespace)


def _secret(api, namespace, name):
    return api.read_namespaced_secret(name, namespace)


def _cert_of(secret, key="tls.crt"):
    return x509.load_pem_x509_certificate(base64.b64decode(secret.data[key]))


def _run(run_module, kubeconfig, namespace, **args):
    params = dict(name="gw-cert", namespace=namespace, kubeconfig=kubeconfig, hosts=["bookinfo.example.com", "www.example.com"])
    params.update(args)
    return run_module(tls_gateway_cert.main, params)


def test_issues_a_verifiable_certificate_and_leaves_it_alone(run_module, cluster, tmp_path):
    api, namespace, kubeconfig = cluster
    dest = str(tmp_path / "ca.crt")

    result, failed = _run(run_module, kubeconfig, namespace, _ansible_check_mode=True, _ansible_diff=True)
    assert not failed and result["changed"], result
    assert result["diff"]["after"]["certificate"]["sha256_fingerprint"] == "(issued on apply)"
    assert result["diff"]["before"]["certificate"] is None
    with pytest.raises(client.ApiException):
        _secret(api, namespace, "gw-cert")

    result, failed = _run(run_module, kubeconfig, namespace, ca_cert_dest=dest, _ansible_diff=True)
    assert not failed and result["changed"], result
    assert "PRIVATE KEY" not in repr(result)
    secret = _secret(api, namespace, "gw-cert")
    assert secret.type == "kubernetes.io/tls"
    cert = _cert_of(secret)
    ca = _cert_of(_secret(api, namespace, "gw-cert-ca"))
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(sans) == ["bookinfo.example.com", "www.example.com"]
    assert crt.signed_by(cert, ca) and crt.is_ca(ca)
    PolicyBuilder().store(Store([ca])).build_server_verifier(x509.DNSName("www.example.com")).verify(cert, [])
    key = crt.load_private_key(base64.b64decode(secret.data["tls.key"]))
    assert crt.key_matches_certificate(key, cert)
    assert result["certificate"]["sha256_fingerprint"] == crt.fingerprint(cert)
    assert "ca.crt" not in secret.data
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    with open(dest, "rb") as handle:
        assert handle.read() == crt.cert_pem(ca)

    result, failed = _run(run_module, kubeconfig, namespace, ca_cert_dest=dest, _ansible_check_mode=True)
    assert not failed and not result["changed"], result
    result, failed = _run(run_module, kubeconfig, namespace, ca_cert_dest=dest)
    assert not failed and not result["changed"] and result["reasons"] == [], result
    again = _secret(api, namespace, "gw-cert")
    assert again.data == secret.data and again.metadata.resource_version == secret.metadata.resource_version

    # MUTUAL adds the CA bundle without reissuing the certificate.
    result, failed = _run(run_module, kubeconfig, namespace, mutual=True)
    assert not failed and result["changed"] and result["reasons"] == ["ca.crt bundle added"], result
    mutual = _secret(api, namespace, "gw-cert")
    assert mutual.data["tls.crt"] == secret.data["tls.crt"]
    assert _cert_of(mutual, "ca.crt") == ca
    result, failed = _run(run_module, kubeconfig, namespace, mutual=True)
    assert not result["changed"]
    result, failed = _run(run_module, kubeconfig, namespace)
    assert result["changed"] and "ca.crt" not in _secret(api, namespace, "gw-cert").data

    # Changed parameters reissue from the same CA.
    result, failed = _run(run_module, kubeconfig, namespace, hosts=["bookinfo.example.com"])
    assert result["changed"] and any(r.startswith("subjectAltNames are") for r in result["reasons"]), result
    assert crt.subject_alt_names(_cert_of(_secret(api, namespace, "gw-cert"))) == ["bookinfo.example.com"]
    result, failed = _run(run_module, kubeconfig, namespace, hosts=["bookinfo.example.com"], key_type="rsa", key_size=3072)
    assert result["changed"] and "key is rsa 2048, want rsa 3072" in result["reasons"], result
    result, failed = _run(run_module, kubeconfig, namespace, hosts=["bookinfo.example.com"], key_type="rsa", key_size=3072, validity_days=90)
    assert result["changed"] and "validity is 365 day(s), want 90" in result["reasons"], result
    assert _cert_of(_secret(api, namespace, "gw-cert-ca")) == ca

    result, failed = _run(run_module, kubeconfig, namespace, state="absent")
    assert not failed and result["changed"]
    result, failed = _run(run_module, kubeconfig, namespace, state="absent")
    assert not failed and not result["changed"]


def test_a_certificate_close_to_expiry_is_reissued(run_module, cluster):
    api, namespace, kubeconfig = cluster
    ca_pem, ca_key_pem = _pem_pair("rsa", 2048)
    ca, ca_key_content = crt.load_certificate(ca_pem), crt.load_private_key(ca_key_pem)
    hosts = ["bookinfo.example.com"]
    key = crt.generate_key("rsa", 2048)
    # Issued 360 days ago for 365 days: five days left, inside the default 30-day threshold.
    old = crt.issue_server(key, hosts, hosts[0], 365, ca, ca_key_content, now=crt.utcnow() - datetime.timedelta(days=360))
    api.create_namespaced_secret(namespace, {
        "metadata": {"name": "gw-cert"}, "type": "kubernetes.io/tls",
        "data": {"tls.crt": base64.b64encode(crt.cert_pem(old)).decode(), "tls.key": base64.b64encode(crt.key_pem(key)).decode()},
    })
    args = dict(hosts=hosts, ca_cert_content=ca_pem, ca_key_content=ca_key_pem)

    result, failed = _run(run_module, kubeconfig, namespace, renew_before_days=3, **args)
    assert not failed and not result["changed"], result  # five days left, outside a three-day threshold
    result, failed = _run(run_module, kubeconfig, namespace, **args)
    assert not failed and result["changed"], result
    assert any(r.startswith("expires on") for r in result["reasons"]), result
    new = _cert_of(_secret(api, namespace, "gw-cert"))
    assert new.serial_number != old.serial_number and crt.signed_by(new, ca)
    assert crt.not_valid_after(new) > crt.utcnow() + datetime.timedelta(days=300)
    assert result["ca_secret"] is None
    result, failed = _run(run_module, kubeconfig, namespace, **args)
    assert not result["changed"]


def test_a_secret_of_another_type_is_refused_and_left_alone(run_module, cluster):
    api, namespace, kubeconfig = cluster
    api.create_namespaced_secret(namespace, {"metadata": {"name": "gw-cert"}, "type": "Opaque", "data": {"a": "Yg=="}})
    result, failed = _run(run_module, kubeconfig, namespace)
    assert failed and "exists with type Opaque" in result["msg"], result
    assert _secret(api, namespace, "gw-cert").data == {"a": "Yg=="}


def test_a_missing_namespace_fails_and_writes_nothing(run_module, kubeconfig):
    result, failed = _run(run_module, kubeconfig, "no-such-namespace-%s" % uuid.uuid4().hex[:6])
    assert failed and "nothing was applied" in result["msg"], result
