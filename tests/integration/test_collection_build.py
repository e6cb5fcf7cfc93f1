# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built collection installs, documents every module, and leaves development files out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import tarfile

COLLECTION = os.getcwd()
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(COLLECTION, "plugins", "modules")) if name.endswith(".py"))


def test_build_install_and_document(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(dist), COLLECTION], check=True, stdout=subprocess.PIPE)
    (tarball,) = list(dist.iterdir())
    with tarfile.open(str(tarball)) as archive:
        names = archive.getnames()
    for excluded in ("tests/", "molecule/", "benchmarks/", "hack/", ".ci/"):
        assert not [n for n in names if n.startswith(excluded)], "%s is in the built collection" % excluded
    assert "plugins/modules/istioctl_install.py" in names and "roles/istio/tasks/main.yml" in names

    installed = tmp_path / "collections"
    subprocess.run(
        ["ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", str(installed), str(tarball)],
        check=True,
        stdout=subprocess.PIPE,
    )
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed))
    env.pop("PYTHONPATH", None)
    assert MODULES, "no module found"
    for module in MODULES:
        proc = subprocess.run(
            ["ansible-doc", "-t", "module", "oke.istio.%s" % module],
            env=env,
            cwd=str(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            universal_newlines=True,
            check=False,
        )
        # ansible-doc exits 0 with only a warning for a module it cannot load: read what it printed.
        assert proc.returncode == 0 and "WARNING" not in proc.stdout, proc.stdout
        assert str(installed) in proc.stdout, "ansible-doc read %s from somewhere else" % module
