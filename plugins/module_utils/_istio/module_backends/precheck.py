# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backend of istio_precheck: run ``istioctl x precheck`` and fail on the findings that must be fixed first."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._errors import OkeIstioError
from ansible_collections.oke.istio.plugins.module_utils._istio.istioctl import IstioctlError, istioctl_for
from ansible_collections.oke.istio.plugins.module_utils._istio.precheck import HINTS, classify, describe


def run(module):
    """The istio_precheck module."""
    params = module.params
    istioctl = istioctl_for(module)

    try:
        findings = istioctl.precheck(params["revision"] or None)
    except IstioctlError as exc:
        if "rc" not in exc.details or "stdout" in exc.details and (exc.details.get("stdout") or "").strip():
            raise
        # istioctl's own failure (cluster unreachable, no permission to read): say which step it was.
        lines = (exc.details.get("stderr") or "").strip().splitlines()
        raise IstioctlError(
            "istioctl x precheck could not check the cluster (rc=%s): %s"
            % (exc.details["rc"], lines[-1] if lines else "no output"),
            **exc.details
        )
    errors, warnings, info, ignored = classify(findings, params["ignore_codes"], params["fail_on_warnings"])
    result = dict(
        changed=False,
        istioctl_version=istioctl.client_version(),
        findings=findings,
        by_level=dict(error=errors, warning=warnings, info=info),
        ignored=ignored,
        summary=dict(errors=len(errors), warnings=len(warnings), info=len(info), ignored=len(ignored)),
    )
    for finding in warnings:
        module.warn("istioctl x precheck: %s" % describe(finding))
    if errors:
        hints = sorted(set(HINTS[f["code"]] for f in errors if f.get("code") in HINTS))
        raise OkeIstioError(
            "istioctl x precheck found %d problem(s) to fix before installing Istio: %s%s"
            % (
                len(errors),
                "; ".join(describe(f) for f in errors),
                "".join(". Hint: %s" % hint for hint in hints),
            ),
            **result
        )
    return result
