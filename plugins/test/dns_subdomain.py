# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dns_subdomain
short_description: A DNS-1123 subdomain, as Kubernetes names most objects and service accounts
version_added: 0.3.0
description:
  - DNS-1123 labels joined by dots, at most 253 characters.
  - The modules of the collection check names with the same function, so a role and a module agree on what is valid.
options:
  _input:
    description: The value to test; anything but a string is not a name.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Find the service account names Kubernetes would refuse
  ansible.builtin.set_fact:
    bad_accounts: "{{ accounts | reject('oke.istio.dns_subdomain') | list }}"
"""

RETURN = r"""
_value:
  description: Whether the value is one.
  type: bool
"""

from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_subdomain


class TestModule(object):
    def tests(self):
        return {"dns_subdomain": is_dns_subdomain}
