# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The catalogue of traffic scenarios and the check of their parameters.

Pure: ``validate`` raises ValidationError naming the bad parameter, or returns the checked Scenario that
scenario_objects renders.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.common.validation import check_required_if

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh.durations import check_int, check_percentage, parse_duration
from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_label, is_dns_subdomain

ISTIO_API_VERSIONS = ("networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3")
GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
MANAGED_BY = {"app.kubernetes.io/managed-by": "oke.istio"}
SCENARIO_LABEL = "mesh.oke.istio/scenario"

# Per scenario: the options it uses, those it requires, and whether the Gateway API can express it.
SCENARIOS = {
    "subsets": dict(uses=("subsets",), requires=("subsets",), gateway_api=True),
    "route_all": dict(uses=("subsets", "subset"), requires=("subsets", "subset"), gateway_api=True),
    "weighted": dict(uses=("subsets", "weights"), requires=("subsets", "weights"), gateway_api=True),
    "header_route": dict(
        uses=("subsets", "subset", "match", "match_subset"), requires=("subsets", "subset", "match", "match_subset"),
        gateway_api=True,
    ),
    "rewrite": dict(
        uses=("uri_prefixes", "rewrite_uri", "gateways", "hosts", "port"),
        requires=("uri_prefixes", "rewrite_uri", "gateways"), gateway_api=True,
    ),
    "timeout": dict(uses=("subsets", "subset", "timeout"), requires=("subsets", "subset", "timeout"), gateway_api=True),
    "delay": dict(
        uses=("subsets", "subset", "delay", "percentage", "match"), requires=("subsets", "subset", "delay"),
        gateway_api=False,
    ),
    "abort": dict(
        uses=("subsets", "subset", "abort_status", "percentage", "match"), requires=("subsets", "subset"),
        gateway_api=False,
    ),
    # With subset, also routes everything there: the runbook's circuit breaker sits under an all-v1 route.
    "circuit_breaker": dict(uses=("subsets", "subset", "circuit_breaker"), requires=("circuit_breaker",),
                            gateway_api=False),
    "mirror": dict(
        uses=("subsets", "subset", "mirror_subset", "mirror_percentage"),
        requires=("subsets", "subset", "mirror_subset"), gateway_api=True,
    ),
}

# What each scenario needs to be applied, in Ansible's required_if form.
REQUIRED_IF = [("scenario", name, list(spec["requires"])) for name, spec in sorted(SCENARIOS.items())]

# Every option a scenario may use; any other scenario rejects it, so a typo cannot go unnoticed.
SCENARIO_OPTIONS = (
    "subsets", "subset", "weights", "match", "match_subset", "uri_prefixes", "rewrite_uri", "gateways", "hosts",
    "port", "timeout", "delay", "abort_status", "percentage", "circuit_breaker", "mirror_subset", "mirror_percentage",
)

MATCH_TYPES = ("exact", "prefix", "regex")
CIRCUIT_BREAKER_FIELDS = {
    # option: (section, Istio field, kind)
    "max_connections": ("tcp", "maxConnections", "int"),
    "connect_timeout": ("tcp", "connectTimeout", "duration"),
    "http1_max_pending_requests": ("http", "http1MaxPendingRequests", "int"),
    "http2_max_requests": ("http", "http2MaxRequests", "int"),
    "max_requests_per_connection": ("http", "maxRequestsPerConnection", "int"),
    "max_retries": ("http", "maxRetries", "int"),
    "consecutive_5xx_errors": ("outlier", "consecutive5xxErrors", "int"),
    "consecutive_gateway_errors": ("outlier", "consecutiveGatewayErrors", "int"),
    "interval": ("outlier", "interval", "duration"),
    "base_ejection_time": ("outlier", "baseEjectionTime", "duration"),
    "max_ejection_percent": ("outlier", "maxEjectionPercent", "percent"),
}

_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


