# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file, or the kubeconfig content as a dictionary.
      - Defaults to E(KUBECONFIG), then C(~/.kube/config), then the in-cluster service account.
      - Can also be set with E(K8S_AUTH_KUBECONFIG).
    type: raw
  context:
    description:
      - The kubeconfig context to use. Can also be set with E(K8S_AUTH_CONTEXT).
    type: str
  host:
    description:
      - URL of the Kubernetes API server, used with O(api_key) instead of a kubeconfig.
      - Can also be set with E(K8S_AUTH_HOST).
    type: str
  api_key:
    description:
      - Bearer token for O(host). Can also be set with E(K8S_AUTH_API_KEY).
    type: str
  validate_certs:
    description:
      - Whether to verify the API server's TLS certificate. Can also be set with E(K8S_AUTH_VERIFY_SSL).
    type: bool
    aliases: [verify_ssl]
  ca_cert:
    description:
      - CA bundle to verify the API server with. Can also be set with E(K8S_AUTH_SSL_CA_CERT).
    type: path
    aliases: [ssl_ca_cert]
requirements:
  - kubernetes >= 30.1.0 (Python library)
notes:
  - The options are named as in M(kubernetes.core.k8s), so one C(module_defaults) group sets them for both collections.
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait until every object that has a readiness condition (Deployment, StatefulSet, DaemonSet, Pod, Job,
        CustomResourceDefinition) is ready, and until deleted objects are gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in total. A timeout names the object that is not ready and what it lacks.
    type: int
    default: 300
"""
