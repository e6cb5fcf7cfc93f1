# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

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


def test_prometheus_counts_requests_through_the_service_proxy():
    client = Client(answers={PROXY + "prometheus:9090/proxy/api/v1/query": {
        "status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "42"]}]}}})
    passed, detail = checks.prometheus(client, "istio-system", "productpage", "bookinfo", 600)
    assert passed and "42" in detail
    assert 'destination_app="productpage"' in client.client.calls[0][1]["query"]


def test_jaeger_and_zipkin_need_traces():
    client = Client(answers={PROXY + "tracing:80/proxy/jaeger/api/traces": {"data": []},
                             PROXY + "zipkin:9411/proxy/api/v2/traces": [[{"traceId": "a"}]]})
    assert checks.jaeger(client, "istio-system", "productpage", "bookinfo", 600)[0] is False
    assert checks.zipkin(client, "istio-system", "productpage", "bookinfo", 600)[0] is True
    assert client.client.calls[0][1]["service"] == "productpage.bookinfo"


def test_kiali_graph_must_hold_every_bookinfo_app():
    nodes = [{"data": {"app": a}} for a in ("productpage", "reviews", "ratings")]
    client = Client(answers={PROXY + "kiali:20001/proxy/kiali/api/namespaces/graph": {"elements": {"nodes": nodes}}})
    passed, detail = checks.kiali(client, "istio-system", "productpage", "bookinfo", 600)
    assert not passed and "missing details" in detail


def test_a_non_json_answer_is_a_cluster_error():
    class Text(ApiClient):
        def call_api(self, path, method, query_params=None, **kwargs):
            response = Response({})
            response.data = b"<html>"
            return response

    client = Client()
    client.client = Text({})
    with pytest.raises(ClusterError):
        checks.prometheus(client, "istio-system", "productpage", "bookinfo", 600)
