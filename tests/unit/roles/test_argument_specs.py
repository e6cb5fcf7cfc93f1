# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each role's meta/argument_specs.yml and defaults/main.yml declare the same variables, the same way.

Per role: every default is declared (in the main entry point, or in the entry point that alone uses it), every declared
option has a default (unless the spec marks it required with no default), every name starts with the role's prefix, a
declared default equals the one in defaults/main.yml, the declared type fits the default, and declared choices hold it.
An option declared in several entry points is declared the same in each, and an entry point that runs the main entry
point's task files declares every main option. defaults/main.yml is authoritative: the spec follows it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES_DIR = os.path.join(ROOT, "roles")
ROLES = sorted(name for name in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, name)))

# What each argument spec type accepts as a default (ansible-core's names; an option without a type is a str).
TYPES = {
    "str": lambda v: isinstance(v, str),
    "path": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
    "raw": lambda v: True,
}
INCLUDE_MODULES = ("include_tasks", "import_tasks", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping that names a key twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, dummy in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # << merges keys, and may override them
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, "duplicate key %r" % (key,), key_node.start_mark)
            seen.add(key)
        return super(_UniqueKeyLoader, self).construct_mapping(node, deep=deep)


def _load(path):
    with open(path) as f:
        return yaml.load(f, Loader=_UniqueKeyLoader)  # a SafeLoader


def _role(role):
    """(entry points {name: options}, defaults) of a role."""
    base = os.path.join(ROLES_DIR, role)
    specs = _load(os.path.join(base, "meta", "argument_specs.yml"))["argument_specs"]
    entry_points = dict((name, spec.get("options") or {}) for name, spec in specs.items())
    return entry_points, _load(os.path.join(base, "defaults", "main.yml")) or {}


def _templated(value):
    return isinstance(value, str) and "{{" in value


def _same(a, b):
    """Equal as parsed YAML, telling true from 1 and 1 from 1.0; Jinja-templated values compared as strings."""
    if _templated(a) or _templated(b):
        return str(a) == str(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _required_without_default(option):
    return bool(option.get("required")) and "default" not in option


def _included_files(role, entry_point):
    """The task files tasks/<entry_point>.yml includes by a literal name."""
    tasks = _load(os.path.join(ROLES_DIR, role, "tasks", entry_point + ".yml")) or []
    names = set()
    for task in tasks:
        for module in INCLUDE_MODULES:
            arg = task.get(module)
            if isinstance(arg, dict):
                arg = arg.get("file")
            if isinstance(arg, str) and not _templated(arg):
                names.add(arg)
    return names


def _fail(role, problems):
    if problems:
        pytest.fail("role %s:\n  %s" % (role, "\n  ".join(problems)), pytrace=False)


def test_every_role_is_checked():
    assert ROLES, "no roles under %s" % ROLES_DIR
    for role in ROLES:
        for part in (("meta", "argument_specs.yml"), ("defaults", "main.yml")):
            assert os.path.isfile(os.path.join(ROLES_DIR, role, *part)), "role %s has no %s" % (role, "/".join(part))


@pytest.mark.parametrize("role", ROLES)
def test_defaults_are_declared(role):
    entry_points, defaults = _role(role)
    assert "main" in entry_points, "role %s: meta/argument_specs.yml has no main entry point" % role
    problems = []
    for name in sorted(defaults):
        if name in entry_points["main"]:
            continue
        elsewhere = sorted(ep for ep, options in entry_points.items() if name in options)
        if not elsewhere:
            problems.append("%s: in defaults/main.yml, declared in no entry point of meta/argument_specs.yml" % name)
    for ep, options in sorted(entry_points.items()):
        for name in sorted(options):
            if name not in defaults and not _required_without_default(options[name]):
                problems.append("%s: declared in entry point %s, missing from defaults/main.yml "
                                "(only an option required with no default may be)" % (name, ep))
    _fail(role, problems)


@pytest.mark.parametrize("role", ROLES)
def test_names_carry_the_role_prefix(role):
    entry_points, defaults = _role(role)
    prefix = role + "_"
    names = set(defaults)
    for options in entry_points.values():
        names.update(options)
    _fail(role, ["%s: does not start with %s" % (name, prefix) for name in sorted(names) if not name.startswith(prefix)])


@pytest.mark.parametrize("role", ROLES)
def test_declared_defaults_match(role):
    entry_points, defaults = _role(role)
    problems = []
    for ep, options in sorted(entry_points.items()):
        for name, option in sorted(options.items()):
            if name in defaults and "default" in option and not _same(option["default"], defaults[name]):
                problems.append("%s: entry point %s declares default %r, defaults/main.yml has %r"
                                % (name, ep, option["default"], defaults[name]))
    _fail(role, problems)


@pytest.mark.parametrize("role", ROLES)
def test_types_fit_the_defaults(role):
    entry_points, defaults = _role(role)
    problems = []
    for ep, options in sorted(entry_points.items()):
        for name, option in sorted(options.items()):
            kind = option.get("type", "str")
            if kind not in TYPES:
                problems.append("%s: entry point %s declares type %r, not one of %s" % (name, ep, kind, ", ".join(sorted(TYPES))))
                continue
            if name not in defaults or _templated(defaults[name]):
                continue
            value = defaults[name]
            if not TYPES[kind](value):
                problems.append("%s: entry point %s declares type %s, the default %r is of type %s"
                                % (name, ep, kind, value, type(value).__name__))
                continue
            elements = option.get("elements")
            if kind == "list" and elements:
                if elements not in TYPES:
                    problems.append("%s: entry point %s declares elements %r, not one of %s"
                                    % (name, ep, elements, ", ".join(sorted(TYPES))))
                    continue
                wrong = [item for item in value if not _templated(item) and not TYPES[elements](item)]
                if wrong:
                    problems.append("%s: entry point %s declares elements %s, the default holds %r"
                                    % (name, ep, elements, wrong))
    _fail(role, problems)


@pytest.mark.parametrize("role", ROLES)
def test_choices_hold_the_defaults(role):
    entry_points, defaults = _role(role)
    problems = []
    for ep, options in sorted(entry_points.items()):
        for name, option in sorted(options.items()):
            if "choices" not in option or name not in defaults or _templated(defaults[name]):
                continue
            value, choices = defaults[name], option["choices"]
            values = value if isinstance(value, list) else [value]
            missing = [v for v in values if not any(_same(v, choice) for choice in choices)]
            if missing:
                problems.append("%s: entry point %s declares choices %r, the default %r is not among them"
                                % (name, ep, choices, value))
    _fail(role, problems)


@pytest.mark.parametrize("role", ROLES)
def test_entry_points_agree(role):
    entry_points, dummy = _role(role)
    main = entry_points["main"]
    main_files = _included_files(role, "main")
    problems = []
    for ep, options in sorted(entry_points.items()):
        if ep == "main":
            continue
        for name in sorted(set(options) & set(main)):
            ours = dict((k, v) for k, v in options[name].items() if k != "description")
            theirs = dict((k, v) for k, v in main[name].items() if k != "description")
            if not _same(ours, theirs):
                problems.append("%s: entry point %s declares %r, main declares %r" % (name, ep, ours, theirs))
        shared = _included_files(role, ep) & main_files
        if shared:
            for name in sorted(set(main) - set(options)):
                problems.append("%s: entry point %s runs main's %s but does not declare this main option"
                                % (name, ep, ", ".join(sorted(shared))))
    _fail(role, problems)
