# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh import probe, probe_options, probe_requests, probe_statistics

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "mesh")
MARKER = "@@mesh-probe-0123456789abcdef0123456789abcdef"

REVIEWS_CLASSES = [
    {"name": "v3", "status": 200, "body_regex": '"color": ?"red"'},
    {"name": "v2", "status": 200, "body_regex": '"color": ?"black"'},
    {"name": "v1", "status": 200},
]


def recorded():
    with open(os.path.join(FIXTURES, "reviews_probe_output.txt")) as handle:
        return probe_requests.parse_output(handle.read(), MARKER)


def options(**overrides):
    """The options as mesh_probe checks them: its argument spec, then what the spec cannot express."""
    params = dict(client_selector="app=curl", url="http://reviews:9080/reviews/0", classify=REVIEWS_CLASSES)
    params.update(overrides)
    return probe_options.check_options(probe_options.validate(params, "options"))


# -- parsing and classification of recorded responses ----------------------------------------------


def test_parse_recorded_output():
    samples = recorded()
    assert [s["index"] for s in samples] == list(range(10))
    assert [s["status"] for s in samples] == [200, 200, 200, 200, 200, 200, 503, 200, None, 200]
    assert samples[0]["latency"] == 0.021
    assert samples[0]["headers"]["server"] == "envoy"
    assert samples[0]["body"].startswith('{"id": "0","podname": "reviews-v1')
    assert samples[0]["error"] is None
    assert samples[6]["body"].endswith("reset reason: overflow")
    assert samples[8]["error"].startswith("curl: (28) Operation timed out")
    assert samples[8]["latency"] == 2.001


def test_parse_keeps_header_values_clean_of_carriage_returns():
    """curl writes header lines with CRLF; the fixture stores them with LF, so put the CRs back."""
    with open(os.path.join(FIXTURES, "reviews_probe_output.txt")) as handle:
        lines = handle.read().split("\n")
    in_headers = False
    for number, line in enumerate(lines):
        if line.startswith(MARKER + " BEGIN"):
            in_headers = True
        elif line == MARKER + " BODY":
            in_headers = False
        elif in_headers:
            lines[number] = line + "\r"
    samples = probe_requests.parse_output("\n".join(lines), MARKER)
    assert "\r" in "\n".join(lines)
    assert samples == recorded()


def test_classifier_first_match_wins_else_status():
    rules = options()["classify"]
    assert [probe_statistics.classify(s, rules) for s in recorded()] == ["v1", "v3", "v1", "v2", "v3", "v1", "503", "v2", "error", "v1"]


def test_classifier_on_headers():
    rules = probe_options.check_classify([{"name": "tagged", "header": {"name": "X-Mesh-Version", "regex": "^v2$"}},
                                          {"name": "overloaded", "status": 503, "header": {"name": "x-envoy-overloaded"}}])
    classes = [probe_statistics.classify(s, rules) for s in recorded()]
    assert classes.count("tagged") == 2
    assert classes[6] == "overloaded"


def test_statistics_of_recorded_samples():
    stats = probe_statistics.statistics(recorded(), options()["classify"])
    assert stats["requests"] == 10
    assert stats["counts"] == {"v1": 4, "v3": 2, "v2": 2, "503": 1, "error": 1}
    assert stats["shares"]["v1"] == 0.4
    assert stats["status_counts"] == {"200": 8, "503": 1, "error": 1}
    assert stats["latency"]["min"] == 0.002 and stats["latency"]["max"] == 2.001
    # Sorted latencies: .002 .019 .020 .021 .022 .034 .038 .041 .045 2.001 -> median between .022 and .034.
    assert stats["latency"]["p50"] == pytest.approx(0.028)
    assert stats["latency_by_class"]["v1"]["p50"] == pytest.approx(0.0205)
    assert stats["errors"] == ["curl: (28) Operation timed out after 2001 milliseconds with 0 bytes received"]


