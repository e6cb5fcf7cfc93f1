# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import (
    ApiException,
    KubernetesErrors,
    list_items,
    read_object,
)

FORBIDDEN_MESSAGE = (
    'deployments.apps "istiod" is forbidden: User "system:serviceaccount:ci:reader" cannot get resource '
    '"deployments" in API group "apps" in the namespace "istio-system"'
)


def api_error(status, reason, message=None):
    exc = ApiException(status=status, reason=reason)
    if message:
        exc.body = json.dumps({"kind": "Status", "status": "Failure", "message": message, "code": status})
    return exc


class Raising(object):
    """A resource whose every call raises ``error``."""

    namespaced = True

    def __init__(self, error):
        self.error = error
        self.calls = []

    def get(self, **kwargs):
        self.calls.append(kwargs)
        raise self.error


class Client(object):
    def __init__(self, resource):
        self.resources = self
        self.resource = resource

    def get(self, api_version=None, kind=None):
        return self.resource


ISTIOD = ObjectRef("apps/v1", "Deployment", "istiod", "istio-system")


def test_a_forbidden_read_names_the_operation_the_object_and_the_api_message():
    with pytest.raises(ClusterError) as err:
        read_object(Raising(api_error(403, "Forbidden", FORBIDDEN_MESSAGE)), ISTIOD)
    assert err.value.msg == "Failed to read Deployment/istio-system/istiod: 403 Forbidden: %s" % FORBIDDEN_MESSAGE
    assert isinstance(err.value.__cause__, ApiException)


def test_a_missing_object_reads_as_none():
    assert read_object(Raising(api_error(404, "Not Found")), ISTIOD) is None


def test_a_forbidden_list_names_kind_namespace_and_labels():
    resource = Raising(api_error(403, "Forbidden", "configmaps is forbidden"))
    with pytest.raises(ClusterError) as err:
        list_items(Client(resource), "v1", "ConfigMap", "istio-system", "app=istiod")
    assert err.value.msg == "Failed to list ConfigMap in namespace istio-system labelled app=istiod: 403 Forbidden: configmaps is forbidden"
    assert resource.calls == [dict(namespace="istio-system", label_selector="app=istiod")]


def test_context_manager_form_and_what_it_lets_through():
    with pytest.raises(ClusterError) as err:
        with KubernetesErrors("apply ConfigMap/ns/c"):
            raise api_error(422, "Unprocessable Entity", "data: Invalid value")
    assert err.value.msg == "Failed to apply ConfigMap/ns/c: 422 Unprocessable Entity: data: Invalid value"
    # A 404 is only "missing" where the call says what missing returns; other exceptions pass untouched.
    with pytest.raises(ClusterError):
        with KubernetesErrors("delete ConfigMap/ns/c"):
            raise api_error(404, "Not Found")
    with pytest.raises(KeyError):
        with KubernetesErrors("read ConfigMap/ns/c"):
            raise KeyError("resources")


def test_decorator_formats_the_operation_from_the_call():
    @KubernetesErrors("delete {ref} ({propagation})", missing=False)
    def delete(ref, propagation="Background", fail=None):
        raise fail

    with pytest.raises(ClusterError) as err:
        delete(ISTIOD, fail=api_error(409, "Conflict", "being deleted"))
    assert err.value.msg == "Failed to delete Deployment/istio-system/istiod (Background): 409 Conflict: being deleted"
    assert delete(ISTIOD, fail=api_error(404, "Not Found")) is False
