# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the mesh_scenario and mesh_probe modules do, given their parameters and a cluster client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._errors import (
    ClusterError,
    OkeIstioError,
    ValidationError,
    api_error_message,
)
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Applier, Change, ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException, get_resource, list_items
from ansible_collections.oke.istio.plugins.module_utils._mesh import probe, probe_options, scenario_objects, scenarios


def _read(client, api_version, kind, namespace, name):
    resource = get_resource(client, api_version, kind)
    try:
        return resource.get(name=name, namespace=namespace).to_dict()
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise ClusterError("Failed to read %s %s/%s: %s" % (kind, namespace, name, api_error_message(exc)))


def _check_references(client, scenario, warn):
    """The host Service (and gateways) must exist, and have the port routed to, before anything is applied.

    Returns the Service; ``warn`` is told of subsets whose labels select none of the Service's pods, where it has some.
    """
    service = _read(client, "v1", "Service", scenario.service_namespace, scenario.service)
    if service is None:
        raise ValidationError(
            "service %r is an unknown host: no Service %s in namespace %s" % (scenario.host, scenario.service,
                                                                              scenario.service_namespace),
            parameter="service",
        )
    spec = service.get("spec") or {}
    ports = [item.get("port") for item in spec.get("ports") or []]
    if scenario.port is not None and scenario.port not in ports:
        raise ValidationError(
            "port %d is not a port of Service %s/%s (its ports: %s)" % (
                scenario.port, scenario.service_namespace, scenario.service,
                ", ".join(str(p) for p in ports) or "none"),
            parameter="port",
        )
    selector = spec.get("selector") or {}
    if scenario.subsets and selector:
        pods = list_items(client, "v1", "Pod", scenario.service_namespace,
                          ",".join("%s=%s" % item for item in sorted(selector.items())))
        pod_labels = [(pod.get("metadata") or {}).get("labels") or {} for pod in pods]
        for name, labels in scenario.subsets if pods else ():
            if not any(all(found.get(k) == v for k, v in labels.items()) for found in pod_labels):
                warn("subset %s (labels %s) selects none of the %d pod(s) of Service %s/%s: its routes would have "
                     "no endpoints" % (name, ", ".join("%s=%s" % item for item in sorted(labels.items())), len(pods),
                                       scenario.service_namespace, scenario.service))
    if scenario.gateways:
        if scenario.api == "gateway_api":
            api_version, kind = scenarios.GATEWAY_API_VERSION, "Gateway"
        else:
            api_version, kind = scenario.api_version, "Gateway"
        for namespace, name in scenario.gateways:
            try:
                found = _read(client, api_version, kind, namespace, name)
            except ClusterError as exc:
                raise ValidationError("gateways: %s" % exc.msg, parameter="gateways")
            if found is None:
                raise ValidationError("gateways names %s/%s, but no %s %s exists there"
                                      % (namespace, name, api_version, kind), parameter="gateways")
    return service


def _targets_host(obj, scenario):
    spec = obj.get("spec") or {}
    names = (scenario.service, "%s.%s" % (scenario.service, scenario.service_namespace),
             "%s.%s.svc" % (scenario.service, scenario.service_namespace),
             "%s.%s.svc.cluster.local" % (scenario.service, scenario.service_namespace))
    if obj["kind"] == "DestinationRule":
        return spec.get("host") in names
    if obj["kind"] == "VirtualService":
        return not spec.get("gateways") and any(h in names for h in spec.get("hosts") or [])
    if obj["kind"] == "HTTPRoute":
        return any(p.get("kind") == "Service" and p.get("name") == scenario.service for p in spec.get("parentRefs") or [])
    return False


def _purge_refs(client, scenario, manifests):
    """Other routing objects for the same host in the namespace: they would compete with the scenario's."""
    keep = set((m["kind"], m["metadata"]["name"]) for m in manifests)
    if scenario.api == "gateway_api":
        kinds = [(scenarios.GATEWAY_API_VERSION, "HTTPRoute")]
    else:
        kinds = [(scenario.api_version, "VirtualService"), (scenario.api_version, "DestinationRule")]
    refs = []
    for api_version, kind in kinds:
        try:
            items = get_resource(client, api_version, kind).get(namespace=scenario.namespace).to_dict().get("items", [])
        except ApiException as exc:
            raise ClusterError("Failed to list %s in %s: %s" % (kind, scenario.namespace, api_error_message(exc)))
        for item in items:
            item.setdefault("kind", kind)
            if (kind, item["metadata"]["name"]) not in keep and _targets_host(item, scenario):
                refs.append(ObjectRef(api_version, kind, item["metadata"]["name"], scenario.namespace))
    return refs


