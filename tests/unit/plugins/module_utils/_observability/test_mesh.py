# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Change, ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._observability import mesh
from ansible_collections.oke.istio.tests.servers.oci_observability import DOMAIN_ID

KEY = "SECRETKEY2C6YOLQSUZ5Q7IGN"


def params(**extra):
    result = dict(tracer="none", provider_name="", custom_provider=None, namespace="istio-system",
                  access_log_provider_name="", access_log_format="json", access_log_labels={"code": "%RESPONSE_CODE%"},
                  access_log_text="", legacy_tracing=False, legacy_tracer_address=None, sampling=1.0,
                  apm_data_upload_endpoint=None, apm_data_key=None, apm_data_key_type="private", apm_domain_id=None,
                  apm_data_key_name=None)
    result.update(extra)
    return result


def test_jaeger_is_an_opentelemetry_provider_on_the_collector():
    provider, extra, secrets = mesh.tracer_provider(params(tracer="jaeger"), "istio-system")
    assert provider == {"name": "jaeger", "opentelemetry": {"service": "jaeger-collector.istio-system.svc.cluster.local", "port": 4317}}
    assert extra == [] and secrets == []


def test_apm_without_bootstrap_is_zipkin_with_tls_originated():
    provider, extra, secrets = mesh.tracer_provider(
        params(tracer="apm", apm_data_key=KEY, apm_data_upload_endpoint="https://abc.apm-agt.us-ashburn-1.oci.oraclecloud.com"),
        "istio-system")
    assert provider["name"] == "oci-apm"
    assert provider["zipkin"]["service"] == "abc.apm-agt.us-ashburn-1.oci.oraclecloud.com" and provider["zipkin"]["port"] == 443
    assert provider["zipkin"]["path"].endswith("dataKey=" + KEY)
    kinds = dict((m["kind"], m) for m in extra)
    assert kinds["ServiceEntry"]["spec"]["location"] == "MESH_EXTERNAL"
    tls = kinds["DestinationRule"]["spec"]["trafficPolicy"]["portLevelSettings"][0]["tls"]
    assert tls == {"mode": "SIMPLE", "sni": "abc.apm-agt.us-ashburn-1.oci.oraclecloud.com",
                   "caCertificates": "/etc/ssl/certs/ca-certificates.crt"}
    assert secrets == [KEY]


def test_apm_key_looked_up_through_the_sdk(apm_api):
    provider, _extra, secrets = mesh.tracer_provider(
        params(tracer="apm", apm_domain_id=DOMAIN_ID, apm_data_key_type="public", **apm_api.auth_args()), "istio-system")
    assert "/observations/public-span?" in provider["zipkin"]["path"] and secrets == ["PUBKEY0123456789ABCDEF"]


def test_apm_without_a_key_names_the_parameters():
    with pytest.raises(ValidationError) as exc:
        mesh.tracer_provider(params(tracer="apm"), "istio-system")
    assert "apm_data_key" in exc.value.msg


def test_custom_provider_needs_exactly_one_kind():
    with pytest.raises(ValidationError):
        mesh.tracer_provider(params(tracer="custom", custom_provider={"zipkin": {}, "opentelemetry": {}}), "istio-system")
    provider, _e, _s = mesh.tracer_provider(params(tracer="custom", provider_name="otel",
                                                   custom_provider={"opentelemetry": {"service": "c.o.svc", "port": 4317}}), "x")
    assert provider["name"] == "otel"


def test_json_access_logs_on_stdout():
    provider = mesh.access_log_provider(params(access_log_provider_name="stdout"))
    assert provider == {"name": "stdout", "envoyFileAccessLog": {"path": "/dev/stdout", "logFormat": {"labels": {"code": "%RESPONSE_CODE%"}}}}


def test_legacy_tracing_is_the_runbooks_settings():
    document = mesh.mesh_document(params(legacy_tracing=True, legacy_tracer_address="zipkin.istio-system:9411", sampling=10), None, None)
    assert document == {"enableTracing": True,
                        "defaultConfig": {"tracing": {"sampling": 10.0, "zipkin": {"address": "zipkin.istio-system:9411"}}}}
    with pytest.raises(ValidationError):
        mesh.mesh_document(params(legacy_tracing=True), None, None)


def test_config_map_holds_the_mesh_yaml_and_diffs_hide_the_key():
    provider, _extra, secrets = mesh.tracer_provider(
        params(tracer="apm", apm_data_key=KEY, apm_data_upload_endpoint="abc.apm-agt.us-ashburn-1.oci.oraclecloud.com"), "x")
    cm = mesh.config_map("istio-user", "istio-system", mesh.mesh_document(params(), provider, None))
    assert yaml.safe_load(cm["data"]["mesh"])["extensionProviders"][0]["name"] == "oci-apm"
    change = Change(ObjectRef("v1", "ConfigMap", "istio-user", "istio-system"), cm, "create", None, cm)
    mesh._redact(change, secrets)
    assert KEY not in str(change.as_diff()) and KEY in cm["data"]["mesh"]
