#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istio_precheck
short_description: Run istioctl x precheck and return its findings
version_added: 0.1.0
description:
  - Runs C(istioctl x precheck -o json) against the cluster and returns each finding (code, level, message, origin,
    documentation URL).
  - Findings of level C(Error) fail the task, naming each one; C(Warning) findings are shown as task warnings;
    C(Info) findings are only returned.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.attributes
  - oke.istio.attributes.READ_ONLY
  - oke.istio.attributes.ACTION_GROUP
options:
  istioctl_path:
    description: The istioctl binary, a name on PATH or a full path.
    type: str
    default: istioctl
  revision:
    description: Check for installing this Istio revision (C(--revision)); the default revision when empty.
    type: str
  ignore_codes:
    description: Finding codes (such as C(IST0139)) to leave out of the verdict; they are returned in RV(ignored).
    type: list
    elements: str
    default: []
  fail_on_warnings:
    description: Fail on C(Warning) findings too.
    type: bool
    default: false
notes:
  - istioctl takes a kubeconfig file and context only; O(host), O(api_key) and a kubeconfig given as a dictionary are
    refused.
"""

EXAMPLES = r"""
- name: Precheck before installing Istio
  oke.istio.istio_precheck:
    kubeconfig: ~/.kube/oke-istio
  register: precheck

- name: Precheck a canary revision with a pinned istioctl
  oke.istio.istio_precheck:
    istioctl_path: /opt/istio-1.31.0/bin/istioctl
    revision: 1-31-0
    ignore_codes: [IST0139]
"""

RETURN = r"""
findings:
  description: Every finding istioctl reported.
  returned: always, also when the module fails because of error findings
  type: list
  elements: dict
  sample: [{"code": "IST0141", "level": "Error", "message": "...", "origin": null, "documentation_url": "..."}]
by_level:
  description: The findings that count, split into C(error), C(warning) and C(info).
  returned: always
  type: dict
ignored:
  description: Findings left out because of O(ignore_codes).
  returned: always
  type: list
  elements: dict
summary:
  description: Counts of errors, warnings, info and ignored findings.
  returned: always
  type: dict
  sample: {"errors": 0, "warnings": 1, "info": 0, "ignored": 0}
istioctl_version:
  description: Version of the istioctl that ran the precheck.
  returned: always
  type: str
  sample: 1.31.0
"""

from ansible_collections.oke.istio.plugins.module_utils._istio.module_backends import precheck
from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule


def main():
    argument_spec = dict(
        istioctl_path=dict(type="str", default="istioctl"),
        revision=dict(type="str"),
        ignore_codes=dict(type="list", elements="str", default=[]),
        fail_on_warnings=dict(type="bool", default=False),
    )
    OkeIstioModule(argument_spec=argument_spec).run(precheck.run)


if __name__ == "__main__":
    main()
