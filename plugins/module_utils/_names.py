# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place names are checked: Kubernetes' DNS-1123 labels and subdomains, and the hosts Istio routes.

The modules use these functions, and the roles the same ones through the tests ``oke.istio.dns_label``,
``oke.istio.dns_subdomain`` and ``oke.istio.dns_host``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# RFC 1123 label, as Kubernetes checks namespace, Service and revision names: at most 63 characters.
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_dns_label(value):
    return isinstance(value, str) and bool(DNS_LABEL.match(value))


def is_dns_subdomain(value):
    """RFC 1123 subdomain, as Kubernetes checks the names of most objects and service accounts: parts of lower-case
    letters, digits and '-' joined by dots, at most 253 characters."""
    return isinstance(value, str) and len(value) <= 253 and bool(DNS_SUBDOMAIN.match(value))


def is_dns_host(value):
    """A host a Gateway or VirtualService matches: ``*``, or a DNS subdomain, optionally after ``*.``."""
    if not isinstance(value, str):
        return False
    return value == "*" or is_dns_subdomain(value[2:] if value.startswith("*.") else value)
