# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backend of istioctl_install: validate everything, then plan, then act."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._istio.installer import Installer, component_report
from ansible_collections.oke.istio.plugins.module_utils._istio.istioctl import istioctl_for
from ansible_collections.oke.istio.plugins.module_utils._istio.operator import build_operator
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_label


def _service_ref(value):
    parts = (value or "").split("/")
    if len(parts) != 2 or not all(is_dns_label(p) for p in parts):
        raise ValidationError("ingress_gateway_service %r must be NAMESPACE/NAME" % (value,))
    return ObjectRef("v1", "Service", parts[1], parts[0])


def run(module):
    """The istioctl_install module."""
    params = module.params
    if params["wait_timeout"] <= 0:
        raise ValidationError("wait_timeout must be a positive number of seconds, got %s" % params["wait_timeout"])
    service_ref = _service_ref(params["ingress_gateway_service"])
    revision = params["revision"] or None
    operator = build_operator(params["profile"], revision, params["set_values"], params["operator_spec"])
    istioctl = istioctl_for(module)
    if params["istioctl_version"]:
        istioctl.require_version(params["istioctl_version"])
    installer = Installer(module.client, istioctl)
    result = {
        "version": istioctl.client_version(),
        "revision": revision or "default",
        "profile": params["profile"],
    }

    if params["state"] == "absent":
        changes = installer.uninstall(
            operator, revision, params["purge"], module.check_mode, params["wait_timeout"], remove_namespace=params["remove_namespace"]
        )
        result.update(
            changed=any(c.changed for c in changes),
            resources=[c.as_result() for c in changes],
            diff=[c.as_diff() for c in changes if c.changed],
        )
        return result

    plan = installer.plan(operator, revision, full=params["full_compare"])
    if params["precheck"] and plan.changed:
        findings = istioctl.precheck(revision)
        result["precheck"] = findings
        errors = [f for f in findings if (f.get("level") or "").lower() == "error"]
        if errors:
            raise ValidationError(
                "istioctl x precheck found %d error(s), so nothing was installed: %s"
                % (len(errors), "; ".join("%s %s" % (f["code"], f["message"]) for f in errors)),
                precheck=findings,
            )
    result.update(
        changed=plan.changed,
        fingerprint=plan.fingerprint,
        resources=[c.as_result() for c in plan.changes],
        diff=plan.diff() if plan.changed else [],
    )
    if module.check_mode:
        result["components"] = component_report(plan, [])
        return result
    if plan.changed:
        installer.install(plan, revision, params["wait_timeout"])
    elif plan.manifests:
        # A full comparison found nothing to do; note the objects' versions so the next run takes the fast path.
        installer.write_record(plan, revision)
    readiness = installer.readiness(plan, params["wait_timeout"]) if params["wait"] else []
    result["components"] = component_report(plan, readiness)
    if params["wait_for_load_balancer"]:
        result["ingress_address"] = installer.load_balancer_address(service_ref, params["wait_timeout"])
    return result
