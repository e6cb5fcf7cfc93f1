# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local stand-in for the few OKE (Container Engine, API version 20180222) calls the collection makes.

The tests point the real oci SDK at it with ``oci_service_endpoint`` and an API key config file generated here, so
what is exercised is the SDK's own request building, signing, paging and response parsing. The server checks every
request's HTTP signature against the generated key and answers in the shapes the OKE API reference documents:

    GET  /20180222/clusters/{clusterId}                 Cluster
    GET  /20180222/clusters?compartmentId=&name=        [ClusterSummary]
    POST /20180222/clusters/{clusterId}/kubeconfig/content   kubeconfig YAML
    GET  /20180222/nodePools?compartmentId=&clusterId=  [NodePoolSummary]
    GET  /20180222/virtualNodePools?compartmentId=&clusterId=   [VirtualNodePoolSummary]
    GET  /20180222/clusters/{clusterId}/addons          [AddonSummary]
    GET  /20180222/clusters/{clusterId}/addons/{addonName}   Addon

Lists honour ``limit``/``page`` and answer ``opc-next-page``; errors are ``{"code", "message"}`` bodies with the
status OKE uses (404 NotAuthorizedOrNotFound, 401 NotAuthenticated, 400 InvalidParameter).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import os
import re
import threading
import uuid

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover - Python 2 has no tests here
    BaseHTTPRequestHandler = ThreadingHTTPServer = object

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

BASE = "/20180222"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy"
USER = "ocid1.user.oc1..aaaaaaaatestuser"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaatestcompartment"
REGION = "us-ashburn-1"
CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nnot a real CA\n-----END CERTIFICATE-----\n").decode("ascii")


def cluster_ocid(suffix):
    return "ocid1.cluster.oc1.iad.aaaaaaaa%s" % suffix


def make_cluster(suffix="mesh01", name="mesh", version="v1.34.2", cni="OCI_VCN_IP_NATIVE", state="ACTIVE",
                 compartment=COMPARTMENT, cluster_type="ENHANCED_CLUSTER"):
    """A Cluster as GET /clusters/{id} returns it (the fields the OKE API reference lists, camelCase)."""
    ocid = cluster_ocid(suffix)
    return {
        "id": ocid,
        "name": name,
        "compartmentId": compartment,
        "vcnId": "ocid1.vcn.oc1.iad.aaaaaaaatestvcn",
        "kubernetesVersion": version,
        "lifecycleState": state,
        "lifecycleDetails": None,
        "type": cluster_type,
        "endpointConfig": {"subnetId": "ocid1.subnet.oc1.iad.aaaaaaaaapi", "isPublicIpEnabled": True, "nsgIds": []},
        "endpoints": {
            "kubernetes": None,
            "publicEndpoint": "203.0.113.10:6443",
            "privateEndpoint": "10.0.0.5:6443",
            "vcnHostnameEndpoint": "c%s.sub.vcn.oraclevcn.com:6443" % suffix[-8:],
        },
        "clusterPodNetworkOptions": [{"cniType": cni}] if cni else [],
        "options": {"serviceLbSubnetIds": [], "kubernetesNetworkConfig": {"podsCidr": "10.244.0.0/16", "servicesCidr": "10.96.0.0/16"}},
        "metadata": {"timeCreated": "2026-01-05T10:00:00.000Z", "createdByUserId": USER},
        "availableKubernetesUpgrades": [],
        "freeformTags": {},
        "definedTags": {},
        "systemTags": {},
    }


def make_node_pool(cluster, name="pool1", version=None, image="Oracle-Linux-8.10-2026.09.30-0-OKE-1.34.2-800",
                   state="ACTIVE"):
    return {
        "id": "ocid1.nodepool.oc1.iad.aaaaaaaa%s" % hashlib.sha1(name.encode()).hexdigest()[:12],
        "compartmentId": cluster["compartmentId"],
        "clusterId": cluster["id"],
        "name": name,
        "kubernetesVersion": version or cluster["kubernetesVersion"],
        "nodeImageId": "ocid1.image.oc1.iad.aaaaaaaaimage",
        "nodeImageName": image,
        "nodeShape": "VM.Standard.E4.Flex",
        "nodeShapeConfig": {"ocpus": 2.0, "memoryInGBs": 32.0},
        "nodeSource": {"sourceType": "IMAGE", "sourceName": image, "imageId": "ocid1.image.oc1.iad.aaaaaaaaimage"},
        "nodeSourceDetails": {"sourceType": "IMAGE", "imageId": "ocid1.image.oc1.iad.aaaaaaaaimage"},
        "initialNodeLabels": [],
        "quantityPerSubnet": 0,
        "subnetIds": [],
        "nodeConfigDetails": {"size": 3, "placementConfigs": []},
        "lifecycleState": state,
        "lifecycleDetails": None,
        "freeformTags": {},
        "definedTags": {},
        "systemTags": {},
    }


