# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Durations and percentages as Istio and the Gateway API accept them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError

# Go durations ("0.5s", "7s", "3m", "1h30m"): what Istio's CRD validation (CEL duration()) accepts.
_DURATION = re.compile(r"^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h))+$")
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, u"\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value, name, minimum=0.001):
    """Seconds in ``value``; ValidationError naming parameter ``name`` when it is no duration or below ``minimum``."""
    text = str(value).strip() if value is not None else ""
    if not _DURATION.match(text):
        raise ValidationError(
            "%s must be a duration such as 0.5s, 7s, 500ms or 3m (got %r)" % (name, value), parameter=name
        )
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(text))
    if seconds < minimum:
        raise ValidationError("%s must be at least %gs (got %r)" % (name, minimum, value), parameter=name)
    return seconds


def gateway_api_duration(seconds):
    """The Gateway API's duration format (whole units, at most four parts): 0.5s becomes 500ms."""
    millis = int(round(seconds * 1000))
    if millis % 1000:
        return "%dms" % millis
    secs = millis // 1000
    if secs % 3600 == 0:
        return "%dh" % (secs // 3600)
    if secs % 60 == 0:
        return "%dm" % (secs // 60)
    return "%ds" % secs


def check_percentage(value, name):
    """A percentage between 0 and 100 as a float; ValidationError naming ``name`` otherwise."""
    if isinstance(value, bool):
        raise ValidationError("%s must be a number between 0 and 100 (got %r)" % (name, value), parameter=name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError("%s must be a number between 0 and 100 (got %r)" % (name, value), parameter=name)
    if not 0 <= number <= 100:
        raise ValidationError("%s must be between 0 and 100 (got %r)" % (name, value), parameter=name)
    return number


def check_int(value, name, minimum=None, maximum=None):
    """``value`` as an int (integral strings accepted); ValidationError naming ``name`` otherwise."""
    if isinstance(value, bool):
        raise ValidationError("%s must be an integer (got %r)" % (name, value), parameter=name)
    try:
        # "50" is fine (templated values arrive as strings); 50.5 and "half" are not.
        number = value if isinstance(value, int) else int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError("%s must be an integer (got %r)" % (name, value), parameter=name)
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        raise ValidationError(
            "%s must be between %s and %s (got %r)" % (name, minimum, maximum, value), parameter=name
        )
    return number
