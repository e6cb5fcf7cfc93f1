# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OCI APM: the Zipkin collector address built from a domain's data upload endpoint and a data key.

Data keys are secrets: they are only ever passed on to the bootstrap or the mesh config, never
returned, and every error message here is free of them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oci import OciErrors, oci_client

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urllib import quote
    from urlparse import urlsplit

# The path the APM collector accepts Zipkin v2 JSON spans on; the observation type follows the key type.
COLLECTOR_PATH = "/20200101/observations/%s-span?dataFormat=zipkin&dataFormatVersion=2&dataKey=%s"
KEY_TYPES = ("private", "public")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


class Collector(object):
    """Host, port and path of an APM collector; ``path`` carries the data key, so never print it."""

    __slots__ = ("host", "port", "path", "key_type")

    def __init__(self, host, port, path, key_type):
        self.host = host
        self.port = port
        self.path = path
        self.key_type = key_type

    def public_facts(self):
        """What may be shown: everything but the key."""
        return {"host": self.host, "port": self.port, "key_type": self.key_type,
                "path": self.path.split("dataKey=")[0] + "dataKey=********"}


def parse_endpoint(endpoint, param="apm_data_upload_endpoint"):
    """``https://xxx.apm-agt.<region>.oci.oraclecloud.com[:port][/]`` (scheme optional) -> (host, port)."""
    if not endpoint or not isinstance(endpoint, str):
        raise ValidationError("%s is required: the APM domain's data upload endpoint" % param)
    text = endpoint.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme != "https":
        raise ValidationError("%s must be an https endpoint, got scheme %s" % (param, parts.scheme))
    if parts.path not in ("", "/") or parts.query:
        raise ValidationError("%s must be the bare data upload endpoint (no path), got %s" % (param, endpoint))
    host = parts.hostname
    try:
        port = parts.port or 443
    except ValueError:
        raise ValidationError("%s has an invalid port: %s" % (param, endpoint))
    if not host or not _HOST.match(host):
        raise ValidationError("%s has no valid host name: %s" % (param, endpoint))
    return host, port


def collector(endpoint, data_key, key_type="private"):
    if key_type not in KEY_TYPES:
        raise ValidationError("apm_data_key_type must be one of %s, got %s" % (", ".join(KEY_TYPES), key_type))
    if not data_key or not re.match(r"^[A-Za-z0-9_-]+$", data_key):
        # The key itself is not quoted back: it is a secret.
        raise ValidationError("apm_data_key must be a non-empty APM data key (letters, digits, - and _)")
    host, port = parse_endpoint(endpoint)
    return Collector(host, port, COLLECTOR_PATH % (key_type, quote(data_key, safe="")), key_type)


def lookup(auth, domain_id, key_type="private", key_name=None):
    """Read the data upload endpoint and a data key of ``domain_id`` through the APM control plane API.

    Returns ``(endpoint, key)``; the key is the one named ``key_name``, else the only one of its type.
    """
    import oci

    client = oci_client(oci.apm_control_plane.ApmDomainClient, auth)
    with OciErrors("read APM domain %s and its data keys" % domain_id, not_found=("apm_domain_id", "APM domain %s" % domain_id)):
        domain = client.get_apm_domain(domain_id).data
        keys = client.list_data_keys(domain_id, data_key_type=key_type.upper()).data
    names = [k.name for k in keys]
    if key_name:
        chosen = [k for k in keys if k.name == key_name]
        if not chosen:
            raise ValidationError(
                "apm_data_key_name: APM domain %s has no %s data key named %s (it has: %s)"
                % (domain_id, key_type, key_name, ", ".join(names) or "none")
            )
    else:
        chosen = keys
        if len(chosen) != 1:
            raise ValidationError(
                "apm_data_key_name is required: APM domain %s has %d %s data keys (%s)"
                % (domain_id, len(chosen), key_type, ", ".join(names) or "none")
            )
    if not domain.data_upload_endpoint:
        raise ClusterError("APM domain %s reports no data upload endpoint (lifecycle state %s)" % (domain_id, domain.lifecycle_state))
    return domain.data_upload_endpoint, chosen[0].value
