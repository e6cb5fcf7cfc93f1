# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dns_label
short_description: A DNS-1123 label, as Kubernetes names namespaces, Services and revisions
version_added: 0.3.0
description:
  - Lower-case letters, digits and C(-), starting and ending with a letter or digit, at most 63 characters.
  - The modules of the collection check names with the same function, so a role and a module agree on what is valid.
options:
  _input:
    description: The value to test; anything but a string is not a name.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Refuse a namespace Kubernetes would refuse
  ansible.builtin.assert:
    that: bookinfo_namespace is oke.istio.dns_label
"""

RETURN = r"""
_value:
  description: Whether the value is one.
  type: bool
"""

from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_label


class TestModule(object):
    def tests(self):
        return {"dns_label": is_dns_label}
