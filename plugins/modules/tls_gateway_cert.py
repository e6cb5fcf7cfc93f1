#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tls_gateway_cert
short_description: Issue the certificate of an Istio gateway and store it as a kubernetes.io/tls Secret
version_added: 0.1.0
description:
  - Creates a CA (or uses the one given) and a server certificate for the gateway's hosts, with every host in the
    subjectAltNames (browsers and Go clients ignore the common name), and stores key and certificate as a
    C(kubernetes.io/tls) Secret whose name is the gateway server's C(credentialName).
  - For MUTUAL TLS the CA certificate is added under C(ca.crt), the key Istio's gateway reads the client CA bundle from.
  - A created CA is kept in its own C(kubernetes.io/tls) Secret (O(ca_secret_name)) so later runs issue from the same CA.
  - Idempotent; a valid certificate that matches the options is left byte for byte as it is. It is issued again when the
    hosts, common name, key type or size, validity or CA change, when it expires within O(renew_before_days), or with
    O(force=true).
  - Every option is checked before anything is written; private keys are never returned nor shown in diffs.
author:
  - oke.istio maintainers (@oke-istio)
requirements:
  - cryptography >= 3.1
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.attributes
  - oke.istio.attributes.ACTION_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Reports what would be issued; fingerprints and serial numbers of certificates not yet issued are not known.
  diff_mode:
    support: full
    details:
      - A summary of each certificate (subject, issuer, SANs, validity, serial, SHA-256 fingerprint, key type and size),
        never key material.
  idempotent:
    support: full
options:
  name:
    description: Name of the Secret, the C(credentialName) of the gateway server.
    type: str
    required: true
  namespace:
    description: Namespace of the gateway deployment (the Secret must live next to it).
    type: str
    default: istio-system
  state:
    description:
      - V(present) issues and stores the certificate.
      - V(absent) deletes the Secret, and the CA Secret when this module created it.
    type: str
    choices: [present, absent]
    default: present
  hosts:
    description:
      - DNS names (a leading C(*.) label is a wildcard) or IP addresses the certificate is for; all go into the
        subjectAltNames. Required with O(state=present).
    type: list
    elements: str
  common_name:
    description: Subject common name. Defaults to the first of O(hosts).
    type: str
  organization:
    description: Subject organization of the certificate and of a created CA.
    type: str
  key_type:
    description: Key algorithm of the certificate and of a CA created from now on (an existing CA keeps its key).
    type: str
    choices: [rsa, ecdsa]
    default: rsa
  key_size:
    description: RSA modulus bits (2048, 3072, 4096) or ECDSA curve bits (256, 384). Defaults to 2048 or 256.
    type: int
  validity_days:
    description: Days the certificate is valid (capped by the CA's expiry).
    type: int
    default: 365
  renew_before_days:
    description: Issue a new certificate (and CA) when the current one expires within this many days.
    type: int
    default: 30
  mutual:
    description: Add the CA certificate under C(ca.crt) for a gateway server in C(MUTUAL) TLS mode.
    type: bool
    default: false
  ca_cert_content:
    description:
      - PEM certificate of an existing CA to issue from, with O(ca_key_content). Without both a CA is created and kept in
        O(ca_secret_name).
    type: str
  ca_key_content:
    description: Unencrypted PEM private key of O(ca_cert_content).
    type: str
  ca_secret_name:
    description: Secret that keeps a created CA. Defaults to O(name) followed by C(-ca).
    type: str
  ca_common_name:
    description: Common name of a created CA.
    type: str
    default: oke.istio gateway CA
  ca_validity_days:
    description: Days a created CA is valid.
    type: int
    default: 3650
  ca_cert_dest:
    description:
      - Also write the CA certificate (no key) to this file, mode 0600, for clients such as C(curl --cacert).
    type: path
  force:
    description: Issue a new certificate even when the current one is valid.
    type: bool
    default: false
seealso:
  - module: oke.istio.resource_set
  - name: Istio secure gateways
    description: How the gateway finds credentialName Secrets, and the ca.crt key for mutual TLS.
    link: https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
"""

EXAMPLES = r"""
- name: Certificate for the bookinfo gateway, from a CA kept in the cluster
  oke.istio.tls_gateway_cert:
    name: bookinfo-credential
    namespace: istio-system
    hosts: [bookinfo.example.com, www.bookinfo.example.com]
    ca_cert_dest: /tmp/bookinfo-ca.crt

- name: Mutual TLS with an ECDSA certificate from an existing CA
  oke.istio.tls_gateway_cert:
    name: bookinfo-mtls
    hosts: [bookinfo.example.com]
    key_type: ecdsa
    mutual: true
    ca_cert_content: "{{ lookup('ansible.builtin.file', 'ca.crt') }}"
    ca_key_content: "{{ vault_ca_key }}"
"""

RETURN = r"""
secret:
  description: The Secret the gateway reads (its name is the credentialName).
  returned: state=present
  type: dict
  sample: {"name": "bookinfo-credential", "namespace": "istio-system", "type": "kubernetes.io/tls"}
ca_secret:
  description: The Secret keeping a created CA; null when O(ca_cert_content) was given.
  returned: state=present
  type: dict
certificate:
  description: Summary of the server certificate in the Secret.
  returned: state=present
  type: dict
  contains:
    subject:
      description: Subject in RFC 4514 form.
      type: str
      returned: always
    subject_alt_names:
      description: DNS names and IP addresses.
      type: list
      elements: str
      returned: always
    not_after:
      description: Expiry, UTC.
      type: str
      returned: always
    sha256_fingerprint:
      description: SHA-256 fingerprint of the certificate.
      type: str
      returned: always
  sample:
    subject: CN=bookinfo.example.com
    issuer: CN=oke.istio gateway CA
    subject_alt_names: [bookinfo.example.com]
    not_before: "2026-01-05T10:00:00Z"
    not_after: "2027-01-05T10:05:00Z"
    serial_number: 3A1F
    sha256_fingerprint: "AB:CD:..."
    key_type: rsa
    key_size: 2048
    is_ca: false
ca:
  description: Summary of the CA certificate, same fields as RV(certificate).
  returned: state=present
  type: dict
ca_cert_pem:
  description: PEM of the CA certificate, for clients that must trust the gateway.
  returned: state=present
  type: str
reasons:
  description: Why something was issued or updated; empty when nothing changed.
  returned: state=present
  type: list
  elements: str
  sample: ["no Secret istio-system/bookinfo-credential"]
resources:
  description: The Secrets written or deleted, with the action taken.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._tls.module_backends import gateway_cert


def main():
    module = OkeIstioModule(
        argument_spec=gateway_cert.ARGUMENT_SPEC,
        required_if=[("state", "present", ("hosts",))],
    )
    module.requires("cryptography")
    module.run(gateway_cert.run)


if __name__ == "__main__":
    main()
