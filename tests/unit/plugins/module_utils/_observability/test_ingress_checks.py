# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import re

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._observability import checks, ingress


class Instance(object):
    def __init__(self, data):
        self.data = data

    def to_dict(self):
        return self.data


class Resource(object):
    namespaced = True

    def __init__(self, objects):
        self.objects = objects

    def get(self, name=None, namespace=None, **kwargs):
        if name is None:
            return Instance({"items": list(self.objects.values())})
        if name not in self.objects:
            from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException

            raise ApiException(status=404, reason="Not Found")
        return Instance(self.objects[name])


class Resources(object):
    def __init__(self, kinds):
        self.kinds = kinds

    def get(self, api_version=None, kind=None):
        return self.kinds[kind]


class Response(object):
    def __init__(self, body):
        self.data = json.dumps(body).encode("utf-8")


class ApiClient(object):
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def call_api(self, path, method, query_params=None, **kwargs):
        self.calls.append((path, dict(query_params or [])))
        for prefix, body in self.answers.items():
            if path.startswith(prefix):
                return Response(body)
        raise AssertionError("unexpected call %s" % path)


class Client(object):
    def __init__(self, services=(), nodes=(), answers=None):
        self.resources = Resources({
            "Service": Resource(dict((s["metadata"]["name"], s) for s in services)),
            "Node": Resource(dict((n["metadata"]["name"], n) for n in nodes)),
        })
        self.client = ApiClient(answers or {})


def gateway(service_type="LoadBalancer", ingress_status=None):
    return {
        "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system"},
        "spec": {"type": service_type, "clusterIP": "10.96.0.10", "ports": [
            {"name": "status-port", "port": 15021, "nodePort": 30021},
            {"name": "http2", "port": 80, "nodePort": 30080},
            {"name": "https", "port": 443, "nodePort": 30443}]},
        "status": {"loadBalancer": {"ingress": ingress_status or []}},
    }


def node(name, addresses):
    return {"metadata": {"name": name}, "status": {"addresses": [{"type": t, "address": a} for t, a in addresses]}}


def test_a_load_balancer_ip_wins():
    client = Client([gateway(ingress_status=[{"ip": "203.0.113.25"}])])
    found = ingress.gateway_address(client, "istio-system", "istio-ingressgateway")
    assert (found["host"], found["port"], found["secure_port"], found["source"]) == ("203.0.113.25", 80, 443, "load_balancer")


def test_a_load_balancer_host_name_is_used_as_it_is():
    client = Client([gateway(ingress_status=[{"hostname": "lb.example.com"}])])
    assert ingress.gateway_address(client, "istio-system", "istio-ingressgateway")["host"] == "lb.example.com"


def test_without_an_address_the_node_ports_are_used_external_ip_first():
    client = Client([gateway()], [node("a", [("InternalIP", "10.0.10.5")]), node("b", [("ExternalIP", "198.51.100.7")])])
    found = ingress.gateway_address(client, "istio-system", "istio-ingressgateway")
    assert (found["host"], found["port"], found["secure_port"]) == ("198.51.100.7", 30080, 30443)
    assert found["source"] == "node_port_externalip" and "falling back" in found["note"]


def test_node_port_service_on_internal_addresses():
    client = Client([gateway("NodePort")], [node("a", [("InternalIP", "10.0.10.5")])])
    found = ingress.gateway_address(client, "istio-system", "istio-ingressgateway")
    assert (found["host"], found["port"], found["source"]) == ("10.0.10.5", 30080, "node_port_internalip")


def test_cluster_ip_is_reported_as_in_cluster_only():
    found = ingress.gateway_address(Client([gateway("ClusterIP")]), "istio-system", "istio-ingressgateway")
    assert found["source"] == "cluster_ip" and "inside the cluster" in found["note"]


def test_a_missing_gateway_or_port_names_the_parameter():
    with pytest.raises(ValidationError) as exc:
        ingress.gateway_address(Client(), "istio-system", "istio-ingressgateway")
    assert exc.value.msg.startswith("service:")
    only_tls = gateway()
    only_tls["spec"]["ports"] = [p for p in only_tls["spec"]["ports"] if p["port"] != 80]
    with pytest.raises(ValidationError) as exc:
        ingress.gateway_address(Client([only_tls]), "istio-system", "istio-ingressgateway", port_name="web")
    assert exc.value.msg.startswith("port_name:") and "web" in exc.value.msg


PROXY = "/api/v1/namespaces/istio-system/services/"


def check(client, **params):
    return checks.Check(client, dict(dict(namespace="istio-system", app="productpage", app_namespace="bookinfo",
                                          lookback=600), **params))