def test_percentile_interpolates():
    assert probe_statistics.percentile([], 50) is None
    assert probe_statistics.percentile([7.0], 99) == 7.0
    assert probe_statistics.percentile([1, 2, 3, 4], 50) == 2.5
    assert probe_statistics.percentile([1, 2, 3, 4, 5], 90) == pytest.approx(4.6)
    assert probe_statistics.percentile([None, 3, 1], 50) == 2


def test_report_passes_and_fails_per_expectation():
    opts = options(expect=[
        {"class": "v1", "share": 0.5, "tolerance": 0.1},       # 40 %: within 10 points
        {"class": "v3", "share": 0.5, "tolerance": 0.1},       # 20 %: fails
        {"status": 503, "min_share": 0.01},                    # the circuit breaker's "503 share > 0"
        {"class": "v2", "min_share": 1.0},                     # "all jason requests reach v2": fails
        {"p50_latency_max": 0.1},
        {"class": "v1", "p50_latency_min": "7s"},              # a 7 s delay was not observed: fails
        {"class": "error", "max_share": 0.1},
    ])
    report = probe_statistics.report(recorded(), opts)
    verdicts = [e["passed"] for e in report["expectations"]]
    assert verdicts == [True, False, True, False, True, False, True]
    assert report["passed"] is False
    assert report["expectations"][1]["reason"] == "share 20.0% is not within 10% of 50%"
    assert report["expectations"][3]["observed_share"] == 0.2
    assert "p50 latency 0.021s is below 7s" in report["expectations"][5]["reason"]
    assert report["expectations"][0]["expectation"] == "class v1: share 50% +/- 10%"


def test_report_judges_counters():
    opts = options(url="http://reviews:9080/", count=[{"name": "mirror", "selector": "app=reviews,version=v2"}],
                   expect=[{"counter": "mirror", "min_share": 0.8}])
    assert probe_statistics.report(recorded(), opts, {"mirror": 10})["passed"] is True
    failed = probe_statistics.report(recorded(), opts, {"mirror": 3})
    assert failed["passed"] is False and failed["counters"] == {"mirror": 3}
    assert failed["expectations"][0]["expectation"] == "counter mirror: share >= 80%"


def test_former_option_names_still_count():
    opts = options(classify=[], count_inbound=[{"name": "mirror", "selector": "app=reviews,version=v2"}],
                   expect=[{"inbound": "mirror", "min_share": 0.8}])
    assert opts["count"][0]["source"] == "access_log" and opts["expect"][0]["counter"] == "mirror"
    # By default an access-log line counts when it names the probed path, as Envoy's logs quote it.
    assert opts["count"][0]["match"].search('"GET /reviews/0 HTTP/1.1" 200')
    assert opts["count"][0]["match"].search('{"path":"/reviews/0","method":"GET"}')
    assert not opts["count"][0]["match"].search('"GET /ratings/0 HTTP/1.1" 200')
    assert not opts["count"][0]["match"].search('"GET /reviews/01 HTTP/1.1" 200')


ENVOY_LOG = "\n".join([
    '2026-12-02T16:12:39.585010401Z {"authority":"reviews:9080","path":"/reviews/0","response_code":200}',
    '2026-12-02T16:12:50.5Z {"authority":"reviews-shadow:9080","path":"/reviews/0","response_code":200}',
    '2026-12-02T16:12:50.589892290Z {"authority":"reviews-shadow:9080","path":"/reviews/0","response_code":200}',
    '2026-12-02T16:12:51Z {"authority":"reviews-shadow:9080","path":"/health","response_code":200}',
    'a line without a timestamp "/reviews/0',
])


def test_access_log_lines_count_after_the_last_line_seen_before():
    match = re.compile('"/reviews/0')

    def count(pattern, after):
        return len(probe_requests.matching_log_lines(ENVOY_LOG, pattern, after))

    assert count(match, None) == 3
    # Timestamps with trimmed fractions still compare in time order: .5 is later than .585010401? No: earlier.
    before = probe_requests.log_timestamp('2026-12-02T16:12:39.585010401Z x')
    assert count(match, before) == 2
    assert count(match, probe_requests.log_timestamp('2026-12-02T16:12:50.5Z x')) == 1
    assert count(re.compile('reviews-shadow.*"/reviews/0'), None) == 2
    assert probe_requests.log_timestamp('2026-12-02T16:12:50.5Z x') < probe_requests.log_timestamp('2026-12-02T16:12:50.589892290Z x')


