# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tracing and access log providers in a shared mesh config ConfigMap.

istiod merges the ConfigMap named by its SHARED_MESH_CONFIG variable under its own mesh config,
extension providers by name. Keeping ours there leaves the Istio install (and its idempotence)
alone; the one install option it needs is checked and reported.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Applier, object_ref, summarize
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
from ansible_collections.oke.istio.plugins.module_utils._oci import oci_auth_params
from ansible_collections.oke.istio.plugins.module_utils._observability import apm, bootstrap

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None

FIELD_MANAGER = "oke.istio-mesh-telemetry"
SHARED_ENV = "SHARED_MESH_CONFIG"
# The public CAs in the proxy image: the APM collector's certificate is checked against them.
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def tracer_provider(params, addons_namespace):
    """``(provider, extra_manifests, secrets)`` for the chosen tracer; ``provider`` is None without one."""
    kind = params["tracer"]
    name = params["provider_name"] or ("oci-apm" if kind == "apm" else kind)
    if kind == "none":
        return None, [], []
    if kind == "jaeger":
        return {"name": name, "opentelemetry": {"service": "jaeger-collector.%s.svc.cluster.local" % addons_namespace,
                                                "port": 4317}}, [], []
    if kind == "zipkin":
        return {"name": name, "zipkin": {"service": "zipkin.%s.svc.cluster.local" % addons_namespace, "port": 9411}}, [], []
    if kind == "custom":
        custom = params["custom_provider"]
        if not isinstance(custom, dict) or len(custom) != 1:
            raise ValidationError("custom_provider must be a mapping with exactly one provider kind (for example zipkin)")
        return dict(custom, name=name), [], []
    # OCI APM without a custom bootstrap: a zipkin provider to the collector, TLS originated by the sidecar.
    collector, key = _apm_collector(params)
    provider = {"name": name, "zipkin": {"service": collector.host, "port": collector.port, "path": collector.path}}
    return provider, apm_egress(collector.host, collector.port, params["namespace"]), [key]


def _apm_collector(params):
    key, endpoint = params["apm_data_key"], params["apm_data_upload_endpoint"]
    if params["apm_domain_id"]:
        found, key = apm.lookup(oci_auth_params(params), params["apm_domain_id"], params["apm_data_key_type"],
                                params["apm_data_key_name"])
        endpoint = endpoint or found
    elif not key:
        raise ValidationError("tracer=apm needs apm_data_key, or apm_domain_id to look it up")
    return apm.collector(endpoint, key, params["apm_data_key_type"]), key


def apm_egress(host, port, namespace):
    """The collector as a mesh-external service, and TLS origination to it."""
    return [
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "ServiceEntry",
            "metadata": {"name": "oci-apm-collector", "namespace": namespace},
            "spec": {
                "hosts": [host],
                "location": "MESH_EXTERNAL",
                "resolution": "DNS",
                "ports": [{"number": port, "name": "http-apm", "protocol": "HTTP"}],
            },
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "metadata": {"name": "oci-apm-collector", "namespace": namespace},
            "spec": {
                "host": host,
                "trafficPolicy": {"portLevelSettings": [{"port": {"number": port}, "tls": {
                    "mode": "SIMPLE", "sni": host, "caCertificates": SYSTEM_CA_BUNDLE}}]},
            },
        },
    ]


def access_log_provider(params):
    if not params["access_log_provider_name"]:
        return None
    fmt = params["access_log_format"]
    file_log = {"path": "/dev/stdout"}
    if fmt == "json":
        file_log["logFormat"] = {"labels": dict(params["access_log_labels"])}
    elif fmt == "text" and params["access_log_text"]:
        file_log["logFormat"] = {"text": params["access_log_text"]}
    return {"name": params["access_log_provider_name"], "envoyFileAccessLog": file_log}


