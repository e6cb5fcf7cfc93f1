# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Keys and X.509 certificates for gateway TLS, built with ``cryptography``: issuing, loading, checking, summarizing.

Nothing here touches the cluster; the module backend decides what to issue and where it goes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import re

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc

KEY_SIZES = {"rsa": (2048, 3072, 4096), "ecdsa": (256, 384)}
DEFAULT_KEY_SIZE = {"rsa": 2048, "ecdsa": 256}
# Certificates start a little in the past so clocks slightly behind ours accept them at once.
BACKDATE = datetime.timedelta(minutes=5)
# RFC 1123 labels; a leading '*' label is a wildcard.
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def normalize_host(host):
    """A host name (lower-cased) or IP address for a subjectAltName; ValueError says why it cannot be one."""
    if not isinstance(host, str) or not host.strip():
        raise ValueError("an empty host name")
    host = host.strip()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host.lower().rstrip(".")
    if len(name) > 253:
        raise ValueError("%r is longer than 253 characters" % host)
    labels = name.split(".")
    for index, label in enumerate(labels):
        if label == "*" and index == 0 and len(labels) > 2:
            continue
        if not _LABEL.match(label):
            raise ValueError("%r is not a valid DNS name (label %r)" % (host, label))
    if labels[-1].isdigit():
        raise ValueError("%r is neither an IP address nor a DNS name" % host)
    return name


def validate_hosts(hosts, option="hosts"):
    if not hosts:
        raise ValidationError("%s must name at least one host for the certificate's subjectAltNames" % option)
    result = []
    for host in hosts:
        try:
            name = normalize_host(host)
        except ValueError as exc:
            raise ValidationError("%s: %s" % (option, exc))
        if name not in result:
            result.append(name)
    return result


def validate_key_params(key_type, key_size, prefix=""):
    size = key_size or DEFAULT_KEY_SIZE[key_type]
    if size not in KEY_SIZES[key_type]:
        raise ValidationError(
            "%skey_size %s is not supported for %skey_type=%s (choose one of %s)"
            % (prefix, size, prefix, key_type, ", ".join(str(s) for s in KEY_SIZES[key_type]))
        )
    return size


def generate_key(key_type, key_size):
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    curve = {256: ec.SECP256R1, 384: ec.SECP384R1}[key_size]
    return ec.generate_private_key(curve())


def key_description(key):
    """(type, size) of a private or public key; unknown types give (None, None)."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "rsa", key.key_size
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "ecdsa", key.curve.key_size
    return None, None


def _public_der(key):
    if hasattr(key, "public_key"):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches_certificate(key, cert):
    return _public_der(key) == _public_der(cert.public_key())


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def load_certificate(data, what="certificate"):
    """The first certificate of a PEM text or bytes; ValidationError names ``what``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        return x509.load_pem_x509_certificate(data or b"")
    except ValueError as exc:
        raise ValidationError("%s is not a PEM certificate: %s" % (what, exc))


def load_private_key(data, what="private key"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        key = serialization.load_pem_private_key(data or b"", password=None)
    except (ValueError, TypeError) as exc:
        # The message of a failed load never contains key material.
        raise ValidationError("%s is not an unencrypted PEM private key: %s" % (what, exc))
    if key_description(key)[0] is None:
        raise ValidationError("%s is neither an RSA nor an ECDSA key" % what)
    return key


def not_valid_after(cert):
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def not_valid_before(cert):
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def subject_alt_names(cert):
    """The DNS names and IP addresses of a certificate, as strings; empty when it has none."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names = [str(n).lower() for n in ext.get_values_for_type(x509.DNSName)]
    names += [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]
    return names


def common_name(cert):
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attrs[0].value if attrs else None


def is_ca(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def signed_by(cert, issuer):
    """True when ``issuer`` names and signed ``cert``."""
    if cert.issuer != issuer.subject:
        return False
    public = issuer.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def fingerprint(cert):
    digest = cert.fingerprint(hashes.SHA256())
    return ":".join("%02X" % b for b in bytearray(digest))


def summary(cert):
    """What diff and results show of a certificate: never key material."""
    key_type, key_size = key_description(cert.public_key())
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "subject_alt_names": subject_alt_names(cert),
        "not_before": not_valid_before(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": not_valid_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "serial_number": "%X" % cert.serial_number,
        "sha256_fingerprint": fingerprint(cert),
        "key_type": key_type,
        "key_size": key_size,
        "is_ca": is_ca(cert),
    }


def _name(cn, organization=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if organization:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attrs)


def _san(hosts):
    entries = []
    for host in hosts:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            entries.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(entries)


def issue_ca(key, cn, validity_days, organization=None, now=None):
    now = now or utcnow()
    name = _name(cn, organization)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=validity_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(ski, critical=False)
    )
    return builder.sign(key, hashes.SHA256())


def issue_server(key, hosts, cn, validity_days, ca_cert, ca_key, organization=None, now=None):
    """A server (and client, for mutual TLS tests) certificate for ``hosts`` signed by the CA."""
    now = now or utcnow()
    not_after = min(now + datetime.timedelta(days=validity_days), not_valid_after(ca_cert))
    rsa_key = isinstance(key, rsa.RSAPrivateKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, organization))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=rsa_key, data_encipherment=False,
                          key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256())