def test_an_access_log_line_tells_status_path_and_upstream_cluster():
    [line] = probe_requests.matching_log_lines(
        '2026-12-02T16:12:39Z {"response_code":200,"path":"/productpage","upstream_cluster":"inbound|9080||",'
        '"method":"GET","bytes_sent":5293}', re.compile("productpage"), None)
    assert probe_requests.access_log_fields(line) == {
        "response_code": 200, "path": "/productpage", "upstream_cluster": "inbound|9080||", "method": "GET"}
    assert probe_requests.access_log_fields('[2026-12-02T16:12:39Z] "GET /productpage" 200') == {
        "line": '[2026-12-02T16:12:39Z] "GET /productpage" 200'}


def test_stats_counters_sum_matching_names():
    stats = "\n".join([
        "cluster.outbound|9080|v1|productpage.bookinfo.svc.cluster.local.upstream_rq_pending_overflow: 21",
        "cluster.outbound|9080||productpage.bookinfo.svc.cluster.local.upstream_rq_pending_overflow: 4",
        "cluster.outbound|9080||reviews.bookinfo.svc.cluster.local.upstream_rq_pending_overflow: 9",
        "cluster.outbound|9080|v1|productpage.bookinfo.svc.cluster.local.upstream_rq_pending_total: 39",
        "cluster.outbound|9080|v1|productpage.bookinfo.svc.cluster.local.upstream_rq_time: P0(nan,1.1)",
    ])
    pattern = re.compile(r"productpage\..*\.upstream_rq_pending_overflow$")
    assert probe_requests.sum_stats(stats, pattern) == 25


def test_counters_read_before_and_after_the_round(monkeypatch):
    opts = probe_options.check_options(dict(
        client_selector="app=fortio", namespace="bookinfo", url="http://productpage:9080/productpage",
        count=[{"name": "mirrored", "selector": "app=reviews,version=v2", "match": 'reviews-shadow.*"/reviews/0'},
               {"name": "overflow", "source": "stats", "match": "upstream_rq_pending_overflow$"}],
        expect=[{"counter": "overflow", "min_share": 0.1}]))
    stats = iter(["x.upstream_rq_pending_overflow: 4\n", "x.upstream_rq_pending_overflow: 11\n"])
    logs = []

    def fake_log(client, namespace, pod, **kwargs):
        logs.append((namespace, pod, kwargs))
        return ENVOY_LOG.splitlines()[0] if "tail_lines" in kwargs else ENVOY_LOG

    monkeypatch.setattr(probe, "_read_log", fake_log)
    monkeypatch.setattr(probe, "_pods", lambda client, ns, selector, option: [_ready_pod("reviews-v2-1")])
    monkeypatch.setattr(probe, "exec_in_pod", lambda client, ns, pod, container, argv, timeout: (0, next(stats), ""))
    counters = probe.Counters(None, opts, _ready_pod("fortio-1"))
    counters.start()
    naps = []
    assert counters.finish(sleep=naps.append) == {"mirrored": 2, "overflow": 7}
    assert logs[0] == ("bookinfo", "reviews-v2-1", {"tail_lines": 1})
    assert logs[1][2]["since_seconds"] >= 5
    # The log was read again once (same count: settled); the statistics only once.
    assert len(logs) == 3 and naps == [1.5]
    # The last line counted says what it logged.
    assert counters.last_lines == {"mirrored": {"authority": "reviews-shadow:9080", "path": "/reviews/0",
                                                "response_code": 200, "pod": "reviews-v2-1"}}


