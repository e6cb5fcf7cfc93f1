# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""runbook_report: the three files read back (JUnit with ElementTree), idempotence, check mode, bad input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.oke.istio.plugins.module_utils import _report
from ansible_collections.oke.istio.plugins.module_utils._mesh import probe_options, probe_requests, probe_statistics
from ansible_collections.oke.istio.plugins.modules import runbook_report

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "mesh")
MARKER = "@@mesh-probe-0123456789abcdef0123456789abcdef"


def _expectation(text, passed, count, share, p50=None, reason=None):
    return dict(expectation=text, passed=passed, observed_count=count, observed_share=share, observed_p50=p50,
                reason=reason)


def _check(expectations, url=None, headers=None, requests=20):
    check = dict(requests=requests, counts={"v1": requests}, status_counts={"200": requests},
                 latency={"p50": 0.012, "p90": 0.03}, client={"namespace": "bookinfo", "pod": "curl-1"},
                 expectations=expectations, passed=all(e["passed"] for e in expectations))
    if url:
        check["url"] = url
    if headers:
        check["headers"] = headers
    return check


RESULTS = [
    dict(area="traffic", step="route all to v1", status="passed", duration=12.5, checks=[
        _check([_expectation("class v1: share >= 100%", True, 20, 1.0, 0.012)],
               url="http://productpage:9080/productpage"),
    ]),
    dict(area="traffic", step="user-based routing", status="failed", duration=30,
         reason="1 of 2 traffic expectation(s) failed", checks=[
             _check([_expectation("class v2: share >= 100%", False, 10, 0.5, reason="share 50.0% is below 100%"),
                     _expectation("all responses: p50 latency <= 1s", True, 20, 1.0, 0.02)],
                    url="http://productpage:9080/productpage", headers={"end-user": "jason"}),
         ]),
    dict(area="traffic", step="mirroring", status="not run", reason="traffic_verify is off"),
    dict(area="security", step="strict mTLS", status="skipped", reason="nodes are simulated (kwok): no container runs",
         checks=[{}]),
    dict(area="security", step="egress | allowed hosts", status="passed", checks=[
        {"requests": 5, "status_counts": {"200": 4, "error": 1}, "latency": {"p50": 0.2}},
        "a plain string check",
    ]),
]


def args(tmp_path, **extra):
    params = dict(dest=str(tmp_path / "reports"), cluster="prod-mesh", results=RESULTS)
    params.update(extra)
    return params


def read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8")


def table_rows(markdown):
    """The table's data rows, split into cells at unescaped pipes (as GitHub's Markdown does)."""
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("| ") or line.startswith("| Area |") or line.startswith("| --- "):
            continue
        cells, cell, index = [], "", 1
        while index < len(line):
            char = line[index]
            if char == "\\" and index + 1 < len(line):
                cell += line[index:index + 2]
                index += 2
                continue
            if char == "|":
                cells.append(cell.strip())
                cell = ""
            else:
                cell += char
            index += 1
        rows.append(cells)
    return rows


# -- the three files ---------------------------------------------------------------------------------------------------

def test_writes_the_three_files_and_returns_totals(run_module, tmp_path):
    result, failed = run_module(runbook_report.main, args(tmp_path))
    assert not failed, result
    assert result["changed"] is True
    dest = str(tmp_path / "reports")
    assert result["files"] == {"json": os.path.join(dest, "prod-mesh.json"),
                               "junit": os.path.join(dest, "prod-mesh.junit.xml"),
                               "markdown": os.path.join(dest, "prod-mesh.md")}
    assert result["totals"] == {"passed": 2, "failed": 1, "skipped": 1, "not_run": 1}
    for path in result["files"].values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert sorted(os.listdir(dest)) == ["prod-mesh.json", "prod-mesh.junit.xml", "prod-mesh.md"]  # no temp files left


