# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The IstioOperator of an install, from the modules' options, and what istioctl renders from it offline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import os
import re
import tempfile

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._istio.istioctl import IstioctlError
from ansible_collections.oke.istio.plugins.module_utils._names import is_dns_label

try:
    import yaml

    # libyaml's loader parses a rendered install about ten times faster than the pure-Python one.
    SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    HAS_YAML = False

PATH_TOKEN = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


def set_path(tree, path, value):
    """Set ``value`` at an istioctl ``--set`` style path (``a.b[0].c``) under ``tree``; paths start below ``spec``."""
    if not isinstance(path, str) or not path or path.startswith(".") or path.endswith(".") or ".." in path:
        raise ValidationError("set_values key %r is not a dotted path such as values.global.logging.level" % (path,))
    steps = []
    for token in path.split("."):
        match = PATH_TOKEN.match(token)
        if not match:
            raise ValidationError("set_values key %r has a malformed segment %r" % (path, token))
        steps.append(match.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    node = tree
    for step, following in zip(steps, steps[1:] + [None]):
        if isinstance(step, int) and not isinstance(node, list):
            raise ValidationError("set_values key %r indexes [%d] into a value that is not a list" % (path, step))
        if not isinstance(step, int) and not isinstance(node, dict):
            raise ValidationError("set_values key %r descends into a value that is not a mapping at %r" % (path, step))
        if isinstance(step, int):
            _extend(node, step)
        elif following is not None and node.get(step) is None:
            node[step] = None
        if following is None:
            node[step] = value
            return
        if node[step] is None:
            node[step] = [] if isinstance(following, int) else {}
        node = node[step]


def _extend(items, index):
    while len(items) <= index:
        items.append(None)


def build_operator(profile=None, revision=None, set_values=None, operator_spec=None, name=None):
    """The full IstioOperator for the install: ``operator_spec`` first, then profile, revision and ``set_values``."""
    if revision is not None and not is_dns_label(revision):
        raise ValidationError("revision %r must be a DNS-1123 label (lower-case letters, digits and '-')" % revision)
    spec = copy.deepcopy(operator_spec or {})
    if not isinstance(spec, dict):
        raise ValidationError("operator_spec must be a mapping (the spec of an IstioOperator)")
    if profile:
        spec["profile"] = profile
    if revision:
        spec["revision"] = revision
    for path in sorted(set_values or {}):
        set_path(spec, path, (set_values or {})[path])
    operator = {"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "metadata": {}, "spec": spec}
    if name:
        operator["metadata"]["name"] = name
    return operator


def parse_manifests(text):
    """Documents of a multi-document YAML stream, without empty ones and flattening ``List`` kinds."""
    documents = []
    for document in yaml.load_all(text, Loader=SAFE_LOADER):
        if not document:
            continue
        if document.get("kind", "").endswith("List") and isinstance(document.get("items"), list):
            documents.extend(item for item in document["items"] if item)
        else:
            documents.append(document)
    return documents


@contextlib.contextmanager
def operator_file(operator):
    """The IstioOperator in a temporary file, for istioctl's ``-f``; removed afterwards."""
    handle, path = tempfile.mkstemp(prefix="oke-istio-", suffix=".yaml")
    try:
        with os.fdopen(handle, "w") as stream:
            yaml.safe_dump(operator, stream, default_flow_style=False)
        yield path
    finally:
        os.unlink(path)


def render(istioctl, operator, revision=None):
    """Render the install offline; returns the list of manifests istioctl would apply."""
    with operator_file(operator) as path:
        try:
            text = istioctl.manifest_generate(path, revision=revision)
        except IstioctlError as exc:
            raise ValidationError(
                "istioctl could not render the install from profile, revision, set_values and operator_spec: %s"
                % ((exc.details.get("stderr") or exc.msg).strip().splitlines() or [exc.msg])[-1],
                stderr=exc.details.get("stderr"),
                command=exc.details.get("command"),
            )
    return parse_manifests(text)


def istio_namespace(operator):
    spec = operator.get("spec") or {}
    return spec.get("namespace") or ((spec.get("values") or {}).get("global") or {}).get("istioNamespace") or "istio-system"