def test_log_counters_wait_for_lines_envoy_has_not_flushed(monkeypatch):
    opts = options(classify=[], namespace="bookinfo", count=[{"name": "mirrored", "selector": "app=reviews,version=v2"}],
                   expect=[{"counter": "mirrored", "min_share": 0.9}])
    lines = ENVOY_LOG.splitlines()
    readings = iter(["", "\n".join(lines[:1]), "\n".join(lines[:3]), "\n".join(lines[:3])])
    monkeypatch.setattr(probe, "_read_log", lambda client, ns, pod, **kwargs: "" if "tail_lines" in kwargs else next(readings))
    monkeypatch.setattr(probe, "_pods", lambda client, ns, selector, option: [_ready_pod("reviews-v2-1")])
    counters = probe.Counters(None, opts, _ready_pod("curl-1"))
    counters.start()
    assert counters.finish(sleep=lambda s: None) == {"mirrored": 3}


FORTIO_JSON = json.dumps({
    "RunType": "HTTP", "RetCodes": {"200": 8, "503": 22},
    "DurationHistogram": {"Count": 30, "Min": 0.00026, "Max": 0.0105, "Avg": 0.0024,
                          "Percentiles": [{"Percentile": 50, "Value": 0.0008}, {"Percentile": 75, "Value": 0.0055},
                                          {"Percentile": 90, "Value": 0.0077}, {"Percentile": 99, "Value": 0.0104}]},
})


def test_fortio_result_becomes_samples_and_latency():
    samples, latency = probe_requests.parse_fortio("12:00:01 W http_client.go:693> Parsed non ok code 503\n" + FORTIO_JSON)
    assert len(samples) == 30 and sum(1 for s in samples if s["status"] == 503) == 22
    assert latency == {"p50": 0.0008, "p90": 0.0077, "p99": 0.0104, "min": 0.00026, "max": 0.0105, "mean": 0.0024}
    opts = options(tool="fortio", classify=[], expect=[{"status": 503, "min_share": 0.5}, {"p50_latency_max": 0.01}])
    report = probe_statistics.report(samples, opts, None, latency)
    assert report["passed"] is True and report["status_counts"] == {"200": 8, "503": 22}
    assert probe_requests.parse_fortio("no json here") == (None, None)
    assert probe_requests.parse_fortio('{"RetCodes": {"-1": 2}}')[0][0]["status"] is None


def test_fortio_command_runs_the_runbook_load():
    argv = probe_requests.fortio_command("http://productpage:9080/productpage", "GET", {"end-user": "jason"}, 20, 2, 30)
    assert argv == ["fortio", "load", "-json", "-", "-qps", "0", "-c", "2", "-n", "20", "-timeout", "30s",
                    "-loglevel", "Warning", "-H", "end-user: jason", "http://productpage:9080/productpage"]


def test_send_with_fortio(monkeypatch):
    seen = {}

    def fake_exec(client, namespace, pod, container, argv, timeout):
        seen["argv"] = argv
        return 0, FORTIO_JSON, ""

    monkeypatch.setattr(probe, "exec_in_pod", fake_exec)
    samples, latency = probe.send(None, options(tool="fortio", classify=[], requests=30, concurrency=3), "fortio-1", "fortio")
    assert seen["argv"][:2] == ["fortio", "load"] and len(samples) == 30 and latency["p50"] == 0.0008
    monkeypatch.setattr(probe, "exec_in_pod", lambda *a, **k: (1, "", "exec: fortio: not found"))
    with pytest.raises(probe.ClusterError) as info:
        probe.send(None, options(tool="fortio", classify=[]), "curl-1", "curl")
    assert "needs fortio" in info.value.msg and "fortio: not found" in info.value.msg


def test_latency_expectation_per_status():
    opts = options(expect=[{"status": 503, "min_share": 0.05, "p50_latency_max": 0.01}])
    assert probe_statistics.report(recorded(), opts)["passed"] is True


# -- options: every error names its parameter -------------------------------------------------------