def test_json_holds_the_full_input_and_the_totals(run_module, tmp_path):
    result, _failed = run_module(runbook_report.main, args(tmp_path))
    data = json.loads(read(result["files"]["json"]))
    assert data["cluster"] == "prod-mesh"
    assert data["totals"] == result["totals"]
    assert "generated_at" not in data
    assert [r["step"] for r in data["results"]] == [r["step"] for r in RESULTS]
    assert data["results"][1]["checks"] == RESULTS[1]["checks"]
    assert data["results"][2] == dict(area="traffic", step="mirroring", status="not run", reason="traffic_verify is off",
                                      duration=None, checks=[])


def test_junit_has_a_suite_per_area_with_counts(run_module, tmp_path):
    result, _failed = run_module(runbook_report.main, args(tmp_path))
    root = ET.parse(result["files"]["junit"]).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == ("5", "1", "2", "0")
    suites = dict((s.get("name"), s) for s in root.findall("testsuite"))
    assert list(suites) == ["traffic", "security"]
    traffic, security = suites["traffic"], suites["security"]
    assert (traffic.get("tests"), traffic.get("failures"), traffic.get("skipped")) == ("3", "1", "1")
    assert (security.get("tests"), security.get("failures"), security.get("skipped")) == ("2", "0", "1")
    assert traffic.get("time") == "42.500"
    assert [p.get("value") for p in traffic.findall("properties/property[@name='cluster']")] == ["prod-mesh"]

    cases = dict((c.get("name"), c) for c in root.iter("testcase"))
    assert set(c.get("classname") for c in traffic.findall("testcase")) == {"oke.istio.traffic"}
    assert cases["route all to v1"].get("time") == "12.500"
    assert cases["route all to v1"].find("failure") is None and cases["route all to v1"].find("skipped") is None
    assert "class v1: share >= 100%" in cases["route all to v1"].find("system-out").text
    assert cases["mirroring"].get("time") is None

    failure = cases["user-based routing"].find("failure")
    assert failure is not None
    message = failure.get("message")
    assert message.startswith("1 of 2 traffic expectation(s) failed; ")
    assert "class v2: share >= 100%: observed 10/20 (50.0%); share 50.0% is below 100%" in message
    assert "p50 latency <= 1s" not in message  # only what failed is in the message ...
    assert "p50 latency <= 1s" in failure.text  # ... the whole account in the text

    assert cases["mirroring"].find("skipped").get("message") == "not run: traffic_verify is off"
    assert cases["strict mTLS"].find("skipped").get("message") == "nodes are simulated (kwok): no container runs"
    assert cases["egress | allowed hosts"].get("classname") == "oke.istio.security"


def test_junit_escapes_markup_and_drops_what_xml_cannot_carry(tmp_path):
    results = _report.check_results([dict(area="a<b>&\"c", step="x]]>y", status="failed",
                                          reason='bad "quote" <tag> & \x1b[31mred\x00\nsecond line')])
    text = _report.render_junit("c1", results)
    root = ET.fromstring(text.encode("utf-8"))
    case = root.find("testsuite/testcase")
    assert root.find("testsuite").get("name") == 'a<b>&"c'
    assert case.get("name") == "x]]>y"
    message = case.find("failure").get("message")
    assert message.startswith('bad "quote" <tag> & \\u001b[31mred\\u0000')
    assert message.endswith("\nsecond line")  # the newline survives inside the attribute


