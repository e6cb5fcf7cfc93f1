# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wrong values derived from an argument spec (a module's, or a role entry point's): the bad-input tables' one rule.

Only values ansible-core's ArgumentSpecValidator (behind AnsibleModule and role argument validation alike) really
rejects: a value outside ``choices``; a string that is not a number for int and float; one that is not a boolean for
bool; a dict for a list (a string or a number would be converted); a list for a dict; a non-dict element for a list of
dicts, a non-number or non-boolean element for a list of those; and the same, recursively, for sub-options. A str, path
or raw option without choices accepts anything (a number or a dict is converted to a string): it has no generic wrong
value and is reported as skipped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

NOT_A_CHOICE = "not-a-choice"
NOT_A_NUMBER = "not-a-number"
NOT_A_BOOL = "maybe"
NOT_A_DICT = "not-a-dict"
# A value of the right type per type, for the required sub-options around a bad one.
VALID = {"str": "x", "path": "/tmp/x", "raw": "x", "int": 1, "float": 1.0, "bool": True, "list": [], "dict": {}}


def wrong_values(option):
    """[(kind, wrong value, whether ansible-core's message shows the value)] for one option; [] when there is none."""
    kind = option.get("type", "str")
    if callable(kind):
        return []
    if option.get("choices"):
        return [("choices", [NOT_A_CHOICE] if kind == "list" else NOT_A_CHOICE, True)]
    if kind == "int":
        return [("type", NOT_A_NUMBER, True)]
    if kind == "float":
        return [("type", NOT_A_NUMBER, False)]
    if kind == "bool":
        return [("type", NOT_A_BOOL, True)]
    if kind == "list":
        found = [("type", {"not": "a list"}, False)]
        elements = option.get("elements")
        if elements == "dict":
            found.append(("elements", [NOT_A_DICT], False))
        elif elements in ("int", "float"):
            found.append(("elements", [NOT_A_NUMBER], elements == "int"))
        elif elements == "bool":
            found.append(("elements", [NOT_A_BOOL], True))
        return found
    if kind == "dict":
        return [("type", ["not", "a", "dict"], False)]
    return []


def _valid(option):
    if option.get("choices"):
        return option["choices"][0]
    if option.get("options"):
        return _around(option, {})
    return VALID.get(option.get("type", "str"), "x")


def _around(option, sub_params):
    """The value of an option with sub-options: its required sub-options valid, and ``sub_params``."""
    item = dict((name, _valid(sub)) for name, sub in option["options"].items() if sub.get("required"))
    item.update(sub_params)
    return [item] if option.get("type") == "list" else item


def cases(spec, path=()):
    """Per wrong value: (option path, kind, {top-level option: value}, the bad value if the message must show it, else
    None). Per option without one: (option path, None, None, None)."""
    for name, option in sorted(spec.items()):
        here = path + (name,)
        wrong = wrong_values(option)
        for kind, value, shown in wrong:
            yield here, kind, {name: value}, (value[0] if isinstance(value, list) else value) if shown else None
        if option.get("options"):
            for sub_path, kind, sub_params, shown in cases(option["options"], here):
                yield sub_path, kind, sub_params and {name: _around(option, sub_params)}, shown
        elif not wrong:
            yield here, None, None, None


def names(message, option):
    """Whether ``message`` names ``option`` as a word of its own (not as part of a longer name)."""
    return re.search(r"(?<![\w.])%s(?!\w)" % re.escape(option), message) is not None
