# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Is this cluster fit for Istio on OKE? Facts from the Kubernetes API (and the OKE API when a cluster OCID is
known), then one verdict per check: pass, warn or fail, each with a message that says what to do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.oke.istio.plugins.module_utils._errors import OkeIstioError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._istio.installer import RECORD_PREFIX

PASS, WARN, FAIL = "pass", "warn", "fail"
CHECKS = ("kubernetes_version", "node_pools", "pod_network", "node_os", "istio_addon")
ROLE_VARIABLES = dict((name, "cluster_prep_%s_warn_only" % name) for name in CHECKS)

# The Istio support window: for each Istio minor, the Kubernetes minors the Istio project supports it on, and
# those it lists as "Tested, but not supported" (a warning here); any other Kubernetes fails the check.
# Source: istio.io, Supported Releases, table "Support status of Istio releases" (rendered from istio/istio.io
# data/compatibility/supportStatus.yml), checked 2026-12 against the release announcements ("Istio 1.N.0 is
# officially supported on Kubernetes versions ..."). The table wins where they differ: it is edited after a
# release (1.26 gained 1.33, 1.28 dropped 1.29, 1.31 gained 1.37 on 2026-09-30). A tested-but-not-supported
# range that could not be confirmed there is None: below such a row's window the check fails.
# Keep README.md's "Kubernetes per Istio release" table the same (a unit test compares them).
#   Istio minor: (supported Kubernetes minors, first and last), (tested but not supported, first and last)
ISTIO_SUPPORT = {
    "1.31": (("1.32", "1.37"), ("1.27", "1.31")),
    "1.30": (("1.32", "1.36"), ("1.27", "1.31")),
    "1.29": (("1.31", "1.35"), ("1.26", "1.30")),
    "1.28": (("1.30", "1.34"), None),
    "1.27": (("1.29", "1.33"), None),
    "1.26": (("1.29", "1.33"), None),
}
# The Istio installed when none is named: the istio role's default release (a unit test keeps them equal).
DEFAULT_ISTIO_VERSION = "1.31"
ISTIO_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?$")
DEFAULT_SUPPORTED_OS = ["Oracle Linux 7", "Oracle Linux 8", "Oracle Linux 9"]
POD_NETWORKS = ("vcn_native", "flannel", "other")
DEFAULT_POD_NETWORKS = ["vcn_native", "flannel"]

VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")
VIRTUAL_NODE_POOL_ANNOTATION = "oci.oraclecloud.com/virtual-node-pool-id"
VIRTUAL_NODE_PROVIDER_PREFIX = "ocid1.virtualnode."
NODE_POOL_KEYS = ("oke.oraclecloud.com/node-pool", "oci.oraclecloud.com/node-pool-id")
CNI_TYPES = {"OCI_VCN_IP_NATIVE": "vcn_native", "FLANNEL_OVERLAY": "flannel"}
# DaemonSets in kube-system that give the pod network away.
CNI_DAEMONSETS = (
    ("vcn-native-ip-cni", "vcn_native"),
    ("kube-flannel", "flannel"),
    ("calico-node", "other"),
    ("cilium", "other"),
    ("weave-net", "other"),
)
# OKE's managed Istio add-on. Source: Oracle, "Working with Istio as a Cluster Add-on"
# (docs.oracle.com/en-us/iaas/Content/ContEng/Tasks/contengistio-cluster-add-on.htm): the add-on is called "Istio" in
# the OKE API (ListAddons / oci ce cluster list-addons), reports its current-installed-version, and runs istiod (and,
# when asked, istio-ingressgateway) in istio-system; it cannot be used on a cluster with a standalone Istio.
# Lifecycle states: the SDK's Addon/AddonSummary LIFECYCLE_STATE_* constants. An add-on being created, updated, in
# place or needing attention is there; a deleted, deleting or failed one is not (what it left is found in the cluster).
ISTIO_ADDON_NAME = "Istio"
ADDON_PRESENT_STATES = ("ACTIVE", "CREATING", "UPDATING", "NEEDS_ATTENTION")
# Every istiod Deployment carries app=istiod (Istio's chart; the istio role's uninstall finds revisions the same way).
ISTIOD_SELECTOR = "app=istiod"
# What marks an install of this collection: the record ConfigMap (oke-istio-install[-<revision>]) the istio role's
# istioctl_install writes beside istiod, labelled with its revision (Installer.write_record in _istio/installer.py).
# Oracle documents no label of its own on the add-on's objects, so any other istiod is "not installed by oke.istio".
RECORD_SELECTOR = "app.kubernetes.io/managed-by=oke.istio"
REVISION_LABEL = "istio.io/rev"
# Annotations too long or too volatile to report.
SKIPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision")
IMAGE_VERSION_RE = re.compile(r"^v?\d+\.\d+")

