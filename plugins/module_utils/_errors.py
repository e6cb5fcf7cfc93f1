# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one exception type our modules turn into ``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class OkeIstioError(Exception):
    """An error with a message for the user and structured details for the task result."""

    def __init__(self, msg, **details):
        super(OkeIstioError, self).__init__(msg)
        self.msg = msg
        self.details = details


class ValidationError(OkeIstioError):
    """Input that cannot be applied; raised before anything in the cluster changes."""


class ClusterError(OkeIstioError):
    """The cluster refused or could not be reached."""


class WaitTimeout(OkeIstioError):
    """A resource did not reach the awaited state in time."""


def api_error_message(exc):
    """Turn a kubernetes ApiException into one readable line."""
    body = getattr(exc, "body", None)
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    message = None
    if body:
        try:
            import json

            message = json.loads(body).get("message")
        except (ValueError, TypeError, AttributeError):
            message = body if isinstance(body, str) else None
    parts = [str(p) for p in (status, reason) if p]
    text = " ".join(parts)
    if message:
        text = "%s: %s" % (text, message) if text else message
    return text or str(exc)
