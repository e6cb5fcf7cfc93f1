# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A checked scenario as Istio or Gateway API objects.

Pure: ``render`` turns a Scenario (from scenarios.validate) and what the cluster said about the host Service into
manifests; ``removal_refs`` names every object a scenario may have written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh.durations import gateway_api_duration
from ansible_collections.oke.istio.plugins.module_utils._mesh.scenarios import GATEWAY_API_VERSION, MANAGED_BY, SCENARIO_LABEL


def _metadata(scenario, name):
    labels = dict(MANAGED_BY)
    labels[SCENARIO_LABEL] = scenario.name.replace("_", "-")
    return {"name": name, "namespace": scenario.namespace, "labels": labels}


def _destination(scenario, subset=None, port=None):
    destination = {"host": scenario.host}
    if subset:
        destination["subset"] = subset
    if port:
        destination["port"] = {"number": port}
    return destination


def _header_match(match):
    return {"headers": {match["header"]: {match["type"]: match["value"]}}}


def _istio(scenario):
    """Istio networking objects: a DestinationRule with the subsets (and policy), a VirtualService with the routes."""
    objects = []
    if scenario.subsets or scenario.circuit_breaker:
        spec = {"host": scenario.host}
        if scenario.circuit_breaker:
            policy = {}
            cb = scenario.circuit_breaker
            pool = dict((k, cb[k]) for k in ("tcp", "http") if k in cb)
            if pool:
                policy["connectionPool"] = pool
            if "outlier" in cb:
                policy["outlierDetection"] = cb["outlier"]
            spec["trafficPolicy"] = policy
        if scenario.subsets:
            spec["subsets"] = [{"name": n, "labels": labels} for n, labels in scenario.subsets]
        objects.append({
            "apiVersion": scenario.api_version, "kind": "DestinationRule",
            "metadata": _metadata(scenario, scenario.object_name), "spec": spec,
        })
    http = None
    route = [{"destination": _destination(scenario, scenario.subset)}] if scenario.subset else None
    if scenario.name == "route_all" or (scenario.name == "circuit_breaker" and route):
        http = [{"route": route}]
    elif scenario.name == "weighted":
        http = [{"route": [{"destination": _destination(scenario, s), "weight": w} for s, w in scenario.weights]}]
    elif scenario.name == "header_route":
        http = [
            {"match": [_header_match(scenario.match)],
             "route": [{"destination": _destination(scenario, scenario.match_subset)}]},
            {"route": route},
        ]
    elif scenario.name == "timeout":
        http = [{"route": route, "timeout": scenario.timeout}]
    elif scenario.name in ("delay", "abort"):
        if scenario.name == "delay":
            fault = {"delay": {"percentage": {"value": scenario.percentage}, "fixedDelay": scenario.delay}}
        else:
            fault = {"abort": {"percentage": {"value": scenario.percentage}, "httpStatus": scenario.abort_status}}
        if scenario.match:
            http = [{"match": [_header_match(scenario.match)], "fault": fault, "route": route}, {"route": route}]
        else:
            http = [{"fault": fault, "route": route}]
    elif scenario.name == "mirror":
        http = [{
            "route": [{"destination": _destination(scenario, scenario.subset), "weight": 100}],
            "mirror": _destination(scenario, scenario.mirror_subset),
            "mirrorPercentage": {"value": scenario.mirror_percentage},
        }]
    elif scenario.name == "rewrite":
        gateways = [n if ns == scenario.namespace else "%s/%s" % (ns, n) for ns, n in scenario.gateways]
        return objects + [{
            "apiVersion": scenario.api_version, "kind": "VirtualService",
            "metadata": _metadata(scenario, scenario.object_name),
            "spec": {
                "hosts": scenario.hosts, "gateways": gateways,
                "http": [{
                    "match": [{"uri": {"prefix": p}} for p in scenario.uri_prefixes],
                    "rewrite": {"uri": scenario.rewrite_uri},
                    "route": [{"destination": _destination(scenario, port=scenario.port)}],
                }],
            },
        }]
    if http is not None:
        objects.append({
            "apiVersion": scenario.api_version, "kind": "VirtualService",
            "metadata": _metadata(scenario, scenario.object_name),
            "spec": {"hosts": [scenario.host], "http": http},
        })
    return objects


def backend_service_name(scenario, subset):
    return "%s-%s" % (scenario.service, subset)