INVALID = [
    (dict(url="reviews:9080"), "url"),
    (dict(client_selector=" "), "client_selector"),
    (dict(method="GET /"), "method"),
    (dict(headers={"end user": "jason"}), "headers"),
    (dict(headers={"end-user": "jason\r\nx: y"}), "headers"),
    (dict(requests=0), "requests"),
    (dict(requests=10001), "requests"),
    (dict(concurrency=65), "concurrency"),
    (dict(timeout=0), "timeout"),
    (dict(attempts=0), "attempts"),
    (dict(attempt_delay=-1), "attempt_delay"),
    (dict(classify=[{"name": "a"}]), "classify[0]"),
    (dict(classify=[{"name": "a", "body_regex": "("}]), "classify[0].body_regex"),
    (dict(classify=[{"name": "a", "status": 200}, {"name": "a", "status": 503}]), "classify[1].name"),
    (dict(classify=[{"name": "a", "status": 99}]), "classify[0].status"),
    (dict(classify=[{"name": "a", "header": {"regex": "x"}}]), "classify[0].header"),
    (dict(classify=[{"name": "a", "header": {"name": "x", "regex": "["}}]), "classify[0].header.regex"),
    (dict(expect=[{"class": "v4", "min_share": 1}]), "expect[0].class"),
    (dict(expect=[{"class": "v1", "share": 50}]), "expect[0].share"),
    (dict(expect=[{"class": "v1", "tolerance": 0.1}]), "expect[0].tolerance"),
    (dict(expect=[{"class": "v1"}]), "expect[0]"),
    (dict(expect=[{"min_share": 0.5}]), "expect[0]"),
    (dict(expect=[{"class": "v1", "status": 200, "min_share": 1}]), "expect[0]"),
    (dict(expect=[{"class": "v1", "min_share": 0.9, "max_share": 0.5}]), "expect[0].min_share"),
    (dict(expect=[{"p50_latency_min": "a while"}]), "expect[0].p50_latency_min"),
    (dict(expect=[{"p50_latency_max": -1}]), "expect[0].p50_latency_max"),
    (dict(expect=[{"counter": "mirror", "min_share": 1}]), "expect[0].counter"),
    (dict(expect=[{"status": 600, "min_share": 1}]), "expect[0].status"),
    (dict(count=[{"name": "m", "source": "stats"}]), "count[0].match"),
    (dict(count=[{"name": "m", "match": "("}]), "count[0].match"),
    (dict(count=[{"name": "m"}, {"name": "m"}]), "count[1].name"),
    (dict(count=[{"name": "m"}], expect=[{"counter": "m", "p50_latency_max": 1}]), "expect[0]"),
    (dict(tool="fortio", classify=[{"name": "red", "body_regex": "red"}]), "classify[0]"),
    (dict(tool="fortio", classify=[], login={"url": "http://p/login"}), "login"),
    (dict(login={"url": "productpage/login"}), "login.url"),
]


# Refused by the argument spec itself, in Ansible's words, naming the option and the value.
SPEC_REFUSED = [
    (dict(classify=[{"status": 200}]), "missing required arguments: name found in classify"),
    (dict(classify=[{"name": "a", "stat": 200}]), "classify.stat = 200 is not an option of mesh_probe"),
    (dict(expect=[{"class": "v1", "min_share": 1, "p99": 3}]), "expect.p99 = 3 is not an option of mesh_probe"),
    (dict(count=[{"selector": "app=x"}]), "missing required arguments: name found in count"),
    (dict(count=[{"name": "m", "source": "prometheus"}]), "value of source must be one of: access_log, stats, got: prometheus"),
    (dict(tool="wrk"), "value of tool must be one of: curl, fortio, got: wrk"),
    (dict(login={"form": {"username": "jason"}}), "missing required arguments: url found in login"),
    (dict(login={"url": "http://p/login", "form": ["jason"]}), "argument 'form' is of type list found in 'login'"),
    (dict(retries=3), "retries = 3 is not an option of mesh_probe"),
    (dict(timeout="soon"), "argument 'timeout' is of type"),
]


