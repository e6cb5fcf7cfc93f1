# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures that start real local control planes (hack/local-cluster.sh) for the integration tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest

ROOT = os.environ.get("OKE_ISTIO_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOCAL_CLUSTER = os.path.join(ROOT, "hack", "local-cluster.sh")


class LocalClusters(object):
    def __init__(self):
        self.started = []

    def up(self, name, nodes=1):
        out = subprocess.run([LOCAL_CLUSTER, "up", name, str(nodes)], check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
        self.started.append(name)
        return out.strip().splitlines()[-1]

    def down_all(self):
        errors = []
        for name in self.started:
            proc = subprocess.run([LOCAL_CLUSTER, "down", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
            if proc.returncode != 0:
                errors.append(proc.stdout)
        return errors


@pytest.fixture(scope="module")
def local_clusters():
    clusters = LocalClusters()
    yield clusters
    errors = clusters.down_all()
    assert not errors, "clusters left processes behind: %s" % errors
