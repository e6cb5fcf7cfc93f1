# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ask each observability tool, through the API server's service proxy, whether it saw an application's traffic.

The service proxy needs no port-forward and no route from the control node to the pods; it does
need real pods behind the Services, so on simulated nodes every check is skipped with the reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, api_error_message
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
from ansible_collections.oke.istio.plugins.module_utils._k8s import cluster as k8s_cluster
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import get_resource, read_object

BOOKINFO_APPS = ("productpage", "details", "reviews", "ratings")
# Every product page request crosses these three; reviews v1 does not call ratings, so ratings is only in some traces.
PRODUCT_PAGE_TRACE = ("productpage", "details", "reviews")
UPSTREAM_ENVOY_NO_ISTIO_METRICS = ("Kiali draws its graph from the istio_* metrics, which upstream Envoy does not "
                                   "produce (its stats filter is Istio's own build)")


def _get(api, resource_path, query, timeout=30):
    """GET ``resource_path`` of the API server with ``query``: (status, body bytes). The Kubernetes client's low-level
    call changed shape with its generator (version 32): both are served."""
    headers = {"Accept": "application/json"}
    if hasattr(api, "param_serialize"):
        method, url, headers, body, post = api.param_serialize(
            "GET", resource_path, query_params=list(query.items()), header_params=headers, auth_settings=["BearerToken"])
        response = api.call_api(method, url, headers, body, post, _request_timeout=timeout)
        return response.status, response.read()
    response = api.call_api(resource_path, "GET", query_params=list(query.items()), header_params=headers,
                            auth_settings=["BearerToken"], _preload_content=False, _return_http_data_only=True,
                            _request_timeout=timeout)
    return getattr(response, "status", 200), response.data


def proxy_get(client, namespace, service, port, path, query):
    """GET ``path`` on ``service:port`` through the API server; the decoded JSON body."""
    resource_path = "/api/v1/namespaces/%s/services/%s:%s/proxy%s" % (namespace, service, port, path)
    where = "%s/%s:%s%s" % (namespace, service, port, path)
    try:
        status, data = _get(client.client, resource_path, query)
    except ApiException as exc:
        raise ClusterError("%s answered %s" % (where, api_error_message(exc)))
    if status >= 400:
        raise ClusterError("%s answered HTTP %s: %s" % (where, status, (data or b"")[:300].decode("utf-8", "replace")))
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        raise ClusterError("%s did not answer JSON" % where)


class Check(object):
    """What one check asks: the tools' namespace, the application and how far back its traffic may be."""

    def __init__(self, client, params):
        self.client = client
        self.namespace = params["namespace"]
        self.app = params["app"]
        self.app_namespace = params["app_namespace"]
        self.lookback = params["lookback"]
        self.proxy = params.get("proxy") or "istio"
        self.trace_services = params.get("trace_services") or (
            list(PRODUCT_PAGE_TRACE) if self.app == "productpage" else [self.app])

    def query(self, service, port, path, query):
        return proxy_get(self.client, self.namespace, service, port, path, query)


def _vector(body):
    return [(r.get("metric") or {}, float(r["value"][1])) for r in (body.get("data") or {}).get("result", [])]


def prometheus(check):
    """Istio's proxies: istio_requests_total to the app. Upstream Envoy: Envoy's request counts per cluster to the app
    (one per subset: outbound|port|subset|host), as totals, and how much they grew in the lookback."""
    if check.proxy == "istio":
        query = 'sum(increase(istio_requests_total{destination_app="%s", destination_workload_namespace="%s"}[%ds]))' % (
            check.app, check.app_namespace, check.lookback)
        total = sum(v for _m, v in _vector(check.query("prometheus", 9090, "/api/v1/query", {"query": query})))
        return total > 0, "istio_requests_total for %s.%s grew by %.0f in %ds" % (
            check.app, check.app_namespace, total, check.lookback), {"increase": total}
    selector = 'envoy_cluster_upstream_rq_total{cluster_name=~"outbound\\\\|[0-9]+\\\\|[^|]*\\\\|%s\\\\.%s\\\\..*"}' % (
        check.app, check.app_namespace)

    def totals(offset=""):
        query = "sum by (cluster_name) (%s%s)" % (selector, offset)
        return dict((m.get("cluster_name", ""), v) for m, v in _vector(check.query(
            "prometheus", 9090, "/api/v1/query", {"query": query})))

    now, before = totals(), totals(" offset %ds" % check.lookback)
    # Envoy counts from zero when a cluster appears, so a cluster absent a lookback ago grew by all it counted;
    # increase() would miss it, as it needs two samples of a series.
    grown = sum(max(value - before.get(name, 0.0), 0.0) for name, value in now.items())
    counts = ", ".join("%s %.0f" % (name, value) for name, value in sorted(now.items())) or "no cluster"
    return grown > 0, "Envoy's requests to %s.%s (envoy_cluster_upstream_rq_total) grew by %.0f in %ds; totals: %s" % (
        check.app, check.app_namespace, grown, check.lookback, counts), {"increase": grown, "totals": now}


def _service_of(name):
    """``productpage.bookinfo`` (Istio's tracing service name) -> ``productpage``."""
    return (name or "").split(".", 1)[0]