def test_markdown_has_one_row_per_expectation_and_a_row_for_steps_without_checks(run_module, tmp_path):
    result, _failed = run_module(runbook_report.main, args(tmp_path))
    page = read(result["files"]["markdown"])
    assert page.startswith("# Runbook proof: prod-mesh\n")
    assert "**2 passed, 1 failed, 1 skipped, 1 not run** (5 steps)" in page
    assert page.endswith("(5 steps)\n\n" + result["markdown"])  # a blank line before the table
    assert result["markdown"].splitlines()[0] == "| Area | Step | Expectation | Observed | Result |"
    rows = table_rows(result["markdown"])
    assert all(len(row) == 5 for row in rows), rows
    assert rows[0] == ["traffic", "route all to v1", "http://productpage:9080/productpage - class v1: share >= 100%",
                       "20/20 (100.0%), p50 0.012s", "passed"]
    assert rows[1] == ["traffic", "user-based routing",
                       "http://productpage:9080/productpage (end-user: jason) - class v2: share >= 100%",
                       "10/20 (50.0%)", "**failed**: share 50.0% is below 100%"]
    assert rows[2][2:] == ["http://productpage:9080/productpage (end-user: jason) - all responses: p50 latency <= 1s",
                           "20/20 (100.0%), p50 0.020s", "passed"]
    assert rows[3] == ["traffic", "user-based routing", "-", "-", "**failed**: 1 of 2 traffic expectation(s) failed"]
    assert rows[4] == ["traffic", "mirroring", "-", "-", "not run: traffic_verify is off"]
    assert rows[5] == ["security", "strict mTLS", "-", "nothing observed",
                       "skipped: nodes are simulated (kwok): no container runs"]
    assert rows[6] == ["security", "egress \\| allowed hosts", "-", "5 requests; status 200: 4, error: 1; p50 0.200s",
                       "passed"]
    assert rows[7] == ["security", "egress \\| allowed hosts", "-", '"a plain string check"', "passed"]
    assert len(rows) == 8


def test_markdown_cells_escape_pipes_backslashes_newlines_and_tags():
    assert _report.md_cell("a|b") == "a\\|b"
    assert _report.md_cell("a\\|b") == "a\\\\\\|b"
    assert _report.md_cell("line one\r\nline two\n") == "line one<br>line two"
    assert _report.md_cell("<script>x</script> <= 1s") == "&lt;script>x&lt;/script> <= 1s"
    assert _report.md_cell("") == "-"
    results = _report.check_results([dict(area="a|b", step="s", status="skipped", reason="why |\nnot")])
    assert table_rows(_report.render_table(results)) == [["a\\|b", "s", "-", "-", "skipped: why \\|<br>not"]]


def test_a_real_mesh_probe_report_renders(tmp_path):
    with open(os.path.join(FIXTURES, "reviews_probe_output.txt")) as handle:
        samples = probe_requests.parse_output(handle.read(), MARKER)
    options = probe_options.check_options(dict(
        client_selector="app=curl", url="http://reviews:9080/reviews/0",
        classify=[{"name": "v1", "status": 200}], expect=[{"class": "v1", "min_share": 0.5}, {"status": 503, "max_share": 0}]))
    report = probe_statistics.report(samples, options)
    results = _report.check_results([dict(area="traffic", step="circuit breaker", status="failed", checks=[report])])
    rows = table_rows(_report.render_table(results))
    assert [row[4].split(":")[0] for row in rows] == ["passed", "**failed**"]
    assert rows[1][2] == report["expectations"][1]["expectation"]
    assert rows[1][3].startswith("%s/%s" % (report["expectations"][1]["observed_count"], report["requests"]))
    root = ET.fromstring(_report.render_junit("c", results).encode("utf-8"))
    assert report["expectations"][1]["reason"] in root.find("testsuite/testcase/failure").get("message")


def test_a_registered_probe_result_is_unwrapped():
    registered = dict(changed=False, skipped=False, attempts=1, invocation={"module_args": {"url": "http://r:9080/"}},
                      report=_check([_expectation("class v1: share >= 100%", True, 20, 1.0)]))
    rows = _report.step_rows(_report.check_results([dict(area="a", step="s", status="passed", checks=[registered])])[0])
    assert [(r["expectation"], r["verdict"]) for r in rows] == [("http://r:9080/ - class v1: share >= 100%", "passed")]