def _split_ours(applier, refs):
    """Refs of objects a scenario applied (they carry its label) and of same-named objects someone else made."""
    ours, foreign = [], []
    for ref in refs:
        try:
            live = applier.get(ref)
        except ClusterError:
            live = None  # kind not served: nothing to delete, the Applier reports it
        labels = ((live or {}).get("metadata") or {}).get("labels") or {}
        if live is not None and scenarios.SCENARIO_LABEL not in labels:
            foreign.append(ref)
        else:
            ours.append(ref)
    return ours, foreign


def _verify_options(params, scenario):
    """verify against mesh_probe's argument spec, then what no argument spec can check."""
    verify = params.get("verify")
    if not verify:
        return None
    options = probe_options.validate(verify, "verify", probe_options.verify_argument_spec())
    options["namespace"] = options.get("namespace") or scenario.namespace
    return probe_options.check_options(options, prefix="verify.")


def run_scenario(module):
    params = module.params
    scenario = scenarios.validate(params, removal=params["state"] == "absent")
    verify = _verify_options(params, scenario) if params["state"] == "present" else None
    if params["wait_timeout"] <= 0:
        raise ValidationError("wait_timeout must be a positive number of seconds", parameter="wait_timeout")
    client = module.client
    applier = Applier(client, default_namespace=scenario.namespace)
    result = {"scenario": scenario.name, "api": scenario.api}
    if params["state"] == "absent":
        refs = [ObjectRef(api_version, kind, name, scenario.namespace)
                for api_version, kind, name in scenario_objects.removal_refs(scenario)]
        ours, foreign = _split_ours(applier, refs)
        changes = applier.delete(ours, check_mode=module.check_mode, wait=params["wait"], timeout=params["wait_timeout"])
        changes += [Change(ref, None, "none", note="left alone: not applied by mesh_scenario") for ref in foreign]
        result.update(_summary(changes))
        return result
    service = _check_references(client, scenario, module.warn)
    manifests = scenario_objects.render(scenario, service)
    changes = applier.apply(manifests, check_mode=module.check_mode, timeout=params["wait_timeout"])
    if params["purge"]:
        purge = _purge_refs(client, scenario, manifests)
        if purge:
            changes += applier.delete(purge, check_mode=module.check_mode, wait=params["wait"],
                                      timeout=params["wait_timeout"])
    result.update(_summary(changes))
    result["manifests"] = manifests
    if verify is None:
        return result
    if module.check_mode:
        result["verification"] = {"skipped": True, "skip_reason": "check mode sends no traffic"}
        return result
    verification = probe.run_probe(client, verify)
    result["verification"] = verification
    if not verification["skipped"] and not verification["report"]["passed"]:
        raise OkeIstioError(_failed_message(verification["report"]), **result)
    return result


def _summary(changes):
    return {
        "changed": any(c.changed for c in changes),
        "resources": [c.as_result() for c in changes],
        "diff": [c.as_diff() for c in changes if c.changed],
    }


def _failed_message(report):
    failed = [e for e in report["expectations"] if not e["passed"]]
    return "%d of %d traffic expectation(s) failed: %s" % (
        len(failed), len(report["expectations"]),
        "; ".join("%s (%s)" % (e["expectation"], e["reason"]) for e in failed),
    )


def run_probe_module(module):
    options = probe_options.check_options(module.params)
    if module.check_mode:
        # Requests are side effects on the application (and the runbook's mirror and fault steps count them).
        return {"changed": False, "skipped": True, "skip_reason": "check mode sends no traffic"}
    verification = probe.run_probe(module.client, options)
    result = dict(verification, changed=False)
    if not verification["skipped"] and not verification["report"]["passed"]:
        raise OkeIstioError(_failed_message(verification["report"]), **result)
    return result
