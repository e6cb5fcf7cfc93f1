# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tls_gateway_cert: input checks (no cluster needed) and, against the local control plane, the Secrets it writes.

The cluster tests run only when OKE_ISTIO_KUBECONFIG names a reachable local cluster (hack/local-cluster.sh up NAME).
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

from ansible_collections.oke.istio.plugins.modules import tls_gateway_cert
from ansible_collections.oke.istio.plugins.module_utils._tls import certificate as crt

KUBECONFIG = os.environ.get("OKE_ISTIO_KUBECONFIG", "")
needs_cluster = pytest.mark.skipif(
    not (KUBECONFIG and os.path.isfile(KUBECONFIG)), reason="needs a local cluster (OKE_ISTIO_KUBECONFIG)"
)


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


# -- against the local control plane ---------------------------------------------------------------------------------

@pytest.fixture
def cluster():
    from kubernetes import client, config

    api = client.CoreV1Api(config.new_client_from_config(config_file=KUBECONFIG))
    namespace = "tls-test-%s" % uuid.uuid4().hex[:8]
    api.create_namespace({"metadata": {"name": namespace}})
    yield api, namespace
    api.delete_namespace(namespace)


def _secret(api, namespace, name):
    return api.read_namespaced_secret(name, namespace)


def _cert_of(secret, key="tls.crt"):
    return x509.load_pem_x509_certificate(base64.b64decode(secret.data[key]))


def _run(run_module, namespace, **args):
    params = dict(name="gw-cert", namespace=namespace, kubeconfig=KUBECONFIG, hosts=["bookinfo.example.com", "www.example.com"])
    params.update(args)
    return run_module(tls_gateway_cert.main, params)


@needs_cluster
def test_issues_a_verifiable_certificate_and_leaves_it_alone(run_module, cluster, tmp_path):
    api, namespace = cluster
    dest = str(tmp_path / "ca.crt")

    result, failed = _run(run_module, namespace, _ansible_check_mode=True, _ansible_diff=True)
    assert not failed and result["changed"], result
    assert result["diff"]["after"]["certificate"]["sha256_fingerprint"] == "(issued on apply)"
    assert result["diff"]["before"]["certificate"] is None
    from kubernetes.client import ApiException
    with pytest.raises(ApiException):
        _secret(api, namespace, "gw-cert")

    result, failed = _run(run_module, namespace, ca_cert_dest=dest, _ansible_diff=True)
    assert not failed and result["changed"], result
    assert "PRIVATE KEY" not in repr(result)
    secret = _secret(api, namespace, "gw-cert")
    assert secret.type == "kubernetes.io/tls"
    cert = _cert_of(secret)
    ca = _cert_of(_secret(api, namespace, "gw-cert-ca"))
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(sans) == ["bookinfo.example.com", "www.example.com"]
    assert crt.signed_by(cert, ca) and crt.is_ca(ca)
    from cryptography.x509.verification import PolicyBuilder, Store
    PolicyBuilder().store(Store([ca])).build_server_verifier(x509.DNSName("www.example.com")).verify(cert, [])
    key = crt.load_private_key(base64.b64decode(secret.data["tls.key"]))
    assert crt.key_matches_certificate(key, cert)
    assert result["certificate"]["sha256_fingerprint"] == crt.fingerprint(cert)
    assert "ca.crt" not in secret.data
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    with open(dest, "rb") as handle:
        assert handle.read() == crt.cert_pem(ca)

    result, failed = _run(run_module, namespace, ca_cert_dest=dest, _ansible_check_mode=True)
    assert not failed and not result["changed"], result
    result, failed = _run(run_module, namespace, ca_cert_dest=dest)
    assert not failed and not result["changed"] and result["reasons"] == [], result
    again = _secret(api, namespace, "gw-cert")
    assert again.data == secret.data and again.metadata.resource_version == secret.metadata.resource_version

    # MUTUAL adds the CA bundle without reissuing the certificate.
    result, failed = _run(run_module, namespace, mutual=True)
    assert not failed and result["changed"] and result["reasons"] == ["ca.crt bundle added"], result
    mutual = _secret(api, namespace, "gw-cert")
    assert mutual.data["tls.crt"] == secret.data["tls.crt"]
    assert _cert_of(mutual, "ca.crt") == ca
    result, failed = _run(run_module, namespace, mutual=True)
    assert not result["changed"]
    result, failed = _run(run_module, namespace)
    assert result["changed"] and "ca.crt" not in _secret(api, namespace, "gw-cert").data

    # Changed parameters reissue from the same CA.
    result, failed = _run(run_module, namespace, hosts=["bookinfo.example.com"])
    assert result["changed"] and any(r.startswith("subjectAltNames are") for r in result["reasons"]), result
    assert crt.subject_alt_names(_cert_of(_secret(api, namespace, "gw-cert"))) == ["bookinfo.example.com"]
    result, failed = _run(run_module, namespace, hosts=["bookinfo.example.com"], key_type="rsa", key_size=3072)
    assert result["changed"] and "key is rsa 2048, want rsa 3072" in result["reasons"], result
    result, failed = _run(run_module, namespace, hosts=["bookinfo.example.com"], key_type="rsa", key_size=3072, validity_days=90)
    assert result["changed"] and "validity is 365 day(s), want 90" in result["reasons"], result
    assert _cert_of(_secret(api, namespace, "gw-cert-ca")) == ca

    result, failed = _run(run_module, namespace, state="absent")
    assert not failed and result["changed"]
    result, failed = _run(run_module, namespace, state="absent")
    assert not failed and not result["changed"]


@needs_cluster
def test_a_certificate_close_to_expiry_is_reissued(run_module, cluster):
    api, namespace = cluster
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

    result, failed = _run(run_module, namespace, renew_before_days=3, **args)
    assert not failed and not result["changed"], result  # five days left, outside a three-day threshold
    result, failed = _run(run_module, namespace, **args)
    assert not failed and result["changed"], result
    assert any(r.startswith("expires on") for r in result["reasons"]), result
    new = _cert_of(_secret(api, namespace, "gw-cert"))
    assert new.serial_number != old.serial_number and crt.signed_by(new, ca)
    assert crt.not_valid_after(new) > crt.utcnow() + datetime.timedelta(days=300)
    assert result["ca_secret"] is None
    result, failed = _run(run_module, namespace, **args)
    assert not result["changed"]


@needs_cluster
def test_a_secret_of_another_type_is_refused_and_left_alone(run_module, cluster):
    api, namespace = cluster
    api.create_namespaced_secret(namespace, {"metadata": {"name": "gw-cert"}, "type": "Opaque", "data": {"a": "Yg=="}})
    result, failed = _run(run_module, namespace)
    assert failed and "exists with type Opaque" in result["msg"], result
    assert _secret(api, namespace, "gw-cert").data == {"a": "Yg=="}


@needs_cluster
def test_a_missing_namespace_fails_and_writes_nothing(run_module):
    result, failed = _run(run_module, "no-such-namespace-%s" % uuid.uuid4().hex[:6])
    assert failed and "nothing was applied" in result["msg"], result


def test_no_option_shadows_a_cluster_auth_option():
    from ansible_collections.oke.istio.plugins.module_utils._argspec import K8S_AUTH_ARG_SPEC
    from ansible_collections.oke.istio.plugins.module_utils._tls.module_backends.gateway_cert import ARGUMENT_SPEC

    assert not set(ARGUMENT_SPEC) & set(K8S_AUTH_ARG_SPEC)
