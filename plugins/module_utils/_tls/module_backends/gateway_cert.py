# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backend of tls_gateway_cert: decides whether the gateway's certificate (and its CA) must be issued, and stores them.

The module only builds the argument spec; everything it does is here. ``needs_regeneration`` returns the reasons a
certificate must be reissued (none: the Secret is left byte for byte as it is). Results and diffs carry summaries
(subject, SANs, validity, fingerprint), never key material.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import os
import tempfile

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Applier, ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_subdomain
from ansible_collections.oke.istio.plugins.module_utils._tls import certificate as crt

TLS_TYPE = "kubernetes.io/tls"
# Istio's gateway reads the client CA bundle for MUTUAL TLS from this key of the credentialName Secret.
CA_BUNDLE_KEY = "ca.crt"
MANAGED_BY = {"app.kubernetes.io/managed-by": "oke.istio", "app.kubernetes.io/component": "gateway-tls"}

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", default="istio-system"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    hosts=dict(type="list", elements="str"),
    common_name=dict(type="str"),
    organization=dict(type="str"),
    key_type=dict(type="str", default="rsa", choices=["rsa", "ecdsa"]),
    key_size=dict(type="int"),
    validity_days=dict(type="int", default=365),
    renew_before_days=dict(type="int", default=30),
    mutual=dict(type="bool", default=False),
    ca_cert_content=dict(type="str"),
    ca_key_content=dict(type="str", no_log=True),
    ca_secret_name=dict(type="str"),
    ca_common_name=dict(type="str", default="oke.istio gateway CA"),
    ca_validity_days=dict(type="int", default=3650),
    ca_cert_dest=dict(type="path"),
    force=dict(type="bool", default=False),
)


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _unb64(text):
    try:
        return base64.b64decode(text or "")
    except (TypeError, ValueError):
        return b""


def secret_manifest(name, namespace, data):
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": TLS_TYPE,
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)},
        "data": dict((key, _b64(value)) for key, value in data.items()),
    }


class Issued(object):
    """A key and certificate, loaded from a Secret or just issued; ``problem`` says why the Secret's pair is unusable."""

    def __init__(self, key=None, cert=None, problem=None, new=False):
        self.key = key
        self.cert = cert
        self.problem = problem
        self.new = new

    @classmethod
    def from_secret(cls, secret, what):
        data = (secret or {}).get("data") or {}
        if not data.get("tls.crt") or not data.get("tls.key"):
            return cls(problem="%s lacks tls.crt or tls.key" % what)
        try:
            cert = crt.load_certificate(_unb64(data["tls.crt"]), "%s tls.crt" % what)
            key = crt.load_private_key(_unb64(data["tls.key"]), "%s tls.key" % what)
        except ValidationError as exc:
            return cls(problem=exc.msg)
        if not crt.key_matches_certificate(key, cert):
            return cls(problem="%s tls.key does not belong to its tls.crt" % what)
        return cls(key, cert)


