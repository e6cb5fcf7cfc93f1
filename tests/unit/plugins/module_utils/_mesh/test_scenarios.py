# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh import scenario_objects, scenarios
from ansible_collections.oke.istio.plugins.module_utils._mesh.durations import gateway_api_duration, parse_duration

SERVICE = {"spec": {"selector": {"app": "reviews"},
                    "ports": [{"name": "http", "port": 9080, "targetPort": 9080, "protocol": "TCP"}]}}
PRODUCTPAGE = {"spec": {"selector": {"app": "productpage"}, "ports": [{"port": 9080}]}}
SUBSETS = ["v1", "v2", "v3"]


def render(live=None, **params):
    """Validate and render ``params``; ``live`` is the Service as the cluster returns it."""
    params.setdefault("namespace", "bookinfo")
    params.setdefault("service", "reviews")
    return scenario_objects.render(scenarios.validate(params), live or SERVICE)


def by_kind(objects):
    return dict((o["kind"], o) for o in objects)


def http_of(objects):
    return by_kind(objects)["VirtualService"]["spec"]["http"]


# -- rendering: Istio ------------------------------------------------------------------------------


def test_subsets_render_a_destination_rule_only():
    objects = render(scenario="subsets", subsets=SUBSETS)
    assert [o["kind"] for o in objects] == ["DestinationRule"]
    rule = objects[0]
    assert rule["apiVersion"] == "networking.istio.io/v1"
    assert rule["metadata"] == {"name": "reviews", "namespace": "bookinfo", "labels": {
        "app.kubernetes.io/managed-by": "oke.istio", "mesh.oke.istio/scenario": "subsets"}}
    assert rule["spec"] == {"host": "reviews", "subsets": [
        {"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}},
        {"name": "v3", "labels": {"version": "v3"}}]}


def test_subsets_may_carry_their_own_labels():
    objects = render(scenario="subsets", subsets=[{"name": "stable", "labels": {"track": "stable"}}, "v2"])
    assert objects[0]["spec"]["subsets"] == [{"name": "stable", "labels": {"track": "stable"}},
                                             {"name": "v2", "labels": {"version": "v2"}}]


def test_route_all():
    objects = render(scenario="route_all", subsets=SUBSETS, subset="v1")
    assert [o["kind"] for o in objects] == ["DestinationRule", "VirtualService"]
    assert objects[1]["spec"] == {"hosts": ["reviews"], "http": [
        {"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}]}


def test_older_api_version_is_selectable():
    objects = render(scenario="route_all", subsets=SUBSETS, subset="v1", api_version="networking.istio.io/v1beta1")
    assert set(o["apiVersion"] for o in objects) == set(["networking.istio.io/v1beta1"])


def test_weighted_keeps_the_order_given():
    http = http_of(render(scenario="weighted", subsets=SUBSETS, weights={"v3": 50, "v1": 50}))
    assert http == [{"route": [
        {"destination": {"host": "reviews", "subset": "v3"}, "weight": 50},
        {"destination": {"host": "reviews", "subset": "v1"}, "weight": 50}]}]


@pytest.mark.parametrize("kind", ["exact", "prefix", "regex"])
def test_header_route(kind):
    http = http_of(render(scenario="header_route", subsets=SUBSETS, subset="v1", match_subset="v2",
                          match={"header": "End-User", "value": "jason", "type": kind}))
    assert http == [
        {"match": [{"headers": {"end-user": {kind: "jason"}}}],
         "route": [{"destination": {"host": "reviews", "subset": "v2"}}]},
        {"route": [{"destination": {"host": "reviews", "subset": "v1"}}]},
    ]


def test_rewrite_behind_a_gateway():
    objects = render(PRODUCTPAGE, scenario="rewrite", service="productpage", uri_prefixes=["/products", "/bookinfoproductpage"],
                     rewrite_uri="/productpage", gateways=["bookinfo-gateway", "istio-system/shared"])
    assert [o["kind"] for o in objects] == ["VirtualService"]
    assert objects[0]["metadata"]["name"] == "productpage-rewrite"
    assert objects[0]["spec"] == {
        "hosts": ["*"], "gateways": ["bookinfo-gateway", "istio-system/shared"],
        "http": [{"match": [{"uri": {"prefix": "/products"}}, {"uri": {"prefix": "/bookinfoproductpage"}}],
                  "rewrite": {"uri": "/productpage"},
                  "route": [{"destination": {"host": "productpage", "port": {"number": 9080}}}]}]}


def test_timeout():
    http = http_of(render(scenario="timeout", subsets=SUBSETS, subset="v2", timeout="0.5s"))
    assert http == [{"route": [{"destination": {"host": "reviews", "subset": "v2"}}], "timeout": "0.5s"}]


def test_delay_for_one_user():
    http = http_of(render(scenario="delay", service="ratings", subsets=["v1"], subset="v1", delay="7s",
                          match={"header": "end-user", "value": "jason"}))
    route = [{"destination": {"host": "ratings", "subset": "v1"}}]
    assert http == [
        {"match": [{"headers": {"end-user": {"exact": "jason"}}}],
         "fault": {"delay": {"percentage": {"value": 100.0}, "fixedDelay": "7s"}}, "route": route},
        {"route": route},
    ]
    # Rules must not alias each other in the manifest.
    assert http[0]["route"] is not http[1]["route"]


def test_delay_for_everyone():
    http = http_of(render(scenario="delay", service="ratings", subsets=["v1"], subset="v1", delay="2s"))
    assert http == [{"fault": {"delay": {"percentage": {"value": 100.0}, "fixedDelay": "2s"}},
                     "route": [{"destination": {"host": "ratings", "subset": "v1"}}]}]


def test_abort_with_percentage():
    http = http_of(render(scenario="abort", service="ratings", subsets=["v1"], subset="v1", abort_status=503,
                          percentage=12.5))
    assert http[0]["fault"] == {"abort": {"percentage": {"value": 12.5}, "httpStatus": 503}}


def test_abort_defaults_to_500_for_all():
    http = http_of(render(scenario="abort", service="ratings", subsets=["v1"], subset="v1"))
    assert http[0]["fault"] == {"abort": {"percentage": {"value": 100.0}, "httpStatus": 500}}


def test_circuit_breaker():
    objects = render(scenario="circuit_breaker", service="productpage", subsets=["v1"], circuit_breaker={
        "max_connections": 1, "http1_max_pending_requests": 1, "max_requests_per_connection": 1,
        "consecutive_5xx_errors": 1, "interval": "1s", "base_ejection_time": "3m", "max_ejection_percent": 100})
    assert [o["kind"] for o in objects] == ["DestinationRule"]
    assert objects[0]["spec"] == {
        "host": "productpage",
        "trafficPolicy": {
            "connectionPool": {"tcp": {"maxConnections": 1},
                               "http": {"http1MaxPendingRequests": 1, "maxRequestsPerConnection": 1}},
            "outlierDetection": {"consecutive5xxErrors": 1, "interval": "1s", "baseEjectionTime": "3m",
                                 "maxEjectionPercent": 100}},
        "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}


def test_circuit_breaker_with_a_route():
    objects = render(scenario="circuit_breaker", service="productpage", subsets=["v1"], subset="v1",
                     circuit_breaker={"max_connections": 1})
    assert [o["kind"] for o in objects] == ["DestinationRule", "VirtualService"]


def test_mirror():
    http = http_of(render(scenario="mirror", subsets=SUBSETS, subset="v1", mirror_subset="v2", mirror_percentage=100))
    assert http == [{"route": [{"destination": {"host": "reviews", "subset": "v1"}, "weight": 100}],
                     "mirror": {"host": "reviews", "subset": "v2"}, "mirrorPercentage": {"value": 100.0}}]


def test_service_in_another_namespace_is_routed_by_fqdn():
    objects = render(scenario="route_all", service="reviews.other", subsets=["v1"], subset="v1")
    assert objects[1]["spec"]["hosts"] == ["reviews.other.svc.cluster.local"]
    assert objects[1]["metadata"]["namespace"] == "bookinfo"


# -- rendering: Gateway API ------------------------------------------------------------------------


def test_gateway_api_backends_per_subset():
    objects = render(scenario="weighted", api="gateway_api", subsets=SUBSETS, weights={"v1": 50, "v3": 50})
    services = [o for o in objects if o["kind"] == "Service"]
    assert [s["metadata"]["name"] for s in services] == ["reviews-v1", "reviews-v2", "reviews-v3"]
    assert services[0]["spec"] == {"ports": [{"name": "http", "port": 9080, "targetPort": 9080, "protocol": "TCP"}],
                                   "selector": {"app": "reviews", "version": "v1"}}
    route = by_kind(objects)["HTTPRoute"]
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["spec"] == {
        "parentRefs": [{"group": "", "kind": "Service", "name": "reviews", "port": 9080}],
        "rules": [{"backendRefs": [{"name": "reviews-v1", "port": 9080, "weight": 50},
                                   {"name": "reviews-v3", "port": 9080, "weight": 50}]}]}


def test_gateway_api_header_match():
    rules = by_kind(render(scenario="header_route", api="gateway_api", subsets=SUBSETS, subset="v1", match_subset="v2",
                           match={"header": "end-user", "value": "^j.*n$", "type": "regex"}))["HTTPRoute"]["spec"]["rules"]
    assert rules[0]["matches"] == [{"headers": [{"type": "RegularExpression", "name": "end-user", "value": "^j.*n$"}]}]
    assert rules[1] == {"backendRefs": [{"name": "reviews-v1", "port": 9080}]}


def test_gateway_api_timeout_uses_its_duration_format():
    rules = by_kind(render(scenario="timeout", api="gateway_api", subsets=SUBSETS, subset="v2",
                           timeout="0.5s"))["HTTPRoute"]["spec"]["rules"]
    assert rules == [{"backendRefs": [{"name": "reviews-v2", "port": 9080}], "timeouts": {"request": "500ms"}}]


def test_gateway_api_mirror_with_percent():
    rules = by_kind(render(scenario="mirror", api="gateway_api", subsets=SUBSETS, subset="v1", mirror_subset="v2",
                           mirror_percentage=50))["HTTPRoute"]["spec"]["rules"]
    assert rules[0]["filters"] == [{"type": "RequestMirror", "requestMirror": {
        "backendRef": {"name": "reviews-v2", "port": 9080}, "percent": 50}}]


def test_gateway_api_rewrite_has_one_rule_per_prefix():
    objects = render(PRODUCTPAGE, scenario="rewrite", api="gateway_api", service="productpage",
                     uri_prefixes=["/products", "/bookinfoproductpage"], rewrite_uri="/productpage",
                     gateways=["bookinfo-gateway"], hosts=["bookinfo.example.com"])
    assert [o["kind"] for o in objects] == ["HTTPRoute"]
    spec = objects[0]["spec"]
    assert spec["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "bookinfo-gateway"}]
    assert spec["hostnames"] == ["bookinfo.example.com"]
    assert [r["matches"] for r in spec["rules"]] == [
        [{"path": {"type": "PathPrefix", "value": "/products"}}],
        [{"path": {"type": "PathPrefix", "value": "/bookinfoproductpage"}}],
    ]
    assert spec["rules"][0]["filters"][0]["urlRewrite"] == {
        "path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/productpage"}}


def test_removal_refs_match_what_render_produces():
    cases = [
        dict(scenario="route_all", subsets=SUBSETS, subset="v1"),
        dict(scenario="subsets", subsets=SUBSETS),
        dict(scenario="circuit_breaker", subsets=["v1"], circuit_breaker={"max_connections": 1}),
        dict(scenario="circuit_breaker", subsets=["v1"], subset="v1", circuit_breaker={"max_connections": 1}),
        dict(scenario="rewrite", uri_prefixes=["/a"], rewrite_uri="/b", gateways=["gw"]),
        dict(scenario="mirror", api="gateway_api", subsets=SUBSETS, subset="v1", mirror_subset="v2"),
        dict(scenario="subsets", api="gateway_api", subsets=SUBSETS),
    ]
    for params in cases:
        params.update(namespace="bookinfo", service="reviews")
        rendered = sorted((o["apiVersion"], o["kind"], o["metadata"]["name"])
                          for o in scenario_objects.render(scenarios.validate(params), SERVICE))
        removal = dict((k, v) for k, v in params.items()
                       if k in ("scenario", "namespace", "service", "api", "subsets", "subset", "name"))
        assert sorted(scenario_objects.removal_refs(scenarios.validate(removal, removal=True))) == rendered, params


# -- validation: every error names its parameter ----------------------------------------------------

BASE = dict(namespace="bookinfo", service="reviews")

INVALID = [
    (dict(scenario="teleport"), "scenario"),
    (dict(scenario="route_all", subsets=SUBSETS), "subset"),
    (dict(scenario="route_all", subset="v1"), "subsets"),
    (dict(scenario="route_all", subsets=SUBSETS, subset="v9"), "subset"),
    (dict(scenario="weighted", subsets=SUBSETS, weights={"v1": 50, "v3": 40}), "weights"),
    (dict(scenario="weighted", subsets=SUBSETS, weights={"v1": 50, "v4": 50}), "weights"),
    (dict(scenario="weighted", subsets=SUBSETS, weights={"v1": "half", "v3": 50}), "weights.v1"),
    (dict(scenario="weighted", subsets=SUBSETS, weights={"v1": 150, "v3": -50}), "weights.v1"),
    (dict(scenario="weighted", subsets=SUBSETS, weights={"v1": 50.5, "v3": 49.5}), "weights.v1"),
    (dict(scenario="weighted", subsets=SUBSETS, weights={}), "weights"),
    (dict(scenario="route_all", subsets=SUBSETS, subset="v1", weights={"v1": 100}), "weights"),
    (dict(scenario="header_route", subsets=SUBSETS, subset="v1", match_subset="v2",
          match={"header": "end user", "value": "jason"}), "match.header"),
    (dict(scenario="header_route", subsets=SUBSETS, subset="v1", match_subset="v2",
          match={"header": "end-user", "value": "jason", "type": "glob"}), "match.type"),
    (dict(scenario="header_route", subsets=SUBSETS, subset="v1", match_subset="v2",
          match={"header": "end-user", "value": "(jason", "type": "regex"}), "match.value"),
    (dict(scenario="header_route", subsets=SUBSETS, subset="v1", match_subset="v2",
          match={"header": "end-user", "value": ""}), "match.value"),
    (dict(scenario="header_route", subsets=SUBSETS, subset="v1", match_subset="v2",
          match={"header": "end-user", "value": "j", "kind": "exact"}), "match"),
    (dict(scenario="header_route", subsets=SUBSETS, subset="v1", match_subset="v7",
          match={"header": "end-user", "value": "jason"}), "match_subset"),
    (dict(scenario="header_route", api="gateway_api", subsets=SUBSETS, subset="v1", match_subset="v2",
          match={"header": "end-user", "value": "ja", "type": "prefix"}), "match.type"),
    (dict(scenario="rewrite", uri_prefixes=["products"], rewrite_uri="/productpage", gateways=["gw"]), "uri_prefixes[0]"),
    (dict(scenario="rewrite", uri_prefixes=["/products"], rewrite_uri="productpage", gateways=["gw"]), "rewrite_uri"),
    (dict(scenario="rewrite", uri_prefixes=["/products"], rewrite_uri="/productpage"), "gateways"),
    (dict(scenario="rewrite", uri_prefixes=["/products"], rewrite_uri="/p", gateways=["a/b/c"]), "gateways"),
    (dict(scenario="rewrite", uri_prefixes=["/products"], rewrite_uri="/p", gateways=["gw"], port=70000), "port"),
    (dict(scenario="timeout", subsets=SUBSETS, subset="v2", timeout="half a second"), "timeout"),
    (dict(scenario="timeout", subsets=SUBSETS, subset="v2", timeout="0.5"), "timeout"),
    (dict(scenario="timeout", subsets=SUBSETS, subset="v2", timeout="0s"), "timeout"),
    (dict(scenario="delay", subsets=SUBSETS, subset="v2", delay="7 s"), "delay"),
    (dict(scenario="delay", subsets=SUBSETS, subset="v2", delay="7s", percentage=120), "percentage"),
    (dict(scenario="delay", subsets=SUBSETS, subset="v2", delay="7s", percentage="lots"), "percentage"),
    (dict(scenario="delay", subsets=SUBSETS, subset="v2"), "delay"),
    (dict(scenario="delay", api="gateway_api", subsets=SUBSETS, subset="v2", delay="7s"), "api"),
    (dict(scenario="abort", subsets=SUBSETS, subset="v2", abort_status=700), "abort_status"),
    (dict(scenario="abort", subsets=SUBSETS, subset="v2", percentage=-1), "percentage"),
    (dict(scenario="circuit_breaker", subsets=["v1"], circuit_breaker={"max_conns": 1}), "circuit_breaker"),
    (dict(scenario="circuit_breaker", subsets=["v1"], circuit_breaker={"interval": "soon"}), "circuit_breaker.interval"),
    (dict(scenario="circuit_breaker", subsets=["v1"], circuit_breaker={"max_connections": 0}),
     "circuit_breaker.max_connections"),
    (dict(scenario="circuit_breaker", subsets=["v1"], circuit_breaker={"max_ejection_percent": 101}),
     "circuit_breaker.max_ejection_percent"),
    (dict(scenario="circuit_breaker", subsets=["v1"]), "circuit_breaker"),
    (dict(scenario="mirror", subsets=SUBSETS, subset="v1", mirror_subset="v1"), "mirror_subset"),
    (dict(scenario="mirror", subsets=SUBSETS, subset="v1", mirror_subset="v5"), "mirror_subset"),
    (dict(scenario="mirror", subsets=SUBSETS, subset="v1", mirror_subset="v2", mirror_percentage=100.5),
     "mirror_percentage"),
    (dict(scenario="mirror", api="gateway_api", subsets=SUBSETS, subset="v1", mirror_subset="v2",
          mirror_percentage=12.5), "mirror_percentage"),
    (dict(scenario="subsets", subsets=["v1", "v1"]), "subsets"),
    (dict(scenario="subsets", subsets=["V1!"]), "subsets[0].name"),
    (dict(scenario="subsets", subsets=[{"name": "v1", "labels": {"version": "not valid!"}}]), "subsets"),
    (dict(scenario="subsets", subsets=[{"name": "v1", "tags": {}}]), "subsets"),
    (dict(scenario="subsets", subsets=[42]), "subsets"),
    (dict(scenario="subsets", subsets=SUBSETS, service="Reviews"), "service"),
    (dict(scenario="subsets", subsets=SUBSETS, service="a.b.c"), "service"),
    (dict(scenario="subsets", subsets=SUBSETS, service=""), "service"),
    (dict(scenario="subsets", subsets=SUBSETS, api="gateway_api", service="reviews.other"), "service"),
    (dict(scenario="subsets", subsets=SUBSETS, namespace="Book_Info"), "namespace"),
    (dict(scenario="subsets", subsets=SUBSETS, name="bad..name!"), "name"),
    (dict(scenario="subsets", subsets=SUBSETS, api_version="networking.istio.io/v2"), "api_version"),
]


@pytest.mark.parametrize("params,parameter", INVALID, ids=["%s-%s" % (p.get("scenario"), n) for p, n in INVALID])
def test_invalid_input_names_the_parameter(params, parameter):
    merged = dict(BASE)
    merged.update(params)
    with pytest.raises(ValidationError) as info:
        scenarios.validate(merged)
    assert info.value.details["parameter"] == parameter
    assert parameter.split("[")[0].split(".")[0] in info.value.msg


def test_durations():
    assert parse_duration("0.5s", "x") == 0.5
    assert parse_duration("1h30m", "x") == 5400
    assert parse_duration("500ms", "x") == 0.5
    assert gateway_api_duration(0.5) == "500ms"
    assert gateway_api_duration(3) == "3s"
    assert gateway_api_duration(180) == "3m"
    assert gateway_api_duration(7200) == "2h"


@pytest.mark.parametrize("name, given, missing", [
    ("weighted", {"subsets": ["v1", "v2"]}, "weights"),
    ("header_route", {"subsets": ["v1", "v2"], "subset": "v1"}, "match, match_subset"),
    ("rewrite", {"uri_prefixes": ["/"], "gateways": ["gw"], "rewrite_uri": ""}, "rewrite_uri"),
    ("circuit_breaker", {"subsets": ["v1"], "circuit_breaker": {}}, "circuit_breaker"),
])
def test_what_a_scenario_requires_is_ansibles_required_if_from_the_catalogue(name, given, missing):
    assert ("scenario", name, list(scenarios.SCENARIOS[name]["requires"])) in scenarios.REQUIRED_IF
    params = dict(given, scenario=name, service="reviews", namespace="bookinfo")
    with pytest.raises(ValidationError) as info:
        scenarios.validate(params)
    assert info.value.msg == "scenario is %s but all of the following are missing: %s" % (name, missing)
    assert info.value.details["parameter"] == missing.split(", ")[0]
    # Removing a scenario names its objects only: none of its requirements are needed.
    assert scenarios.validate(dict(scenario=name, service="reviews", namespace="bookinfo"), removal=True).name == name