@pytest.mark.parametrize("overrides,message", SPEC_REFUSED, ids=[m for _o, m in SPEC_REFUSED])
def test_the_argument_spec_refuses_what_it_can_express(overrides, message):
    with pytest.raises(ValidationError) as info:
        options(**overrides)
    assert info.value.details["parameter"] == "options"
    assert message in info.value.msg, info.value.msg


@pytest.mark.parametrize("overrides,parameter", INVALID, ids=[p for _o, p in INVALID])
def test_invalid_options_name_the_parameter(overrides, parameter):
    with pytest.raises(ValidationError) as info:
        options(**overrides)
    assert info.value.details["parameter"] == parameter
    assert parameter in info.value.msg


def test_verify_prefix_in_errors():
    with pytest.raises(ValidationError) as info:
        probe_options.check_options(dict(client_selector="app=curl", url="http://x/", requests=-1), prefix="verify.")
    assert info.value.details["parameter"] == "verify.requests"


def test_status_code_and_error_are_valid_classes():
    checked = options(expect=[{"class": "503", "min_share": 0.1}, {"class": "error", "max_share": 0}])
    assert [e["class"] for e in checked["expect"]] == ["503", "error"]


def test_command_passes_values_as_arguments():
    argv = probe_requests.command("http://reviews:9080/r?a=1&b=$(id)", "GET", {"end-user": "jason; rm -rf /"}, 20, 3, 2.5, "@@m")
    assert argv[:3] == ["sh", "-c", probe_requests.SCRIPT]
    assert argv[3:] == ["mesh-probe", "http://reviews:9080/r?a=1&b=$(id)", "GET", "20", "3", "2.5", "@@m", "", "",
                        "-H", "end-user: jason; rm -rf /"]
    login = {"url": "http://productpage:9080/login", "form": {"username": "jason & co"}}
    argv = probe_requests.command("http://productpage:9080/productpage", "GET", {}, 1, 1, 5, "@@m", login)
    assert argv[10:] == ["http://productpage:9080/login", "username=jason+%26+co"]


# -- the script itself, against a local HTTP server -------------------------------------------------


