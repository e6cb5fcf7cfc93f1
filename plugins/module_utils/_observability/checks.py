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

BOOKINFO_APPS = ("productpage", "details", "reviews", "ratings")


def proxy_get(client, namespace, service, port, path, query):
    """GET ``path`` on ``service:port`` through the API server; the decoded JSON body."""
    api = client.client
    resource_path = "/api/v1/namespaces/%s/services/%s:%s/proxy%s" % (namespace, service, port, path)
    try:
        response = api.call_api(
            resource_path, "GET", query_params=list(query.items()), header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"], _preload_content=False, _return_http_data_only=True, _request_timeout=30,
        )
    except ApiException as exc:
        raise ClusterError("%s/%s:%s%s answered %s" % (namespace, service, port, path, api_error_message(exc)))
    try:
        return json.loads(response.data.decode("utf-8"))
    except ValueError:
        raise ClusterError("%s/%s:%s%s did not answer JSON" % (namespace, service, port, path))


def prometheus(client, namespace, app, app_namespace, lookback):
    query = 'sum(increase(istio_requests_total{destination_app="%s", destination_workload_namespace="%s"}[%ds]))' % (
        app, app_namespace, lookback)
    body = proxy_get(client, namespace, "prometheus", 9090, "/api/v1/query", {"query": query})
    values = [float(r["value"][1]) for r in (body.get("data") or {}).get("result", [])]
    total = sum(values)
    return total > 0, "istio_requests_total for %s.%s grew by %.0f in %ds" % (app, app_namespace, total, lookback)


def _traces(body):
    data = body.get("data") if isinstance(body, dict) else body
    return data or []


def jaeger(client, namespace, app, app_namespace, lookback):
    service = "%s.%s" % (app, app_namespace)
    body = proxy_get(client, namespace, "tracing", 80, "/jaeger/api/traces",
                     {"service": service, "lookback": "%ds" % lookback, "limit": "20"})
    count = len(_traces(body))
    return count > 0, "Jaeger returned %d trace(s) for %s" % (count, service)


def zipkin(client, namespace, app, app_namespace, lookback):
    service = "%s.%s" % (app, app_namespace)
    body = proxy_get(client, namespace, "zipkin", 9411, "/api/v2/traces",
                     {"serviceName": service, "lookback": str(lookback * 1000), "limit": "20"})
    count = len(_traces(body))
    return count > 0, "Zipkin returned %d trace(s) for %s" % (count, service)


def kiali(client, namespace, app, app_namespace, lookback):
    body = proxy_get(client, namespace, "kiali", 20001, "/kiali/api/namespaces/graph",
                     {"namespaces": app_namespace, "graphType": "app", "duration": "%ds" % lookback})
    nodes = ((body.get("elements") or {}).get("nodes") or [])
    apps = sorted(set((n.get("data") or {}).get("app") for n in nodes if (n.get("data") or {}).get("app")))
    missing = [a for a in (BOOKINFO_APPS if app == "productpage" else (app,)) if a not in apps]
    return not missing, "Kiali's graph of %s has %s%s" % (
        app_namespace, ", ".join(apps) or "no nodes", "; missing %s" % ", ".join(missing) if missing else "")


CHECKS = {"prometheus": prometheus, "jaeger": jaeger, "zipkin": zipkin, "kiali": kiali}


def run(module):
    params = module.params
    result = {"changed": False, "skipped": False, "skip_reason": None, "checks": {}}
    reason = k8s_cluster.data_plane_skip_reason(module.client)
    if reason:
        result.update(skipped=True, skip_reason=reason,
                      checks=dict((name, {"status": "skipped", "detail": reason}) for name in params["checks"]))
        return result
    failed = []
    for name in params["checks"]:
        try:
            passed, detail = CHECKS[name](module.client, params["namespace"], params["app"], params["app_namespace"],
                                          params["lookback"])
        except ClusterError as exc:
            passed, detail = False, exc.msg
        result["checks"][name] = {"status": "passed" if passed else "failed", "detail": detail}
        if not passed:
            failed.append("%s: %s" % (name, detail))
    if failed:
        raise ClusterError("Not every tool saw the traffic: %s" % "; ".join(failed), checks=result["checks"])
    return result
