# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module base: a missing optional library fails the module before it runs, worded as ansible-core words it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.module_utils import _module, _oci
from ansible_collections.oke.istio.plugins.module_utils._k8s import client
from ansible_collections.oke.istio.plugins.module_utils._tls import certificate
from ansible_collections.oke.istio.plugins.modules import oke_network_info, resource_set, tls_gateway_cert


@pytest.mark.parametrize("main, args, library, flag", [
    (oke_network_info.main, {"cluster_id": "ocid1.cluster.oc1..aaaa"}, "oci", (_oci, "HAS_OCI")),
    (resource_set.main, {"definitions": []}, "kubernetes", (client, "HAS_KUBERNETES")),
    (tls_gateway_cert.main, {"name": "c", "hosts": ["a.example.com"]}, "cryptography", (certificate, "HAS_CRYPTOGRAPHY")),
], ids=["oci", "kubernetes", "cryptography"])
def test_a_missing_library_fails_before_the_module_runs(run_module, monkeypatch, main, args, library, flag):
    monkeypatch.setattr(flag[0], flag[1], False)
    monkeypatch.setattr(_module.OkeIstioModule, "run", lambda self, runner: pytest.fail("the module ran"))
    result, failed = run_module(main, args)
    assert failed
    assert result["msg"].startswith("Failed to import the required Python library (%s)" % library), result["msg"]


def test_an_unknown_library_is_a_programming_error():
    with pytest.raises(ValueError):
        _module._library("pandas")
