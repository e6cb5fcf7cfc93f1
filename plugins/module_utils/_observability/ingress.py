# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where clients outside the cluster reach the ingress gateway: INGRESS_HOST and INGRESS_PORT."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._k8s.apply import ObjectRef
from ansible_collections.oke.istio.plugins.module_utils._k8s.client import get_resource, list_items, read_object
from ansible_collections.oke.istio.plugins.module_utils._k8s import cluster as k8s_cluster
from ansible_collections.oke.istio.plugins.module_utils._k8s import waiter as waiters


def _find_port(ports, name, default_number):
    for port in ports:
        if port.get("name") == name:
            return port
    for port in ports:
        if port.get("port") == default_number:
            return port
    return None


def _node_address(client):
    """An address of a node: ExternalIP first (public worker nodes), else InternalIP (reachable in the VCN)."""
    nodes = list_items(client, "v1", "Node")
    for wanted in ("ExternalIP", "InternalIP"):
        for node in nodes:
            for address in (node.get("status") or {}).get("addresses") or []:
                if address.get("type") == wanted and address.get("address"):
                    return address["address"], wanted
    return None, None


def gateway_address(client, namespace, name, port_name="http2", secure_port_name="https", wait_timeout=0):
    """Return host, ports and how they were found, as the runbook works them out by hand.

    A LoadBalancer address (IP or host name, as OCI or other providers report it) wins; without one
    the node ports on a node address are used; a ClusterIP Service is only reachable inside the cluster.
    """
    if wait_timeout < 0:
        raise ValidationError("wait_timeout must not be negative, got %s" % wait_timeout)
    ref = ObjectRef("v1", "Service", name, namespace)
    waiter = waiters.Waiter(client)
    service = read_object(get_resource(client, "v1", "Service"), ref)
    if service is None:
        raise ValidationError(
            "service: %s not found: is the ingress gateway installed (istio role, istio_ingress_gateway_enabled)?" % ref
        )
    spec = service.get("spec") or {}
    ports = spec.get("ports") or []
    http = _find_port(ports, port_name, 80)
    https = _find_port(ports, secure_port_name, 443)
    if http is None:
        raise ValidationError(
            "port_name: %s has no port named %s (ports: %s)" % (ref, port_name, ", ".join(str(p.get("name")) for p in ports))
        )
    service_type = spec.get("type", "ClusterIP")
    result = dict(service_type=service_type, host=None, port=None, secure_port=None, source=None, note=None)
    if service_type == "LoadBalancer":
        done, address = waiters.load_balancer_address(service)
        if not done and wait_timeout:
            _obj, address = waiter.wait_for(ref, waiters.load_balancer_address, wait_timeout, "given a load balancer address")
            done = True
        if done:
            result.update(host=address, port=http.get("port"), secure_port=https.get("port") if https else None, source="load_balancer")
            return result
        result["note"] = "the load balancer has no address yet; falling back to the node ports"
    if service_type in ("LoadBalancer", "NodePort"):
        host, kind = _node_address(client)
        if host is None:
            raise ClusterError("%s has node ports but no node reports an address" % ref)
        result.update(
            host=host,
            port=http.get("nodePort"),
            secure_port=https.get("nodePort") if https else None,
            source="node_port_%s" % kind.lower(),
        )
        return result
    result.update(
        host=spec.get("clusterIP"),
        port=http.get("port"),
        secure_port=https.get("port") if https else None,
        source="cluster_ip",
        note="a ClusterIP Service is reachable from inside the cluster only",
    )
    return result


def run(module):
    params = module.params
    found = gateway_address(
        module.client,
        params["namespace"],
        params["service"],
        params["port_name"],
        params["secure_port_name"],
        params["wait_timeout"] if params["wait"] else 0,
    )
    found["url"] = "http://%s:%s" % (_url_host(found["host"]), found["port"]) if found["host"] else None
    found["data_plane_skip_reason"] = k8s_cluster.data_plane_skip_reason(module.client)
    found["changed"] = False
    return found


def _url_host(host):
    return "[%s]" % host if ":" in host else host
