# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``istioctl x precheck`` findings, sorted into errors (fail), warnings (reported) and the rest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# What to do about findings whose fix is not in their message.
HINTS = {
    "IST0141": (
        "the kubeconfig's user may not create what Istio installs; give it cluster-admin (on OKE: kubectl create "
        "clusterrolebinding <name> --clusterrole=cluster-admin --user=<the user's OCID>)"
    ),
}


def _level(finding):
    return (finding.get("level") or "").lower()


def describe(finding):
    text = "%s %s" % (finding.get("code") or "?", finding.get("message") or "")
    if finding.get("origin"):
        text += " (%s)" % finding["origin"]
    return text.strip()


def classify(findings, ignore_codes=(), fail_on_warnings=False):
    ignored = [f for f in findings if f.get("code") in ignore_codes]
    kept = [f for f in findings if f.get("code") not in ignore_codes]
    errors = [f for f in kept if _level(f) == "error" or (fail_on_warnings and _level(f) == "warning")]
    warnings = [f for f in kept if _level(f) == "warning" and f not in errors]
    info = [f for f in kept if f not in errors and f not in warnings]
    return errors, warnings, info, ignored