@pytest.fixture
def http_server():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    lock = threading.Lock()
    in_flight = {"now": 0, "max": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            with lock:
                in_flight["now"] += 1
                in_flight["max"] = max(in_flight["max"], in_flight["now"])
            if self.path.startswith("/slow"):
                time.sleep(0.3)
            with lock:
                in_flight["now"] -= 1
            user = self.headers.get("end-user", "")
            cookie = self.headers.get("Cookie", "")
            if "session=user-" in cookie:
                user = cookie.split("session=user-", 1)[1].split(";")[0]
            status = 503 if self.path.startswith("/fail") else 200
            body = ('{"user": "%s", "color": "%s"}' % (user, "black" if user == "jason" else "none")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Version", "v2" if user == "jason" else "v1")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            form = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            if not self.path.startswith("/login") or not form.startswith("username="):
                self.send_response(400)
                self.end_headers()
                return
            self.send_response(302)
            self.send_header("Set-Cookie", "session=user-%s; Path=/" % form.split("=", 1)[1])
            self.send_header("Location", "/productpage")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    server.in_flight = in_flight
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield server
    server.shutdown()


@pytest.mark.skipif(not shutil.which("curl") or not shutil.which("sh"), reason="needs sh and curl")
def test_script_runs_requests_and_reports_them(http_server):
    marker = probe_requests.new_marker()
    argv = probe_requests.command(http_server.url + "/slow", "GET", {"end-user": "jason"}, 6, 3, 5, marker)
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout.decode()
    samples = probe_requests.parse_output(out, marker)
    assert [s["index"] for s in samples] == list(range(6))
    assert all(s["status"] == 200 and s["latency"] >= 0.3 for s in samples)
    assert samples[0]["body"] == '{"user": "jason", "color": "black"}'
    assert samples[0]["headers"]["x-version"] == "v2"
    # Requests overlapped: the concurrency is real.
    assert http_server.in_flight["max"] >= 2
    opts = probe_options.check_options(dict(client_selector="app=x", url=http_server.url, classify=[
        {"name": "jason", "body_regex": '"color": "black"', "header": {"name": "x-version", "regex": "v2"}}],
        expect=[{"class": "jason", "min_share": 1.0, "p50_latency_min": 0.3}]))
    assert probe_statistics.report(samples, opts)["passed"] is True


@pytest.mark.skipif(not shutil.which("curl") or not shutil.which("sh"), reason="needs sh and curl")
def test_script_reports_failures_and_unreachable(http_server):
    marker = probe_requests.new_marker()
    out = subprocess.run(probe_requests.command(http_server.url + "/fail", "GET", {}, 2, 1, 5, marker),
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    assert [s["status"] for s in probe_requests.parse_output(out, marker)] == [503, 503]
    out = subprocess.run(probe_requests.command("http://127.0.0.1:1/", "GET", {}, 2, 2, 2, marker),
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    samples = probe_requests.parse_output(out, marker)
    assert [s["status"] for s in samples] == [None, None]
    assert all(s["error"] for s in samples)
    assert probe_statistics.classify(samples[0], []) == "error"


@pytest.mark.skipif(not shutil.which("curl") or not shutil.which("sh"), reason="needs sh and curl")
def test_script_signs_in_once_and_sends_the_session(http_server):
    marker = probe_requests.new_marker()
    login = {"url": http_server.url + "/login", "form": {"username": "jason"}}
    out = subprocess.run(probe_requests.command(http_server.url + "/productpage", "GET", {}, 3, 2, 5, marker, login),
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    samples = probe_requests.parse_output(out, marker)
    assert [s["body"] for s in samples] == ['{"user": "jason", "color": "black"}'] * 3
    # A refused login is reported as such, with no request sent.
    login = {"url": http_server.url + "/nologin", "form": {"username": "jason"}}
    out = subprocess.run(probe_requests.command(http_server.url + "/productpage", "GET", {}, 3, 2, 5, marker, login),
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    assert probe_requests.parse_output(out, marker) == [] and "%s LOGIN curl: (22)" % marker in out


def test_exec_in_pod_reads_both_streams(monkeypatch):
    import kubernetes.stream

    calls = {}

    class FakeSocket(object):
        returncode = 0

        def __init__(self):
            self.out = ["part one ", "part two"]
            self.err = ["warning"]

        def run_forever(self, timeout=None):
            calls["timeout"] = timeout

        def peek_stdout(self):
            return bool(self.out)

        def read_stdout(self):
            return self.out.pop(0)

        def peek_stderr(self):
            return bool(self.err)

        def read_stderr(self):
            return self.err.pop(0)

        def close(self):
            calls["closed"] = True

    def fake_stream(method, pod, namespace, **kwargs):
        calls.update(pod=pod, namespace=namespace, **kwargs)
        return FakeSocket()

    monkeypatch.setattr(kubernetes.stream, "stream", fake_stream)

    class Client(object):
        client = None

    rc, out, err = probe.exec_in_pod(Client(), "bookinfo", "curl-1", "curl", ["sh", "-c", "true"], 42)
    assert (rc, out, err) == (0, "part one part two", "warning")
    assert calls["command"] == ["sh", "-c", "true"] and calls["container"] == "curl"
    assert calls["tty"] is False and calls["stdin"] is False and calls["_preload_content"] is False
    assert calls["timeout"] == 42 and calls["closed"] is True


def test_send_explains_a_container_without_curl(monkeypatch):
    monkeypatch.setattr(probe, "exec_in_pod", lambda *args, **kwargs: (127, "", "sh: curl: not found"))
    opts = options()
    with pytest.raises(probe.ClusterError) as info:
        probe.send(None, opts, "curl-1", "app")
    assert "needs sh and curl" in info.value.msg and "curl: not found" in info.value.msg


def test_send_explains_curl_missing_from_every_request(monkeypatch):
    def fake_exec(client, namespace, pod, container, argv, timeout):
        marker = argv[9]
        assert argv[10:12] == ["", ""]  # no login
        return 0, "%s BEGIN 0 127  \n\n%s BODY\n\n%s ERR\nsh: curl: not found\n%s END\n" % ((marker,) * 4), ""

    monkeypatch.setattr(probe, "exec_in_pod", fake_exec)
    with pytest.raises(probe.ClusterError) as info:
        probe.send(None, options(requests=1), "curl-1", "app")
    assert "sh: curl: not found" in info.value.msg


def test_exec_error_channel_is_an_exec_failure_not_a_crash(monkeypatch):
    import kubernetes.stream
    from kubernetes.stream.ws_client import ERROR_CHANNEL, WSClient

    class ReplacedContainer(WSClient):
        """The kubernetes client's own returncode, on the error channel a replaced container answers with."""

        def __init__(self):  # pylint: disable=super-init-not-called
            self._connected, self._returncode, self.sock, self._closed_channels = False, None, None, set()
            self._channels = {ERROR_CHANNEL: json.dumps({
                "metadata": {}, "status": "Failure", "reason": "InternalError", "code": 500,
                "message": 'Internal error occurred: unable to upgrade connection: container not found ("ratings")',
                "details": {"causes": [{"message": 'unable to upgrade connection: container not found ("ratings")'}]},
            })}

        def run_forever(self, timeout=None):
            pass

        def peek_stdout(self, timeout=0):
            return False

        def peek_stderr(self, timeout=0):
            return False

        def close(self, **kwargs):
            pass

    monkeypatch.setattr(kubernetes.stream, "stream", lambda *args, **kwargs: ReplacedContainer())

    class Client(object):
        client = None

    with pytest.raises(probe.ExecFailed) as info:
        probe.exec_in_pod(Client(), "bookinfo", "ratings-1", "ratings", ["true"], 5)
    assert "bookinfo/ratings-1 container ratings" in info.value.msg


def _ready_pod(name):
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "curl"}, {"name": "istio-proxy"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}


def test_probe_retries_an_exec_failure_on_the_pod_ready_now(monkeypatch):
    monkeypatch.setattr("ansible_collections.oke.istio.plugins.module_utils._k8s.cluster.data_plane_skip_reason", lambda c: None)
    pods = iter([[_ready_pod("client-old")], [_ready_pod("client-new")]])
    monkeypatch.setattr(probe, "_pods", lambda *args: next(pods))
    used = []

    def fake_send(client, opts, pod, container):
        used.append(pod)
        if pod == "client-old":
            raise probe.ExecFailed("Failed to exec in pod bookinfo/client-old: container not found")
        return [{"index": 0, "rc": 0, "status": 200, "headers": {}, "body": "ok", "error": "", "latency": 0.01}], None

    monkeypatch.setattr(probe, "send", fake_send)
    result = probe.run_probe(None, options(attempts=3, requests=1), sleep=lambda s: None)
    assert used == ["client-old", "client-new"]
    assert result["attempts"] == 2 and result["report"]["passed"]
    assert result["report"]["client"]["pod"] == "client-new"
    assert result["report"]["exec_failures"] == ["attempt 1: Failed to exec in pod bookinfo/client-old: container not found"]


def test_probe_fails_with_every_exec_failure_when_no_attempt_ran(monkeypatch):
    monkeypatch.setattr("ansible_collections.oke.istio.plugins.module_utils._k8s.cluster.data_plane_skip_reason", lambda c: None)
    monkeypatch.setattr(probe, "_pods", lambda *args: [_ready_pod("client")])

    def fake_send(client, opts, pod, container):
        raise probe.ExecFailed("Failed to exec in pod bookinfo/client: gone")

    monkeypatch.setattr(probe, "send", fake_send)
    with pytest.raises(probe.ExecFailed) as info:
        probe.run_probe(None, options(attempts=2, requests=1), sleep=lambda s: None)
    assert info.value.msg.count("gone") == 2 and "attempt 2" in info.value.msg
