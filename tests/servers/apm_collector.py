# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local stand-in for an OCI APM domain's data upload endpoint: HTTPS with a server certificate of a CA the test
makes, accepting Zipkin v2 JSON spans where the APM collector does:

    POST /20200101/observations/{private|public}-span?dataFormat=zipkin&dataFormatVersion=2&dataKey=KEY

It records every request (path, content type, size: never the key) and every upload (key type, data key, spans),
and answers 200 to well-formed ones; anything else gets the status the collector would give (400 for a bad format,
404 for another path). It listens on the address given, so a test can put it on the local node's address, which pods
reach.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import ssl
import threading

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover - Python 2 has no tests here
    pass

from ansible_collections.oke.istio.plugins.module_utils._tls import certificate
from ansible_collections.oke.istio.tests.servers.oke_api import ThreadedServer

UPLOAD_PATH = re.compile(r"^/20200101/observations/(private|public)-span$")


class Upload(object):
    def __init__(self, key_type, data_key, spans):
        self.key_type, self.data_key, self.spans = key_type, data_key, spans


def _handler(uploads, requests, lock):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, message=""):
            body = json.dumps({"code": status, "message": message}).encode("utf-8") if message else b""
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            if body:
                self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def _body(self):
            if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()

        def do_POST(self):
            parts = urlsplit(self.path)
            matched = UPLOAD_PATH.match(parts.path)
            body = self._body()
            with lock:
                requests.append({"path": parts.path, "content_type": self.headers.get("Content-Type"), "bytes": len(body)})
            if not matched:
                return self._answer(404, "no such path %s" % parts.path)
            query = dict((k, v[0]) for k, v in parse_qs(parts.query).items())
            if query.get("dataFormat") != "zipkin" or query.get("dataFormatVersion") != "2" or not query.get("dataKey"):
                return self._answer(400, "dataFormat=zipkin, dataFormatVersion=2 and dataKey are required")
            try:
                spans = json.loads(body.decode("utf-8"))
            except ValueError:
                return self._answer(400, "the body is not JSON")
            if not isinstance(spans, list):
                return self._answer(400, "Zipkin v2 JSON is a list of spans")
            with lock:
                uploads.append(Upload(matched.group(1), query["dataKey"], spans))
            return self._answer(200)

    return Handler


class ApmCollector(ThreadedServer):
    """``with ApmCollector(directory, host, address) as collector``: serves HTTPS on ``address`` (port 0 picks one) for
    the name ``host``; ``ca_pem`` is the CA that signed its certificate, ``uploads`` what it received."""

    def __init__(self, directory, host, address="127.0.0.1", port=0):
        now = certificate.utcnow()
        ca_key = certificate.generate_key("ecdsa", 256)
        ca = certificate.issue_ca(ca_key, "oke-istio test APM CA", 1, now=now)
        key = certificate.generate_key("ecdsa", 256)
        cert = certificate.issue_server(key, [host], host, 1, ca, ca_key, now=now)
        self.ca_pem = certificate.cert_pem(ca).decode("ascii")
        cert_file, key_file = os.path.join(directory, "apm.crt"), os.path.join(directory, "apm.key")
        with open(cert_file, "wb") as stream:
            stream.write(certificate.cert_pem(cert) + certificate.cert_pem(ca))
        with open(key_file, "wb") as stream:
            stream.write(certificate.key_pem(key))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.uploads, self.requests, self.lock = [], [], threading.Lock()
        httpd = ThreadingHTTPServer((address, port), _handler(self.uploads, self.requests, self.lock))
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        super(ApmCollector, self).__init__(httpd)
        self.port = httpd.server_address[1]
        self.endpoint = "https://%s:%d" % (host, self.port)

    def received(self):
        """What was uploaded so far: a list of Upload."""
        with self.lock:
            return list(self.uploads)
