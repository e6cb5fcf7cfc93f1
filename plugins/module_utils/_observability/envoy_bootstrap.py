# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic behind the envoy_bootstrap module: build or take a bootstrap, have Envoy validate it, apply it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import Applier, object_ref
from ansible_collections.oke.istio.plugins.module_utils._oci import oci_auth_params
from ansible_collections.oke.istio.plugins.module_utils._observability import apm, bootstrap

# Our own field manager: the annotation and gateway mount are ours, the rest of each Deployment is not.
FIELD_MANAGER = "oke.istio-envoy-bootstrap"


def _collector(params):
    endpoint, key = params["apm_data_upload_endpoint"], params["apm_data_key"]
    if params["apm_domain_id"]:
        if key:
            raise ValidationError("apm_data_key and apm_domain_id are mutually exclusive: give the key or look it up")
        found_endpoint, key = apm.lookup(
            oci_auth_params(params), params["apm_domain_id"], params["apm_data_key_type"], params["apm_data_key_name"]
        )
        endpoint = endpoint or found_endpoint
    elif not key:
        raise ValidationError("apm_data_key (or apm_domain_id to look it up) is required unless bootstrap is given")
    return apm.collector(endpoint, key, params["apm_data_key_type"]), key


def _manifests(params, text):
    name, namespace = params["name"], params["namespace"]
    manifests = [bootstrap.config_map(name, namespace, text)]
    manifests += [bootstrap.workload_patch(w, namespace, name, text) for w in params["workloads"]]
    if params["gateway"]:
        manifests.append(bootstrap.gateway_patch(params["gateway"], namespace, name, text))
    return manifests


def _release(manifest):
    """The same object with none of our fields: applying it gives back what we set."""
    return {"apiVersion": manifest["apiVersion"], "kind": manifest["kind"],
            "metadata": {"name": manifest["metadata"]["name"], "namespace": manifest["metadata"]["namespace"]}}


def _result(changes, facts):
    for change in changes:
        change.before, change.after = bootstrap.redact(change.before), bootstrap.redact(change.after)
    result = dict(facts)
    result.update(
        changed=any(c.changed for c in changes),
        resources=[c.as_result() for c in changes],
        diff=[c.as_diff() for c in changes if c.changed],
    )
    return result


def _ca_certificates(pem):
    """The PEM bundle the collector's certificate is checked against, None for the image's public CAs."""
    if not pem:
        return None
    from ansible_collections.oke.istio.plugins.module_utils._tls import certificate

    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    if not blocks:
        raise ValidationError("apm_ca_certificates must be PEM certificates, got no BEGIN CERTIFICATE block")
    for index, block in enumerate(blocks):
        certificate.load_certificate(block.encode("ascii"), "apm_ca_certificates[%d]" % index)
    return "\n".join(blocks) + "\n"


def run(module):
    params = module.params
    for index, workload in enumerate(params["workloads"]):
        if not workload:
            raise ValidationError("workloads[%d] is empty" % index)
    if params["state"] == "absent":
        applier = Applier(module.client, field_manager=FIELD_MANAGER, default_namespace=params["namespace"])
        manifests = _manifests(params, "")
        releases = [_release(m) for m in manifests[1:] if applier.get(object_ref(m)) is not None]
        changes = applier.apply(releases, check_mode=module.check_mode) if releases else []
        changes += applier.delete([object_ref(manifests[0])], check_mode=module.check_mode, wait=False)
        return _result(changes, {})

    secrets = []
    facts = {}
    if params["bootstrap"] is not None:
        if params["apm_data_key"] or params["apm_domain_id"]:
            raise ValidationError("bootstrap is mutually exclusive with apm_data_key/apm_domain_id")
        text = bootstrap.parse_given(params["bootstrap"])
    else:
        collector, key = _collector(params)
        module.no_log(key)
        secrets.append(key)
        text = bootstrap.render(bootstrap.build(collector, params["trace_id_128bit"],
                                                ca_certificates=_ca_certificates(params["apm_ca_certificates"])))
        facts["collector"] = collector.public_facts()
    facts["fingerprint"] = bootstrap.fingerprint(text)
    if params["validate"]:
        facts["validation"] = bootstrap.validate(text, params["envoy_path"], secrets=secrets)
    manifests = _manifests(params, text)
    applier = Applier(module.client, field_manager=FIELD_MANAGER, default_namespace=params["namespace"])
    missing = [str(object_ref(m)) for m in manifests[1:] if applier.get(object_ref(m)) is None]
    if missing:
        raise ValidationError("workloads/gateway: %s not found, nothing was changed" % ", ".join(missing))
    changes = applier.apply(manifests, check_mode=module.check_mode)
    return _result(changes, facts)
