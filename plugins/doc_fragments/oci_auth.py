# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  oci_auth_type:
    description:
      - How to authenticate to OCI. V(api_key) reads O(oci_config_file); V(instance_principal) and
        V(resource_principal) use the identity of the instance or function running the task (AWX/Automation
        Controller on OCI, Cloud Shell).
      - Can also be set with E(OCI_CLI_AUTH).
    type: str
    choices: [api_key, instance_principal, resource_principal]
    default: api_key
  oci_config_file:
    description: OCI SDK/CLI configuration file. Can also be set with E(OCI_CONFIG_FILE).
    type: path
    default: ~/.oci/config
  oci_profile:
    description: Profile in O(oci_config_file). Can also be set with E(OCI_CLI_PROFILE).
    type: str
    default: DEFAULT
  oci_region:
    description: Region identifier, for example V(us-ashburn-1); overrides the profile's region.
    type: str
  oci_service_endpoint:
    description:
      - Endpoint to send the service's API calls to instead of the region's public one (a private endpoint, or a
        local server in tests).
    type: str
requirements:
  - oci >= 2.140.0 (Python library)
"""