def test_an_expectation_without_a_verdict_is_not_shown_as_failed():
    check = {"requests": 4, "expectations": [{"expectation": "class v1: share >= 50%", "observed_count": 2}]}
    results = _report.check_results([dict(area="a", step="s", status="passed", checks=[check])])
    assert table_rows(_report.render_table(results)) == [["a", "s", "class v1: share >= 50%", "2/4", "no verdict"]]


def test_credentials_in_headers_are_masked_in_the_table_and_junit():
    check = _check([_expectation("class v1: share >= 100%", True, 20, 1.0)], url="http://r:9080/",
                   headers={"Authorization": "Bearer abc123", "Cookie": "session=s3cr3t", "end-user": "jason"})
    results = _report.check_results([dict(area="a", step="s", status="passed", checks=[check])])
    table, junit = _report.render_table(results), _report.render_junit("c", results)
    assert "http://r:9080/ (Authorization: ***, Cookie: ***, end-user: jason) - class v1" in table
    assert "abc123" not in table + junit and "s3cr3t" not in table + junit


# -- idempotence, check mode, diff, mode ------------------------------------------------------------------------------

def test_second_run_changes_nothing_and_generated_at_is_a_change(run_module, tmp_path):
    first, _failed = run_module(runbook_report.main, args(tmp_path))
    before = dict((k, read(p)) for k, p in first["files"].items())
    again, failed = run_module(runbook_report.main, args(tmp_path, _ansible_diff=True))
    assert not failed and again["changed"] is False
    assert again["diff"] == []
    assert dict((k, read(p)) for k, p in again["files"].items()) == before

    stamped, _failed = run_module(runbook_report.main, args(tmp_path, generated_at="2026-01-05T10:00:00Z"))
    assert stamped["changed"] is True
    assert json.loads(read(stamped["files"]["json"]))["generated_at"] == "2026-01-05T10:00:00Z"
    assert "Generated 2026-01-05T10:00:00Z." in read(stamped["files"]["markdown"])
    stamped_again, _failed = run_module(runbook_report.main, args(tmp_path, generated_at="2026-01-05T10:00:00Z"))
    assert stamped_again["changed"] is False