class Scenario(object):
    """Checked parameters of one scenario, ready to render."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def subset_labels(self, name):
        return dict(self.subsets)[name]


def _check_required(params, scenario):
    """The catalogue's ``requires`` as Ansible's required_if (an empty list or mapping counts as missing); the
    module's argument spec cannot hold it, because removing a scenario needs none of them."""
    given = dict((key, value) for key, value in params.items() if value not in (None, [], {}, ""))
    try:
        check_required_if(REQUIRED_IF, given)
    except TypeError as exc:
        missing = [option for option in SCENARIOS[scenario]["requires"] if option not in given]
        raise ValidationError(to_native(exc), parameter=missing[0])


def _check_name(value, option, valid=is_dns_label):
    if not valid(value):
        raise ValidationError("%s must be a DNS-1123 name (got %r)" % (option, value), parameter=option)
    return value


def parse_host(host, namespace):
    """``(service, namespace)`` for a short name, ``svc.ns`` or ``svc.ns.svc[.cluster.local]``."""
    if not isinstance(host, str) or not host:
        raise ValidationError("service must name a Service (got %r)" % (host,), parameter="service")
    parts = host.split(".")
    if len(parts) == 1:
        service, ns = parts[0], namespace
    elif len(parts) == 2 or (len(parts) >= 3 and parts[2] == "svc"):
        service, ns = parts[0], parts[1]
    else:
        raise ValidationError(
            "service must be a Service name, <service>.<namespace> or <service>.<namespace>.svc.cluster.local (got %r)"
            % host, parameter="service",
        )
    _check_name(service, "service")
    _check_name(ns, "service")
    return service, ns


def _subsets(value):
    """Normalise ``subsets``: a name means labels {version: name}; a mapping gives name and labels."""
    if not isinstance(value, list):
        raise ValidationError("subsets must be a list of names or {name, labels} mappings", parameter="subsets")
    result = []
    for index, item in enumerate(value):
        where = "subsets[%d]" % index
        if isinstance(item, str):
            name, labels = item, {"version": item}
        elif isinstance(item, dict):
            unknown = sorted(set(item) - set(("name", "labels")))
            if unknown:
                raise ValidationError("%s has unknown key(s) %s" % (where, ", ".join(unknown)), parameter="subsets")
            name = item.get("name")
            labels = item.get("labels") or {"version": name}
        else:
            raise ValidationError("%s must be a name or a {name, labels} mapping" % where, parameter="subsets")
        _check_name(name, "%s.name" % where)
        if not isinstance(labels, dict) or not labels:
            raise ValidationError("%s.labels must be a non-empty mapping" % where, parameter="subsets")
        for key, label in labels.items():
            if not _LABEL_KEY.match(str(key)) or not isinstance(label, str) or not _LABEL_VALUE.match(label):
                raise ValidationError(
                    "%s.labels has an invalid label %r: %r" % (where, key, label), parameter="subsets"
                )
        if name in dict(result):
            raise ValidationError("%s repeats subset %s" % (where, name), parameter="subsets")
        result.append((name, dict(labels)))
    return result


def _known_subset(scenario, option, name):
    known = [n for n, _labels in scenario.subsets]
    if name not in known:
        raise ValidationError(
            "%s names subset %r, which is not among subsets (%s)" % (option, name, ", ".join(known) or "none"),
            parameter=option,
        )
    return name


def _weights(value, scenario):
    if not isinstance(value, dict) or not value:
        raise ValidationError("weights must map subset names to integer weights", parameter="weights")
    weights = []
    for subset, weight in value.items():
        _known_subset(scenario, "weights", subset)
        weights.append((subset, check_int(weight, "weights.%s" % subset, 0, 100)))
    total = sum(w for _s, w in weights)
    if total != 100:
        raise ValidationError(
            "weights must sum to 100 (got %d: %s)" % (total, ", ".join("%s=%d" % pair for pair in weights)),
            parameter="weights",
        )
    return weights