POD_NETWORK_MEANING = {
    "vcn_native": (
        "OCI VCN-native pod networking: every pod gets an address from the VCN's pod subnet, so NSGs, security lists "
        "and load balancers reach pods directly, and this is the pod networking Oracle supports service meshes on; "
        "size the pod subnet for the pods you add (a sidecar shares its pod's address)"
    ),
    "flannel": (
        "flannel overlay: pods get addresses from the cluster's own pod CIDR, which the VCN does not see; Istio "
        "sidecars work on it, but OCI security rules can only match node addresses, and Oracle's service mesh "
        "support statement names VCN-native pod networking"
    ),
    "other": "a CNI plugin other than OKE's two (VCN-native, flannel)",
}


def parse_version(text):
    match = VERSION_RE.match((text or "").strip())
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def _names(items, limit=5):
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (" and %d more" % (len(items) - limit) if len(items) > limit else "")


def _minor(text):
    major, minor = text.split(".")
    return int(major), int(minor)


def _span(bounds):
    return "%s to %s" % bounds if bounds else "not confirmed"


class IstioWindow(object):
    """The Kubernetes minors one Istio minor is supported on, and those it was tested on without support."""

    def __init__(self, istio, supported, tested):
        self.istio = istio
        self.supported = supported
        self.tested = tested

    def status(self, version):
        """PASS for a supported Kubernetes version, WARN for a tested-but-not-supported one, FAIL otherwise."""
        minor = version[:2]
        if _minor(self.supported[0]) <= minor <= _minor(self.supported[1]):
            return PASS
        if self.tested and _minor(self.tested[0]) <= minor <= _minor(self.tested[1]):
            return WARN
        return FAIL

    def describe(self):
        return "Istio %s supports Kubernetes %s (tested there but not supported: %s)" % (
            self.istio,
            _span(self.supported),
            _span(self.tested),
        )

    def as_dict(self):
        return dict(
            istio=self.istio,
            supported=list(self.supported),
            tested_not_supported=list(self.tested) if self.tested else [],
        )


def istio_window(istio_version):
    """The support window of ``istio_version`` (1.31, 1.31.2, 1.31-dev, 1.31.0-rc.0); ValidationError naming it otherwise."""
    text = str(istio_version or "").strip()
    match = ISTIO_VERSION_RE.match(text)
    if not match:
        raise ValidationError("istio_version %r is not an Istio version such as 1.31 or 1.31.2" % istio_version)
    minor = "%d.%d" % (int(match.group(1)), int(match.group(2)))
    if minor not in ISTIO_SUPPORT:
        known = sorted(ISTIO_SUPPORT, key=_minor)
        raise ValidationError(
            "istio_version %s: Istio %s is not in the collection's support table (Istio %s to %s), so the Kubernetes "
            "versions it supports are not known here. Install one of those releases." % (text, minor, known[0], known[-1])
        )
    supported, tested = ISTIO_SUPPORT[minor]
    return IstioWindow(minor, supported, tested)


def istio_releases_supporting(version):
    """The Istio minors of the table whose window supports Kubernetes ``version``, oldest first."""
    found = [istio for istio in ISTIO_SUPPORT if istio_window(istio).status(version) == PASS]
    return sorted(found, key=_minor)


def _warn_hint(name):
    return "or add %s to warn_only (role variable %s: true) to report this as a warning and go on" % (
        name,
        ROLE_VARIABLES[name],
    )


class Check(object):
    def __init__(self, name, status, message, **details):
        self.name = name
        self.status = status
        self.message = message
        self.details = details

    def as_dict(self):
        return dict(name=self.name, status=self.status, message=self.message, details=self.details)


# Facts --------------------------------------------------------------------------------------------------------


