# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from cryptography import x509

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._tls import certificate as crt


@pytest.mark.parametrize("host, expected", [
    ("Example.COM", "example.com"),
    ("*.example.com", "*.example.com"),
    ("bookinfo.example.com.", "bookinfo.example.com"),
    ("10.0.0.1", "10.0.0.1"),
    ("::1", "::1"),
])
def test_valid_hosts_are_normalized(host, expected):
    assert crt.validate_hosts([host]) == [expected]


@pytest.mark.parametrize("hosts, message", [
    ([], "hosts must name at least one host"),
    ([""], "an empty host name"),
    (["exa_mple.com"], "not a valid DNS name"),
    (["-bad.example.com"], "not a valid DNS name"),
    (["a..b"], "not a valid DNS name"),
    (["foo.*.com"], "not a valid DNS name"),
    (["*.com"], "not a valid DNS name"),
    (["999.1.1.1"], "neither an IP address nor a DNS name"),
    (["x" * 64 + ".com"], "not a valid DNS name"),
])
def test_invalid_hosts_are_named(hosts, message):
    with pytest.raises(ValidationError) as err:
        crt.validate_hosts(hosts)
    assert message in err.value.msg


def test_duplicates_are_dropped_in_order():
    assert crt.validate_hosts(["b.example.com", "A.example.com", "b.example.com"]) == ["b.example.com", "a.example.com"]


@pytest.mark.parametrize("key_type, size", [("rsa", 1024), ("ecdsa", 521), ("ecdsa", 2048)])
def test_unsupported_key_sizes_are_refused(key_type, size):
    with pytest.raises(ValidationError) as err:
        crt.validate_key_params(key_type, size)
    assert "key_size %d is not supported for key_type=%s" % (size, key_type) in err.value.msg


@pytest.mark.parametrize("key_type, size", [("rsa", 2048), ("ecdsa", 256), ("ecdsa", 384)])
def test_issued_chain_verifies_and_carries_the_hosts(key_type, size):
    now = crt.utcnow()
    ca_key = crt.generate_key(key_type, size)
    ca = crt.issue_ca(ca_key, "test CA", 3650, "oke.istio", now)
    key = crt.generate_key(key_type, size)
    hosts = ["bookinfo.example.com", "*.apps.example.com", "192.0.2.10"]
    cert = crt.issue_server(key, hosts, hosts[0], 30, ca, ca_key, None, now)

    assert crt.signed_by(cert, ca) and crt.signed_by(ca, ca)
    assert crt.is_ca(ca) and not crt.is_ca(cert)
    assert crt.key_matches_certificate(key, cert) and not crt.key_matches_certificate(ca_key, cert)
    assert crt.subject_alt_names(cert) == hosts
    assert crt.key_description(cert.public_key()) == (key_type, size)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert crt.not_valid_after(cert) - now == datetime.timedelta(days=30)
    # cryptography's own chain verifier agrees (a server name from the SANs).
    if hasattr(x509, "verification"):
        from cryptography.x509.verification import PolicyBuilder, Store

        verifier = PolicyBuilder().store(Store([ca])).time(now).build_server_verifier(x509.DNSName("bookinfo.example.com"))
        chain = verifier.verify(cert, [])
        assert chain[-1] == ca


def test_a_foreign_ca_does_not_verify():
    ca_key, other_key = crt.generate_key("ecdsa", 256), crt.generate_key("ecdsa", 256)
    ca = crt.issue_ca(ca_key, "CA", 10)
    other = crt.issue_ca(other_key, "CA", 10)  # same name, other key
    cert = crt.issue_server(crt.generate_key("ecdsa", 256), ["a.example.com"], "a.example.com", 5, ca, ca_key)
    assert crt.signed_by(cert, ca)
    assert not crt.signed_by(cert, other)


def test_validity_is_capped_by_the_ca():
    ca_key = crt.generate_key("ecdsa", 256)
    ca = crt.issue_ca(ca_key, "CA", 10)
    cert = crt.issue_server(crt.generate_key("ecdsa", 256), ["a.example.com"], "a.example.com", 365, ca, ca_key)
    assert crt.not_valid_after(cert) == crt.not_valid_after(ca)


def test_summary_names_the_certificate_and_holds_no_key_material():
    ca_key = crt.generate_key("rsa", 2048)
    ca = crt.issue_ca(ca_key, "CA", 10)
    key = crt.generate_key("rsa", 2048)
    cert = crt.issue_server(key, ["a.example.com"], "a.example.com", 5, ca, ca_key)
    summary = crt.summary(cert)
    assert summary["subject"] == "CN=a.example.com"
    assert summary["issuer"] == "CN=CA"
    assert summary["subject_alt_names"] == ["a.example.com"]
    assert summary["key_type"] == "rsa" and summary["key_size"] == 2048
    assert len(summary["sha256_fingerprint"].split(":")) == 32
    text = repr(summary)
    assert "PRIVATE" not in text and crt.key_pem(key).decode()[40:80] not in text


def test_bad_pem_is_named():
    with pytest.raises(ValidationError) as err:
        crt.load_certificate("not a certificate", "ca_cert")
    assert err.value.msg.startswith("ca_cert is not a PEM certificate")
    with pytest.raises(ValidationError) as err:
        crt.load_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "ca_key")
    assert err.value.msg.startswith("ca_key is not an unencrypted PEM private key")
