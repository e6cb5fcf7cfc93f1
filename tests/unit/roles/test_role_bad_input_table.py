# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's promise for the roles, variable by variable: bad input fails with a message that names the variable
before anything in the cluster changes.

The table is generated from each role's meta/argument_specs.yml, every entry point, so a new role, entry point or
variable is covered without touching this file. Per variable, the wrong values tests/unit/bad_values.py derives from
its spec (outside ``choices``, not a number, not a boolean, the wrong shape). A str, path or raw variable without
choices has no generic wrong value: it is listed as a skipped case (``pytest -rs`` names each one); the roles' own
rules for those are in test_role_validation.py.

All cases run in one ansible-playbook run (conftest.py's run_role_cases), each including the role's entry point with
one bad variable. Each must fail once, in the role's argument validation or in its input checks (validate.yml and the
entry point's checks before it), with a message that names the variable, the bad value where ansible-core shows it,
and nothing else wrong; no other task of the role may have run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.oke.istio.tests.unit import bad_values

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES_DIR = os.path.join(ROOT, "roles")
ROLES = sorted(name for name in os.listdir(ROLES_DIR) if os.path.isfile(os.path.join(ROLES_DIR, name, "meta", "argument_specs.yml")))
INCLUDES = ("include_tasks", "import_tasks", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks")
PUBLISH = "Publish the role's result"  # runs whatever happens, and writes nothing to the cluster


def _load(*parts):
    with open(os.path.join(ROLES_DIR, *parts)) as handle:
        return yaml.safe_load(handle)


def _task_names(tasks):
    for task in tasks or []:
        if task.get("name"):
            yield task["name"]
        for section in ("block", "rescue", "always"):
            yield from _task_names(task.get(section))


def _in_order(tasks):
    """Tasks in the order they run, a block's own tasks first (its rescue and always are not input checks)."""
    for task in tasks or []:
        yield task
        yield from _in_order(task.get("block"))


def _input_checks(role, entry_point):
    """The names of the tasks that check the input: the entry point's tasks up to its include of validate.yml, and
    validate.yml's. A case may fail in one of them; none other may run but the publishing of the role's result."""
    names = set(_task_names(_load(role, "tasks", "validate.yml")))
    for task in _in_order(_load(role, "tasks", entry_point + ".yml")):
        if task.get("name"):
            names.add(task["name"])
        target = [task[key] for key in INCLUDES if key in task]
        if target and (target[0] if isinstance(target[0], str) else target[0].get("file")) == "validate.yml":
            return names | {PUBLISH}
    raise AssertionError("role %s: tasks/%s.yml does not include validate.yml" % (role, entry_point))


def _table():
    cases, skipped = [], []
    for role in ROLES:
        for entry_point, spec in sorted(_load(role, "meta", "argument_specs.yml")["argument_specs"].items()):
            where = role if entry_point == "main" else "%s.%s" % (role, entry_point)
            for path, kind, variables, shown in bad_values.cases(spec.get("options") or {}):
                case_id = "%s-%s-%s" % (where, ".".join(path), kind or "free_text")
                if kind is None:
                    skipped.append(case_id)
                    cases.append(pytest.param(case_id, role, entry_point, path, None, None, id=case_id, marks=pytest.mark.skip(
                        reason="%s: a free-text variable (str, path or raw without choices) has no generic wrong value"
                        % case_id.rsplit("-", 1)[0])))
                else:
                    cases.append(pytest.param(case_id, role, entry_point, path, variables, shown, id=case_id))
    return cases, skipped


CASES, SKIPPED = _table()


@pytest.fixture(scope="module")
def outcomes(run_role_cases):
    run = [(p.values[0], p.values[1], p.values[2], p.values[4]) for p in CASES if p.values[4] is not None]
    return run_role_cases("bad_input", run)


@pytest.mark.parametrize("case_id, role, entry_point, path, variables, shown", CASES)
def test_bad_input_fails_naming_the_variable_before_the_cluster(outcomes, case_id, role, entry_point, path, variables, shown):
    found, output = outcomes
    assert case_id in found, output
    failures, tasks = found[case_id]["failures"], found[case_id]["tasks"]
    assert failures, "role %s accepted %r, and ran %s" % (role, variables, tasks)
    assert len(failures) == 1, "more than one failure: %s" % [f["msg"] for f in failures]
    failure = failures[0]
    # Only the include, the argument validation, the input checks, and the rescue ran.
    validation = "oke.istio.%s : Validating arguments against arg spec '%s'" % (role, entry_point)
    checks = set("oke.istio.%s : %s" % (role, name) for name in _input_checks(role, entry_point))
    allowed = checks | {"ansible.builtin.include_role : oke.istio.%s" % role, "ansible.builtin.debug"}
    ran = [task for task in tasks if task not in allowed and not task.startswith(validation)]
    assert not ran, "role %s ran %s before failing on %r: %s" % (role, ran, variables, failure["msg"])
    assert failure["task"].startswith(validation) or failure["task"] in checks, failure["task"]
    # The message names the variable (each sub-option on the way), shows the value, and says nothing else is wrong.
    messages = failure.get("argument_errors") or [failure["msg"]]
    assert len(messages) == 1, "more than the one bad variable reported: %s" % messages
    for name in path:
        assert bad_values.names(messages[0], name), "the message does not name %s: %s" % (".".join(path), messages[0])
    if shown is not None:
        assert shown in messages[0], "the message does not show the bad value %r: %s" % (shown, messages[0])


def test_every_role_is_in_the_table():
    assert ROLES, ROLES_DIR
    assert sorted(os.listdir(ROLES_DIR)) == ROLES, "every role needs meta/argument_specs.yml"
    for role in ROLES:
        assert any(p.values[1] == role for p in CASES), role


def test_the_table_counts_what_it_skips(capsys):
    """How many variables each role's table checks and skips (printed with -s; pytest -rs lists the skipped ones)."""
    lines = []
    for role in ROLES:
        checked = sum(1 for p in CASES if p.values[1] == role and p.values[4] is not None)
        skipped = sum(1 for p in CASES if p.values[1] == role and p.values[4] is None)
        lines.append("%-14s %3d cases, %3d free-text variables skipped" % (role, checked, skipped))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert len(SKIPPED) == sum(1 for p in CASES if p.values[4] is None)