def zipkin_spans(trace):
    """(span id, parent id or None, app) of a Zipkin v2 trace."""
    return [(s.get("id"), s.get("parentId"), _service_of((s.get("localEndpoint") or {}).get("serviceName")))
            for s in trace or []]


def jaeger_spans(trace):
    """(span id, parent id or None, app) of a Jaeger trace (JSON of its query API)."""
    processes = trace.get("processes") or {}
    spans = []
    for s in trace.get("spans") or []:
        parents = [r.get("spanID") for r in s.get("references") or [] if r.get("refType") == "CHILD_OF"]
        service = (processes.get(s.get("processID")) or {}).get("serviceName")
        spans.append((s.get("spanID"), parents[0] if parents else None, _service_of(service)))
    return spans


def linked_trace(traces, wanted):
    """The first trace (a list of spans) whose spans name every app of ``wanted`` and whose every parent is one of
    its spans; with what the traces held when none does."""
    seen = set()
    for spans in traces:
        ids = set(span_id for span_id, _parent, _app in spans)
        apps = set(app for _id, _parent, app in spans if app)
        seen |= apps
        orphans = [span_id for span_id, parent, _app in spans if parent and parent not in ids]
        if set(wanted) <= apps and not orphans:
            return spans, seen
    return None, seen


def _traces(check, tool, traces, to_spans):
    wanted = check.trace_services
    found, seen = linked_trace([to_spans(t) for t in traces], wanted)
    data = {"traces": len(traces), "services": sorted(seen)}
    if found is None:
        return False, "%s returned %d trace(s) of %s.%s; none links %s (services seen: %s)" % (
            tool, len(traces), check.app, check.app_namespace, ", ".join(wanted), ", ".join(sorted(seen)) or "none"), data
    apps = sorted(set(app for _id, _parent, app in found if app))
    data.update(spans=len(found), trace_services=apps)
    return True, "%s returned %d trace(s) of %s.%s; one of %d spans links %s, every parent in the trace" % (
        tool, len(traces), check.app, check.app_namespace, len(found), ", ".join(apps)), data


def jaeger(check):
    service = "%s.%s" % (check.app, check.app_namespace)
    body = check.query("tracing", 80, "/jaeger/api/traces", {"service": service, "lookback": "%ds" % check.lookback, "limit": "20"})
    traces = (body.get("data") if isinstance(body, dict) else body) or []
    return _traces(check, "Jaeger", traces, jaeger_spans)


def zipkin(check):
    service = "%s.%s" % (check.app, check.app_namespace)
    body = check.query("zipkin", 9411, "/api/v2/traces",
                       {"serviceName": service, "lookback": str(check.lookback * 1000), "limit": "20"})
    return _traces(check, "Zipkin", body if isinstance(body, list) else [], zipkin_spans)


def kiali(check):
    if check.proxy != "istio":
        return None, UPSTREAM_ENVOY_NO_ISTIO_METRICS, {}
    body = check.query("kiali", 20001, "/kiali/api/namespaces/graph",
                       {"namespaces": check.app_namespace, "graphType": "app", "duration": "%ds" % check.lookback})
    nodes = ((body.get("elements") or {}).get("nodes") or [])
    apps = sorted(set((n.get("data") or {}).get("app") for n in nodes if (n.get("data") or {}).get("app")))
    missing = [a for a in (BOOKINFO_APPS if check.app == "productpage" else (check.app,)) if a not in apps]
    return not missing, "Kiali's graph of %s has %s%s" % (
        check.app_namespace, ", ".join(apps) or "no nodes", "; missing %s" % ", ".join(missing) if missing else ""), {}


CHECKS = {"prometheus": prometheus, "jaeger": jaeger, "zipkin": zipkin, "kiali": kiali}
# The Service each tool answers on (the addons role's names).
SERVICES = {"prometheus": "prometheus", "jaeger": "tracing", "zipkin": "zipkin", "kiali": "kiali"}


def not_installed(check, name):
    """Why ``name`` cannot be asked (its Service is missing), or None."""
    service = SERVICES[name]
    found = read_object(get_resource(check.client, "v1", "Service"), ObjectRef("v1", "Service", service, check.namespace))
    if found is None:
        return "no %s Service in %s: %s is not installed there (the addons role installs it), so nothing can be read back" % (
            service, check.namespace, name)
    return None


STATUS = {True: "passed", False: "failed", None: "skipped"}


def run(module):
    params = module.params
    result = {"changed": False, "skipped": False, "skip_reason": None, "checks": {}}
    reason = k8s_cluster.data_plane_skip_reason(module.client)
    if reason:
        result.update(skipped=True, skip_reason=reason,
                      checks=dict((name, {"status": "skipped", "detail": reason}) for name in params["checks"]))
        return result
    check = Check(module.client, params)
    failed = []
    for name in params["checks"]:
        try:
            missing = not_installed(check, name)
            passed, detail, data = (None, missing, {}) if missing else CHECKS[name](check)
        except ClusterError as exc:
            passed, detail, data = False, exc.msg, {}
        result["checks"][name] = dict(data, status=STATUS[passed], detail=detail)
        if passed is False:
            failed.append("%s: %s" % (name, detail))
    if failed:
        raise ClusterError("Not every tool saw the traffic: %s" % "; ".join(failed), checks=result["checks"])
    return result
