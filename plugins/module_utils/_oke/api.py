# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The few OKE (Container Engine) API calls the collection makes, with errors turned into our exceptions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oci import OciErrors, oci_client

try:
    import oci
    from oci.container_engine import ContainerEngineClient
except ImportError:  # pragma: no cover - reported by OkeIstioModule.requires("oci")
    oci = ContainerEngineClient = None

OCID_RE = re.compile(r"^ocid1\.[a-z0-9]+\.[a-z0-9-]+\.[a-z0-9-]*\.[A-Za-z0-9._-]+$")
CLUSTER_OCID_RE = re.compile(r"^ocid1\.cluster\.")
# Clusters in these states have no usable API endpoint.
UNUSABLE_STATES = ("DELETING", "DELETED", "FAILED", "CREATING")


def validate_ocid(value, option, resource="cluster"):
    if not OCID_RE.match(value or "") or not value.startswith("ocid1.%s." % resource):
        raise ValidationError(
            "%s %r is not a %s OCID (ocid1.%s.<realm>.<region>.<id>)" % (option, value, resource, resource)
        )
    return value


class Oke(object):
    """A ContainerEngineClient plus the calls we need; every API failure leaves as ClusterError."""

    def __init__(self, client):
        self.client = client

    @classmethod
    def from_params(cls, params):
        from ansible_collections.oke.istio.plugins.module_utils._oci import oci_auth_params

        return cls(oci_client(ContainerEngineClient, oci_auth_params(params)))

    @staticmethod
    def _call(what, fn, *args, **kwargs):
        with OciErrors("%s through the OKE API" % what):
            return fn(*args, **kwargs)

    def _list_all(self, what, fn, **kwargs):
        response = self._call(what, oci.pagination.list_call_get_all_results, fn, **kwargs)
        return response.data

    def get_cluster(self, cluster_id):
        return self._call("read cluster %s" % cluster_id, self.client.get_cluster, cluster_id).data

    def find_cluster(self, compartment_id, name):
        """The one non-deleted cluster called ``name`` in ``compartment_id``."""
        if not (compartment_id or "").startswith("ocid1.tenancy."):  # the root compartment is the tenancy
            validate_ocid(compartment_id, "compartment_id", "compartment")
        clusters = self._list_all(
            "list clusters in compartment %s" % compartment_id,
            self.client.list_clusters,
            compartment_id=compartment_id,
        )  # all of them, so a wrong name can be answered with the names that exist
        matches = [c for c in clusters if c.name == name and c.lifecycle_state not in ("DELETING", "DELETED")]
        if not matches:
            raise ValidationError(
                "No OKE cluster named %r in compartment %s (cluster_name/compartment_id); clusters there: %s"
                % (name, compartment_id, ", ".join(sorted(c.name for c in clusters if c.lifecycle_state != "DELETED")) or "none")
            )
        if len(matches) > 1:
            raise ValidationError(
                "%d OKE clusters are named %r in compartment %s; give cluster_id instead: %s"
                % (len(matches), name, compartment_id, ", ".join(c.id for c in matches))
            )
        return self.get_cluster(matches[0].id)

    def resolve_cluster(self, cluster_id=None, compartment_id=None, cluster_name=None):
        if cluster_id:
            validate_ocid(cluster_id, "cluster_id")
            cluster = self.get_cluster(cluster_id)
        elif compartment_id and cluster_name:
            cluster = self.find_cluster(compartment_id, cluster_name)
        else:
            raise ValidationError("Give cluster_id, or compartment_id and cluster_name, to identify the OKE cluster")
        return cluster

    def create_kubeconfig(self, cluster_id, endpoint, token_version="2.0.0"):
        from oci.container_engine.models import CreateClusterKubeconfigContentDetails

        details = CreateClusterKubeconfigContentDetails(token_version=token_version, endpoint=endpoint)
        response = self._call(
            "create the kubeconfig of cluster %s" % cluster_id,
            self.client.create_kubeconfig,
            cluster_id,
            create_cluster_kubeconfig_content_details=details,
        )
        data = response.data
        content = data.content if hasattr(data, "content") else data.text
        if isinstance(content, bytes):
            content = content.decode("utf-8")
        return content

    def node_pools(self, cluster):
        return self._list_all(
            "list the node pools of cluster %s" % cluster.id,
            self.client.list_node_pools,
            compartment_id=cluster.compartment_id,
            cluster_id=cluster.id,
        )

    def virtual_node_pools(self, cluster):
        return self._list_all(
            "list the virtual node pools of cluster %s" % cluster.id,
            self.client.list_virtual_node_pools,
            compartment_id=cluster.compartment_id,
            cluster_id=cluster.id,
        )

    def addons(self, cluster_id):
        """The cluster add-ons (CoreDNS, KubeProxy, Istio...) enabled on ``cluster_id``, whatever their state."""
        return self._list_all(
            "list the add-ons of cluster %s" % cluster_id,
            self.client.list_addons,
            cluster_id=cluster_id,
        )

    def generate_token(self, cluster_id, region):
        """A bearer token for the cluster's API server, the way ``oci ce cluster generate-token`` makes one.

        It is a pre-signed request URL for the region's Container Engine endpoint, so it is only valid for
        as long as OCI accepts the signature date (about five minutes).
        """
        import base64

        import requests

        signer = self.client.base_client.signer
        url = "https://containerengine.%s.oraclecloud.com/cluster_request/%s" % (region, cluster_id)
        signed = signer.do_request_sign(requests.Request("GET", url).prepare())
        params = {"authorization": signed.headers["authorization"], "date": signed.headers["date"]}
        delegation = getattr(signer, "delegation_token", None)
        if delegation:
            params["opc-obo-token"] = delegation
        token_url = requests.Request("GET", url, params=params).prepare().url
        return base64.urlsafe_b64encode(token_url.encode("utf-8")).decode("ascii")