def make_virtual_node_pool(cluster, name="virtual1", version=None, state="ACTIVE"):
    return {
        "id": "ocid1.virtualnodepool.oc1.iad.aaaaaaaa%s" % hashlib.sha1(name.encode()).hexdigest()[:12],
        "compartmentId": cluster["compartmentId"],
        "clusterId": cluster["id"],
        "displayName": name,
        "kubernetesVersion": version or cluster["kubernetesVersion"],
        "initialVirtualNodeLabels": [],
        "taints": [],
        "size": 2,
        "placementConfigurations": [],
        "nsgIds": [],
        "podConfiguration": {"subnetId": "ocid1.subnet.oc1.iad.aaaaaaaapods", "shape": "Pod.Standard.E4.Flex", "nsgIds": []},
        "lifecycleState": state,
        "lifecycleDetails": None,
        "timeCreated": "2026-01-05T10:00:00.000Z",
        "timeUpdated": "2026-01-05T10:00:00.000Z",
        "freeformTags": {},
        "definedTags": {},
        "systemTags": {},
        "virtualNodeTags": {"freeformTags": {}, "definedTags": {}},
    }


def make_addon(name="Istio", installed="v1.24.3", version=None, state="ACTIVE", error=None):
    """An Addon as GET /clusters/{id}/addons/{name} returns it; ListAddons returns it without configurations.

    ``version`` is the version chosen (None: Oracle updates the add-on), ``installed`` the current installed version,
    as in the list-addons output of Oracle's "Working with Istio as a Cluster Add-on"."""
    return {
        "name": name,
        "version": version,
        "currentInstalledVersion": installed,
        "timeCreated": "2026-01-05T10:00:00.000Z",
        "lifecycleState": state,
        "configurations": [{"key": "enableIngressGateway", "value": "true"}] if name == "Istio" else [],
        "addonError": {"code": "InternalError", "message": error, "status": "500"} if error else None,
    }


SUMMARY_DROP = ("kmsKeyId", "openIdConnectDiscoveryEndpoint", "openIdConnectDiscoveryKey")
ENDPOINT_KEYS = {
    "PUBLIC_ENDPOINT": "publicEndpoint",
    "PRIVATE_ENDPOINT": "privateEndpoint",
    "VCN_HOSTNAME": "vcnHostnameEndpoint",
    "LEGACY_KUBERNETES": "kubernetes",
}


def kubeconfig_for(cluster, endpoint="PUBLIC_ENDPOINT", region=REGION, ca_data=CA_DATA):
    """The kubeconfig CreateKubeconfig returns for token version 2.0.0 (OKE writes ``kind: ""``)."""
    short = cluster["id"][-11:]
    server = cluster["endpoints"].get(ENDPOINT_KEYS[endpoint])
    return (
        "---\n"
        "apiVersion: v1\n"
        'kind: ""\n'
        "clusters:\n"
        "- name: cluster-%(short)s\n"
        "  cluster:\n"
        "    server: https://%(server)s\n"
        "    certificate-authority-data: %(ca)s\n"
        "users:\n"
        "- name: user-%(short)s\n"
        "  user:\n"
        "    exec:\n"
        "      apiVersion: client.authentication.k8s.io/v1beta1\n"
        "      command: oci\n"
        "      args:\n"
        "      - ce\n"
        "      - cluster\n"
        "      - generate-token\n"
        "      - --cluster-id\n"
        "      - %(id)s\n"
        "      - --region\n"
        "      - %(region)s\n"
        "      env: []\n"
        "contexts:\n"
        "- name: context-%(short)s\n"
        "  context:\n"
        "    cluster: cluster-%(short)s\n"
        "    user: user-%(short)s\n"
        "current-context: context-%(short)s\n"
    ) % dict(short=short, server=server, ca=ca_data, id=cluster["id"], region=region)


