# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.oke.istio.plugins.module_utils._istio import installer, istioctl
from ansible_collections.oke.istio.plugins.module_utils._k8s import client as k8s_client
from ansible_collections.oke.istio.plugins.modules import istioctl_install

FORBIDDEN = 'configmaps is forbidden: User "ci" cannot list resource "configmaps" in API group "" in the namespace "istio-system"'


class ForbiddenResource(object):
    """Every call the Kubernetes API refuses with 403, as for a user without RBAC on the kind."""

    namespaced = True

    def get(self, **kwargs):
        exc = k8s_client.ApiException(status=403, reason="Forbidden")
        exc.body = json.dumps({"kind": "Status", "status": "Failure", "reason": "Forbidden", "message": FORBIDDEN, "code": 403})
        raise exc


class ForbiddingClient(object):
    def __init__(self):
        self.resources = self

    def get(self, api_version=None, kind=None):
        return ForbiddenResource()


class Istioctl(object):
    """Stands in for istioctl: nothing may run once the cluster refused a read."""

    def __init__(self, run_command, binary, kubeconfig=None, context=None):
        pass

    def client_version(self):
        return "1.31.2"

    def uninstall(self, revision=None, purge=False):
        raise AssertionError("istioctl must not run")


@pytest.fixture
def forbidden_cluster(monkeypatch, tmp_path):
    binary = tmp_path / "istioctl"
    binary.write_text("#!/bin/sh\nexit 1\n")
    os.chmod(str(binary), 0o755)
    monkeypatch.setattr(istioctl, "Istioctl", Istioctl)
    monkeypatch.setattr(k8s_client, "get_dynamic_client", lambda auth: ForbiddingClient())
    monkeypatch.setattr(
        installer,
        "render",
        lambda istioctl, operator, revision=None: [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "istiod", "namespace": "istio-system"}}
        ],
    )
    return str(binary)


def test_a_forbidden_read_fails_the_task_with_what_was_being_done(run_module, forbidden_cluster):
    # Listing the installed revisions raised a bare ApiException: "Unexpected error" and a traceback.
    result, failed = run_module(istioctl_install.main, dict(state="absent", istioctl_path=forbidden_cluster))
    assert failed is True
    assert result["msg"] == (
        "Failed to list ConfigMap in namespace istio-system labelled app.kubernetes.io/managed-by=oke.istio: "
        "403 Forbidden: %s" % FORBIDDEN
    )
    assert "exception" not in result