def _match(value):
    if not isinstance(value, dict):
        raise ValidationError("match must be a mapping {header, value, type}", parameter="match")
    unknown = sorted(set(value) - set(("header", "value", "type")))
    if unknown:
        raise ValidationError("match has unknown key(s) %s" % ", ".join(unknown), parameter="match")
    header = value.get("header")
    if not isinstance(header, str) or not _HEADER_NAME.match(header):
        raise ValidationError("match.header must be an HTTP header name (got %r)" % (header,), parameter="match.header")
    text = value.get("value")
    if not isinstance(text, str) or text == "":
        raise ValidationError("match.value must be a non-empty string", parameter="match.value")
    kind = value.get("type") or "exact"
    if kind not in MATCH_TYPES:
        raise ValidationError(
            "match.type must be one of %s (got %r)" % (", ".join(MATCH_TYPES), kind), parameter="match.type"
        )
    if kind == "regex":
        try:
            re.compile(text)
        except re.error as exc:
            raise ValidationError("match.value is not a valid regex: %s" % exc, parameter="match.value")
    # Istio matches header names in lower case only.
    return dict(header=header.lower(), value=text, type=kind)


def _circuit_breaker(value):
    if not isinstance(value, dict) or not value:
        raise ValidationError(
            "circuit_breaker must be a mapping of %s" % ", ".join(sorted(CIRCUIT_BREAKER_FIELDS)),
            parameter="circuit_breaker",
        )
    unknown = sorted(set(value) - set(CIRCUIT_BREAKER_FIELDS))
    if unknown:
        raise ValidationError(
            "circuit_breaker has unknown key(s) %s (known: %s)"
            % (", ".join(unknown), ", ".join(sorted(CIRCUIT_BREAKER_FIELDS))),
            parameter="circuit_breaker",
        )
    sections = {}
    for key, raw in value.items():
        if raw is None:
            continue
        section, field, kind = CIRCUIT_BREAKER_FIELDS[key]
        name = "circuit_breaker.%s" % key
        if kind == "int":
            checked = check_int(raw, name, 0 if section == "outlier" else 1, 2 ** 31 - 1)
        elif kind == "percent":
            checked = check_int(raw, name, 0, 100)
        else:
            parse_duration(raw, name)
            checked = str(raw)
        sections.setdefault(section, {})[field] = checked
    return sections


def _uri(value, option):
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValidationError("%s must be a path starting with / (got %r)" % (option, value), parameter=option)
    return value