def node_facts(node):
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    info = (node.get("status") or {}).get("nodeInfo") or {}
    provider_id = (node.get("spec") or {}).get("providerID") or ""
    virtual = provider_id.startswith(VIRTUAL_NODE_PROVIDER_PREFIX) or VIRTUAL_NODE_POOL_ANNOTATION in annotations
    pool = annotations.get(VIRTUAL_NODE_POOL_ANNOTATION)
    for key in NODE_POOL_KEYS:
        pool = pool or labels.get(key) or annotations.get(key)
    return dict(
        name=meta.get("name"),
        kubelet_version=info.get("kubeletVersion"),
        os_image=info.get("osImage"),
        kernel_version=info.get("kernelVersion"),
        provider_id=provider_id or None,
        virtual=bool(virtual),
        node_pool=pool,
    )


def _istiod_version(deployment):
    """The Istio release an istiod Deployment runs: its app.kubernetes.io/version label, else its image tag."""
    labels = (deployment.get("metadata") or {}).get("labels") or {}
    if labels.get("app.kubernetes.io/version"):
        return labels["app.kubernetes.io/version"]
    containers = ((((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")) or []
    for container in sorted(containers, key=lambda c: c.get("name") != "discovery"):
        image = (container.get("image") or "").split("@")[0]
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        if IMAGE_VERSION_RE.match(tag):
            return tag
    return None


def control_plane_facts(deployments, records):
    """Each istiod Deployment: where, which revision and release, its labels, and whether this collection installed it
    (a record ConfigMap of the same revision in the same namespace)."""
    ours = set(
        (r["metadata"].get("namespace"), (r["metadata"].get("labels") or {}).get(REVISION_LABEL, "default"))
        for r in records
        if r["metadata"].get("name", "").startswith(RECORD_PREFIX)
    )
    planes = []
    for deployment in deployments:
        meta = deployment.get("metadata") or {}
        labels = meta.get("labels") or {}
        revision = labels.get(REVISION_LABEL) or "default"
        planes.append(
            dict(
                namespace=meta.get("namespace"),
                name=meta.get("name"),
                revision=revision,
                version=_istiod_version(deployment),
                labels=dict(labels),
                annotations=dict((k, v) for k, v in (meta.get("annotations") or {}).items() if k not in SKIPPED_ANNOTATIONS),
                installed_by_oke_istio=(meta.get("namespace"), revision) in ours,
            )
        )
    return sorted(planes, key=lambda p: (p["namespace"] or "", p["name"] or ""))


def kubernetes_facts(client):
    from ansible_collections.oke.istio.plugins.module_utils._k8s.client import KubernetesErrors, list_items

    with KubernetesErrors("read the cluster's version"):
        version = (client.version.get("kubernetes") or {}).get("gitVersion")
    nodes = list_items(client, "v1", "Node")
    daemonsets = list_items(client, "apps/v1", "DaemonSet", namespace="kube-system")
    istiods = list_items(client, "apps/v1", "Deployment", label_selector=ISTIOD_SELECTOR)
    records = list_items(client, "v1", "ConfigMap", label_selector=RECORD_SELECTOR)
    return dict(
        api_server_version=version,
        nodes=[node_facts(n) for n in nodes],
        kube_system_daemonsets=sorted(d["metadata"]["name"] for d in daemonsets),
        istio_control_planes=control_plane_facts(istiods, records),
    )


def oke_facts(oke, cluster_id):
    cluster = oke.get_cluster(cluster_id)
    pools = oke.node_pools(cluster)
    virtual = oke.virtual_node_pools(cluster)
    addons = oke.addons(cluster.id)
    live = ("DELETING", "DELETED")
    return dict(
        cluster=dict(
            id=cluster.id,
            name=cluster.name,
            kubernetes_version=cluster.kubernetes_version,
            lifecycle_state=cluster.lifecycle_state,
            type=cluster.type,
            cni_types=[o.cni_type for o in (cluster.cluster_pod_network_options or [])],
        ),
        node_pools=[
            dict(
                id=p.id,
                name=p.name,
                kubernetes_version=p.kubernetes_version,
                node_image_name=p.node_image_name,
                lifecycle_state=p.lifecycle_state,
            )
            for p in pools
            if p.lifecycle_state not in live
        ],
        virtual_node_pools=[
            dict(id=p.id, name=p.display_name, kubernetes_version=p.kubernetes_version, lifecycle_state=p.lifecycle_state)
            for p in virtual
            if p.lifecycle_state not in live
        ],
        addons=[
            dict(
                name=a.name,
                version=a.version,
                current_installed_version=a.current_installed_version,
                lifecycle_state=a.lifecycle_state,
                error=getattr(a.addon_error, "message", None),
            )
            for a in addons
        ],
    )


# Checks -------------------------------------------------------------------------------------------------------


def check_kubernetes_version(facts, istio_version=DEFAULT_ISTIO_VERSION):
    window = istio_window(istio_version)
    oke = facts.get("oke") or {}
    sources = [("the API server", facts.get("api_server_version"))]
    if oke:
        sources.append(("the OKE control plane", oke["cluster"]["kubernetes_version"]))
        sources += [("node pool %s" % p["name"], p["kubernetes_version"]) for p in oke["node_pools"]]
        sources += [("virtual node pool %s" % p["name"], p["kubernetes_version"]) for p in oke["virtual_node_pools"]]
    sources += [("node %s (kubelet)" % n["name"], n["kubelet_version"]) for n in facts["nodes"]]
    by_status = {PASS: [], WARN: [], FAIL: []}
    unknown = []
    for where, version in sources:
        parsed = parse_version(version)
        if parsed:
            by_status[window.status(parsed)].append((where, version, parsed))
        else:
            unknown.append(where)
    details = dict(
        istio_version=str(istio_version),
        window=window.as_dict(),
        versions=dict((where, version) for where, version in sources),
    )
    outside = ["%s %s" % (where, version) for where, version, _p in by_status[FAIL]]
    untested = ["%s %s" % (where, version) for where, version, _p in by_status[WARN]]
    if outside:
        minors = sorted(set(p[:2] for _w, _v, p in by_status[FAIL]))
        others = []
        for minor in minors:
            releases = istio_releases_supporting(minor)
            others.append(
                "Kubernetes %d.%d: %s" % (minor + ("Istio %s" % ", ".join(releases) if releases else "no Istio release in the table",))
            )
        return Check(
            "kubernetes_version",
            FAIL,
            "Kubernetes outside the support window of Istio %s on %s. %s. Supported elsewhere in the collection's "
            "table: %s. Upgrade the cluster (on OKE: the control plane first, then each node pool's Kubernetes "
            "version, then replace or cycle its nodes), install an Istio release whose window holds the cluster "
            "(istio_version, role variable cluster_prep_istio_version), %s."
            % (window.istio, _names(outside), window.describe(), "; ".join(others), _warn_hint("kubernetes_version")),
            outside=outside,
            tested_not_supported=untested,
            **details
        )
    if untested:
        return Check(
            "kubernetes_version",
            WARN,
            "Kubernetes on %s is one the Istio project tested Istio %s on but does not support. %s. Upgrade the "
            "cluster into the supported range before relying on the mesh." % (_names(untested), window.istio, window.describe()),
            tested_not_supported=untested,
            **details
        )
    if unknown:
        return Check(
            "kubernetes_version",
            WARN,
            "Could not read the Kubernetes version of %s; the rest are in the window of Istio %s. %s."
            % (_names(unknown), window.istio, window.describe()),
            **details
        )
    kubelets = {}
    for node in facts["nodes"]:
        kubelets[node["kubelet_version"]] = kubelets.get(node["kubelet_version"], 0) + 1
    return Check(
        "kubernetes_version",
        PASS,
        "Kubernetes %s on the API server, %s on the nodes: all in the support window of Istio %s (Kubernetes %s)."
        % (
            facts.get("api_server_version"),
            ", ".join("%s (%d)" % (v, n) for v, n in sorted(kubelets.items())) or "no nodes",
            window.istio,
            _span(window.supported),
        ),
        **details
    )


def check_node_pools(facts):
    oke = facts.get("oke") or {}
    virtual_pools = [p["name"] for p in oke.get("virtual_node_pools", [])]
    virtual_nodes = [n["name"] for n in facts["nodes"] if n["virtual"]]
    managed_nodes = [n["name"] for n in facts["nodes"] if not n["virtual"]]
    details = dict(
        source="OKE API and Kubernetes API" if oke else "Kubernetes API (node providerID and annotations)",
        virtual_node_pools=virtual_pools,
        virtual_nodes=virtual_nodes,
        managed_nodes=managed_nodes,
        node_pools=[p["name"] for p in oke.get("node_pools", [])],
    )
    if virtual_pools or virtual_nodes:
        found = []
        if virtual_pools:
            found.append("virtual node pool(s) %s" % _names(virtual_pools))
        if virtual_nodes:
            found.append("virtual node(s) %s" % _names(virtual_nodes))
        return Check(
            "node_pools",
            FAIL,
            "The cluster has %s. Istio cannot run on OKE virtual nodes: they do not allow the privileged "
            "NET_ADMIN/NET_RAW init container (or the istio-cni DaemonSet) that redirects a pod's traffic through its "
            "sidecar. Run the mesh on managed node pools: add one, move meshed workloads off the virtual nodes "
            "(node selectors or taints), %s." % (" and ".join(found), _warn_hint("node_pools")),
            **details
        )
    if not managed_nodes:
        return Check(
            "node_pools",
            WARN,
            "The cluster has no worker nodes yet; Istio needs managed nodes (compute instances) to schedule istiod, "
            "the gateways and sidecar-injected pods.",
            **details
        )
    return Check(
        "node_pools",
        PASS,
        "All %d node(s) are managed nodes (compute instances)%s; sidecars can be injected on all of them."
        % (len(managed_nodes), " in node pool(s) %s" % _names(details["node_pools"]) if details["node_pools"] else ""),
        **details
    )


def detect_pod_network(facts):
    oke = facts.get("oke") or {}
    cni_types = oke.get("cluster", {}).get("cni_types") or []
    if cni_types:
        return sorted(set(CNI_TYPES.get(t, "other") for t in cni_types)), "OKE API (cluster_pod_network_options: %s)" % ", ".join(cni_types)
    found = []
    for name in facts.get("kube_system_daemonsets") or []:
        for prefix, kind in CNI_DAEMONSETS:
            if name.startswith(prefix):
                found.append((name, kind))
    if found:
        return sorted(set(kind for _n, kind in found)), "DaemonSet(s) %s in kube-system" % ", ".join(n for n, _k in found)
    return [], "neither OKE's vcn-native-ip-cni nor kube-flannel-ds DaemonSet is in kube-system"


def check_pod_network(facts, allowed):
    kinds, source = detect_pod_network(facts)
    details = dict(pod_networks=kinds, source=source, allowed=list(allowed))
    if not kinds:
        return Check(
            "pod_network",
            WARN,
            "Could not tell the pod networking (%s): give cluster_id to read it from the OKE API. Istio works on any "
            "conformant CNI, but only VCN-native and flannel are what OKE clusters run." % source,
            **details
        )
    meaning = "; ".join(POD_NETWORK_MEANING[k] for k in kinds)
    refused = [k for k in kinds if k not in allowed]
    if refused:
        return Check(
            "pod_network",
            FAIL,
            "The pod networking is %s (from %s), which allowed_pod_networks (%s) does not accept. Create the cluster "
            "or its node pools with an accepted pod networking, widen allowed_pod_networks "
            "(role variable cluster_prep_allowed_pod_networks), %s."
            % (meaning, source, ", ".join(allowed) or "none", _warn_hint("pod_network")),
            **details
        )
    return Check("pod_network", PASS, "Pod networking is %s (from %s)." % (meaning, source), **details)


def normalize_os(os_image):
    """``Oracle Linux Server 8.10`` -> ``Oracle Linux 8.10``; other names are kept."""
    text = re.sub(r"\s+", " ", (os_image or "").strip())
    return re.sub(r"^Oracle Linux Server\b", "Oracle Linux", text)


def os_supported(os_image, supported):
    name = normalize_os(os_image).lower()
    for entry in supported:
        entry = normalize_os(entry).lower()
        if name == entry or (name.startswith(entry) and name[len(entry)] in ". -"):
            return True
    return False


def check_node_os(facts, supported):
    by_os = {}
    for node in facts["nodes"]:
        by_os.setdefault(node["os_image"] or "", []).append(node["name"])
    unknown = by_os.pop("", [])
    unsupported = dict((os, names) for os, names in by_os.items() if not os_supported(os, supported))
    details = dict(node_os=by_os, supported=list(supported))
    if unsupported:
        listing = "; ".join("%s on %s" % (os, _names(names)) for os, names in sorted(unsupported.items()))
        return Check(
            "node_os",
            FAIL,
            "Nodes run an OS the runbook does not support for Istio on OKE: %s (supported: %s). Run the mesh on node "
            "pools with a supported image, add the OS to supported_node_os (role variable "
            "cluster_prep_supported_node_os), %s." % (listing, ", ".join(supported), _warn_hint("node_os")),
            unsupported=unsupported,
            **details
        )
    if unknown:
        return Check("node_os", WARN, "Nodes %s report no OS image." % _names(unknown), unknown=unknown, **details)
    if not by_os:
        return Check("node_os", WARN, "No nodes to check the OS of.", **details)
    return Check(
        "node_os",
        PASS,
        "All nodes run a supported OS: %s." % "; ".join("%s on %d node(s)" % (os, len(n)) for os, n in sorted(by_os.items())),
        **details
    )


def _istio_addons(oke):
    """The Istio add-ons the OKE API lists (normally one), whatever their state."""
    return [a for a in oke.get("addons") or [] if (a.get("name") or "").lower() == ISTIO_ADDON_NAME.lower()]


def _describe_addon(addon):
    version = addon.get("current_installed_version") or "not reported"
    chosen = "pinned to %s" % addon["version"] if addon.get("version") else "updated by Oracle automatically"
    error = "; error: %s" % addon["error"] if addon.get("error") else ""
    return "add-on %s, version %s (%s), state %s%s" % (addon["name"], version, chosen, addon.get("lifecycle_state"), error)


def _describe_plane(plane):
    labels = ", ".join("%s=%s" % item for item in sorted(plane["labels"].items())) or "none"
    release = "Istio %s, " % plane["version"] if plane.get("version") else ""
    return "Deployment %s/%s (%srevision %s; labels: %s)" % (plane["namespace"], plane["name"], release, plane["revision"], labels)


def _keep_it(namespace):
    return (
        "(2) keep it and point the collection at it: skip this collection's Istio install (oke_istio_install: false for "
        "playbooks/site.yml, or leave out the oke.istio.istio role), keep the other roles on its namespace %s, and add "
        "istio_addon to warn_only (role variable %s: true) so that this check only warns" % (namespace, ROLE_VARIABLES["istio_addon"])
    )


def check_istio_addon(facts):
    """FAIL when OKE's Istio add-on is enabled (OKE API) or an istiod this collection did not install runs (Kubernetes API)."""
    oke = facts.get("oke") or {}
    listed = _istio_addons(oke)
    present = [a for a in listed if a.get("lifecycle_state") in ADDON_PRESENT_STATES]
    planes = facts.get("istio_control_planes") or []
    foreign = [p for p in planes if not p["installed_by_oke_istio"]]
    ours = [p for p in planes if p["installed_by_oke_istio"]]
    cluster_id = (oke.get("cluster") or {}).get("id") or "<cluster OCID>"
    details = dict(
        source="OKE API (ListAddons) and Kubernetes API (istiod Deployments)" if oke else "Kubernetes API (istiod Deployments)",
        addon=present[0] if present else None,
        istio_addons=listed,
        control_planes=planes,
        not_installed_by_oke_istio=["%s/%s" % (p["namespace"], p["name"]) for p in foreign],
    )
    remove_addon = (
        "oci ce cluster disable-addon --addon-name %s --cluster-id %s --is-remove-existing-add-on true (with false its "
        "istiod stays in the cluster; Istio's CRDs stay either way)" % (ISTIO_ADDON_NAME, cluster_id)
    )
    if present:
        found = "; ".join(_describe_addon(a) for a in present)
        where = " Its control plane: %s." % "; ".join(_describe_plane(p) for p in foreign) if foreign else ""
        return Check(
            "istio_addon",
            FAIL,
            "OKE's managed Istio add-on is enabled on this cluster (OKE API: %s).%s A standalone Istio installed beside "
            "it breaks both: two control planes claim the same CRDs, webhooks and istio-system objects, and Oracle's "
            "documentation rules the add-on out on a cluster with a standalone Istio. Either (1) disable the add-on and "
            "remove what it installed: %s, wait until oci ce cluster list-addons no longer shows it, then run again; "
            "or %s."
            % (found, where, remove_addon, _keep_it(foreign[0]["namespace"] if foreign else "istio-system")),
            **details
        )
    if foreign:
        if not oke:
            api = " Give cluster_id (role variable cluster_prep_oke_cluster_id) to ask the OKE API whether it is the add-on."
        elif listed:
            api = (
                " The OKE API lists the Istio add-on as %s: this may be what disabling it without removing its resources "
                "left behind." % ", ".join(sorted(set(a.get("lifecycle_state") or "unknown" for a in listed)))
            )
        else:
            api = " The OKE API lists no Istio add-on on this cluster."
        return Check(
            "istio_addon",
            FAIL,
            "An Istio control plane not installed by oke.istio runs in the cluster: %s. It may be OKE's managed Istio "
            "add-on or an Istio installed by other means (istioctl, Helm); no install record of this collection "
            "(ConfigMap %s in its namespace, labelled %s) is there for it.%s A standalone Istio installed beside it "
            "breaks both. Either (1) remove it: if it is OKE's Istio add-on, %s; otherwise uninstall it the way it was "
            "installed (istioctl uninstall --revision <revision>, helm uninstall); then run again; or %s."
            % (
                "; ".join(_describe_plane(p) for p in foreign),
                RECORD_PREFIX,
                RECORD_SELECTOR,
                api,
                remove_addon,
                _keep_it(foreign[0]["namespace"]),
            ),
            **details
        )
    if listed:
        api = "the OKE API lists the Istio add-on as %s" % ", ".join(sorted(set(a.get("lifecycle_state") or "unknown" for a in listed)))
    elif oke:
        api = "the OKE API lists no Istio add-on"
    else:
        api = "the OKE API was not asked (no cluster_id)"
    if ours:
        return Check(
            "istio_addon",
            PASS,
            "Only this collection's Istio runs (%s, from an earlier run); %s."
            % ("; ".join("Deployment %s/%s, revision %s" % (p["namespace"], p["name"], p["revision"]) for p in ours), api),
            **details
        )
    return Check("istio_addon", PASS, "No Istio control plane runs in the cluster; %s." % api, **details)


def evaluate(facts, istio_version=DEFAULT_ISTIO_VERSION, supported_os=None, allowed_pod_networks=None, warn_only=()):
    checks = [
        check_kubernetes_version(facts, istio_version),
        check_node_pools(facts),
        check_pod_network(facts, DEFAULT_POD_NETWORKS if allowed_pod_networks is None else allowed_pod_networks),
        check_node_os(facts, DEFAULT_SUPPORTED_OS if supported_os is None else supported_os),
        check_istio_addon(facts),
    ]
    for check in checks:
        if check.status == FAIL and check.name in warn_only:
            check.status = WARN
            check.details["downgraded"] = True
            check.message += " (Reported as a warning: warn_only includes %s.)" % check.name
    return checks


def validate_options(params):
    istio_window(params.get("istio_version") or DEFAULT_ISTIO_VERSION)
    if any(not (entry or "").strip() for entry in params["supported_node_os"]):
        raise ValidationError("supported_node_os must not contain empty entries")


def run(module):
    """The cluster_fitness module."""
    from ansible_collections.oke.istio.plugins.module_utils._oke.api import Oke, validate_ocid

    params = module.params
    validate_options(params)
    oke = None
    if params["cluster_id"]:
        validate_ocid(params["cluster_id"], "cluster_id")
        oke = Oke.from_params(params)
    facts = kubernetes_facts(module.client)
    if oke is not None:
        facts["oke"] = oke_facts(oke, params["cluster_id"])
    checks = evaluate(
        facts,
        params["istio_version"] or DEFAULT_ISTIO_VERSION,
        params["supported_node_os"],
        params["allowed_pod_networks"],
        params["warn_only"],
    )
    summary = dict((status, sum(1 for c in checks if c.status == status)) for status in (PASS, WARN, FAIL))
    result = dict(changed=False, checks=[c.as_dict() for c in checks], summary=summary, facts=facts)
    for check in checks:
        if check.status == WARN:
            module.warn("cluster_fitness %s: %s" % (check.name, check.message))
    failed = [c for c in checks if c.status == FAIL]
    if failed:
        raise OkeIstioError(
            "The cluster is not fit for Istio: %s" % " ".join("[%s] %s" % (c.name, c.message) for c in failed),
            **result
        )
    return result
