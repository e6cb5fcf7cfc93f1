# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Side-by-side timings of the collection against the same work done by hand, in one run.

Each case runs the collection's way and its baseline against fresh local clusters and reports
medians and the ratio. Re-run cases run all of ours, then all of the baseline's, on one cluster, so
each re-run starts from its own tool's previous run. Run through `benchmarks/run.sh`, which sets up the tools and
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
    """Run a command; return (seconds, stdout). stderr stays apart, so kubectl's warnings do not corrupt JSON."""
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    elapsed = time.monotonic() - started
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit("benchmark step failed: %s" % " ".join(argv))
    return elapsed, proc.stdout


def cluster(name, real=False):
    _elapsed, out = run([LOCAL_CLUSTER, "up-real", name] if real else [LOCAL_CLUSTER, "up", name, "3"])
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


def rerun_against_istioctl(name, repeat, ours_once, case):
    """Converge playbooks/istio.yml on a fresh cluster, then time ``ours_once(kubeconfig, operator)`` (returns
    seconds and what it reported as changed) ``repeat`` times, then as many `istioctl install` re-runs.

    Ours first, then istioctl's: each re-run starts from its own previous run, as in real use (every
    istioctl install rewrites the injector webhook's selectors, bumping its generation, which sends
    the next collection run to a full comparison).
    """
    kubeconfig = cluster(name)
    try:
        playbook(kubeconfig, "playbooks/istio.yml")
        spec = installed_spec(kubeconfig)
        with open(spec) as stream:
            operator = json.load(stream)
        ours, baseline, changed = [], [], []
        for _repeat in range(repeat):
            elapsed, reported = ours_once(kubeconfig, operator)
            ours.append(elapsed)
            changed.append(reported)
        for _repeat in range(repeat):
            baseline.append(istioctl_install(kubeconfig, spec))
        os.unlink(spec)
    finally:
        delete(name)
    return {"case": case, "ours_s": ours, "baseline_s": baseline, "note": "changed=%s on every re-run" % sorted(set(changed))}


def case_istioctl_install_rerun(repeat):
    """playbooks/istio.yml with unchanged input, against re-running `istioctl install` with the same spec."""
    return rerun_against_istioctl(
        "bench-install", repeat, lambda kubeconfig, _operator: playbook(kubeconfig, "playbooks/istio.yml"),
        "unchanged re-run: playbooks/istio.yml vs istioctl install",
    )


def run_module_directly(kubeconfig, operator):
    """istioctl_install run as Ansible runs a module, without the playbook around it; returns (seconds, changed)."""
    spec = operator["spec"]
    args = {"ANSIBLE_MODULE_ARGS": {
        "kubeconfig": kubeconfig, "istioctl_path": ISTIOCTL, "profile": spec.get("profile") or "default",
        "operator_spec": spec, "wait_for_load_balancer": False, "_ansible_check_mode": False,
    }}
    handle, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump(args, stream)
    try:
        elapsed, out = run([sys.executable, os.path.join(COLLECTION, "plugins", "modules", "istioctl_install.py"), path])
    finally:
        os.unlink(path)
    return elapsed, json.loads(out[out.index("{"):]).get("changed")


def case_istioctl_install_module_rerun(repeat):
    """The istioctl_install module alone with unchanged input, against re-running `istioctl install` with the same spec:
    what the module itself costs, without ansible-playbook's start-up."""
    return rerun_against_istioctl(
        "bench-module", repeat, run_module_directly, "unchanged re-run: istioctl_install module alone vs istioctl install",
    )


def case_site_noop(repeat):
    """A no-op re-run of site.yml after a first converge on a fresh cluster."""
    name = "bench-site"
    kubeconfig = cluster(name)
    try:
        first, _changed = playbook(kubeconfig, "playbooks/site.yml")
        reruns, changed = [], []
        for _repeat in range(repeat):
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


def objects_applied_by_the_collection(kubeconfig):
    """Every object whose fields the collection's field manager owns, stripped to what a user would apply."""
    _e, kinds = run(["kubectl", "--kubeconfig", kubeconfig, "api-resources", "--verbs=list,patch", "-o", "name"])
    _e, out = run(["kubectl", "--kubeconfig", kubeconfig, "get", ",".join(kinds.split()), "-A", "-o", "json", "--show-managed-fields"])
    objects = []
    for item in json.loads(out)["items"]:
        managers = [m.get("manager") for m in item["metadata"].get("managedFields", [])]
        if not any((m or "").startswith("oke.istio") for m in managers):
            continue
        metadata = item["metadata"]
        for key in ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"):
            metadata.pop(key, None)
        item.pop("status", None)
        objects.append(item)
    # Namespaces and CRDs first, as anyone applying by hand would order them.
    objects.sort(key=lambda o: 0 if o["kind"] in ("Namespace", "CustomResourceDefinition") else 1)
    return objects


