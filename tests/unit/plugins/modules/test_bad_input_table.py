# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's promise, option by option: bad input fails with a message that names the bad parameter before
anything in the cluster changes.

The table is generated from the modules' own argument specs (captured by running each module's main()), so a new
module or option is covered without touching this file. Per option, the wrong values tests/unit/bad_values.py derives
from its spec (outside ``choices``, not a number, not a boolean, the wrong shape; sub-options too). A str, path or raw
option without choices has no generic wrong value: it is listed as a skipped case (``pytest -rs`` names each one), so
none goes unnoticed; each module's own tests cover its free-text options.

Every case must fail in argument validation (AnsibleModule is never built), with a message that names the option (and
its parent, for a sub-option) and shows the bad value where Ansible's message does, and must not have asked for a
Kubernetes client, an OCI client, a command (istioctl) or a network connection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os
import pkgutil
import socket
import subprocess
import sys

import pytest

from ansible.module_utils import basic

from ansible_collections.oke.istio.plugins import module_utils
from ansible_collections.oke.istio.plugins.module_utils import _oci
from ansible_collections.oke.istio.plugins.module_utils._k8s import client as k8s_client
from ansible_collections.oke.istio.tests.unit import bad_values

MODULES_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))),
    "plugins", "modules",
)
MODULES = sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith(".py") and not name.startswith("_"))
PACKAGE = "ansible_collections.oke.istio.plugins.modules."

# The required options of each module, with valid values (and what required_one_of/required_if ask for), so that the
# one bad value is the only thing wrong. Every module needs an entry, even an empty one: a new module cannot slip by.
MINIMAL_PARAMS = {
    "cluster_fitness": {},
    "envoy_bootstrap": {"namespace": "bookinfo"},
    "ingress_gateway_info": {},
    "istio_precheck": {},
    "istioctl_install": {},
    "mesh_probe": {"client_selector": "app=ratings", "url": "http://productpage:9080/productpage"},
    "mesh_scenario": {"scenario": "route_all", "service": "reviews", "subset": "v1"},
    "mesh_steps_check": {"steps": []},
    "mesh_telemetry_config": {},
    "observability_check": {},
    "oci_logging": {"compartment_id": "ocid1.compartment.oc1..aaaaexample", "agent_group_ids": ["ocid1.dynamicgroup.oc1..aaaaexample"]},
    "oke_kubeconfig": {"dest": "/nonexistent/oke-istio-bad-input/kubeconfig", "cluster_id": "ocid1.cluster.oc1.iad.aaaaexample"},
    "oke_network_info": {"cluster_id": "ocid1.cluster.oc1.iad.aaaaexample"},
    "pod_annotations": {"workloads": []},
    "resource_set": {"definitions": []},
    "runbook_report": {"dest": "/nonexistent/oke-istio-bad-input/report", "cluster": "local", "results": []},
    "tls_gateway_cert": {"name": "bookinfo-credential", "hosts": ["bookinfo.example.com"]},
}


class _Captured(BaseException):
    """Raised instead of building the AnsibleModule: carries the spec main() asked for."""

    def __init__(self, argument_spec, kwargs):
        super(_Captured, self).__init__()
        self.argument_spec = argument_spec
        self.kwargs = kwargs