def validate(params, removal=False):
    """Check every parameter of ``params`` (the module's) and return a Scenario, or raise ValidationError.

    With ``removal`` only what names the objects is needed (service, name, api, subsets for the Gateway API).
    """
    name = params.get("scenario")
    if name not in SCENARIOS:
        raise ValidationError(
            "scenario must be one of %s (got %r)" % (", ".join(sorted(SCENARIOS)), name), parameter="scenario"
        )
    spec = SCENARIOS[name]
    api = params.get("api") or "istio"
    if api == "gateway_api" and not spec["gateway_api"]:
        raise ValidationError(
            "scenario %s has no Kubernetes Gateway API equivalent; use api=istio" % name, parameter="api"
        )
    unused = [o for o in SCENARIO_OPTIONS if o not in spec["uses"] and params.get(o) not in (None, [], {})]
    if unused:
        raise ValidationError(
            "%s do(es) not apply to scenario %s (it uses: %s)" % (", ".join(unused), name, ", ".join(spec["uses"])),
            parameter=unused[0],
        )
    if not removal:
        _check_required(params, name)
    api_version = params.get("api_version") or ISTIO_API_VERSIONS[0]
    if api_version not in ISTIO_API_VERSIONS:
        raise ValidationError(
            "api_version must be one of %s (got %r)" % (", ".join(ISTIO_API_VERSIONS), api_version),
            parameter="api_version",
        )
    namespace = _check_name(params.get("namespace") or "default", "namespace")
    service, service_namespace = parse_host(params.get("service"), namespace)
    if service_namespace != namespace and api == "gateway_api":
        raise ValidationError("with api=gateway_api, service must be in namespace %s" % namespace, parameter="service")
    scenario = Scenario(
        name=name, api=api, api_version=api_version, namespace=namespace, service=service,
        service_namespace=service_namespace,
        host=service if service_namespace == namespace else "%s.%s.svc.cluster.local" % (service, service_namespace),
        object_name=_check_name(params.get("name") or (service + "-rewrite" if name == "rewrite" else service), "name",
                                is_dns_subdomain),
        subsets=_subsets(params.get("subsets") or []), subset=None, weights=None, match=None, match_subset=None,
        uri_prefixes=None, rewrite_uri=None, gateways=None, hosts=None, port=None, timeout=None, delay=None,
        abort_status=None, percentage=None, circuit_breaker=None, mirror_subset=None, mirror_percentage=None,
    )
    if removal:
        scenario.subset = params.get("subset")
        return scenario
    if "subset" in spec["uses"] and (params.get("subset") is not None or "subset" in spec["requires"]):
        scenario.subset = _known_subset(scenario, "subset", params.get("subset"))
    if name == "weighted":
        scenario.weights = _weights(params.get("weights"), scenario)
    if params.get("match") is not None:
        scenario.match = _match(params["match"])
        if api == "gateway_api" and scenario.match["type"] == "prefix":
            raise ValidationError(
                "match.type prefix has no Gateway API equivalent (use exact or regex, or api=istio)",
                parameter="match.type",
            )
    if name == "header_route":
        scenario.match_subset = _known_subset(scenario, "match_subset", params.get("match_subset"))
    if name == "rewrite":
        prefixes = params.get("uri_prefixes")
        if not isinstance(prefixes, list):
            raise ValidationError("uri_prefixes must be a list of paths", parameter="uri_prefixes")
        scenario.uri_prefixes = [_uri(p, "uri_prefixes[%d]" % i) for i, p in enumerate(prefixes)]
        scenario.rewrite_uri = _uri(params.get("rewrite_uri"), "rewrite_uri")
        gateways = params.get("gateways")
        if not isinstance(gateways, list):
            raise ValidationError("gateways must be a list of Gateway names", parameter="gateways")
        scenario.gateways = []
        for index, gateway in enumerate(gateways):
            parts = str(gateway).split("/")
            if len(parts) > 2:
                raise ValidationError("gateways[%d] must be <name> or <namespace>/<name>" % index, parameter="gateways")
            for part in parts:
                _check_name(part, "gateways[%d]" % index, is_dns_subdomain)
            scenario.gateways.append((parts[0], parts[1]) if len(parts) == 2 else (namespace, parts[0]))
        hosts = params.get("hosts") or ["*"]
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
            raise ValidationError("hosts must be a list of host names", parameter="hosts")
        scenario.hosts = hosts
        if params.get("port") is not None:
            scenario.port = check_int(params["port"], "port", 1, 65535)
    if name == "timeout":
        scenario.timeout = str(params["timeout"])
        scenario.timeout_seconds = parse_duration(params["timeout"], "timeout")
    if name == "delay":
        scenario.delay = str(params["delay"])
        parse_duration(params["delay"], "delay")
    if name in ("delay", "abort"):
        scenario.percentage = check_percentage(
            100 if params.get("percentage") is None else params["percentage"], "percentage"
        )
    if name == "abort":
        scenario.abort_status = check_int(
            500 if params.get("abort_status") is None else params["abort_status"], "abort_status", 200, 599
        )
    if name == "circuit_breaker":
        scenario.circuit_breaker = _circuit_breaker(params.get("circuit_breaker"))
    if name == "mirror":
        scenario.mirror_subset = _known_subset(scenario, "mirror_subset", params.get("mirror_subset"))
        if scenario.mirror_subset == scenario.subset:
            raise ValidationError("mirror_subset must differ from subset (%s)" % scenario.subset, parameter="mirror_subset")
        scenario.mirror_percentage = check_percentage(
            100 if params.get("mirror_percentage") is None else params["mirror_percentage"], "mirror_percentage"
        )
        if api == "gateway_api" and scenario.mirror_percentage != int(scenario.mirror_percentage):
            raise ValidationError(
                "mirror_percentage must be a whole number with api=gateway_api (got %r)" % scenario.mirror_percentage,
                parameter="mirror_percentage",
            )
    return scenario
