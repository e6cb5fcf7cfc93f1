# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way our modules reach a cluster: a DynamicClient built from the shared auth options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import threading

from ansible_collections.oke.istio.plugins.module_utils._errors import ApiErrorHandler, ClusterError, ValidationError, api_error_message

try:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.dynamic import DynamicClient
    from kubernetes.dynamic.exceptions import ResourceNotFoundError
    from kubernetes.client.rest import ApiException
    from urllib3.exceptions import HTTPError as Urllib3HTTPError

    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module wrapper
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = exc

    class ApiException(Exception):  # pylint: disable=function-redefined
        """Stands in so that except clauses still parse without the kubernetes library."""

    class ResourceNotFoundError(Exception):  # pylint: disable=function-redefined
        """Stands in so that except clauses still parse without the kubernetes library."""

    class Urllib3HTTPError(Exception):  # pylint: disable=function-redefined
        """Stands in so that except clauses still parse without the kubernetes library."""


class KubernetesErrors(ApiErrorHandler):
    """The one place a Kubernetes API error becomes a message: ``Failed to read Deployment/istio-system/istiod:
    403 Forbidden: <the API's message>`` (see ApiErrorHandler for how it is used)."""

    exceptions = (ApiException, Urllib3HTTPError)

    @staticmethod
    def reason(exc):
        return api_error_message(exc) if isinstance(exc, ApiException) else str(exc)

    @staticmethod
    def is_missing(exc):
        return getattr(exc, "status", None) == 404


AUTH_KEYS = ("kubeconfig", "context", "host", "api_key", "validate_certs", "ca_cert")

_CLIENTS = {}

# The kubernetes library's discovery cache is not thread-safe: invalidate_cache() empties it and
# reads it back from the API server, and a lookup running meanwhile in another thread fails with a
# bare KeyError ('resources', 'api', 'apis'). Every lookup and refresh goes through this lock.
_DISCOVERY_LOCK = threading.RLock()


def _digest(auth):
    material = {k: auth.get(k) for k in AUTH_KEYS}
    kubeconfig = material.get("kubeconfig")
    if isinstance(kubeconfig, str) and os.path.exists(kubeconfig):
        # A rewritten kubeconfig (new token, new cluster) must not reuse a cached client.
        material["kubeconfig_mtime"] = os.path.getmtime(kubeconfig)
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _require_kubeconfig_file(path):
    """The kubernetes library says only "Invalid kube-config file. No configuration found." for a missing file."""
    if path is not None:
        if not os.path.isfile(path):
            raise ValidationError("kubeconfig %s does not exist (or is not a file)" % path, kubeconfig=path)
        return
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed and not any(os.path.isfile(os.path.expanduser(p)) for p in listed):
        raise ValidationError("KUBECONFIG names no existing file: %s" % ", ".join(listed))


def _api_client(auth):
    kubeconfig = auth.get("kubeconfig")
    context = auth.get("context")
    host = auth.get("host")
    if isinstance(kubeconfig, dict):
        api_client = k8s_config.new_client_from_config_dict(kubeconfig, context=context)
    elif kubeconfig or not host:
        path = os.path.expanduser(kubeconfig) if kubeconfig else None
        _require_kubeconfig_file(path)
        if path is None and not os.environ.get("KUBECONFIG") and not os.path.exists(os.path.expanduser("~/.kube/config")):
            k8s_config.load_incluster_config()
            api_client = k8s_client.ApiClient()
        else:
            api_client = k8s_config.new_client_from_config(config_file=path, context=context, persist_config=False)
    else:
        configuration = k8s_client.Configuration()
        configuration.host = host
        if auth.get("api_key"):
            configuration.api_key = {"authorization": "Bearer %s" % auth["api_key"]}
        api_client = k8s_client.ApiClient(configuration)
    configuration = api_client.configuration
    if auth.get("validate_certs") is False:
        configuration.verify_ssl = False
    if auth.get("ca_cert"):
        configuration.ssl_ca_cert = auth["ca_cert"]
    if host and kubeconfig:
        configuration.host = host
    return api_client


def get_dynamic_client(auth):
    """Return a DynamicClient for ``auth`` (a dict of AUTH_KEYS), cached per distinct configuration."""
    key = _digest(auth)
    cached = _CLIENTS.get(key)
    if cached is not None:
        return cached
    try:
        client = DynamicClient(_api_client(auth))
    except ApiException as exc:
        raise ClusterError("Failed to reach the Kubernetes API: %s" % api_error_message(exc))
    except (k8s_config.ConfigException, IOError, OSError, Urllib3HTTPError) as exc:
        raise ClusterError("Failed to reach the Kubernetes API with the given kubeconfig/context/host: %s" % exc)
    _CLIENTS[key] = client
    return client


def get_resource(client, api_version, kind):
    """Look ``kind`` up by discovery; refresh the discovery cache once (new CRDs) before giving up."""
    with _DISCOVERY_LOCK:
        try:
            return client.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            client.resources.invalidate_cache()
            try:
                return client.resources.get(api_version=api_version, kind=kind)
            except ResourceNotFoundError:
                raise ClusterError(
                    "The cluster does not serve %s %s: is the CRD installed (for Istio resources: is Istio installed)?"
                    % (api_version, kind),
                    api_version=api_version,
                    kind=kind,
                )


def refresh_discovery(client):
    """Forget what discovery knows (after CRDs were created), under the same lock as the lookups."""
    with _DISCOVERY_LOCK:
        client.resources.invalidate_cache()


@KubernetesErrors("read {ref}", missing=None)
def read_object(resource, ref):
    """The object ``ref`` (an ObjectRef of ``resource``'s kind) as a dict, or None when it does not exist."""
    found = resource.get(name=ref.name, namespace=ref.namespace if resource.namespaced else None)
    return found.to_dict() if hasattr(found, "to_dict") else found


def list_items(client, api_version, kind, namespace=None, label_selector=None):
    """The objects of ``kind`` (in ``namespace``, with ``label_selector``) as dicts."""
    operation = "list %s" % kind
    if namespace:
        operation += " in namespace %s" % namespace
    if label_selector:
        operation += " labelled %s" % label_selector
    resource = get_resource(client, api_version, kind)
    with KubernetesErrors(operation):
        found = resource.get(namespace=namespace, label_selector=label_selector)
    return found.to_dict().get("items") or []
