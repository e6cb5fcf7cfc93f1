# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one exception type our modules turn into ``fail_json``, and the one way an API's errors become it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import inspect


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


_RAISE = object()


class ApiErrorHandler(object):
    """Turns one API family's exceptions into a ClusterError that says what was being done, as amazon.aws's
    error handlers do: ``Failed to <operation>: <the API's reason>``.

    A subclass names the family's ``exceptions``, how to word one (``reason``) and which means "not there"
    (``is_missing``). Use it at the call site, as a context manager::

        with KubernetesErrors("apply %s" % ref):
            resource.server_side_apply(...)

    or as a decorator whose operation is formatted from the call's arguments, where ``missing`` is what
    the call returns when the object is not there (without it, that error is raised like any other)::

        @KubernetesErrors("read {ref}", missing=None)
        def get(self, ref): ...

    ``not_found=(option, value)`` says which input names the object: "not there" then fails as that
    option's bad value (a ValidationError), not as a cluster error.
    """

    exceptions = ()

    def __init__(self, operation, missing=_RAISE, not_found=None):
        self.operation = operation
        self.missing = missing
        self.not_found = not_found

    @staticmethod
    def reason(exc):
        return str(exc)

    @staticmethod
    def is_missing(exc):
        return False

    @classmethod
    def error(cls, operation, exc):
        """The ClusterError for ``exc`` raised while doing ``operation``."""
        return ClusterError("Failed to %s: %s" % (operation, cls.reason(exc)))

    def _failure(self, operation, exc):
        if self.not_found is not None and self.is_missing(exc):
            option, value = self.not_found
            return ValidationError("%s: %s not found: %s" % (option, value, self.reason(exc)))
        return self.error(operation, exc)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None and isinstance(exc, self.exceptions):
            raise self._failure(self.operation, exc) from exc
        return False

    def __call__(self, func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def handled(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except self.exceptions as exc:
                if self.missing is not _RAISE and self.is_missing(exc):
                    return self.missing
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                raise self._failure(self.operation.format(**bound.arguments), exc) from exc

        return handled
