# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local stand-in for the APM control plane (20200630) and Logging management (20200531) calls the collection makes.

    GET  /20200630/apmDomains/{apmDomainId}                         ApmDomain
    GET  /20200630/apmDomains/{apmDomainId}/dataKeys?dataKeyType=   [DataKeySummary]
    GET  /20200531/logGroups?compartmentId=&displayName=            [LogGroupSummary]
    POST /20200531/logGroups                                        202, opc-work-request-id
    GET  /20200531/logGroups/{logGroupId}/logs?displayName=&logType= [LogSummary]
    POST /20200531/logGroups/{logGroupId}/logs                      202, opc-work-request-id
    GET  /20200531/unifiedAgentConfigurations?compartmentId=&displayName=   UnifiedAgentConfigurationCollection
    POST /20200531/unifiedAgentConfigurations                       202, opc-work-request-id
    GET  /20200531/unifiedAgentConfigurations/{id}                  UnifiedAgentConfiguration
    PUT  /20200531/unifiedAgentConfigurations/{id}                  202, opc-work-request-id
    GET  /20200531/workRequests/{workRequestId}                     WorkRequest

Requests must carry a valid OCI HTTP signature (checked with the key of ``oke_api.ApiKey``);
errors are ``{"code", "message"}`` bodies as the API reference documents them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover - Python 2 has no tests here
    pass

from ansible_collections.oke.istio.tests.servers.oke_api import COMPARTMENT, LocalOciServer, OciHandler

APM_BASE = "/20200630"
LOGGING_BASE = "/20200531"
NOW = "2026-01-05T10:00:00.000Z"
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
        self.log_groups = {}
        self.logs = {}
        self.agent_configs = {}
        self.work_requests = {}
        self.counter = 0

    def new_id(self, kind):
        self.counter += 1
        return "ocid1.%s.oc1.iad.aaaaaaaatest%04d" % (kind, self.counter)

    def work_request(self, operation, entity_type, identifier):
        request_id = self.new_id("logworkrequest")
        self.work_requests[request_id] = {
            "id": request_id, "operationType": operation, "status": "SUCCEEDED", "compartmentId": COMPARTMENT,
            "resources": [{"entityType": entity_type, "actionType": "CREATED" if operation.startswith("CREATE") else "UPDATED",
                           "identifier": identifier, "entityUri": "/%s" % identifier}],
            "percentComplete": 100.0, "timeAccepted": NOW, "timeStarted": NOW, "timeFinished": NOW,
        }
        return request_id


def _logging(state, handler, method, parts, query, body):
    """The Logging management calls; returns True when it answered."""
    def named(items, key="displayName"):
        wanted = query.get("displayName", [None])[0]
        return [i for i in items if wanted in (None, i[key])]

    if parts == ["logGroups"] and method == "GET":
        if "compartmentId" not in query:
            return handler._send(400, {"code": "InvalidParameter", "message": "compartmentId is required"})
        if query["compartmentId"][0] != COMPARTMENT:
            return handler._send(404, {"code": "NotAuthorizedOrNotFound", "message": "compartment not found"})
        return handler._send(200, named(state.log_groups.values()))
    if parts == ["logGroups"] and method == "POST":
        group_id = state.new_id("loggroup")
        state.log_groups[group_id] = {"id": group_id, "compartmentId": body["compartmentId"], "displayName": body["displayName"],
                                      "description": body.get("description"), "lifecycleState": "ACTIVE",
                                      "timeCreated": NOW, "timeLastModified": NOW, "freeformTags": {}, "definedTags": {}}
        return handler._send(202, None, headers={"opc-work-request-id": state.work_request("CREATE_LOG_GROUP", "loggroup", group_id)})
    if len(parts) == 3 and parts[0] == "logGroups" and parts[2] == "logs":
        if parts[1] not in state.log_groups:
            return handler._send(404, {"code": "NotAuthorizedOrNotFound", "message": "log group not found"})
        if method == "GET":
            logs = [l for l in state.logs.values() if l["logGroupId"] == parts[1]
                    and query.get("logType", [l["logType"]])[0] == l["logType"]]
            return handler._send(200, named(logs))
        log_id = state.new_id("log")
        state.logs[log_id] = {"id": log_id, "logGroupId": parts[1], "displayName": body["displayName"], "isEnabled": True,
                              "lifecycleState": "ACTIVE", "logType": body["logType"], "compartmentId": COMPARTMENT,
                              "retentionDuration": body.get("retentionDuration", 30), "timeCreated": NOW,
                              "timeLastModified": NOW, "freeformTags": {}, "definedTags": {}}
        return handler._send(202, None, headers={"opc-work-request-id": state.work_request("CREATE_LOG", "log", log_id)})
    if parts == ["unifiedAgentConfigurations"] and method == "GET":
        if query.get("compartmentId", [None])[0] != COMPARTMENT:
            return handler._send(404, {"code": "NotAuthorizedOrNotFound", "message": "compartment not found"})
        items = [dict(dict((k, v) for k, v in c.items() if k not in ("serviceConfiguration", "groupAssociation")),
                      configurationType="LOGGING") for c in named(state.agent_configs.values())]
        return handler._send(200, {"items": items})
    if parts == ["unifiedAgentConfigurations"] and method == "POST":
        config_id = state.new_id("unifiedagentconfiguration")
        state.agent_configs[config_id] = dict(body, id=config_id, lifecycleState="ACTIVE", configurationState="VALID",
                                              timeCreated=NOW, timeLastModified=NOW)
        return handler._send(202, None, headers={"opc-work-request-id": state.work_request(
            "CREATE_CONFIGURATION", "unifiedagentconfiguration", config_id)})
    if len(parts) == 2 and parts[0] == "unifiedAgentConfigurations":
        config = state.agent_configs.get(parts[1])
        if config is None:
            return handler._send(404, {"code": "NotAuthorizedOrNotFound", "message": "configuration not found"})
        if method == "GET":
            return handler._send(200, config)
        config.update(body)
        return handler._send(202, None, headers={"opc-work-request-id": state.work_request(
            "UPDATE_CONFIGURATION", "unifiedagentconfiguration", parts[1])})
    if len(parts) == 2 and parts[0] == "workRequests" and parts[1] in state.work_requests:
        return handler._send(200, state.work_requests[parts[1]])
    return handler._send(404, {"code": "NotAuthorizedOrNotFound", "message": "Unknown resource %s" % "/".join(parts)})


def _handler(state, key):
    class Handler(OciHandler):
        def do_POST(self):
            self.do_GET("POST")

        def do_PUT(self):
            self.do_GET("PUT")

        def do_GET(self, method="GET"):
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw.decode("utf-8")) if raw else None
            state.requests.append(dict(method=method, path=url.path, query=query, body=body))
            problem = key.verify(self.headers.get("authorization"), method, self.path,
                                 dict((k.lower(), v) for k, v in self.headers.items()))
            if problem:
                return self._send(401, {"code": "NotAuthenticated", "message": problem})
            if url.path.startswith(LOGGING_BASE + "/"):
                return _logging(state, self, method, url.path[len(LOGGING_BASE) + 1:].split("/"), query, body)
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


class ApmApiServer(LocalOciServer):
    def __init__(self, directory):
        super(ApmApiServer, self).__init__(directory, ApmState(), _handler)
