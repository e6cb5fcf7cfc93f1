# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tests dns_label, dns_subdomain and dns_host (documented in their .yml files beside this one)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_host, is_dns_label, is_dns_subdomain


class TestModule(object):
    def tests(self):
        return {"dns_label": is_dns_label, "dns_subdomain": is_dns_subdomain, "dns_host": is_dns_host}
