#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Side-by-side timings of the collection against the same work done by hand, in one run.

Each case runs the collection's way and its baseline against fresh local clusters, alternating,
and reports medians and the ratio. Run through `benchmarks/run.sh`, which sets up the tools and
the collection layout.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("OKE_ISTIO_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = os.getcwd()  # the collection copy that with-collection.sh runs us in
LOCAL_CLUSTER = os.path.join(ROOT, "hack", "local-cluster.sh")
ISTIOCTL = os.path.join(os.environ.get("OKE_ISTIO_TOOLS", ""), "istioctl")
RECAP = re.compile(r"changed=(\d+)")


def run(argv, env=None, check=True):
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    elapsed = time.monotonic() - started
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("benchmark step failed: %s" % " ".join(argv))
    return elapsed, proc.stdout


def cluster(name):
    _elapsed, out = run([LOCAL_CLUSTER, "up", name, "3"])
    return out.strip().splitlines()[-1]


def delete(name):
    run([LOCAL_CLUSTER, "down", name])


def playbook(kubeconfig, playbook_path, *extra):
    env = dict(os.environ, OKE_ISTIO_KUBECONFIG=kubeconfig)
    elapsed, out = run(["ansible-playbook", "-i", "inventories/local/hosts.yml", playbook_path] + list(extra), env=env)
    changed = sum(int(n) for n in RECAP.findall(out.split("PLAY RECAP")[-1]))
    return elapsed, changed


def istioctl_install(kubeconfig, spec):
    return run([ISTIOCTL, "install", "-y", "-f", spec, "--kubeconfig", kubeconfig, "--readiness-timeout", "600s"])[0]


def installed_spec(kubeconfig):
    """The IstioOperator the collection recorded, so the baseline installs exactly the same thing."""
    _e, out = run(["kubectl", "--kubeconfig", kubeconfig, "-n", "istio-system", "get", "configmap", "oke-istio-install", "-o", "json"])
    operator = json.loads(json.loads(out)["data"]["operator"])
    handle, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump(operator, stream)
    return path


def case_istioctl_install_rerun(repeat):
    """istioctl_install with unchanged input, against re-running `istioctl install` with the same spec."""
    name = "bench-install"
    kubeconfig = cluster(name)
    try:
        playbook(kubeconfig, "playbooks/istio.yml")
        spec = installed_spec(kubeconfig)
        ours, baseline, changed = [], [], []
        for _ in range(repeat):
            elapsed, count = playbook(kubeconfig, "playbooks/istio.yml")
            ours.append(elapsed)
            changed.append(count)
            baseline.append(istioctl_install(kubeconfig, spec))
        os.unlink(spec)
    finally:
        delete(name)
    return {
        "case": "unchanged re-run: playbooks/istio.yml vs istioctl install",
        "ours_s": ours,
        "baseline_s": baseline,
        "note": "changed=%s on every re-run" % sorted(set(changed)),
    }


def case_site_noop(repeat):
    """A no-op re-run of site.yml after a first converge on a fresh cluster."""
    name = "bench-site"
    kubeconfig = cluster(name)
    try:
        first, _changed = playbook(kubeconfig, "playbooks/site.yml")
        reruns, changed = [], []
        for _ in range(repeat):
            elapsed, count = playbook(kubeconfig, "playbooks/site.yml")
            reruns.append(elapsed)
            changed.append(count)
    finally:
        delete(name)
    return {
        "case": "site.yml no-op re-run vs its first converge",
        "ours_s": reruns,
        "baseline_s": [first],
        "note": "changed=%s on every re-run" % sorted(set(changed)),
    }


CASES = {"istioctl-install-rerun": case_istioctl_install_rerun, "site-noop": case_site_noop}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="run only these cases")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = []
    for name in args.case or sorted(CASES):
        result = CASES[name](args.repeat)
        result["ours_median_s"] = round(statistics.median(result["ours_s"]), 2)
        result["baseline_median_s"] = round(statistics.median(result["baseline_s"]), 2)
        result["ratio"] = round(result["ours_median_s"] / result["baseline_median_s"], 3)
        results.append(result)
    machine = "%s, %d cores, Python %s" % (platform.platform(), os.cpu_count(), platform.python_version())
    print("| case | ours (median s) | baseline (median s) | ours / baseline | note |")
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        print("| %s | %.2f | %.2f | %.3f | %s |" % (r["case"], r["ours_median_s"], r["baseline_median_s"], r["ratio"], r["note"]))
    print("\nmachine: %s; repeats: %d" % (machine, args.repeat))
    if args.json:
        with open(args.json, "w") as stream:
            json.dump({"machine": machine, "repeat": args.repeat, "results": results}, stream, indent=2)


if __name__ == "__main__":
    main()
