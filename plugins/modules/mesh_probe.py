#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mesh_probe
short_description: Send requests from a pod in the mesh, classify the responses and check expectations
version_added: 0.1.0
description:
  - Proves traffic rules the way Istio's documentation tests do, from a client pod inside the mesh so that its sidecar
    applies the rules. Sends O(requests) requests (O(concurrency) at a time) to O(url) with O(headers), classifies
    every response, and reports counts, shares and latency percentiles.
  - The requests run in the client container through one exec of a fixed shell script with C(curl); every value is
    passed as an argument, never as shell text. The container needs C(sh) and C(curl) (Istio's C(curl) sample, or
    Bookinfo's ratings container, have both). With O(tool=fortio) one C(fortio load) round sends them instead, as
    the runbook's circuit-breaker section does (Istio's C(fortio) sample image).
  - Fails when an expectation does not hold (after O(attempts) rounds).
  - On clusters whose nodes are simulated (kwok) no container runs, so nothing is sent; the result says C(skipped) with
    the reason. It never reports a pass it did not observe. Written for real clusters (kind, OKE).
author:
  - oke.istio maintainers (@oke-istio)
extends_documentation_fragment:
  - oke.istio.k8s_auth
  - oke.istio.attributes
  - oke.istio.attributes.ACTION_GROUP
attributes:
  check_mode:
    support: partial
    details:
      - In check mode no request is sent (requests are side effects on the application, and the client pod may be one
        an earlier task would only have created); the options are checked and the result is skipped with the reason.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - Changes nothing in the cluster's configuration; the application sees the requests.
