# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.oke.istio.plugins.filter.revision_restart import revision_restart


def test_minimal_patch_names_the_revision():
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "reviews-v1", "namespace": "bookinfo", "uid": "x"},
        "spec": {"replicas": 3},
    }
    assert revision_restart(deployment, "1-31-2") == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "reviews-v1", "namespace": "bookinfo"},
        "spec": {"template": {"metadata": {"annotations": {"oke.istio/revision": "1-31-2"}}}},
    }


def test_refuses_non_workloads():
    with pytest.raises(AnsibleFilterError):
        revision_restart({"kind": "Deployment"}, "r")