def _capture_spec(name):
    """The argument spec (shared auth options included) that module ``name``'s main() builds its AnsibleModule with."""
    module = importlib.import_module(PACKAGE + name)

    def capture(self, argument_spec, **kwargs):
        raise _Captured(argument_spec, kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(basic.AnsibleModule, "__init__", capture)
        try:
            module.main()
        except _Captured as captured:
            return captured.argument_spec
    raise AssertionError("%s: main() did not build an AnsibleModule" % name)


SPECS = dict((name, _capture_spec(name)) for name in MODULES)
CASES, SKIPPED = [], []
for _name in MODULES:
    for _path, _kind, _params, _shown in bad_values.cases(SPECS[_name]):
        _id = "%s-%s-%s" % (_name, ".".join(_path), _kind or "free_text")
        if _kind is None:
            SKIPPED.append(_id)
            CASES.append(pytest.param(_name, _path, None, None, None, id=_id, marks=pytest.mark.skip(
                reason="%s: a free-text option (str, path or raw without choices) has no generic wrong value"
                % _id.rsplit("-", 1)[0])))
        else:
            CASES.append(pytest.param(_name, _path, _kind, _params, _shown, id=_id))


class _ClusterTouched(Exception):
    pass


@pytest.fixture
def cluster_calls(monkeypatch):
    """Every way out of the module, recorded and refused: the Kubernetes client factory, the OCI client factory
    (wherever a module imported them by name), commands (istioctl, envoy) and network connections."""
    calls = []

    def refuse(what):
        def record(*args, **kwargs):
            calls.append(what)
            raise _ClusterTouched(what)
        return record

    # Every module_utils module imported first: one imported lazily while the patch is on would keep the refusing
    # stand-in as its own name for good, and fail the tests that come after.
    for found in pkgutil.walk_packages(module_utils.__path__, module_utils.__name__ + "."):
        importlib.import_module(found.name)
    for original, what in ((k8s_client.get_dynamic_client, "get_dynamic_client"), (_oci.oci_client, "oci_client")):
        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("ansible_collections.oke.istio.") \
                    and getattr(module, what, None) is original:
                monkeypatch.setattr(module, what, refuse(what))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", refuse("run_command"))
    monkeypatch.setattr(subprocess, "Popen", refuse("subprocess.Popen"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    return calls


@pytest.fixture
def validated(monkeypatch):
    """The modules whose AnsibleModule got through argument validation."""
    done = []
    original = basic.AnsibleModule.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        done.append(self)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", init)
    return done


def test_every_module_is_in_the_table():
    assert MODULES, MODULES_DIR
    assert sorted(MINIMAL_PARAMS) == MODULES, "MINIMAL_PARAMS must have an entry (its required options) per module"


@pytest.mark.parametrize("name", MODULES)
def test_the_minimal_params_pass_argument_validation(run_module, cluster_calls, validated, name):
    """The base every case starts from is valid: a case fails because of its one bad value."""
    module = importlib.import_module(PACKAGE + name)
    result, failed = run_module(module.main, dict(MINIMAL_PARAMS[name]))
    assert validated, "%s rejects its minimal params: %s" % (name, result.get("msg"))


def test_the_guard_sees_a_cluster_call(run_module, cluster_calls):
    """The recorders are in the modules' way: a valid resource_set asks for a client, and is refused."""
    module = importlib.import_module(PACKAGE + "resource_set")
    result, failed = run_module(module.main, {"definitions": [{"apiVersion": "v1", "kind": "ConfigMap",
                                                               "metadata": {"name": "x", "namespace": "default"}}]})
    assert failed and cluster_calls == ["get_dynamic_client"], result


@pytest.mark.parametrize("name, path, kind, params, shown", CASES)
def test_bad_input_fails_naming_the_option_before_the_cluster(run_module, cluster_calls, validated,
                                                              name, path, kind, params, shown):
    module = importlib.import_module(PACKAGE + name)
    args = dict(MINIMAL_PARAMS[name])
    args.update(params)
    result, failed = run_module(module.main, args)
    message = result.get("msg") or ""
    assert failed, "%s accepted %r: %r" % (name, params, result)
    assert not cluster_calls, "%s called %s before failing: %s" % (name, cluster_calls, message)
    assert not validated, "%s failed after argument validation, not in it: %s" % (name, message)
    for option in path:
        assert bad_values.names(message, option), "the message does not name %s: %s" % (".".join(path), message)
    if shown is not None:
        assert shown in message, "the message does not show the bad value %r: %s" % (shown, message)


def test_the_table_counts_what_it_skips(capsys):
    """How many options each module's table checks and skips (printed with -s; pytest -rs lists the skipped ones)."""
    lines = []
    for name in MODULES:
        checked = [c for c in CASES if c.values[0] == name and c.values[2] is not None]
        skipped = [s for s in SKIPPED if s.startswith(name + "-")]
        assert checked or skipped, name
        lines.append("%-22s %3d cases, %3d free-text options skipped" % (name, len(checked), len(skipped)))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert len(CASES) == len(SKIPPED) + sum(1 for c in CASES if c.values[2] is not None)