def case_site_first_converge(repeat, real=False):
    """First converge of site.yml on a fresh cluster, against the same work done by hand:
    istioctl precheck and install of the same IstioOperator, then kubectl apply of the same objects."""
    ours, baseline, extra = [], [], []
    for index in range(repeat):
        name = "bench-first-%d" % index
        kubeconfig = cluster(name, real)
        try:
            elapsed, _changed = playbook(kubeconfig, "playbooks/site.yml")
            ours.append(elapsed)
            spec = installed_spec(kubeconfig)
            objects = [o for o in objects_applied_by_the_collection(kubeconfig) if o["metadata"].get("name") != "oke-istio-install"]
        finally:
            delete(name)
        handle, manifest = tempfile.mkstemp(suffix=".json")
        with os.fdopen(handle, "w") as stream:
            json.dump({"apiVersion": "v1", "kind": "List", "items": objects}, stream)
        name = "bench-hand-%d" % index
        kubeconfig = cluster(name, real)
        try:
            started = time.monotonic()
            run([ISTIOCTL, "x", "precheck", "--kubeconfig", kubeconfig])
            istioctl_install(kubeconfig, spec)
            if objects:
                run(["kubectl", "--kubeconfig", kubeconfig, "apply", "--server-side", "-f", manifest])
                run(["kubectl", "--kubeconfig", kubeconfig, "wait", "--for=condition=Available", "deployment", "--all", "-A", "--timeout=600s"])
            baseline.append(time.monotonic() - started)
            extra.append(len(objects))
        finally:
            delete(name)
            os.unlink(spec)
            os.unlink(manifest)
    return {
        "case": "site.yml first converge vs istioctl install + kubectl apply of the same objects%s" % (" (real node)" if real else ""),
        "ours_s": ours,
        "baseline_s": baseline,
        "note": "%s objects besides the install; ours also checks fitness, compares before applying%s" % (
            sorted(set(extra)), " and proves Bookinfo and the routing with traffic" if real else ""),
    }


def rss_mib(pattern):
    """Resident memory of the processes whose command line matches, in MiB."""
    _e, out = run(["ps", "-eo", "rss=,args="], check=False)
    return sum(int(line.split(None, 1)[0]) for line in out.splitlines() if re.search(pattern, line)) // 1024


def case_real_node(repeat):
    """The phases of a real-node cluster against the same phases on simulated nodes: cluster up (the real one
    starts containerd, kubelet, kube-proxy, CoreDNS and imports the images), istioctl install, Bookinfo Ready with
    its sidecars; the resident memory of the node's processes is in the note."""
    phases = ("cluster up", "istioctl install", "Bookinfo Ready")
    ours, baseline, memory = dict((p, []) for p in phases), dict((p, []) for p in phases), {}
    spec = os.path.join(ROOT, "benchmarks", "real-node-istio.yml")
    for index in range(repeat):
        for real, into in ((True, ours), (False, baseline)):
            name = "bench-node-%d" % index
            started = time.monotonic()
            kubeconfig = cluster(name, real)
            into["cluster up"].append(time.monotonic() - started)
            try:
                into["istioctl install"].append(istioctl_install(kubeconfig, spec))
                elapsed, _changed = playbook(kubeconfig, "playbooks/bookinfo.yml", "-e", '{"bookinfo_verify": false}')
                into["Bookinfo Ready"].append(elapsed)
                if real:
                    for process, pattern in (("istiod", r"pilot-discovery"), ("envoy (all)", r"bin/envoy "),
                                             ("pilot-agent (all)", r"pilot-agent proxy"), ("kubelet", r"/kubelet "),
                                             ("kube-proxy", r"/kube-proxy "), ("containerd", r"/containerd --config"),
                                             ("coredns", r"/coredns "), ("kube-apiserver", r"/kube-apiserver ")):
                        memory.setdefault(process, []).append(rss_mib(pattern))
            finally:
                delete(name)
    return [{
        "case": "%s: real node vs simulated nodes" % phase,
        "ours_s": ours[phase],
        "baseline_s": baseline[phase],
        "note": "" if phase != phases[-1] else "RSS on the real node (MiB): %s" % ", ".join(
            "%s %d" % (k, statistics.median(v)) for k, v in memory.items()),
    } for phase in phases]


def case_rollout(repeat):
    """rollout.yml to one cluster against three clusters in one wave (forks >= 3)."""
    results = {}
    for count in (1, 3):
        times = []
        for index in range(repeat):
            names = ["bench-roll-%d-%d" % (index, n) for n in range(count)]
            kubeconfigs = [cluster(name) for name in names]
            hosts = {name: {"oke_istio_kubeconfig": k} for name, k in zip(names, kubeconfigs)}
            handle, inventory = tempfile.mkstemp(suffix=".json")
            with os.fdopen(handle, "w") as stream:
                json.dump({"clusters": {"hosts": hosts}}, stream)
            try:
                env = dict(os.environ)
                elapsed, _out = run(
                    ["ansible-playbook", "-i", "inventories/local/hosts.yml", "-i", inventory, "--limit", ",".join(names),
                     "--forks", "10", "-e", '{"oke_istio_rollout_waves": ["100%"]}', "playbooks/rollout.yml"],
                    env=env,
                )
                times.append(elapsed)
            finally:
                os.unlink(inventory)
                for name in names:
                    delete(name)
        results[count] = times
    return {
        "case": "rollout.yml to 3 clusters vs to 1 cluster (one wave, 10 forks)",
        "ours_s": results[3],
        "baseline_s": results[1],
        "note": "ratio near 1 means clusters are handled in parallel",
    }


CASES = {
    "istioctl-install-rerun": case_istioctl_install_rerun,
    "istioctl-install-module-rerun": case_istioctl_install_module_rerun,
    "site-noop": case_site_noop,
    "site-first-converge": case_site_first_converge,
    "rollout-1-vs-3": case_rollout,
    "real-node-phases": case_real_node,
    "real-site-first-converge": lambda repeat: case_site_first_converge(repeat, real=True),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="run only these cases")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = []
    for name in args.case or sorted(CASES):
        outcome = CASES[name](args.repeat)
        for result in outcome if isinstance(outcome, list) else [outcome]:
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
