# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Traffic proof, the cluster side: find the client pod, run the requests in it, read the counters around them.

The requests run inside the client pod (its sidecar applies the mesh's rules), started by one exec; what they
print is read by probe_requests and judged by probe_statistics. Options come checked by probe_options.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
import time

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._mesh.probe_requests import (
    access_log_fields, command, fortio_command, log_timestamp, matching_log_lines, new_marker, parse_fortio, parse_output,
    sum_stats,
)
from ansible_collections.oke.istio.plugins.module_utils._mesh.probe_statistics import report


class ExecFailed(ClusterError):
    """The command could not run in the pod (it is gone, or being replaced): worth another attempt."""


def _pods(client, namespace, selector, option):
    from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
    from ansible_collections.oke.istio.plugins.module_utils._errors import api_error_message

    try:
        pods = client.resources.get(api_version="v1", kind="Pod").get(namespace=namespace, label_selector=selector).to_dict()
    except ApiException as exc:
        if exc.status in (400, 422):
            raise ValidationError("%s %r is not a valid label selector: %s" % (option, selector, api_error_message(exc)),
                                  parameter=option)
        raise ClusterError("Failed to list pods in %s: %s" % (namespace, api_error_message(exc)))
    ready = []
    for pod in pods.get("items", []):
        conditions = dict((c.get("type"), c.get("status")) for c in (pod.get("status") or {}).get("conditions") or [])
        if (pod.get("status") or {}).get("phase") == "Running" and conditions.get("Ready") == "True" \
                and not pod["metadata"].get("deletionTimestamp"):
            ready.append(pod)
    if not ready:
        raise ValidationError("%s %r matches no Ready pod in namespace %s" % (option, selector, namespace),
                              parameter=option)
    return sorted(ready, key=lambda p: p["metadata"]["name"])


def _container(pod, wanted, option):
    names = [c["name"] for c in pod["spec"]["containers"]]
    if wanted:
        if wanted not in names:
            raise ValidationError("%s %r is not a container of pod %s (%s)"
                                  % (option, wanted, pod["metadata"]["name"], ", ".join(names)), parameter=option)
        return wanted
    for name in names:
        if name != "istio-proxy":
            return name
    raise ValidationError("pod %s has no container besides istio-proxy; set %s" % (pod["metadata"]["name"], option),
                          parameter=option)


def exec_in_pod(client, namespace, pod, container, argv, timeout):
    """Run ``argv`` in a container; return ``(returncode, stdout, stderr)``."""
    from kubernetes.client import CoreV1Api
    from kubernetes.stream import stream
    from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
    from ansible_collections.oke.istio.plugins.module_utils._errors import api_error_message

    api = CoreV1Api(client.client)
    try:
        response = stream(api.connect_get_namespaced_pod_exec, pod, namespace, command=argv, container=container,
                          stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False,
                          _request_timeout=timeout)
        stdout, stderr = [], []
        response.run_forever(timeout=timeout)
        while response.peek_stdout():
            stdout.append(response.read_stdout())
        while response.peek_stderr():
            stderr.append(response.read_stderr())
        rc = response.returncode
        response.close()
    except ApiException as exc:
        raise ExecFailed("Failed to exec in pod %s/%s: %s" % (namespace, pod, api_error_message(exc)))
    except (ValueError, KeyError, TypeError) as exc:
        # The exec channel carried an error instead of an exit status (a container being replaced says
        # "unable to upgrade connection: container not found").
        raise ExecFailed("Failed to exec in pod %s/%s container %s: %s" % (namespace, pod, container, exc))
    return rc, "".join(stdout), "".join(stderr)


def _read_log(client, namespace, pod, **kwargs):
    from kubernetes.client import CoreV1Api
    from ansible_collections.oke.istio.plugins.module_utils._k8s.client import ApiException
    from ansible_collections.oke.istio.plugins.module_utils._errors import api_error_message

    try:
        return CoreV1Api(client.client).read_namespaced_pod_log(pod, namespace, container="istio-proxy",
                                                                timestamps=True, **kwargs)
    except ApiException as exc:
        raise ExecFailed("Failed to read the istio-proxy log of %s/%s: %s" % (namespace, pod, api_error_message(exc)))


class Counters(object):
    """The ``count`` entries of a round: a reading before it, and what each counted once it is over."""

    def __init__(self, client, options, client_pod):
        self.client, self.options, self.client_pod = client, options, client_pod
        self.before = {}
        # Per access-log counter, what the last line it counted says of its request (status, path, upstream cluster).
        self.last_lines = {}

    def _pods(self, item):
        if not item["selector"]:
            return self.options["namespace"], [self.client_pod]
        namespace = item["namespace"] or self.options["namespace"]
        return namespace, _pods(self.client, namespace, item["selector"], "count %s selector" % item["name"])

    def _stats(self, namespace, pod):
        rc, out, err = exec_in_pod(self.client, namespace, pod, "istio-proxy",
                                   ["pilot-agent", "request", "GET", "stats"], 60)
        if rc not in (0, None):
            raise ExecFailed("Failed to read the sidecar stats of %s/%s: %s" % (namespace, pod, err.strip()))
        return out

    def start(self):
        """Remember where each counter stands: its statistics, or the last access-log line of each pod."""
        self.started = time.time()
        for item in self.options["count"]:
            namespace, pods = self._pods(item)
            for pod in pods:
                name = pod["metadata"]["name"]
                if item["source"] == "stats":
                    self.before[(item["name"], name)] = sum_stats(self._stats(namespace, name), item["match"])
                else:
                    last = _read_log(self.client, namespace, name, tail_lines=1).strip()
                    self.before[(item["name"], name)] = log_timestamp(last) if last else None

    def _count(self, item):
        namespace, pods = self._pods(item)
        elapsed = int(math.ceil(time.time() - self.started)) + 5
        total = 0
        for pod in pods:
            name = pod["metadata"]["name"]
            if item["source"] == "stats":
                total += sum_stats(self._stats(namespace, name), item["match"]) - self.before.get((item["name"], name), 0)
            else:
                text = _read_log(self.client, namespace, name, since_seconds=elapsed)
                lines = matching_log_lines(text, item["match"], self.before.get((item["name"], name)))
                total += len(lines)
                if lines:
                    self.last_lines[item["name"]] = dict(access_log_fields(lines[-1]), pod=name)
        return total

    def finish(self, settle=1.5, reads=4, sleep=None):
        """What each counter counted since start(). Envoy flushes access logs about once a second: a log counter is
        read again until two readings agree (at most ``reads`` times)."""
        sleep = sleep or time.sleep
        counted = {}
        for item in self.options["count"]:
            total = self._count(item)
            rereads = reads - 1 if item["source"] == "access_log" else 0
            while rereads > 0:
                rereads -= 1
                sleep(settle)
                again = self._count(item)
                if again == total:
                    break
                total = again
            counted[item["name"]] = total
        return counted


def send(client, options, pod, container):
    """One round of requests from ``pod``; return ``(samples, latency)`` (latency from fortio, else None)."""
    marker = new_marker()
    rounds = int(math.ceil(options["requests"] / float(options["concurrency"])))
    timeout = int(rounds * (options["timeout"] + 1) + 30)
    where = "pod %s/%s container %s" % (options["namespace"], pod, container)
    if options["tool"] == "fortio":
        argv = fortio_command(options["url"], options["method"], options["headers"], options["requests"],
                              options["concurrency"], options["timeout"])
        rc, out, err = exec_in_pod(client, options["namespace"], pod, container, argv, timeout=timeout)
        samples, latency = parse_fortio(out)
        if samples is None:
            raise ClusterError("fortio in %s returned no result (exit code %s): %s; the container needs fortio, as "
                               "Istio's fortio sample has" % (where, rc, (err or out).strip()[:500]))
        return samples, latency
    argv = command(options["url"], options["method"], options["headers"], options["requests"],
                   options["concurrency"], options["timeout"], marker, options["login"])
    rc, out, err = exec_in_pod(client, options["namespace"], pod, container, argv, timeout=timeout)
    login_failed = re.search(r"^%s LOGIN (.*)$" % re.escape(marker), out, re.M)
    if login_failed:
        raise ClusterError("The login to %s from %s failed: %s"
                           % (options["login"]["url"], where, login_failed.group(1).strip() or "no answer"))
    samples = parse_output(out, marker)
    missing_curl = samples and all(s["status"] is None and "not found" in (s["error"] or "") for s in samples)
    if not samples or missing_curl:
        detail = samples[0]["error"] if missing_curl else (err or out).strip()[:500]
        raise ClusterError(
            "The probe in %s returned no response (exit code %s): %s; the container needs sh and "
            "curl, as Istio's curl (sleep) sample has" % (where, rc, detail),
        )
    return samples, None


def run_probe(client, options, sleep=None):
    """Send the requests and judge them; ``{skipped, skip_reason}`` on simulated nodes, else ``{report, attempts}``."""
    from ansible_collections.oke.istio.plugins.module_utils._k8s.cluster import data_plane_skip_reason

    reason = data_plane_skip_reason(client)
    if reason:
        return {"skipped": True, "skip_reason": reason}
    sleep = sleep or time.sleep
    result, exec_failures = None, []
    for attempt in range(1, options["attempts"] + 1):
        # Chosen each attempt: the client of the last one may have been replaced since.
        pod = _pods(client, options["namespace"], options["client_selector"], "client_selector")[0]
        container = _container(pod, options["container"], "container")
        try:
            counters = Counters(client, options, pod) if options["count"] else None
            if counters:
                counters.start()
            samples, latency = send(client, options, pod["metadata"]["name"], container)
            counted = counters.finish() if counters else None
        except ExecFailed as exc:
            exec_failures.append("attempt %d: %s" % (attempt, exc.msg))
            if attempt == options["attempts"]:
                raise ExecFailed("No attempt could run in a client pod: %s" % "; ".join(exec_failures))
            sleep(options["attempt_delay"])
            continue
        result = report(samples, options, counted, latency)
        if counters and counters.last_lines:
            result["access_log_lines"] = counters.last_lines
        result["client"] = {"namespace": options["namespace"], "pod": pod["metadata"]["name"], "container": container}
        result["request"] = {"url": options["url"], "method": options["method"], "headers": options["headers"],
                             "tool": options["tool"], "concurrency": options["concurrency"],
                             "login": options["login"]["url"] if options["login"] else None}
        if exec_failures:
            result["exec_failures"] = exec_failures
        if result["passed"]:
            break
        if attempt < options["attempts"]:
            sleep(options["attempt_delay"])
    return {"skipped": False, "report": result, "attempts": attempt}
