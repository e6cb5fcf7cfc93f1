#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: runbook_report
short_description: Write one cluster's proof report of the runbook walk-through as JSON, JUnit XML and Markdown
version_added: 0.2.0
description:
  - Writes three files for O(cluster) into O(dest) from the results of the runbook's steps.
  - C(<cluster>.json) is for machines. It holds the results as given (every key present) and the totals.
  - C(<cluster>.junit.xml) is for CI readers such as Jenkins, GitLab and AWX. It has one C(testsuite) per area and
    one C(testcase) per step, with class name C(oke.istio.<area>). A failed step has a C(failure) whose message
    lists the expectations that did not hold and what was observed. A skipped or not run step has a C(skipped) with
    the reason. C(time) is the step's duration, when given.
  - C(<cluster>.md) is for people. It has a title, a totals line and one table with one row per expectation. A step
    without expectations gets one row with its reason.
  - A check is the RV(oke.istio.mesh_probe#module:report) of a M(oke.istio.mesh_probe) task. C(url) and
    C(headers) added to it, or the whole registered result of the task, are shown too. A check of any other shape is
    shown as a short summary (requests, status counts, median latency).
  - Every result is checked before anything is written. The error names the entry, the key and the value.
  - Files are written only when their content or mode differs. They hold no time stamp unless O(generated_at) is
    given, so the same results give the same files.
  - The module runs where the task runs. Delegate it to C(localhost) to write the report on the controller.
  - Failed steps are reported, not turned into a task failure. Use RV(totals) to fail the play when needed.
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.attributes
attributes:
  check_mode:
    support: full
    details:
      - Renders the files and reports C(changed), RV(files), RV(totals) and RV(markdown); writes nothing.
  diff_mode:
    support: full
    details:
      - Before and after of each file that changes (and its mode, when that changes). A file over 104448 bytes is
        named, not shown.
  idempotent:
    support: full
    details:
      - A different O(generated_at) gives different files.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
options:
  dest:
    description: Directory of the report files. It is created when missing.
    type: path
    required: true
  cluster:
    description:
      - Name of the cluster. It is the title of the report and the stem of the file names, so it must be 1 to 128
        letters, digits, C(.), C(_) or C(-), starting with a letter or a digit.
    type: str
    required: true
  results:
    description:
      - One entry per step of the runbook, in the order to report them.
      - C(area) (str, required) is the runbook area, such as C(traffic). It is the JUnit test suite.
      - C(step) (str, required) is the step's name. It is the JUnit test case.
      - C(status) (required) is one of V(passed), V(failed), V(skipped) or V(not run). A V(passed) step cannot carry
        a check whose expectation failed.
      - C(reason) (str) is why the step was skipped or not run, or the failure message.
      - C(duration) (float) is the step's duration in seconds.
      - C(checks) (list) holds the step's M(oke.istio.mesh_probe) reports.
      - Any other key is an error.
    type: list
    elements: dict
    required: true
  generated_at:
    description:
      - Time stamp written into the three files, for example C(2026-01-05T10:00:00Z).
      - Without it the files hold no time, so running again with the same results changes nothing.
    type: str
  mode:
    description:
      - Mode of the three files. Use an octal string such as V('0640'); an integer is used as is, as with
        M(ansible.builtin.file).
      - Defaults to V('0644').
    type: raw
notes:
  - Writes each file to a temporary file in O(dest) first, then moves it into place.
seealso:
  - module: oke.istio.mesh_probe
"""

EXAMPLES = r"""
- name: Put the traffic role's results in the report's shape
  ansible.builtin.set_fact:
    report_results: >-
      {{ report_results | default([]) + [{
           'area': 'traffic', 'step': item.step, 'status': item.status,
           'reason': item.skip_reason | default('') or item.message | default(''),
           'checks': item.checks | default([])}] }}
  loop: "{{ traffic_results }}"

- name: Write the proof report on the controller
  oke.istio.runbook_report:
    dest: "{{ playbook_dir }}/reports"
    cluster: "{{ inventory_hostname }}"
    results: "{{ report_results }}"
  delegate_to: localhost
  register: report

- name: Show the table
  ansible.builtin.debug:
    msg: "{{ report.markdown.splitlines() }}"

- name: One hand-made result, with its own check
  oke.istio.runbook_report:
    dest: /tmp/reports
    cluster: prod-mesh
    generated_at: "{{ now(utc=true).isoformat() }}"
    results:
      - area: traffic
        step: route all to v1
        status: passed
        duration: 12.5
        checks:
          - url: http://productpage:9080/productpage
            requests: 20
            status_counts: {"200": 20}
            expectations:
              - {expectation: "class v1: share >= 100%", passed: true, observed_count: 20, observed_share: 1.0}
      - area: security
        step: mutual TLS
        status: skipped
        reason: the nodes are simulated, so no container runs
  delegate_to: localhost

- name: Fail the play when a step failed
  ansible.builtin.assert:
    that: report.totals.failed == 0
"""

RETURN = r"""
files:
  description: Absolute paths of the three files.
  returned: always
  type: dict
  contains:
    json:
      description: The JSON file.
      type: str
      returned: always
    junit:
      description: The JUnit XML file.
      type: str
      returned: always
    markdown:
      description: The Markdown file.
      type: str
      returned: always
  sample:
    json: /tmp/reports/prod-mesh.json
    junit: /tmp/reports/prod-mesh.junit.xml
    markdown: /tmp/reports/prod-mesh.md
totals:
  description: Steps per status.
  returned: always
  type: dict
  contains:
    passed:
      description: Steps that passed.
      type: int
      returned: always
    failed:
      description: Steps that failed.
      type: int
      returned: always
    skipped:
      description: Steps that were skipped.
      type: int
      returned: always
    not_run:
      description: Steps that did not run.
      type: int
      returned: always
  sample: {"passed": 7, "failed": 1, "skipped": 2, "not_run": 0}
markdown:
  description: The table of the Markdown file (header and rows), to print from a playbook.
  returned: always
  type: str
  sample: |
    | Area | Step | Expectation | Observed | Result |
    | --- | --- | --- | --- | --- |
    | traffic | route all to v1 | http://productpage:9080/productpage - class v1: share >= 100% | 20/20 (100.0%) | passed |
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._report import ARGUMENT_SPEC, run


def main():
    OkeIstioModule(argument_spec=ARGUMENT_SPEC, needs_cluster=False).run(run)


if __name__ == "__main__":
    main()