options:
  namespace:
    description: Namespace of the client pod.
    type: str
    default: default
  client_selector:
    description: Label selector of the client pod, for example C(app=curl); the first Ready pod (by name) is used.
    type: str
    required: true
  container:
    description: Container that runs the requests; defaults to the first container that is not C(istio-proxy).
    type: str
  url:
    description: URL to request, for example C(http://productpage:9080/productpage).
    type: str
    required: true
  method:
    description: HTTP method.
    type: str
    default: GET
  headers:
    description: 'Request headers, for example C({"end-user": "jason"}) or C({"x-envoy-upstream-rq-timeout-ms": "100"}).'
    type: dict
    default: {}
  requests:
    description: Number of requests per round.
    type: int
    default: 10
  concurrency:
    description: Requests in flight at once (up to 64).
    type: int
    default: 1
  timeout:
    description: Seconds each request may take before it counts as class C(error).
    type: float
    default: 30
  classify:
    description:
      - Classes of responses; the first entry whose conditions all hold names the class, otherwise the class is the
        status code (C(error) when no response came).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the class.
        type: str
        required: true
      status:
        description: Status code the response must have.
        type: int
      body_regex:
        description: Python regular expression searched in the body (first 64 KiB).
        type: str
      header:
        description: 'Response header condition: C(name) and C(regex).'
        type: dict
  tool:
    description:
      - The load client in the client container. C(curl) sees every response (classes by body and header);
        C(fortio) sends the round as fast as allowed (C(-qps 0)) and reports status codes and latency percentiles
        only, so O(classify) may only use C(status) and O(login) is not available.
    type: str
    choices: [curl, fortio]
    default: curl
  login:
    description:
      - 'A form posted once before each round (C(curl) only); every request of the round carries the session cookie it
        sets. Bookinfo''s product page signs a user in with C({url: http://productpage:9080/login, form: {username: jason}}),
        so the page is requested as that user, as the runbook does in a browser.'
    type: dict
    suboptions:
      url:
        description: URL the form is posted to.
        type: str
        required: true
      form:
        description: Form fields.
        type: dict
        default: {}
  expect:
    description:
      - Expectations on the responses. Each names one subject (C(class), C(status), or C(counter), a name from
        O(count); none means all responses) and bounds on it.
      - C(share) with C(tolerance) (default 0.1), C(min_share), C(max_share) are fractions between 0 and 1.
      - C(p50_latency_min) and C(p50_latency_max) bound the median latency in seconds (or a duration such as C(7s)).
    type: list
    elements: dict
    default: []
    suboptions:
      class:
        description: Class (a O(classify) name, a status code or C(error)).
        type: str
      status:
        description: Status code.
        type: int
      counter:
        description: Name of a O(count) entry; its share is what it counted per request sent.
        type: str
        aliases: [inbound]
      share:
        description: Expected share.
        type: float
      tolerance:
        description: Allowed difference from O(expect[].share).
        type: float
      min_share:
        description: Lowest acceptable share.
        type: float
      max_share:
        description: Highest acceptable share.
        type: float
      p50_latency_min:
        description: Lowest acceptable median latency.
        type: raw
      p50_latency_max:
        description: Highest acceptable median latency.
        type: raw
  count:
    description:
      - Counters read around each round, for what the client never sees, for example the copies a mirroring rule sends
        (the mirror's access log) or the requests a circuit breaker refused (the client sidecar's
        C(upstream_rq_pending_overflow)).
    type: list
    elements: dict
    default: []
    aliases: [count_inbound]
    suboptions:
      name:
        description: Name used by O(expect[].counter).
        type: str
        required: true
      selector:
        description: Label selector of the pods whose sidecars count; none counts at the client pod's own sidecar.
        type: str
      namespace:
        description: Namespace of the pods; defaults to O(namespace).
        type: str
      source:
        description:
          - C(access_log) counts the C(istio-proxy) log lines written during the round that match O(count[].match)
            (access logging must be on, for example through the Telemetry API); C(stats) sums the sidecar's Envoy
            counters whose names match O(count[].match), read before and after the round.
        type: str
        choices: [access_log, stats]
        default: access_log
      match:
        description:
          - Python regular expression. For C(access_log) it is searched in each line and defaults to the probed URL's
            path after a double quote (as Envoy's text and JSON access logs write it); for C(stats) it is searched in
            each counter's name and is required.
        type: str
  attempts:
    description: Rounds of requests until every expectation holds; new rules take seconds to reach every sidecar.
    type: int
    default: 1
  attempt_delay:
    description: Seconds between rounds.
    type: float
    default: 3
seealso:
  - module: oke.istio.mesh_scenario
"""

EXAMPLES = r"""
- name: All requests from jason reach reviews v2 (black stars)
  oke.istio.mesh_probe:
    namespace: bookinfo
    client_selector: app=ratings
    url: http://productpage:9080/productpage
    headers: {end-user: jason}
    requests: 20
    classify:
      - {name: v3, body_regex: 'color="red"'}
      - {name: v2, body_regex: 'color="black"'}
      - {name: v1, status: 200}
    expect:
      - {class: v2, min_share: 1.0}

- name: The circuit breaker refuses some of 30 requests on 3 connections, and the client's sidecar counts them
  oke.istio.mesh_probe:
    namespace: bookinfo
    client_selector: app=fortio
    tool: fortio
    url: http://productpage:9080/productpage
    requests: 30
    concurrency: 3
    count:
      - {name: pending_overflow, source: stats, match: 'productpage\..*\.upstream_rq_pending_overflow$'}
    expect:
      - {status: 503, min_share: 0.01}
      - {counter: pending_overflow, min_share: 0.01}
  register: probe

- name: Jason's product page, signed in as the runbook does in a browser
  oke.istio.mesh_probe:
    namespace: bookinfo
    client_selector: app=traffic-client
    url: http://productpage:9080/productpage
    login: {url: 'http://productpage:9080/login', form: {username: jason}}
    classify:
      - {name: black_stars, body_regex: '<font color="black">'}
    expect:
      - {class: black_stars, min_share: 1.0}

- name: Every request to reviews v1 is mirrored to v2 (counted in v2's access log)
  oke.istio.mesh_probe:
    namespace: bookinfo
    client_selector: app=traffic-client
    url: http://reviews:9080/reviews/0
    requests: 20
    count:
      - {name: mirrored, selector: app=reviews,version=v2, match: '"reviews-shadow'}
    expect:
      - {counter: mirrored, min_share: 0.9}

- name: Show the shares
  ansible.builtin.debug:
    msg: "{{ probe.report.shares | default(probe.skip_reason) }}"
"""

RETURN = r"""
skipped:
  description: True when no request was sent (simulated nodes, check mode).
  returned: always
  type: bool
skip_reason:
  description: Why no request was sent.
  returned: when skipped
  type: str
attempts:
  description: Rounds sent.
  returned: when not skipped
  type: int
report:
  description: What was observed in the last round.
  returned: when not skipped
  type: dict
  contains:
    requests:
      description: Requests sent.
      type: int
    counts:
      description: Responses per class.
      type: dict
      sample: {"v1": 52, "v3": 48}
    shares:
      description: Share per class (0-1).
      type: dict
    status_counts:
      description: Responses per status code (C(error) for no response).
      type: dict
    status_shares:
      description: Share per status code.
      type: dict
    latency:
      description: Latency percentiles (p50, p90, p99), min, max and mean in seconds.
      type: dict
    latency_by_class:
      description: The same per class.
      type: dict
    latency_by_status:
      description: The same per status code.
      type: dict
    counters:
      description: What each O(count) entry counted during the round.
      type: dict
    access_log_lines:
      description:
        - Per access-log counter that counted a line, what the last one says of its request (Istio's JSON format
          names C(response_code), C(method), C(path), C(authority), C(upstream_cluster), C(upstream_host),
          C(request_id)), with the C(pod) it was logged by; a line in another format is given whole as C(line).
      type: dict
      returned: when an access-log counter counted a line
      sample: {"productpage_access_log": {"response_code": 200, "path": "/productpage", "upstream_cluster": "inbound|9080||",
               "pod": "productpage-v1-6d8f"}}
    errors:
      description: The first transport errors, if any.
      type: list
    expectations:
      description: Every expectation with C(passed), the observed count, share and p50, and why it failed.
      type: list
    passed:
      description: Whether every expectation held.
      type: bool
    client:
      description: The pod and container that sent the requests.
      type: dict
    request:
      description: What was sent - C(url), C(method), C(headers), C(tool), C(concurrency) and the C(login) URL.
      type: dict
"""

from ansible_collections.oke.istio.plugins.module_utils._module import OkeIstioModule
from ansible_collections.oke.istio.plugins.module_utils._mesh import probe_options, runner


def main():
    OkeIstioModule(argument_spec=probe_options.ARGUMENT_SPEC).run(runner.run_probe_module)


if __name__ == "__main__":
    main()
