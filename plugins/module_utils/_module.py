# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base every oke.istio module is built on: argument spec, dependency check, one failure path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import NoLogError

from ansible_collections.oke.istio.plugins.module_utils._argspec import K8S_AUTH_ARG_SPEC, auth_params
from ansible_collections.oke.istio.plugins.module_utils._errors import OkeIstioError


class _AnsibleModule(AnsibleModule):
    """An AnsibleModule whose argument validation failure always names the option.

    ansible-core fails with its first validation error only. For an option with sub-options given something that is
    not a dict (``login: [x]``, ``classify: [x]``), the first error comes from its no_log scan and names no option
    ("dictionary requested, could not parse JSON or key=value"); the next one names it: that one is reported."""

    def fail_json(self, msg=None, **kwargs):
        result = getattr(self, "validation_result", None)
        errors = result.errors.errors if result is not None else []
        if errors and msg == errors[0].msg and isinstance(errors[0], NoLogError):
            named = [error.msg for error in errors if not isinstance(error, NoLogError)]
            if named:
                msg = named[0]
        super(_AnsibleModule, self).fail_json(msg=msg, **kwargs)


def _library(name):
    """Whether an optional library the modules use imported, and its import error if not."""
    if name == "kubernetes":
        from ansible_collections.oke.istio.plugins.module_utils._k8s import client

        return client.HAS_KUBERNETES, client.KUBERNETES_IMPORT_ERROR
    if name == "oci":
        from ansible_collections.oke.istio.plugins.module_utils import _oci

        return _oci.HAS_OCI, _oci.OCI_IMPORT_ERROR
    if name == "cryptography":
        from ansible_collections.oke.istio.plugins.module_utils._tls import certificate

        return certificate.HAS_CRYPTOGRAPHY, certificate.CRYPTOGRAPHY_IMPORT_ERROR
    raise ValueError("unknown library %r" % name)


class OkeIstioModule(object):
    """Wraps AnsibleModule; ``needs_cluster`` adds the shared auth options and requires the kubernetes library.

    Modules and their backends use this object only: what they need of AnsibleModule passes through it."""

    def __init__(self, argument_spec, needs_cluster=True, **kwargs):
        spec = dict(K8S_AUTH_ARG_SPEC) if needs_cluster else {}
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        self.module = _AnsibleModule(argument_spec=spec, **kwargs)
        self.needs_cluster = needs_cluster
        if needs_cluster:
            self.requires("kubernetes")
        self._client = None

    def requires(self, *libraries):
        """Fail, the way ansible-core words it, when one of ``libraries`` (kubernetes, oci, cryptography) is missing."""
        for name in libraries:
            available, error = _library(name)
            if not available:
                self.module.fail_json(msg=missing_required_lib(name), exception=repr(error))

    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff

    @property
    def client(self):
        if self._client is None:
            from ansible_collections.oke.istio.plugins.module_utils._k8s.client import get_dynamic_client

            self._client = get_dynamic_client(auth_params(self.params))
        return self._client

    def warn(self, message):
        self.module.warn(message)

    def no_log(self, value):
        """Keep ``value`` (a secret read at run time) out of everything the module returns."""
        self.module.no_log_values.add(value)

    def atomic_move(self, source, dest):
        self.module.atomic_move(source, dest)

    def run_command(self, args, **kwargs):
        return self.module.run_command(args, **kwargs)

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return self.module.get_bin_path(name, required=required, opt_dirs=opt_dirs)

    def exit_json(self, **result):
        if not self.diff_mode:
            result.pop("diff", None)
        self.module.exit_json(**result)

    def fail_from_exception(self, exc):
        if isinstance(exc, OkeIstioError):
            self.module.fail_json(msg=exc.msg, **exc.details)
        self.module.fail_json(msg="Unexpected error: %s: %s" % (type(exc).__name__, exc), exception=traceback.format_exc())

    def run(self, runner):
        """Call ``runner(self)`` and exit with its result; every error leaves through fail_from_exception."""
        try:
            result = runner(self)
        except Exception as exc:  # pylint: disable=broad-except
            # Ours carry a message for the user; anything else is a bug, reported with its traceback.
            self.fail_from_exception(exc)
        self.exit_json(**result)
