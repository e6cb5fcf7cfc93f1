# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures the unit and integration tests share: a module's main() run in-process (run_module), and local stand-ins
for the OCI APIs (tests/servers/), reached by the real oci SDK."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.oke.istio.tests.servers.oci_observability import ApmApiServer
from ansible_collections.oke.istio.tests.servers.oke_api import OkeApiServer

try:  # ansible-core >= 2.19: data tagging needs the supported helper
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover - older ansible-core
    patch_module_args = None

OCI_ENVIRONMENT = ("OCI_CLI_AUTH", "OCI_CONFIG_FILE", "OCI_CLI_CONFIG_FILE", "OCI_CLI_PROFILE", "OCI_REGION",
                   "OCI_CLI_REGION")


def _sdk_for_a_local_server(monkeypatch):
    """The SDK's retries off, so error paths answer at once, and no OCI setting of the machine in the way."""
    import oci

    monkeypatch.setattr(oci.retry, "DEFAULT_RETRY_STRATEGY", oci.retry.NoneRetryStrategy())
    for name in OCI_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def oke_api(tmp_path, monkeypatch):
    """A running local OKE API (tests/servers/oke_api.py)."""
    _sdk_for_a_local_server(monkeypatch)
    with OkeApiServer(str(tmp_path)) as server:
        yield server


@pytest.fixture
def apm_api(tmp_path, monkeypatch):
    """A running local OCI APM and Logging API (tests/servers/oci_observability.py)."""
    _sdk_for_a_local_server(monkeypatch)
    with ApmApiServer(str(tmp_path)) as server:
        yield server


class ModuleExit(SystemExit):
    """Raised instead of sys.exit by exit_json/fail_json; ``result`` is what the module returned.

    A SystemExit, as the real exit is: the module's own ``except Exception`` does not catch it."""

    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def _legacy_module_args(args):
    serialized = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(basic, "_ANSIBLE_ARGS", serialized)
        mp.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
        yield


@pytest.fixture
def run_module(monkeypatch):
    """Run a module's main() with ``args``; return (result, failed) instead of exiting."""

    def exit_json(self, **kwargs):
        raise ModuleExit(kwargs, False)

    def fail_json(self, **kwargs):
        raise ModuleExit(kwargs, True)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(main, args):
        patcher = patch_module_args if patch_module_args is not None else _legacy_module_args
        with patcher(args):
            try:
                main()
            except ModuleExit as exc:
                return exc.result, exc.failed
        raise AssertionError("the module returned without calling exit_json or fail_json")

    return run
