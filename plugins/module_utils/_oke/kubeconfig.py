# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Kubeconfig files for OKE clusters: fetched from the OKE API, adjusted, written only when they differ."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import os
import re
import tempfile

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oke.api import Oke

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core requires PyYAML
    HAS_YAML = False

ENDPOINTS = {
    "public": "PUBLIC_ENDPOINT",
    "private": "PRIVATE_ENDPOINT",
    "vcn_hostname": "VCN_HOSTNAME",
    "legacy": "LEGACY_KUBERNETES",
}
FILE_MODE = 0o600
# OCI accepts a signed request for five minutes after its date; stay a little inside that.
TOKEN_LIFETIME = datetime.timedelta(minutes=4)
CONTEXT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:/-]*$")
MASK = "<token: rotated on every run>"


def _only(items, what):
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise ClusterError("The OKE API returned a kubeconfig without exactly one %s" % what)
    return items[0]


def parse_oke_kubeconfig(content):
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise ClusterError("The OKE API returned a kubeconfig that is not YAML: %s" % exc)
    if not isinstance(data, dict) or data.get("kind") not in ("", None, "Config"):
        raise ClusterError("The OKE API returned something other than a kubeconfig: %r" % (content[:200],))
    for key, what in (("clusters", "cluster"), ("contexts", "context"), ("users", "user")):
        _only(data.get(key), what)
    # OKE writes kind: "" (clients tolerate it); the file we write says what it is.
    data["kind"] = "Config"
    return data


def exec_extra_args(auth):
    """``oci`` CLI flags that make the exec plugin authenticate the way this task did."""
    args = []
    auth_type = auth.get("oci_auth_type") or "api_key"
    if auth_type != "api_key":
        args += ["--auth", auth_type]
    else:
        config_file = auth.get("oci_config_file")
        if config_file and os.path.expanduser(config_file) != os.path.expanduser("~/.oci/config"):
            args += ["--config-file", os.path.expanduser(config_file)]
        if auth.get("oci_profile") and auth["oci_profile"] != "DEFAULT":
            args += ["--profile", auth["oci_profile"]]
    return args


def exec_region(data):
    """The ``--region`` the OKE API put into the exec plugin's arguments."""
    user = _only(data["users"], "user").get("user") or {}
    args = (user.get("exec") or {}).get("args") or []
    for index, arg in enumerate(args[:-1]):
        if arg == "--region":
            return args[index + 1]
    return None


def adjust(data, context_name=None, credential="oci_cli", auth=None, oci_cli_command="oci", token=None):
    """Rename the context, make it current, and set how the user authenticates."""
    data = copy.deepcopy(data)
    context = _only(data["contexts"], "context")
    if context_name:
        context["name"] = context_name
    data["current-context"] = context["name"]
    user = _only(data["users"], "user")
    spec = user.setdefault("user", {}) or {}
    user["user"] = spec
    if credential == "token":
        user["user"] = {"token": token}
    else:
        exec_spec = spec.get("exec")
        if not isinstance(exec_spec, dict):
            raise ClusterError("The OKE API returned a kubeconfig without an exec credential plugin")
        exec_spec["command"] = oci_cli_command
        args = list(exec_spec.get("args") or [])
        extra = exec_extra_args(auth or {})
        if extra and not set(extra[::2]) & set(args):
            args += extra
        exec_spec["args"] = args
    return data


def masked(data):
    """``data`` with a static token replaced, for comparison and diffs."""
    if not isinstance(data, dict):
        return data
    data = copy.deepcopy(data)
    for user in data.get("users") or []:
        spec = (user or {}).get("user") or {}
        if "token" in spec:
            spec["token"] = MASK
    return data


def dump(data):
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False)


def read_existing(path):
    if not os.path.exists(path):
        return None, None
    if os.path.isdir(path):
        raise ValidationError("dest %s is a directory; give the path of the kubeconfig file to write" % path)
    try:
        with open(path, "r") as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        raise ValidationError("dest %s cannot be read: %s" % (path, exc))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None  # not YAML: it will be replaced
    return data, os.stat(path).st_mode & 0o7777


def write(path, text):
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=directory)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.rename(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(module):
    """The oke_kubeconfig module."""
    params = module.params
    dest = os.path.abspath(os.path.expanduser(params["dest"]))
    context_name = params["context_name"]
    if context_name is not None and not CONTEXT_NAME_RE.match(context_name):
        raise ValidationError("context_name %r is empty or has characters a kubeconfig context name cannot have" % context_name)
    existing, existing_mode = read_existing(dest)

    oke = Oke.from_params(params)
    cluster = oke.resolve_cluster(params["cluster_id"], params["compartment_id"], params["cluster_name"])
    if cluster.lifecycle_state in ("CREATING", "DELETING", "DELETED", "FAILED"):
        raise ClusterError(
            "OKE cluster %s (%s) is %s, so it has no API endpoint to write a kubeconfig for"
            % (cluster.name, cluster.id, cluster.lifecycle_state)
        )
    oke_data = parse_oke_kubeconfig(oke.create_kubeconfig(cluster.id, ENDPOINTS[params["endpoint"]]))

    token = expires = None
    if params["credential"] == "token":
        region = params.get("oci_region") or exec_region(oke_data)
        if not region:
            raise ValidationError("credential=token needs the cluster's region: set oci_region")
        token = oke.generate_token(cluster.id, region)
        expires = (datetime.datetime.now(datetime.timezone.utc) + TOKEN_LIFETIME).strftime("%Y-%m-%dT%H:%M:%SZ")
    desired = adjust(oke_data, context_name, params["credential"], params, params["oci_cli_command"], token)

    content_changed = masked(existing) != masked(desired)
    mode_changed = existing_mode is not None and existing_mode != FILE_MODE
    changed = content_changed or mode_changed
    # A static token is rotated on every run; that alone is not a change of the kubeconfig.
    must_write = changed or params["credential"] == "token"
    if must_write and not module.check_mode:
        write(dest, dump(desired))

    result = dict(
        changed=changed,
        dest=dest,
        context=desired["current-context"],
        cluster_id=cluster.id,
        cluster_name=cluster.name,
        kubernetes_version=cluster.kubernetes_version,
        server=_only(desired["clusters"], "cluster").get("cluster", {}).get("server"),
        credential=params["credential"],
        mode="0600",
        diff=dict(
            before_header=dest,
            after_header=dest,
            before=dump(masked(existing)) if existing is not None else "",
            after=dump(masked(desired)),
        ),
    )
    if expires:
        result["token_expires_at"] = expires
    return result