def _gateway_api(scenario, service):
    """Gateway API objects: a Service per subset (the API has no subsets) and an HTTPRoute bound to the host."""
    ports = (service.get("spec") or {}).get("ports") or []
    if not ports:
        raise ValidationError("service %s has no ports to route to" % scenario.service, parameter="service")
    port = scenario.port or ports[0]["port"]
    objects = []
    selector = dict((service.get("spec") or {}).get("selector") or {})
    for subset, labels in scenario.subsets:
        spec_ports = []
        for item in ports:
            entry = {"name": item.get("name"), "port": item["port"], "targetPort": item.get("targetPort") or item["port"],
                     "protocol": item.get("protocol") or "TCP", "appProtocol": item.get("appProtocol")}
            spec_ports.append(dict((k, v) for k, v in entry.items() if v is not None))
        merged = dict(selector)
        merged.update(labels)
        objects.append({
            "apiVersion": "v1", "kind": "Service",
            "metadata": _metadata(scenario, backend_service_name(scenario, subset)),
            "spec": {"ports": spec_ports, "selector": merged},
        })

    def backend(subset, weight=None):
        ref = {"name": backend_service_name(scenario, subset) if subset else scenario.service, "port": port}
        if weight is not None:
            ref["weight"] = weight
        return ref

    parent = [{"group": "", "kind": "Service", "name": scenario.service, "port": port}]
    hostnames = None
    if scenario.name == "subsets":
        return objects
    if scenario.name == "route_all":
        rules = [{"backendRefs": [backend(scenario.subset)]}]
    elif scenario.name == "weighted":
        rules = [{"backendRefs": [backend(s, w) for s, w in scenario.weights]}]
    elif scenario.name == "header_route":
        kind = {"exact": "Exact", "regex": "RegularExpression"}[scenario.match["type"]]
        rules = [
            {"matches": [{"headers": [{"type": kind, "name": scenario.match["header"], "value": scenario.match["value"]}]}],
             "backendRefs": [backend(scenario.match_subset)]},
            {"backendRefs": [backend(scenario.subset)]},
        ]
    elif scenario.name == "timeout":
        rules = [{"backendRefs": [backend(scenario.subset)],
                  "timeouts": {"request": gateway_api_duration(scenario.timeout_seconds)}}]
    elif scenario.name == "mirror":
        mirror = {"backendRef": {"name": backend_service_name(scenario, scenario.mirror_subset), "port": port}}
        if scenario.mirror_percentage != 100:
            mirror["percent"] = int(scenario.mirror_percentage)
        rules = [{"backendRefs": [backend(scenario.subset)],
                  "filters": [{"type": "RequestMirror", "requestMirror": mirror}]}]
    else:  # rewrite, through a Gateway API Gateway
        parent = []
        for ns, name in scenario.gateways:
            ref = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": name}
            if ns != scenario.namespace:
                ref["namespace"] = ns
            parent.append(ref)
        hostnames = [h for h in scenario.hosts if h != "*"] or None
        # replacePrefixMatch needs exactly one PathPrefix match per rule.
        rules = [{
            "matches": [{"path": {"type": "PathPrefix", "value": p}}],
            "filters": [{"type": "URLRewrite",
                         "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": scenario.rewrite_uri}}}],
            "backendRefs": [backend(None)],
        } for p in scenario.uri_prefixes]
    spec = {"parentRefs": parent, "rules": rules}
    if hostnames:
        spec["hostnames"] = hostnames
    objects.append({"apiVersion": GATEWAY_API_VERSION, "kind": "HTTPRoute",
                    "metadata": _metadata(scenario, scenario.object_name), "spec": spec})
    return objects


def _unshared(objects):
    """A copy without shared parts: rules share routes while rendering (deepcopy would keep them shared)."""
    return json.loads(json.dumps(objects))


def removal_refs(scenario):
    """``(api_version, kind, name)`` of every object ``render`` would produce, from the naming parameters alone."""
    refs = []
    if scenario.api == "gateway_api":
        refs.extend(("v1", "Service", backend_service_name(scenario, n)) for n, _labels in scenario.subsets)
        if scenario.name != "subsets":
            refs.append((GATEWAY_API_VERSION, "HTTPRoute", scenario.object_name))
        return refs
    if scenario.name != "rewrite":
        refs.append((scenario.api_version, "DestinationRule", scenario.object_name))
    if scenario.name not in ("subsets", "circuit_breaker") or scenario.subset:
        refs.append((scenario.api_version, "VirtualService", scenario.object_name))
    return refs


def render(scenario, service=None):
    """The manifests of ``scenario``; ``service`` is the host Service as read from the cluster (ports, selector)."""
    if scenario.api == "gateway_api":
        return _unshared(_gateway_api(scenario, service or {}))
    if scenario.name == "rewrite" and scenario.port is None:
        ports = ((service or {}).get("spec") or {}).get("ports") or []
        if len(ports) == 1:
            scenario.port = ports[0]["port"]
    return _unshared(_istio(scenario))