class GatewayCertBackend(object):
    def __init__(self, module, now=None):
        self.module = module
        self.params = module.params
        self.now = now or crt.utcnow()
        self.check_mode = module.check_mode
        self._applier = None

    @property
    def applier(self):
        if self._applier is None:
            self._applier = Applier(self.module.client, default_namespace=self.params["namespace"])
        return self._applier

    # -- input -------------------------------------------------------------------------------

    def validate(self):
        p = self.params
        for option in ("name", "namespace") + (("ca_secret_name",) if p["ca_secret_name"] else ()):
            if not is_dns_subdomain(p[option]):
                raise ValidationError("%s %r is not a valid Kubernetes object name" % (option, p[option]))
        self.ca_secret_name = p["ca_secret_name"] or "%s-ca" % p["name"]
        if p["state"] == "absent":
            return
        self.hosts = crt.validate_hosts(p["hosts"])
        self.common_name = p["common_name"] or self.hosts[0]
        if len(self.common_name) > 64:
            raise ValidationError("common_name %r is longer than the 64 characters X.509 allows" % self.common_name)
        for option in ("validity_days", "ca_validity_days"):
            if p[option] <= 0:
                raise ValidationError("%s must be a positive number of days, got %d" % (option, p[option]))
        if p["renew_before_days"] < 0 or p["renew_before_days"] >= p["validity_days"]:
            raise ValidationError(
                "renew_before_days must be at least 0 and less than validity_days (%d), got %d"
                % (p["validity_days"], p["renew_before_days"])
            )
        dest = p["ca_cert_dest"]
        if dest and not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
            raise ValidationError("ca_cert_dest: directory %s does not exist" % os.path.dirname(os.path.abspath(dest)))
        self.key_size = crt.validate_key_params(p["key_type"], p["key_size"])
        if bool(p["ca_cert_content"]) != bool(p["ca_key_content"]):
            raise ValidationError(
                "ca_cert_content and ca_key_content go together: give both to use an existing CA, or neither to have one created"
            )
        self.given_ca = None
        if p["ca_cert_content"]:
            ca_cert = crt.load_certificate(p["ca_cert_content"], "ca_cert_content")
            ca_key = crt.load_private_key(p["ca_key_content"], "ca_key_content")
            if not crt.key_matches_certificate(ca_key, ca_cert):
                raise ValidationError("ca_key_content does not match ca_cert_content: the private key is not the one of the CA certificate")
            if not crt.is_ca(ca_cert):
                raise ValidationError("ca_cert_content %s is not a CA certificate (basicConstraints CA:FALSE)" % ca_cert.subject.rfc4514_string())
            if crt.not_valid_after(ca_cert) <= self.now + datetime.timedelta(days=p["renew_before_days"]):
                raise ValidationError("ca_cert_content expires on %s, within renew_before_days; renew the CA first"
                                      % crt.summary(ca_cert)["not_after"])
            self.given_ca = Issued(ca_key, ca_cert)

    # -- decisions ---------------------------------------------------------------------------

    def _read_secret(self, name):
        live = self.applier.get(ObjectRef("v1", "Secret", name, self.params["namespace"]))
        if live is not None and live.get("type") != TLS_TYPE:
            raise ValidationError(
                "Secret %s/%s exists with type %s; the gateway needs %s and a Secret's type cannot change: delete it or choose "
                "another name" % (self.params["namespace"], name, live.get("type"), TLS_TYPE)
            )
        return live

    def _expiring(self, cert):
        return crt.not_valid_after(cert) - self.now <= datetime.timedelta(days=self.params["renew_before_days"])

    def ca_reasons(self, existing):
        p = self.params
        if existing.problem:
            return [existing.problem]
        reasons = []
        if not crt.is_ca(existing.cert):
            reasons.append("the stored CA certificate is not a CA")
        # The CA keeps the key it was created with: a new leaf key type must not invalidate what clients trust.
        if crt.common_name(existing.cert) != p["ca_common_name"]:
            reasons.append("CA common name is %r, want %r" % (crt.common_name(existing.cert), p["ca_common_name"]))
        if self._expiring(existing.cert):
            reasons.append("CA expires on %s, within %d day(s)" % (crt.summary(existing.cert)["not_after"], p["renew_before_days"]))
        return reasons

    def needs_regeneration(self, existing, ca):
        """Why the server certificate must be issued again; empty when the stored one is valid and matches."""
        p = self.params
        if self.params["force"]:
            return ["force=true"]
        if existing.problem:
            return [existing.problem]
        cert, reasons = existing.cert, []
        sans = crt.subject_alt_names(cert)
        if sorted(sans) != sorted(self.hosts):
            reasons.append("subjectAltNames are %s, want %s" % (", ".join(sans) or "none", ", ".join(self.hosts)))
        if crt.common_name(cert) != self.common_name:
            reasons.append("common name is %r, want %r" % (crt.common_name(cert), self.common_name))
        if crt.key_description(existing.key) != (p["key_type"], self.key_size):
            reasons.append("key is %s %s, want %s %s" % (crt.key_description(existing.key) + (p["key_type"], self.key_size)))
        if ca.new or not crt.signed_by(cert, ca.cert):
            reasons.append("not issued by the current CA")
        if self._expiring(cert):
            reasons.append("expires on %s, within %d day(s)" % (crt.summary(cert)["not_after"], p["renew_before_days"]))
        lifetime = crt.not_valid_after(cert) - crt.not_valid_before(cert) - crt.BACKDATE
        capped = crt.not_valid_after(cert) == crt.not_valid_after(ca.cert)
        if not capped and abs(lifetime - datetime.timedelta(days=p["validity_days"])) > datetime.timedelta(hours=1):
            reasons.append("validity is %d day(s), want %d" % (round(lifetime.total_seconds() / 86400), p["validity_days"]))
        return reasons

    def _issue_ca(self):
        p = self.params
        key = crt.generate_key(p["key_type"], self.key_size)
        cert = crt.issue_ca(key, p["ca_common_name"], p["ca_validity_days"], p["organization"], self.now)
        return Issued(key, cert, new=True)

    def _issue_server(self, ca):
        p = self.params
        key = crt.generate_key(p["key_type"], self.key_size)
        cert = crt.issue_server(key, self.hosts, self.common_name, p["validity_days"], ca.cert, ca.key, p["organization"], self.now)
        return Issued(key, cert, new=True)

    # -- running -----------------------------------------------------------------------------

    def absent(self):
        p = self.params
        refs = [ObjectRef("v1", "Secret", p["name"], p["namespace"])]
        if not p["ca_cert_content"]:
            ca_live = self.applier.get(ObjectRef("v1", "Secret", self.ca_secret_name, p["namespace"]))
            # Only a CA this module created (by its label) is removed with the certificate.
            if ca_live and (ca_live["metadata"].get("labels") or {}).get("app.kubernetes.io/component") == MANAGED_BY["app.kubernetes.io/component"]:
                refs.append(ObjectRef("v1", "Secret", self.ca_secret_name, p["namespace"]))
        changes = self.applier.delete(refs, check_mode=self.check_mode, wait=False)
        return {
            "changed": any(c.changed for c in changes),
            "resources": [c.as_result() for c in changes],
            "diff": {"before": {"secrets": [str(c.ref) for c in changes if c.changed]}, "after": {"secrets": []}},
        }

    def present(self):
        p = self.params
        ns = p["namespace"]
        reasons = []
        manifests = []
        if self.given_ca is not None:
            ca = self.given_ca
            ca_before = None
        else:
            live_ca = self._read_secret(self.ca_secret_name)
            existing_ca = Issued.from_secret(live_ca, "CA Secret %s/%s" % (ns, self.ca_secret_name)) if live_ca else None
            ca_before = existing_ca.cert if existing_ca and existing_ca.cert else None
            ca_reasons = self.ca_reasons(existing_ca) if existing_ca else ["no CA Secret %s/%s" % (ns, self.ca_secret_name)]
            if ca_reasons:
                reasons.extend("CA: %s" % r for r in ca_reasons)
                ca = self._issue_ca()
                manifests.append(secret_manifest(self.ca_secret_name, ns, {"tls.crt": crt.cert_pem(ca.cert), "tls.key": crt.key_pem(ca.key)}))
            else:
                ca = existing_ca
        live = self._read_secret(p["name"])
        existing = Issued.from_secret(live, "Secret %s/%s" % (ns, p["name"])) if live else Issued(problem="no Secret %s/%s" % (ns, p["name"]))
        server_reasons = self.needs_regeneration(existing, ca)
        reasons.extend(server_reasons)
        server = self._issue_server(ca) if server_reasons else existing
        ca_pem = crt.cert_pem(ca.cert)
        live_bundle = _unb64(((live or {}).get("data") or {}).get(CA_BUNDLE_KEY)) if live else b""
        want_bundle = ca_pem if p["mutual"] else b""
        if not server_reasons and live_bundle != want_bundle:
            reasons.append("%s bundle %s" % (CA_BUNDLE_KEY, "removed" if not want_bundle else "updated" if live_bundle else "added"))
        if server_reasons or live_bundle != want_bundle:
            data = {"tls.crt": crt.cert_pem(server.cert), "tls.key": crt.key_pem(server.key)}
            if p["mutual"]:
                data[CA_BUNDLE_KEY] = ca_pem
            # Server-side apply drops the keys we owned and no longer send, so turning mutual off removes ca.crt.
            manifests.append(secret_manifest(p["name"], ns, data))

        changes = self.applier.apply(manifests, check_mode=self.check_mode) if manifests else []
        file_changed = self._write_ca_file(ca_pem)

        after = self._view(server, ca, p["mutual"])
        before = self._view(existing if existing.cert else None, Issued(cert=ca_before) if ca_before else (ca if self.given_ca else None),
                            bool(live_bundle))
        if self.check_mode:
            for part in ("certificate", "ca"):
                if after.get(part) and after[part].get("new"):
                    after[part]["sha256_fingerprint"] = after[part]["serial_number"] = "(issued on apply)"
        changed = any(c.changed for c in changes) or file_changed
        result = {
            "changed": changed,
            "secret": {"name": p["name"], "namespace": ns, "type": TLS_TYPE},
            "ca_secret": None if self.given_ca is not None else {"name": self.ca_secret_name, "namespace": ns},
            "certificate": after["certificate"],
            "ca": after["ca"],
            "ca_cert_pem": ca_pem.decode("ascii"),
            "reasons": reasons if changed else [],
            "resources": [c.as_result() for c in changes],
            "diff": {"before": before, "after": after, "before_header": "Secret %s/%s" % (ns, p["name"]),
                     "after_header": "Secret %s/%s" % (ns, p["name"])},
        }
        return result

    @staticmethod
    def _view(server, ca, bundle):
        view = {"certificate": None, "ca": None, "ca_bundle": bundle}
        for part, item in (("certificate", server), ("ca", ca)):
            if item is not None and item.cert is not None:
                view[part] = crt.summary(item.cert)
                if item.new:
                    view[part]["new"] = True
        return view

    def _write_ca_file(self, ca_pem):
        dest = self.params["ca_cert_dest"]
        if not dest:
            return False
        try:
            with open(dest, "rb") as handle:
                current = handle.read()
            mode = os.stat(dest).st_mode & 0o777
        except (IOError, OSError):
            current, mode = None, None
        if current == ca_pem and mode == 0o600:
            return False
        if self.check_mode:
            return True
        directory = os.path.dirname(os.path.abspath(dest))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tls_gateway_cert.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(ca_pem)
            os.rename(tmp, dest)
        except (IOError, OSError) as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise ValidationError("ca_cert_dest: cannot write %s: %s" % (dest, exc))
        return True


def run(module):
    backend = GatewayCertBackend(module)
    backend.validate()
    if module.params["state"] == "absent":
        return backend.absent()
    return backend.present()