def test_check_mode_writes_nothing_but_reports_everything(run_module, tmp_path):
    result, failed = run_module(runbook_report.main, args(tmp_path, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result["changed"] is True
    assert not (tmp_path / "reports").exists()
    assert result["totals"]["failed"] == 1 and result["markdown"].startswith("| Area |")
    assert [d["after_header"] for d in result["diff"]] == [result["files"][k] for k in ("json", "junit", "markdown")]
    assert all(d["before"] == "" for d in result["diff"])
    assert "# Runbook proof: prod-mesh" in result["diff"][2]["after"]


def test_diff_shows_only_the_changed_files_and_caps_large_ones(run_module, tmp_path, monkeypatch):
    run_module(runbook_report.main, args(tmp_path))
    changed = [dict(r) for r in RESULTS]
    changed[2]["reason"] = "now with another reason"
    result, _failed = run_module(runbook_report.main, args(tmp_path, results=changed, _ansible_diff=True))
    assert result["changed"] is True and len(result["diff"]) == 3
    markdown_diff = result["diff"][2]
    assert "traffic_verify is off" in markdown_diff["before"] and "now with another reason" in markdown_diff["after"]

    monkeypatch.setattr(_report, "DIFF_MAX_BYTES", 100)
    result, _failed = run_module(runbook_report.main, args(tmp_path, _ansible_diff=True))
    assert all("before" not in d and "after" not in d for d in result["diff"])
    assert all(d["dst_larger"] == 100 and d["src_larger"] == 100 for d in result["diff"])


def test_mode_is_applied_and_a_mode_change_is_a_change(run_module, tmp_path):
    result, _failed = run_module(runbook_report.main, args(tmp_path, mode="0600"))
    assert stat.S_IMODE(os.stat(result["files"]["junit"]).st_mode) == 0o600
    again, _failed = run_module(runbook_report.main, args(tmp_path, mode=0o600))
    assert again["changed"] is False
    back, _failed = run_module(runbook_report.main, args(tmp_path, _ansible_diff=True))
    assert back["changed"] is True
    assert stat.S_IMODE(os.stat(back["files"]["markdown"]).st_mode) == 0o644
    assert back["diff"][0]["prepared"].endswith(": 0600 -> 0644\n")
    assert back["diff"][0]["before"] == back["diff"][0]["after"]


# -- bad input: named, and nothing written ----------------------------------------------------------------------------

BAD_INPUT = [
    (dict(cluster="../etc"), "cluster '../etc' is not a safe file name stem"),
    (dict(cluster="prod mesh"), "cluster 'prod mesh' is not a safe file name stem"),
    (dict(cluster=".hidden"), "cluster '.hidden' is not a safe file name stem"),
    (dict(mode="rwx"), "mode 'rwx' is not a file mode"),
    (dict(results=RESULTS + [dict(area="x", step="y", status="done")]),
     "results[5].status 'done' is not one of passed, failed, skipped, not run"),
    (dict(results=[dict(area="x", step="y", status="not_run")]), "results[0].status 'not_run' is not one of"),
    (dict(results=[dict(area="", step="y", status="passed")]), "results[0].area '' must be a non-empty string"),
    (dict(results=[dict(area="x", status="passed")]), "results[0].step is missing"),
    (dict(results=[dict(area="x", step="y")]), "results[0].status is missing"),
    (dict(results=[dict(area="x", step="y", status="passed", duration="soon")]),
     "results[0].duration 'soon' must be a number of seconds"),
    (dict(results=[dict(area="x", step="y", status="passed", duration=-1)]), "results[0].duration -1 must be"),
    (dict(results=[dict(area="x", step="y", status="passed", duration="inf")]), "results[0].duration 'inf' must be"),
    (dict(results=[dict(area="x", step="y", status="passed", checks="all good")]),
     "results[0].checks 'all good' must be a list"),
    (dict(results=[dict(area="x", step="y", status="skipped", skip_reason="z")]),
     "results[0].skip_reason 'z' is not a known key"),
    (dict(results=[dict(area="x", step="y", status="passed", checks=RESULTS[1]["checks"])]),
     "results[0].status is 'passed' but checks[0] did not hold (class v2: share >= 100%)"),
]


@pytest.mark.parametrize("extra, message", BAD_INPUT)
def test_bad_input_is_named_and_nothing_is_written(run_module, tmp_path, extra, message):
    result, failed = run_module(runbook_report.main, args(tmp_path, **extra))
    assert failed, result
    assert message in result["msg"]
    assert not (tmp_path / "reports").exists()


def test_bad_input_leaves_an_existing_report_alone(run_module, tmp_path):
    first, _failed = run_module(runbook_report.main, args(tmp_path))
    before = dict((k, read(p)) for k, p in first["files"].items())
    result, failed = run_module(runbook_report.main, args(tmp_path, results=[dict(area="x", step="y", status="ok")]))
    assert failed and result["index"] == 0 and result["key"] == "status" and result["value"] == "ok"
    assert dict((k, read(p)) for k, p in first["files"].items()) == before


def test_dest_that_is_a_file_is_refused(run_module, tmp_path):
    (tmp_path / "reports").write_text(u"not a directory")
    result, failed = run_module(runbook_report.main, args(tmp_path))
    assert failed and "is not a directory" in result["msg"]


def test_an_empty_report_is_still_valid(run_module, tmp_path):
    result, failed = run_module(runbook_report.main, args(tmp_path, results=[]))
    assert not failed and result["totals"] == {"passed": 0, "failed": 0, "skipped": 0, "not_run": 0}
    root = ET.parse(result["files"]["junit"]).getroot()
    assert root.get("tests") == "0" and root.findall("testsuite") == []
