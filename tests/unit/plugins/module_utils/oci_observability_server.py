# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local stand-in for the APM control plane calls (API version 20200630) the collection makes.

    GET /20200630/apmDomains/{apmDomainId}                     ApmDomain
    GET /20200630/apmDomains/{apmDomainId}/dataKeys?dataKeyType=  [DataKeySummary]

Requests must carry a valid OCI HTTP signature (checked with the key of ``oke_api_server.ApiKey``);
errors are ``{"code", "message"}`` bodies as the API reference documents them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import uuid

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover - Python 2 has no tests here
    BaseHTTPRequestHandler = ThreadingHTTPServer = object

import pytest

from ansible_collections.oke.istio.tests.unit.plugins.module_utils.oke_api_server import COMPARTMENT, ApiKey

APM_BASE = "/20200630"
DOMAIN_ID = "ocid1.apmdomain.oc1.iad.aaaaaaaatestdomain"
UPLOAD_ENDPOINT = "https://aaaabbbbtest.apm-agt.us-ashburn-1.oci.oraclecloud.com"


class ApmState(object):
    def __init__(self):
        self.domains = {
            DOMAIN_ID: {
                "id": DOMAIN_ID,
                "displayName": "mesh",
                "compartmentId": COMPARTMENT,
                "dataUploadEndpoint": UPLOAD_ENDPOINT,
                "lifecycleState": "ACTIVE",
                "isFreeTier": True,
                "timeCreated": "2026-01-05T10:00:00.000Z",
                "freeformTags": {},
                "definedTags": {},
            }
        }
        self.keys = {
            DOMAIN_ID: [
                {"name": "auto_generated_private_datakey", "type": "PRIVATE", "value": "PRIVKEY0123456789ABCDEF"},
                {"name": "auto_generated_public_datakey", "type": "PUBLIC", "value": "PUBKEY0123456789ABCDEF"},
            ]
        }
        self.requests = []


def _handler(state, key):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status, body):
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("opc-request-id", uuid.uuid4().hex.upper())
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            state.requests.append(dict(method="GET", path=url.path, query=query))
            problem = key.verify(self.headers.get("authorization"), "GET", self.path,
                                 dict((k.lower(), v) for k, v in self.headers.items()))
            if problem:
                return self._send(401, {"code": "NotAuthenticated", "message": problem})
            parts = url.path[len(APM_BASE) + 1:].split("/") if url.path.startswith(APM_BASE + "/") else []
            if len(parts) >= 2 and parts[0] == "apmDomains":
                domain = state.domains.get(parts[1])
                if domain is None:
                    return self._send(404, {"code": "NotAuthorizedOrNotFound",
                                            "message": "Authorization failed or requested resource not found."})
                if len(parts) == 2:
                    return self._send(200, domain)
                if parts[2:] == ["dataKeys"]:
                    wanted = query.get("dataKeyType", [None])[0]
                    if wanted not in (None, "PRIVATE", "PUBLIC"):
                        return self._send(400, {"code": "InvalidParameter", "message": "Invalid dataKeyType %s" % wanted})
                    return self._send(200, [k for k in state.keys.get(parts[1], []) if wanted in (None, k["type"])])
            return self._send(404, {"code": "NotAuthorizedOrNotFound", "message": "Unknown resource %s" % url.path})

    return Handler


class ApmApiServer(object):
    def __init__(self, directory):
        self.key = ApiKey(directory)
        self.state = ApmState()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state, self.key))
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def auth_args(self):
        return dict(oci_auth_type="api_key", oci_config_file=self.key.config_file, oci_profile=self.key.profile,
                    oci_service_endpoint=self.url)


@pytest.fixture
def apm_api(tmp_path, monkeypatch):
    import oci

    monkeypatch.setattr(oci.retry, "DEFAULT_RETRY_STRATEGY", oci.retry.NoneRetryStrategy())
    for name in ("OCI_CLI_AUTH", "OCI_CONFIG_FILE", "OCI_CLI_CONFIG_FILE", "OCI_CLI_PROFILE", "OCI_REGION", "OCI_CLI_REGION"):
        monkeypatch.delenv(name, raising=False)
    with ApmApiServer(str(tmp_path)) as server:
        yield server
