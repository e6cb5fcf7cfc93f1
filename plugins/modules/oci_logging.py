#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: oci_logging
short_description: Send the cluster's container logs, Envoy access logs included, to OCI Logging
version_added: 0.1.0
description:
  - Makes sure a log group, a custom log in it, and a Unified Agent configuration exist in OCI Logging. The agent
    configuration tails the Kubernetes container log files (CRI format) on the worker nodes of O(agent_group_ids)
    into the custom log, so the Envoy access logs Istio writes to stdout can be searched in OCI Logging.
  - Each is found by display name; missing ones are created (following the Logging API's work requests), and an
    agent configuration whose paths, parser, destination or groups differ is updated.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.oci_auth
  - oke.istio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The agent configuration's paths, parser, destination log and groups, before and after.
  idempotent:
    support: full
options:
  compartment_id:
    description: OCID of the compartment of the log group and agent configuration.
    type: str
    required: true
  log_group_name:
    description: Display name of the log group.
    type: str
    default: istio
  log_name:
    description: Display name of the custom log.
    type: str
    default: istio-access-logs
  retention_days:
    description: Days the custom log keeps entries (a multiple of 30, up to 180).
    type: int
    default: 30
  agent_config_name:
    description: Display name of the agent configuration.
    type: str
    default: istio-container-logs
  agent_group_ids:
    description: OCIDs of the dynamic groups holding the worker node instances whose agents use the configuration.
    type: list
    elements: str
    required: true
  log_paths:
    description: Log files the agents tail.
    type: list
    elements: str
    default: [/var/log/containers/*.log]
  wait_timeout:
    description: Seconds to wait for each creation's work request.
    type: int
    default: 300
notes:
  - The worker nodes need the Unified Monitoring Agent (the OKE node image ships it) and a policy letting their dynamic
    group use log content, for example C(allow dynamic-group <group> to use log-content in compartment <compartment>).
"""

EXAMPLES = r"""
- name: Send the container logs to OCI Logging
  oke.istio.oci_logging:
    compartment_id: ocid1.compartment.oc1..example
    agent_group_ids: [ocid1.dynamicgroup.oc1..workers]
"""

RETURN = r"""
actions:
  description: What was done to each resource (create, update or none).
  returned: always
  type: dict
  sample: {"log_group": "none", "log": "create", "agent_configuration": "create"}
log_group_id:
  description: OCID of the log group (null when it would be created in check mode).
  returned: always
  type: str
log_id:
  description: OCID of the custom log, to search it in OCI Logging.
  returned: always
  type: str
agent_configuration_id:
  description: OCID of the agent configuration.
  returned: always
  type: str
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._oci import OCI_AUTH_ARG_SPEC
from ansible_collections.oke.istio.plugins.module_utils._observability import oci_logging


def main():
    argument_spec = dict(
        compartment_id=dict(type="str", required=True),
        log_group_name=dict(type="str", default="istio"),
        log_name=dict(type="str", default="istio-access-logs"),
        retention_days=dict(type="int", default=30),
        agent_config_name=dict(type="str", default="istio-container-logs"),
        agent_group_ids=dict(type="list", elements="str", required=True),
        log_paths=dict(type="list", elements="str", default=["/var/log/containers/*.log"]),
        wait_timeout=dict(type="int", default=300),
    )
    argument_spec.update(OCI_AUTH_ARG_SPEC)
    module = OkeIstioModule(argument_spec=argument_spec, needs_cluster=False)
    module.requires("oci")
    module.run(oci_logging.run)


if __name__ == "__main__":
    main()