def test_prometheus_counts_istio_requests_through_the_service_proxy():
    client = Client(answers={PROXY + "prometheus:9090/proxy/api/v1/query": {
        "status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "42"]}]}}})
    passed, detail, data = checks.prometheus(check(client))
    assert passed and "42" in detail and data == {"increase": 42}
    assert 'destination_app="productpage"' in client.client.calls[0][1]["query"]


def promql_string(text):
    """A PromQL double-quoted string's value, refusing the escapes PromQL refuses (as Go's strconv.Unquote)."""
    escapes = {"\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
    value, chars = "", iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            assert escaped in escapes, "unknown escape sequence \\%s in %s" % (escaped, text)
            char = escapes[escaped]
        value += char
    return value


def test_prometheus_on_upstream_envoy_counts_envoys_requests_per_subset():
    totals = [{"metric": {"cluster_name": "outbound|9080|v%d|reviews.bookinfo.svc.cluster.local" % v}, "value": [1, str(v * 10)]}
              for v in (1, 2)]
    # Now v1 10 and v2 20; a lookback ago v1 was 3 and v2 did not exist yet (Envoy counted all 20 since).
    earlier = [dict(totals[0], value=[0, "3"])]
    answers = iter([totals, earlier])

    class InTurn(ApiClient):
        def call_api(self, path, method, query_params=None, **kwargs):
            self.calls.append((path, dict(query_params or [])))
            return Response({"status": "success", "data": {"result": next(answers)}})

    client = Client()
    client.client = InTurn({})
    passed, detail, data = checks.prometheus(check(client, app="reviews", proxy="upstream"))
    assert passed and data["increase"] == 27
    assert data["totals"] == {"outbound|9080|v1|reviews.bookinfo.svc.cluster.local": 10,
                              "outbound|9080|v2|reviews.bookinfo.svc.cluster.local": 20}
    first = client.client.calls[0][1]["query"]
    assert first.startswith("sum by (cluster_name) (envoy_cluster_upstream_rq_total{")
    assert client.client.calls[1][1]["query"].endswith("} offset 600s)")
    # The regex matches every subset's cluster to reviews.bookinfo and nothing else.
    regex = promql_string(re.search(r'cluster_name=~"(.*)"', first).group(1))
    names = ["outbound|9080|v1|reviews.bookinfo.svc.cluster.local", "outbound|9080||reviews.bookinfo.svc.cluster.local",
             "inbound|9080||", "outbound|9080|v1|reviews.other.svc.cluster.local", "outbound|9080||ratings.bookinfo.svc.cluster.local"]
    assert [bool(re.match(regex + "$", n)) for n in names] == [True, True, False, False, False]


ZIPKIN_TRACE = [
    {"traceId": "t", "id": "a", "localEndpoint": {"serviceName": "productpage.bookinfo"}},
    {"traceId": "t", "id": "b", "parentId": "a", "localEndpoint": {"serviceName": "details.bookinfo"}},
    {"traceId": "t", "id": "c", "parentId": "a", "localEndpoint": {"serviceName": "reviews.bookinfo"}},
    {"traceId": "t", "id": "d", "parentId": "c", "localEndpoint": {"serviceName": "ratings.bookinfo"}},
]


def test_zipkin_needs_one_trace_linking_the_services():
    client = Client(answers={PROXY + "zipkin:9411/proxy/api/v2/traces": [ZIPKIN_TRACE[:1], ZIPKIN_TRACE]})
    passed, detail, data = checks.zipkin(check(client, trace_services=list(checks.BOOKINFO_APPS)))
    assert passed and data["spans"] == 4 and data["trace_services"] == ["details", "productpage", "ratings", "reviews"]
    assert client.client.calls[0][1]["serviceName"] == "productpage.bookinfo"


def test_a_trace_with_a_missing_parent_or_service_does_not_count():
    orphan = ZIPKIN_TRACE[:2] + [dict(ZIPKIN_TRACE[2], parentId="gone")]
    client = Client(answers={PROXY + "zipkin:9411/proxy/api/v2/traces": [orphan, ZIPKIN_TRACE[:2]]})
    passed, detail, data = checks.zipkin(check(client))
    assert not passed and "none links productpage, details, reviews" in detail
    assert data["services"] == ["details", "productpage", "reviews"]


def test_jaeger_reads_parents_from_references_and_services_from_processes():
    processes = {"p1": {"serviceName": "productpage.bookinfo"}, "p2": {"serviceName": "details.bookinfo"},
                 "p3": {"serviceName": "reviews.bookinfo"}}
    trace = {"traceID": "t", "processes": processes,
             "spans": [{"spanID": "a", "processID": "p1", "references": []},
                       {"spanID": "b", "processID": "p2", "references": [{"refType": "CHILD_OF", "spanID": "a"}]},
                       {"spanID": "c", "processID": "p3", "references": [{"refType": "CHILD_OF", "spanID": "a"}]}]}
    client = Client(answers={PROXY + "tracing:80/proxy/jaeger/api/traces": {"data": [trace]}})
    passed, detail, data = checks.jaeger(check(client))
    assert passed and data["trace_services"] == ["details", "productpage", "reviews"]
    assert client.client.calls[0][1]["service"] == "productpage.bookinfo"
    assert checks.jaeger(check(Client(answers={PROXY + "tracing:80/proxy/jaeger/api/traces": {"data": []}})))[0] is False


def test_kiali_graph_must_hold_every_bookinfo_app():
    nodes = [{"data": {"app": a}} for a in ("productpage", "reviews", "ratings")]
    client = Client(answers={PROXY + "kiali:20001/proxy/kiali/api/namespaces/graph": {"elements": {"nodes": nodes}}})
    passed, detail, _data = checks.kiali(check(client))
    assert not passed and "missing details" in detail


def test_kiali_is_skipped_on_upstream_envoy_without_asking():
    client = Client()
    passed, detail, _data = checks.kiali(check(client, proxy="upstream"))
    assert passed is None and "istio_* metrics" in detail and not client.client.calls


def test_a_non_json_answer_is_a_cluster_error():
    class Text(ApiClient):
        def call_api(self, path, method, query_params=None, **kwargs):
            response = Response({})
            response.data = b"<html>"
            return response

    client = Client()
    client.client = Text({})
    with pytest.raises(ClusterError):
        checks.prometheus(check(client))


def test_a_tool_without_its_service_is_skipped_naming_it():
    tracing = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "tracing", "namespace": "istio-system"}}
    client = Client([tracing])
    assert checks.not_installed(check(client), "jaeger") is None
    reason = checks.not_installed(check(client), "zipkin")
    assert reason.startswith("no zipkin Service in istio-system") and "addons role" in reason