class ApiKey(object):
    """An RSA API signing key and the OCI config file that names it."""

    def __init__(self, directory, profile="DEFAULT"):
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        digest = hashlib.md5(der).hexdigest()
        self.fingerprint = ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
        self.key_id = "%s/%s/%s" % (TENANCY, USER, self.fingerprint)
        self.key_file = os.path.join(directory, "oci_api_key.pem")
        with open(self.key_file, "wb") as handle:
            handle.write(pem)
        os.chmod(self.key_file, 0o600)
        self.profile = profile
        self.config_file = os.path.join(directory, "oci_config")
        with open(self.config_file, "w") as handle:
            handle.write(
                "[%s]\nuser=%s\nfingerprint=%s\ntenancy=%s\nregion=%s\nkey_file=%s\n"
                % (profile, USER, self.fingerprint, TENANCY, REGION, self.key_file)
            )

    def verify(self, authorization, method, target, headers):
        """Check an OCI HTTP signature (draft-cavage) made with this key; return an error text or None."""
        fields = dict(re.findall(r'(\w+)="([^"]*)"', authorization or ""))
        if not (authorization or "").startswith("Signature ") or "signature" not in fields:
            return "no OCI HTTP signature in the Authorization header"
        if fields.get("keyId") != self.key_id:
            return "signed with key %s, expected %s" % (fields.get("keyId"), self.key_id)
        lines = []
        for name in fields.get("headers", "").split():
            if name == "(request-target)":
                lines.append("(request-target): %s %s" % (method.lower(), target))
            else:
                lines.append("%s: %s" % (name, headers.get(name, "")))
        try:
            self.private_key.public_key().verify(
                base64.b64decode(fields["signature"]), "\n".join(lines).encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception as exc:  # cryptography raises InvalidSignature
            return "bad signature: %r" % exc
        return None


class OkeState(object):
    def __init__(self):
        self.clusters = {}
        self.node_pools = []
        self.virtual_node_pools = []
        self.addons = {}  # cluster OCID -> [Addon]
        self.addon_errors = {}  # cluster OCID -> (status, code, message) that ListAddons answers instead
        self.requests = []
        self.kubeconfig_region = REGION
        self.page_size = 1000  # lower it to make the SDK follow opc-next-page
        self.ca_data = {}  # cluster OCID -> base64 CA bundle, for clusters whose endpoint is a real API server

    def add_cluster(self, **kwargs):
        cluster = make_cluster(**kwargs)
        self.clusters[cluster["id"]] = cluster
        return cluster

    def add_node_pool(self, cluster, **kwargs):
        pool = make_node_pool(cluster, **kwargs)
        self.node_pools.append(pool)
        return pool

    def add_virtual_node_pool(self, cluster, **kwargs):
        pool = make_virtual_node_pool(cluster, **kwargs)
        self.virtual_node_pools.append(pool)
        return pool

    def add_addon(self, cluster, **kwargs):
        addon = make_addon(**kwargs)
        self.addons.setdefault(cluster["id"], []).append(addon)
        return addon


class OciHandler(BaseHTTPRequestHandler):
    """What every OCI stand-in answers with: JSON (or given bytes), and an opc-request-id as OCI sends."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status, body, content_type="application/json", headers=None):
        data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("opc-request-id", uuid.uuid4().hex.upper())
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        return True


def _handler(state, key):
    class Handler(OciHandler):
        def _error(self, status, code, message):
            self._send(status, {"code": code, "message": message})

        def _list(self, items, query):
            limit = min(int(query.get("limit", ["1000"])[0]), state.page_size)
            start = int(query.get("page", ["0"])[0])
            page = items[start:start + limit]
            headers = {"opc-next-page": str(start + limit)} if start + limit < len(items) else {}
            self._send(200, page, headers=headers)

        def _handle(self, method):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            state.requests.append(dict(method=method, path=url.path, query=query, body=body.decode("utf-8") or None))
            problem = key.verify(
                self.headers.get("authorization"),
                method,
                self.path,
                dict((k.lower(), v) for k, v in self.headers.items()),
            )
            if problem:
                return self._error(
                    401,
                    "NotAuthenticated",
                    "The required information to complete authentication was not provided or was incorrect: %s" % problem,
                )
            path = url.path
            if not path.startswith(BASE + "/"):
                return self._error(404, "NotAuthorizedOrNotFound", "Unknown resource %s" % path)
            parts = path[len(BASE) + 1:].split("/")
            if method == "GET" and parts == ["clusters"]:
                if "compartmentId" not in query:
                    return self._error(400, "InvalidParameter", "compartmentId is required")
                wanted = query["compartmentId"][0]
                name = query.get("name", [None])[0]
                items = [
                    dict((k, v) for k, v in c.items() if k not in SUMMARY_DROP)
                    for c in state.clusters.values()
                    if c["compartmentId"] == wanted and (name is None or c["name"] == name)
                ]
                return self._list(items, query)
            if parts[0] == "clusters" and len(parts) >= 2:
                cluster = state.clusters.get(parts[1])
                if cluster is None:
                    return self._error(
                        404,
                        "NotAuthorizedOrNotFound",
                        "Authorization failed or requested resource not found.",
                    )
                if method == "GET" and len(parts) == 2:
                    return self._send(200, cluster, headers={"etag": hashlib.sha1(json.dumps(cluster).encode()).hexdigest()})
                if method == "GET" and parts[2:] == ["addons"]:
                    if cluster["id"] in state.addon_errors:
                        return self._error(*state.addon_errors[cluster["id"]])
                    addons = state.addons.get(cluster["id"], [])
                    return self._list([dict((k, v) for k, v in a.items() if k != "configurations") for a in addons], query)
                if method == "GET" and len(parts) == 4 and parts[2] == "addons":
                    for addon in state.addons.get(cluster["id"], []):
                        if addon["name"] == parts[3]:
                            return self._send(200, addon)
                    return self._error(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.")
                if method == "POST" and parts[2:] == ["kubeconfig", "content"]:
                    details = json.loads(body.decode("utf-8") or "{}")
                    endpoint = details.get("endpoint") or "LEGACY_KUBERNETES"
                    if endpoint not in ENDPOINT_KEYS:
                        return self._error(400, "InvalidParameter", "Invalid endpoint %s" % endpoint)
                    if not cluster["endpoints"].get(ENDPOINT_KEYS[endpoint]):
                        return self._error(400, "InvalidParameter", "The cluster has no %s" % endpoint)
                    text = kubeconfig_for(
                        cluster, endpoint, state.kubeconfig_region, state.ca_data.get(cluster["id"], CA_DATA)
                    )
                    return self._send(200, text.encode("utf-8"), content_type="application/x-yaml")
            if method == "GET" and parts in (["nodePools"], ["virtualNodePools"]):
                if "compartmentId" not in query:
                    return self._error(400, "InvalidParameter", "compartmentId is required")
                pools = state.node_pools if parts == ["nodePools"] else state.virtual_node_pools
                cluster_id = query.get("clusterId", [None])[0]
                items = [
                    p
                    for p in pools
                    if p["compartmentId"] == query["compartmentId"][0] and (cluster_id is None or p["clusterId"] == cluster_id)
                ]
                return self._list(items, query)
            return self._error(404, "NotAuthorizedOrNotFound", "Unknown resource %s %s" % (method, path))

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

    return Handler


class ThreadedServer(object):
    """``with`` it, ``httpd`` (an HTTP server, already bound) serves in a thread; leaving stops it and frees the port."""

    def __init__(self, httpd):
        self.httpd = httpd
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class LocalOciServer(ThreadedServer):
    """Runs a stand-in in a thread on loopback; ``url`` goes into ``oci_service_endpoint``. Subclasses set
    ``state`` (what the server holds) and ``handler`` (a function of the state and the key giving the handler)."""

    def __init__(self, directory, state, handler):
        self.key = ApiKey(directory)
        self.state = state
        super(LocalOciServer, self).__init__(ThreadingHTTPServer(("127.0.0.1", 0), handler(self.state, self.key)))
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def auth_args(self):
        """Module arguments that send a module's OCI calls here."""
        return dict(
            oci_auth_type="api_key",
            oci_config_file=self.key.config_file,
            oci_profile=self.key.profile,
            oci_service_endpoint=self.url,
        )


class OkeApiServer(LocalOciServer):
    def __init__(self, directory):
        super(OkeApiServer, self).__init__(directory, OkeState(), _handler)

    def calls(self, method=None):
        return [r for r in self.state.requests if method is None or r["method"] == method]
