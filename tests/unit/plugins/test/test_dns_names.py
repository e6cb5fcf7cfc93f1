# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

import pytest

from ansible_collections.oke.istio.plugins.test.dns_names import TestModule as DnsNameTests

TESTS = DnsNameTests().tests()
dns_label, dns_subdomain, dns_host = TESTS["dns_label"], TESTS["dns_subdomain"], TESTS["dns_host"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.mark.parametrize("value, label, subdomain, host", [
    ("bookinfo", True, True, True),
    ("istio-1-31", True, True, True),
    ("a" * 63, True, True, True),
    ("a" * 64, False, True, True),  # a label is at most 63 characters; Kubernetes does not bound a subdomain's parts
    ("bookinfo.example.com", False, True, True),
    ("*.example.com", False, False, True),
    ("*", False, False, True),
    ("Bookinfo", False, False, False),
    ("-bookinfo", False, False, False),
    ("bookinfo-", False, False, False),
    ("a..b", False, False, False),
    ("a_b", False, False, False),
    ("", False, False, False),
    (".".join(["a" * 63] * 4), False, False, False),  # 255 characters: over 253
    ("*.*.example.com", False, False, False),
    (None, False, False, False),
    (7, False, False, False),
])
def test_names(value, label, subdomain, host):
    assert (dns_label(value), dns_subdomain(value), dns_host(value)) == (label, subdomain, host)


def test_the_roles_check_names_with_these_tests_only():
    """One definition of a valid name: no role carries a DNS regular expression of its own."""
    found = []
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "*.yml")):
        with open(path) as handle:
            found.extend("%s:%d" % (os.path.relpath(path, ROOT), number)
                         for number, line in enumerate(handle, 1) if "[a-z0-9]" in line)
    assert not found, found
