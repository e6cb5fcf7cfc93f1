# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Facts about the cluster itself that decide what can be verified on it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oke.istio.plugins.module_utils._k8s.client import list_items

SIMULATED_NODE_ANNOTATION = "kwok.x-k8s.io/node"


def simulated_nodes(client):
    """Names of nodes simulated by kwok: their pods are scheduled and marked Ready, but no container runs."""
    return sorted(
        n["metadata"]["name"]
        for n in list_items(client, "v1", "Node")
        if ((n["metadata"].get("annotations") or {}).get(SIMULATED_NODE_ANNOTATION)) == "fake"
    )


def data_plane_skip_reason(client):
    """Why traffic cannot be observed on this cluster, or None when its data plane is real."""
    simulated = simulated_nodes(client)
    if simulated:
        return (
            "the cluster's nodes are simulated by kwok (%s): pods are marked Running but no container runs, "
            "so no request can be sent or observed; run against a real cluster (kind, OKE) to verify traffic"
            % ", ".join(simulated)
        )
    return None
