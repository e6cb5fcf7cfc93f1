# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OCI Logging for the mesh's container logs: a log group, a custom log, and an agent configuration tailing them.

Everything is found by display name, so a re-run finds what the first run created. Creations are
asynchronous in the Logging API: each is followed to its work request's end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oci import OciErrors, oci_auth_params, oci_client

SOURCE_NAME = "kubernetes-containers"
ACTIVE = "ACTIVE"


class Logging(object):
    def __init__(self, client, compartment_id, timeout):
        self.client = client
        self.compartment_id = compartment_id
        self.timeout = timeout

    def _call(self, what, function, *args, **kwargs):
        # A list names the compartment: there a 404 is the compartment's.
        with OciErrors("%s through OCI Logging" % what, not_found=("compartment_id", self.compartment_id) if what.startswith("list") else None):
            return function(*args, **kwargs)

    def _all(self, what, function, *args, **kwargs):
        import oci

        return self._call(what, oci.pagination.list_call_get_all_results, function, *args, **kwargs).data

    def _await(self, what, response, entity_type):
        """Follow a create's work request to its end; the created resource's OCID."""
        import oci

        request_id = response.headers.get("opc-work-request-id")
        if not request_id:
            raise ClusterError("OCI Logging accepted the request to %s without a work request" % what)
        first = self._call(what, self.client.get_work_request, request_id)
        done = self._call(what, oci.wait_until, self.client, first, max_wait_seconds=self.timeout, max_interval_seconds=10,
                          evaluate_response=lambda r: r.data.status in ("SUCCEEDED", "FAILED", "CANCELED"))
        request = done.data
        if request.status != "SUCCEEDED":
            raise ClusterError("OCI Logging could not %s: work request %s ended %s" % (what, request_id, request.status))
        for resource in request.resources or []:
            if resource.entity_type == entity_type and resource.identifier:
                return resource.identifier
        raise ClusterError("OCI Logging's work request %s names no %s" % (request_id, entity_type))

    def ensure_log_group(self, name, check_mode):
        import oci

        found = [g for g in self._all("list log groups", self.client.list_log_groups, self.compartment_id, display_name=name)
                 if g.lifecycle_state == ACTIVE]
        if found:
            return found[0].id, "none"
        if check_mode:
            return None, "create"
        details = oci.logging.models.CreateLogGroupDetails(compartment_id=self.compartment_id, display_name=name,
                                                           description="Istio service mesh logs (oke.istio)")
        response = self._call("create log group %s" % name, self.client.create_log_group, details)
        return self._await("create log group %s" % name, response, "loggroup"), "create"

    def ensure_log(self, group_id, name, retention, check_mode):
        import oci

        if group_id is None:
            return None, "create"
        found = [log for log in self._all("list logs", self.client.list_logs, group_id, display_name=name, log_type="CUSTOM")
                 if log.lifecycle_state == ACTIVE]
        if found:
            return found[0].id, "none"
        if check_mode:
            return None, "create"
        details = oci.logging.models.CreateLogDetails(display_name=name, log_type="CUSTOM", is_enabled=True,
                                                      retention_duration=retention)
        response = self._call("create log %s" % name, self.client.create_log, group_id, details)
        return self._await("create log %s" % name, response, "log"), "create"

    def ensure_agent_config(self, name, log_id, group_ids, paths, check_mode):
        import oci

        models = oci.logging.models
        wanted = desired_configuration(log_id, group_ids, paths)
        found = [c for c in self._all("list agent configurations", self.client.list_unified_agent_configurations,
                                      self.compartment_id, display_name=name)
                 if c.lifecycle_state == ACTIVE]
        service = models.UnifiedAgentLoggingConfiguration(
            configuration_type="LOGGING",
            sources=[models.UnifiedAgentTailLogSource(
                name=SOURCE_NAME, source_type="LOG_TAIL", paths=list(paths),
                parser=models.UnifiedAgentCriParser(parser_type="CRI", is_merge_cri_fields=True))],
            destination=models.UnifiedAgentLoggingDestination(log_object_id=log_id),
        )
        groups = models.GroupAssociationDetails(group_list=list(group_ids))
        if not found:
            if check_mode:
                return None, "create", None, wanted
            details = models.CreateUnifiedAgentConfigurationDetails(
                display_name=name, compartment_id=self.compartment_id, is_enabled=True,
                description="Tails the Kubernetes container logs (Envoy access logs included) into %s" % log_id,
                service_configuration=service, group_association=groups)
            response = self._call("create agent configuration %s" % name, self.client.create_unified_agent_configuration, details)
            return self._await("create agent configuration %s" % name, response, "unifiedagentconfiguration"), "create", None, wanted
        config_id = found[0].id
        live = self._call("read agent configuration %s" % name, self.client.get_unified_agent_configuration, config_id).data
        current = live_configuration(live)
        if current == wanted:
            return config_id, "none", current, wanted
        if not check_mode:
            details = models.UpdateUnifiedAgentConfigurationDetails(
                display_name=name, is_enabled=True, service_configuration=service, group_association=groups)
            self._call("update agent configuration %s" % name, self.client.update_unified_agent_configuration, config_id, details)
        return config_id, "update", current, wanted


def desired_configuration(log_id, group_ids, paths):
    return {"enabled": True, "paths": sorted(paths), "parser": "CRI", "log_id": log_id, "groups": sorted(group_ids)}


def live_configuration(live):
    service = live.service_configuration
    source = next((s for s in (getattr(service, "sources", None) or []) if s.name == SOURCE_NAME), None)
    return {
        "enabled": bool(live.is_enabled),
        "paths": sorted(getattr(source, "paths", None) or []),
        "parser": getattr(getattr(source, "parser", None), "parser_type", None),
        "log_id": getattr(getattr(service, "destination", None), "log_object_id", None),
        "groups": sorted(getattr(live.group_association, "group_list", None) or []),
    }


def run(module):
    import oci

    params = module.params
    if not params["compartment_id"].startswith(("ocid1.compartment.", "ocid1.tenancy.")):
        raise ValidationError("compartment_id must be a compartment (or tenancy) OCID, got %s" % params["compartment_id"])
    if not params["agent_group_ids"]:
        raise ValidationError("agent_group_ids must name at least one dynamic group (the worker nodes' instances)")
    if not params["log_paths"]:
        raise ValidationError("log_paths must name at least one path pattern")
    if not 30 <= params["retention_days"] <= 180 or params["retention_days"] % 30:
        raise ValidationError("retention_days must be 30, 60, 90, 120, 150 or 180, got %s" % params["retention_days"])
    client = oci_client(oci.logging.LoggingManagementClient, oci_auth_params(params))
    logging = Logging(client, params["compartment_id"], params["wait_timeout"])
    check = module.check_mode
    group_id, group_action = logging.ensure_log_group(params["log_group_name"], check)
    log_id, log_action = logging.ensure_log(group_id, params["log_name"], params["retention_days"], check)
    config_id, config_action, before, after = logging.ensure_agent_config(
        params["agent_config_name"], log_id, params["agent_group_ids"], params["log_paths"], check)
    actions = {"log_group": group_action, "log": log_action, "agent_configuration": config_action}
    result = {
        "changed": any(a != "none" for a in actions.values()),
        "actions": actions,
        "log_group_id": group_id,
        "log_id": log_id,
        "agent_configuration_id": config_id,
    }
    if config_action == "update" or any(a == "create" for a in actions.values()):
        result["diff"] = {"before_header": "OCI Logging", "after_header": "OCI Logging",
                          "before": {"agent_configuration": before or {}},
                          "after": dict(actions=actions, agent_configuration=after)}
    return result
