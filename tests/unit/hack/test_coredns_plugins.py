# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The real node's CoreDNS is built with only the plugins its Corefile uses: a plugin added to the
Corefile but not to the build would stop the cluster DNS at start ("unknown directive")."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def read(*path):
    with open(os.path.join(ROOT, *path)) as stream:
        return stream.read()


def corefile_directives(text):
    """The plugin names of every server block: the first word of each line one brace deep."""
    names, depth = set(), 0
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if depth == 1 and line != "}":
            names.add(line.split()[0])
        depth += line.count("{") - line.count("}")
    return names


def built_plugins():
    main = read("hack", "tools", "coredns", "main.go")
    directives = set(re.findall(r'"([a-z_]+)"', re.search(r"directives = \[\]string\{([^}]*)\}", main).group(1)))
    imported = set(re.findall(r'_ "github.com/coredns/coredns/plugin/([a-z_]+)"', main))
    return directives, imported


def test_corefile_directives_parse():
    assert corefile_directives("a:53 {\n  bind x\n  kubernetes z {\n    pods insecure\n  }\n}\n") == {"bind", "kubernetes"}


def test_every_corefile_plugin_is_built_and_ordered():
    used = corefile_directives(read("hack", "node", "Corefile.in"))
    directives, imported = built_plugins()
    assert used, "no directive found in hack/node/Corefile.in"
    assert used <= directives, "Corefile plugins missing from main.go's directives: %s" % sorted(used - directives)
    assert directives == imported, "directives and imports differ: %s" % sorted(directives ^ imported)
