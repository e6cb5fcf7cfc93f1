# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oke.api import Oke, validate_ocid
from ansible_collections.oke.istio.tests.servers.oke_api import COMPARTMENT, REGION, ApiKey

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    pass


def test_get_cluster_reads_the_documented_shape(oke_api):
    created = oke_api.state.add_cluster(version="v1.30.1", cni="FLANNEL_OVERLAY")
    cluster = Oke.from_params(oke_api.auth_args()).get_cluster(created["id"])
    assert cluster.name == "mesh"
    assert cluster.kubernetes_version == "v1.30.1"
    assert [o.cni_type for o in cluster.cluster_pod_network_options] == ["FLANNEL_OVERLAY"]
    assert cluster.endpoints.public_endpoint == "203.0.113.10:6443"
    assert oke_api.calls() == [
        dict(method="GET", path="/20180222/clusters/%s" % created["id"], query={}, body=None)
    ]


def test_find_cluster_by_name_follows_pages(oke_api):
    oke_api.state.page_size = 1
    for index in range(3):
        oke_api.state.add_cluster(suffix="other%d" % index, name="other%d" % index)
    wanted = oke_api.state.add_cluster(suffix="mesh99", name="mesh")
    oke = Oke.from_params(oke_api.auth_args())
    assert oke.resolve_cluster(compartment_id=COMPARTMENT, cluster_name="mesh").id == wanted["id"]


def test_find_cluster_lists_what_exists_when_the_name_is_wrong(oke_api):
    oke_api.state.add_cluster(name="prod")
    oke = Oke.from_params(oke_api.auth_args())
    with pytest.raises(ValidationError) as exc:
        oke.find_cluster(COMPARTMENT, "mesh")
    assert "No OKE cluster named 'mesh'" in exc.value.msg and "prod" in exc.value.msg


def test_find_cluster_refuses_an_ambiguous_name(oke_api):
    oke_api.state.add_cluster(suffix="one", name="mesh")
    oke_api.state.add_cluster(suffix="two", name="mesh")
    with pytest.raises(ValidationError) as exc:
        Oke.from_params(oke_api.auth_args()).find_cluster(COMPARTMENT, "mesh")
    assert "2 OKE clusters are named 'mesh'" in exc.value.msg and "give cluster_id" in exc.value.msg


def test_find_cluster_ignores_deleted_clusters(oke_api):
    oke_api.state.add_cluster(suffix="old", name="mesh", state="DELETED")
    live = oke_api.state.add_cluster(suffix="new", name="mesh")
    assert Oke.from_params(oke_api.auth_args()).find_cluster(COMPARTMENT, "mesh").id == live["id"]


def test_missing_cluster_names_the_iam_cause(oke_api):
    with pytest.raises(ClusterError) as exc:
        Oke.from_params(oke_api.auth_args()).get_cluster("ocid1.cluster.oc1.iad.aaaaaaaanothere")
    assert "404 NotAuthorizedOrNotFound" in exc.value.msg
    assert "IAM policy" in exc.value.msg


def test_a_request_signed_with_another_key_is_refused(oke_api, tmp_path):
    created = oke_api.state.add_cluster()
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = ApiKey(str(other_dir))
    args = dict(oke_api.auth_args(), oci_config_file=other.config_file)
    with pytest.raises(ClusterError) as exc:
        Oke.from_params(args).get_cluster(created["id"])
    assert "401 NotAuthenticated" in exc.value.msg


def test_unreachable_endpoint_is_a_cluster_error(oke_api):
    args = dict(oke_api.auth_args(), oci_service_endpoint="http://127.0.0.1:9")
    with pytest.raises(ClusterError) as exc:
        Oke.from_params(args).get_cluster("ocid1.cluster.oc1.iad.aaaaaaaamesh01")
    assert exc.value.msg.startswith("Failed to read cluster ocid1.cluster.oc1.iad.aaaaaaaamesh01 through the OKE API: "
                                    "the endpoint could not be reached: ")


def test_node_pools_and_virtual_node_pools_of_one_cluster(oke_api):
    mine = oke_api.state.add_cluster(suffix="mine")
    other = oke_api.state.add_cluster(suffix="other", name="other")
    oke_api.state.add_node_pool(mine, name="workers")
    oke_api.state.add_node_pool(other, name="elsewhere")
    oke_api.state.add_virtual_node_pool(mine, name="serverless")
    oke = Oke.from_params(oke_api.auth_args())
    cluster = oke.get_cluster(mine["id"])
    assert [p.name for p in oke.node_pools(cluster)] == ["workers"]
    assert [p.display_name for p in oke.virtual_node_pools(cluster)] == ["serverless"]
    listed = [c for c in oke_api.calls("GET") if c["path"].endswith("odePools")]
    assert all(c["query"]["compartmentId"] == [COMPARTMENT] and c["query"]["clusterId"] == [mine["id"]] for c in listed)


def test_create_kubeconfig_posts_the_token_version_and_endpoint(oke_api):
    created = oke_api.state.add_cluster()
    text = Oke.from_params(oke_api.auth_args()).create_kubeconfig(created["id"], "PRIVATE_ENDPOINT")
    assert "server: https://10.0.0.5:6443" in text
    post = oke_api.calls("POST")[0]
    assert post["path"] == "/20180222/clusters/%s/kubeconfig/content" % created["id"]
    assert '"tokenVersion": "2.0.0"' in post["body"] and '"endpoint": "PRIVATE_ENDPOINT"' in post["body"]


def test_generated_token_is_a_presigned_cluster_request(oke_api):
    cluster_id = "ocid1.cluster.oc1.iad.aaaaaaaamesh01"
    token = Oke.from_params(oke_api.auth_args()).generate_token(cluster_id, REGION)
    url = urlsplit(base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8"))
    assert url.scheme == "https"
    assert url.netloc == "containerengine.%s.oraclecloud.com" % REGION
    assert url.path == "/cluster_request/%s" % cluster_id
    query = parse_qs(url.query)
    assert sorted(query) == ["authorization", "date"]
    # The signature covers the request OKE's API server will replay: date, request target and host.
    problem = oke_api.key.verify(
        query["authorization"][0],
        "GET",
        url.path,
        {"date": query["date"][0], "host": url.netloc},
    )
    assert problem is None


@pytest.mark.parametrize(
    "value, resource",
    [
        ("ocid1.cluster.oc1.iad.aaaaaaaamesh01", "cluster"),
        ("ocid1.compartment.oc1..aaaaaaaatest", "compartment"),
    ],
)
def test_validate_ocid_accepts(value, resource):
    assert validate_ocid(value, "x", resource) == value


@pytest.mark.parametrize(
    "value", ["", "mesh", "ocid1.nodepool.oc1.iad.aaaa", "ocid1.cluster.oc1.iad.", "ocid1.cluster.oc1.iad.a b"]
)
def test_validate_ocid_names_the_option(value):
    with pytest.raises(ValidationError) as exc:
        validate_ocid(value, "cluster_id")
    assert exc.value.msg.startswith("cluster_id ")
