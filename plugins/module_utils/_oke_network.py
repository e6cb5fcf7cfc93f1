# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pod and service CIDRs of an OKE cluster, for limiting sidecar interception to in-cluster traffic."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError


def validate_cidrs(values, option):
    """Each value a CIDR (IPv4 or IPv6), normalized; ValidationError names the bad one."""
    result = []
    for value in values or []:
        try:
            network = str(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError as exc:
            raise ValidationError("%s: %r is not a CIDR: %s" % (option, value, exc))
        if network not in result:
            result.append(network)
    return result


def cluster_cidrs(oke, cluster_id):
    """(pods_cidr, services_cidr) from the cluster's kubernetes network configuration."""
    cluster = oke.get_cluster(cluster_id)
    options = getattr(cluster, "options", None)
    network = getattr(options, "kubernetes_network_config", None) if options else None
    pods = getattr(network, "pods_cidr", None) if network else None
    services = getattr(network, "services_cidr", None) if network else None
    if not pods or not services:
        raise ClusterError(
            "OKE cluster %s reports no kubernetes network configuration (pods_cidr=%s, services_cidr=%s); give the CIDRs instead"
            % (cluster_id, pods, services)
        )
    return validate_cidrs([pods], "pods_cidr")[0], validate_cidrs([services], "services_cidr")[0], cluster


def run(module):
    from ansible_collections.oke.istio.plugins.module_utils._oke.api import Oke, validate_ocid

    params = module.params
    validate_ocid(params["cluster_id"], "cluster_id")
    pods, services, cluster = cluster_cidrs(Oke.from_params(params), params["cluster_id"])
    return {
        "changed": False,
        "cluster_id": params["cluster_id"],
        "cluster_name": getattr(cluster, "name", None),
        "pods_cidr": pods,
        "services_cidr": services,
        "cidrs": [pods, services],
    }
