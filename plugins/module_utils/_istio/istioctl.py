# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way we run istioctl: argument lists only, never a shell string."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.oke.istio.plugins.module_utils._errors import OkeIstioError, ValidationError

VERSION_RE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


class IstioctlError(OkeIstioError):
    """istioctl exited non-zero; carries the command and its output for the task result."""


def parse_version(text):
    """``1.31.2`` or ``1.31-dev`` -> (1, 31, 2) / (1, 31, 0); None when it is not a version."""
    match = VERSION_RE.match(text or "")
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


class Istioctl(object):
    """Runs one istioctl binary against one cluster.

    ``run_command`` is ``AnsibleModule.run_command`` (or anything with its signature and return).
    """

    def __init__(self, run_command, binary="istioctl", kubeconfig=None, context=None):
        self.run_command = run_command
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.context = context
        self._client_version = None

    def _cluster_flags(self):
        flags = []
        if isinstance(self.kubeconfig, str) and self.kubeconfig:
            flags += ["--kubeconfig", os.path.expanduser(self.kubeconfig)]
        if self.context:
            flags += ["--context", self.context]
        return flags

    def run(self, args, cluster=True, ok_rcs=(0,), data=None):
        command = [self.binary] + list(args) + (self._cluster_flags() if cluster else [])
        try:
            rc, out, err = self.run_command(command, data=data, binary_data=False)
        except (OSError, IOError) as exc:
            raise IstioctlError("Failed to run istioctl at %s: %s" % (self.binary, exc), command=command)
        if rc not in ok_rcs:
            first = (err or out or "").strip().splitlines()
            raise IstioctlError(
                "istioctl %s failed (rc=%s): %s" % (args[0] if args else "", rc, first[-1] if first else "no output"),
                rc=rc,
                stdout=out,
                stderr=err,
                command=command,
            )
        return rc, out, err

    def client_version(self):
        """The client's version string, e.g. ``1.31.2``."""
        if self._client_version is None:
            _rc, out, _err = self.run(["version", "--remote=false", "-o", "json"], cluster=False)
            try:
                data = json.loads(out)
                self._client_version = data["clientVersion"]["version"]
            except (ValueError, KeyError, TypeError):
                raise IstioctlError("Could not read the version from 'istioctl version' output: %s" % out.strip()[:200])
        return self._client_version

    def require_version(self, wanted):
        """Fail unless the client's major.minor (and patch, when given) match ``wanted``."""
        actual = self.client_version()
        want, have = parse_version(wanted), parse_version(actual)
        if want is None:
            raise ValidationError("istioctl_version %r is not a version such as 1.31 or 1.31.2" % wanted)
        precision = 3 if wanted.count(".") >= 2 else 2
        if have is None or have[:precision] != want[:precision]:
            raise ValidationError(
                "istioctl at %s is version %s, but %s is required (set istioctl_path to a matching binary)"
                % (self.binary, actual, wanted)
            )
        return actual

    def manifest_generate(self, spec_file, revision=None):
        args = ["manifest", "generate", "-f", spec_file]
        if revision:
            args += ["--revision", revision]
        # Rendering needs no cluster; keeping it offline makes it fast and safe in check mode.
        _rc, out, _err = self.run(args, cluster=False)
        return out

    def install(self, spec_file, readiness_timeout):
        args = ["install", "-y", "-f", spec_file, "--readiness-timeout", "%ss" % int(readiness_timeout)]
        return self.run(args)

    def uninstall(self, revision=None, purge=False):
        args = ["uninstall", "-y"]
        if purge:
            args.append("--purge")
        elif revision:
            args += ["--revision", revision]
        else:
            args += ["--revision", "default"]
        return self.run(args)

    def precheck(self, revision=None):
        """Run ``istioctl x precheck``; return the list of findings (dicts with code, level, message...)."""
        args = ["x", "precheck", "-o", "json"]
        if revision:
            args += ["--revision", revision]
        rc, out, err = self.run(args, ok_rcs=(0, 1))
        return parse_precheck(rc, out, err)


def parse_precheck(rc, out, err):
    text = (out or "").strip()
    if not text:
        if rc != 0:
            raise IstioctlError("istioctl x precheck failed (rc=%s): %s" % (rc, (err or "").strip()), rc=rc, stderr=err)
        return []
    try:
        findings = json.loads(text)
    except ValueError:
        raise IstioctlError("istioctl x precheck printed no JSON: %s" % text[:300], rc=rc, stdout=out, stderr=err)
    if not isinstance(findings, list):
        findings = [findings]
    return [
        {
            "code": f.get("code"),
            "level": f.get("level"),
            "message": f.get("message"),
            "origin": f.get("origin"),
            "documentation_url": f.get("documentationUrl"),
        }
        for f in findings
        if isinstance(f, dict)
    ]


def istioctl_for(module):
    """The Istioctl of every module that runs istioctl: the task's cluster as a kubeconfig file and a context, the only
    way istioctl takes one. Anything else would send istioctl to another cluster (the default kubeconfig) than the one
    the module's Python client reads, so it is refused before anything runs."""
    params = module.params
    kubeconfig = params.get("kubeconfig")
    if isinstance(kubeconfig, dict):
        raise ValidationError("kubeconfig must be a file path here: istioctl cannot take the kubeconfig as a dictionary")
    if params.get("host") or params.get("api_key"):
        raise ValidationError("host/api_key cannot be passed to istioctl: give a kubeconfig file (and context) instead")
    if kubeconfig is not None and not isinstance(kubeconfig, str):
        raise ValidationError("kubeconfig must be a file path, got %s" % type(kubeconfig).__name__)
    if kubeconfig and not os.path.isfile(os.path.expanduser(kubeconfig)):
        raise ValidationError("kubeconfig %s does not exist" % kubeconfig)
    binary = params["istioctl_path"]
    if os.sep in binary:
        if not os.access(os.path.expanduser(binary), os.X_OK):
            raise ValidationError("istioctl_path %s is not an executable file" % binary)
        binary = os.path.expanduser(binary)
    else:
        found = module.get_bin_path(binary)
        if not found:
            raise ValidationError("istioctl_path: %r is not on PATH; install istioctl or give its full path" % binary)
        binary = found
    return Istioctl(module.run_command, binary, kubeconfig=kubeconfig, context=params.get("context"))