def mesh_document(params, tracer, access_log):
    mesh = {}
    providers = [p for p in (tracer, access_log) if p]
    if providers:
        mesh["extensionProviders"] = providers
    if params["legacy_tracing"]:
        # The runbook's way, for releases without the Telemetry API's tracing.
        if not params["legacy_tracer_address"]:
            raise ValidationError("legacy_tracing needs legacy_tracer_address (host:port of a Zipkin collector)")
        mesh["enableTracing"] = True
        mesh["defaultConfig"] = {"tracing": {"sampling": float(params["sampling"]),
                                             "zipkin": {"address": params["legacy_tracer_address"]}}}
    return mesh


def config_map(name, namespace, mesh):
    text = yaml.safe_dump(mesh, default_flow_style=False, sort_keys=True) if mesh else "{}\n"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "oke.istio"}},
        "data": {"mesh": text},
    }


def istiod_reads(client, namespace, name, revision):
    """Whether istiod (of ``revision``) loads ConfigMap ``name`` through SHARED_MESH_CONFIG; ``(bool, detail)``."""
    selector = "app=istiod" + (",istio.io/rev=%s" % revision if revision else "")
    try:
        items = client.resources.get(api_version="apps/v1", kind="Deployment").get(
            namespace=namespace, label_selector=selector).to_dict().get("items", [])
    except ApiException:
        items = []
    if not items:
        return False, "no istiod Deployment with labels %s in %s" % (selector, namespace)
    for deployment in items:
        for container in deployment["spec"]["template"]["spec"].get("containers", []):
            for env in container.get("env") or []:
                if env.get("name") == SHARED_ENV and env.get("value") == name:
                    return True, "%s reads %s" % (deployment["metadata"]["name"], name)
    return False, (
        "istiod does not read ConfigMap %s: install Istio with the istiod environment variable %s=%s (istio role: "
        "istio_operator_spec: {values: {pilot: {env: {%s: %s}}}}), or put the same providers in meshConfig"
        % (name, SHARED_ENV, name, SHARED_ENV, name)
    )


def _redact(change, secrets):
    for side in ("before", "after"):
        obj = getattr(change, side)
        if obj and obj.get("kind") == "ConfigMap":
            text = (obj.get("data") or {}).get("mesh", "")
            if any(s and s in text for s in secrets):
                obj = copy.deepcopy(obj)
                obj["data"]["mesh"] = "<%s, holds the APM data key>" % bootstrap.fingerprint(text)
                setattr(change, side, obj)


def run(module):
    params = module.params
    if not 0 <= params["sampling"] <= 100:
        raise ValidationError("sampling must be a percentage between 0 and 100, got %s" % params["sampling"])
    egress_refs = [object_ref(m) for m in apm_egress("unused.invalid", 443, params["namespace"])]
    if params["state"] == "absent":
        applier = Applier(module.client, field_manager=FIELD_MANAGER, default_namespace=params["namespace"])
        refs = [object_ref(config_map(params["config_map"], params["namespace"], {}))] + egress_refs
        return summarize(applier.delete(refs, check_mode=module.check_mode, wait=False))
    tracer, extra, secrets = tracer_provider(params, params["addons_namespace"])
    for secret in secrets:
        module.no_log(secret)
    access_log = access_log_provider(params)
    mesh = mesh_document(params, tracer, access_log)
    manifests = [config_map(params["config_map"], params["namespace"], mesh)] + extra
    # Everything above is checked before the cluster is contacted.
    applier = Applier(module.client, field_manager=FIELD_MANAGER, default_namespace=params["namespace"])
    changes = applier.apply(manifests, check_mode=module.check_mode)
    if not extra:
        # Switching away from APM removes its egress objects.
        changes += [c for c in applier.delete(egress_refs, check_mode=module.check_mode, wait=False) if c.changed]
    for change in changes:
        _redact(change, secrets)
    result = summarize(changes)
    active, detail = istiod_reads(module.client, params["namespace"], params["config_map"], params["revision"])
    result.update(
        shared_mesh_config_active=active,
        shared_mesh_config_detail=detail,
        providers=[p["name"] for p in (tracer, access_log) if p],
    )
    if not active:
        module.warn(detail)
    return result
