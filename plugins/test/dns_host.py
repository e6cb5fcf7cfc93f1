# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dns_host
short_description: A host an Istio Gateway or VirtualService can match
version_added: 0.3.0
description:
  - C(*), or a DNS-1123 subdomain, optionally after C(*.) (a wildcard for every subdomain).
  - The modules of the collection check names with the same function, so a role and a module agree on what is valid.
options:
  _input:
    description: The value to test; anything but a string is not a name.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Refuse a gateway host Istio would refuse
  ansible.builtin.assert:
    that: gateway_hosts | reject('oke.istio.dns_host') | list | length == 0
"""

RETURN = r"""
_value:
  description: Whether the value is one.
  type: bool
"""

from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_host


class TestModule(object):
    def tests(self):
        return {"dns_host": is_dns_host}
