# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""hack/build-images.sh caches each image recipe under a key: a changed recipe, pin or tool must
give a new key (the image is rebuilt), and nothing else may (the cache is reused). Checked with
`--keys`, which computes the output directories without building."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import stat
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HACK = os.path.join(ROOT, "hack")
RECIPES = sorted(name[:-3] for name in os.listdir(os.path.join(HACK, "images")) if name.endswith(".sh"))
# The tools the recipes run, by the build directory hack/install-tools.sh puts them in.
TOOLS = (("oke-image", "images-aaaa"), ("pilot-agent", "istioctl-aaaa"), ("go-httpbin", "images-aaaa"), ("fortio", "images-aaaa"),
         ("prometheus", "prometheus-aaaa"), ("jaeger", "jaeger-aaaa"))


@pytest.fixture
def tree(tmp_path):
    """A copy of the script, the pins and the recipes, with a cache and a tools directory of its own."""
    hack = tmp_path / "repo" / "hack"
    shutil.copytree(os.path.join(HACK, "images"), str(hack / "images"))
    for name in ("build-images.sh", "versions.env"):
        shutil.copy(os.path.join(HACK, name), str(hack / name))
    builds = tmp_path / "cache" / "build"
    tools = tmp_path / "cache" / "bin"
    for tool, build in TOOLS:
        (builds / build).mkdir(parents=True, exist_ok=True)
        (builds / build / tool).write_text(u"")
    tools.mkdir()
    for tool, build in TOOLS:
        os.symlink(str(builds / build / tool), str(tools / tool))
    return tmp_path


def keys(tree, *recipes):
    env = dict(os.environ, OKE_ISTIO_CACHE=str(tree / "cache"), OKE_ISTIO_TOOLS=str(tree / "cache" / "bin"))
    script = str(tree / "repo" / "hack" / "build-images.sh")
    out = subprocess.check_output(["bash", script, "--keys"] + list(recipes), env=env, universal_newlines=True)
    return dict(line.split(" ", 1) for line in out.splitlines())


def test_every_recipe_gets_a_stable_key_of_its_own(tree):
    first = keys(tree)
    assert sorted(first) == RECIPES
    assert keys(tree) == first
    assert len(set(first.values())) == len(first)
    for name, out in first.items():
        assert os.path.dirname(out) == str(tree / "cache" / "images")
        assert os.path.basename(out).startswith(name + "-")


def test_a_changed_recipe_rebuilds_only_itself(tree):
    before = keys(tree)
    changed = RECIPES[0]
    with open(str(tree / "repo" / "hack" / "images" / (changed + ".sh")), "a") as recipe:
        recipe.write("# changed\n")
    after = keys(tree)
    assert after[changed] != before[changed]
    assert {n: k for n, k in after.items() if n != changed} == {n: k for n, k in before.items() if n != changed}


def test_a_recipes_own_files_are_part_of_its_key(tree):
    name = RECIPES[0]
    before = keys(tree, name)
    own = tree / "repo" / "hack" / "images" / name
    own.mkdir(exist_ok=True)
    (own / "extra.conf").write_text(u"a\n")
    with_file = keys(tree, name)
    assert with_file != before
    (own / "extra.conf").write_text(u"b\n")
    assert keys(tree, name) != with_file


def test_a_changed_pin_rebuilds_everything(tree):
    before = keys(tree)
    with open(str(tree / "repo" / "hack" / "versions.env"), "a") as pins:
        pins.write("SOME_NEW_PIN=1\n")
    after = keys(tree)
    assert all(after[name] != before[name] for name in RECIPES)


def test_a_tool_built_from_another_pin_rebuilds_everything(tree):
    before = keys(tree)
    other = tree / "cache" / "build" / "images-bbbb"
    other.mkdir()
    (other / "oke-image").write_text(u"")
    link = tree / "cache" / "bin" / "oke-image"
    link.unlink()
    os.symlink(str(other / "oke-image"), str(link))
    after = keys(tree)
    assert all(after[name] != before[name] for name in RECIPES)


def test_named_recipes_only_and_unknown_names_fail(tree):
    assert sorted(keys(tree, RECIPES[-1], RECIPES[0] + ".sh")) == sorted({RECIPES[-1], RECIPES[0]})
    env = dict(os.environ, OKE_ISTIO_CACHE=str(tree / "cache"), OKE_ISTIO_TOOLS=str(tree / "cache" / "bin"))
    result = subprocess.run(
        ["bash", str(tree / "repo" / "hack" / "build-images.sh"), "--keys", "no-such-image"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False,
    )
    assert result.returncode != 0
    assert "no recipe no-such-image" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_is_an_executable_strict_bash_script(name):
    path = os.path.join(HACK, "images", name + ".sh")
    assert os.stat(path).st_mode & stat.S_IXUSR, "%s is not executable" % path
    with open(path) as recipe:
        text = recipe.read()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text


FAKE_OKE_IMAGE = u"""#!/usr/bin/env bash
# Records its arguments and the files of its directory layers, as JSON, in $RECORD.
set -euo pipefail
python3 - "$@" <<'PY'
import json, os, sys
args = sys.argv[1:]
layers = {}
for flag, value in zip(args, args[1:]):
    if flag == "--layer" and os.path.isdir(value):
        files = layers[value] = {}
        for top, dirs, names in os.walk(value):
            for name in dirs + names:
                path = os.path.join(top, name)
                info = os.lstat(path)
                entry = {"mode": info.st_mode, "dir": os.path.isdir(path)}
                if os.path.isfile(path):
                    with open(path) as stream:
                        entry["content"] = stream.read()
                files["/" + os.path.relpath(path, value)] = entry
with open(os.environ["RECORD"], "w") as record:
    json.dump({"args": args, "layers": layers}, record)
PY
"""


def build_images_function(name):
    """The text of one of the functions hack/build-images.sh exports for the recipes."""
    with open(os.path.join(HACK, "build-images.sh")) as stream:
        text = stream.read()
    return re.search(r"^%s\(\) \{\n.*?^\}\n" % re.escape(name), text, re.S | re.M).group(0)


def run_recipe(tmp_path, name, tools, functions=(), stubs=None, env_extra=None):
    """Runs hack/images/NAME.sh as build-images.sh would, with fake tools (NAME: content) and an
    oke-image that records what it was asked to write; ``functions`` are build-images.sh's own, ``stubs`` stand-ins
    for others (NAME: body)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, content in dict(tools, **{"oke-image": FAKE_OKE_IMAGE}).items():
        (bin_dir / tool).write_text(content)
        (bin_dir / tool).chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    with open(os.path.join(HACK, "versions.env")) as stream:
        pins = dict(re.findall(r"^([A-Z_]+)=(\S+)$", stream.read(), re.M))
    env = dict(os.environ, PATH=str(bin_dir) + os.pathsep + os.environ["PATH"], IMAGES_WORK=str(work),
               RECORD=str(tmp_path / "record.json"), **pins)
    env.update(env_extra or {})
    # Exported bash functions, as build-images.sh's `export -f` passes them.
    for function in functions:
        env["BASH_FUNC_%s%%%%" % function] = "() " + build_images_function(function).split("() ", 1)[1].rstrip("\n")
    for function, body in (stubs or {}).items():
        env["BASH_FUNC_%s%%%%" % function] = "() { %s; }" % body
    subprocess.check_call(["bash", os.path.join(HACK, "images", name + ".sh"), str(out)], env=env)
    with open(str(tmp_path / "record.json")) as stream:
        record = json.load(stream)
    args = record["args"]
    options = {}
    for flag, value in zip(args[::2], args[1::2]):
        options.setdefault(flag, []).append(value)
    return pins, options, record["layers"], str(out)


def test_fortio_image_is_the_pinned_binary_laid_out_like_upstream(tmp_path):
    pins, options, layers, out = run_recipe(tmp_path, "fortio", {"fortio": u"the fortio binary"})
    assert options["--out"] == [os.path.join(out, "fortio.tar")]
    assert options["--ref"] == ["docker.io/fortio/fortio:%s" % pins["FORTIO_VERSION"][1:]]
    assert pins["FORTIO_VERSION"].startswith("v")
    assert json.loads(options["--entrypoint"][0]) == ["/usr/bin/fortio"]
    assert json.loads(options["--cmd"][0]) == ["server"]
    assert options["--expose"] == ["8080"]
    assert options["--workdir"] == ["/var/lib/fortio"]
    # One layer, of the binary alone: no Debian base, no shell (the check execs fortio with argv).
    assert len(options["--layer"]) == 1 and list(layers) == options["--layer"]
    files = layers[options["--layer"][0]]
    assert {path for path, entry in files.items() if not entry["dir"]} == {"/usr/bin/fortio"}
    assert files["/usr/bin/fortio"]["content"] == u"the fortio binary"
    assert stat.S_IMODE(files["/usr/bin/fortio"]["mode"]) == 0o755
    assert files["/var/lib/fortio"]["dir"]


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the recipes set file owners: root only, as build-images.sh")


@pytest.fixture
def debian_base(tmp_path):
    """A stand-in of the Debian base: only the CA bundle static_root takes from it."""
    root = tmp_path / "debian"
    (root / "etc" / "ssl" / "certs").mkdir(parents=True)
    (root / "etc" / "ssl" / "certs" / "ca-certificates.crt").write_text(u"the CA bundle")
    subprocess.check_call(["tar", "-C", str(root), "-cf", str(tmp_path / "debian.tar"), "."])
    return str(tmp_path / "debian.tar")


def module_source(tmp_path, module, version, files):
    """A Go module cache holding ``files`` (path: content) of module@version."""
    cache = tmp_path / "gomodcache"
    for path, content in files.items():
        target = cache / ("%s@%s" % (module, version)) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return str(cache)


@needs_root
def test_prometheus_image_is_the_pinned_binary_laid_out_like_upstream(tmp_path, debian_base):
    with open(os.path.join(HACK, "versions.env")) as stream:
        module = re.search(r"^PROMETHEUS_MODULE_VERSION=(\S+)$", stream.read(), re.M).group(1)
    cache = module_source(tmp_path, "github.com/prometheus/prometheus", module, {
        "documentation/examples/prometheus.yml": u"scrape_configs: []\n", "LICENSE": u"Apache", "NOTICE": u"notice"})
    pins, options, layers, out = run_recipe(tmp_path, "prometheus", {"prometheus": u"the prometheus binary"},
                                            functions=["static_root"],
                                            env_extra={"DEBIAN_BASE": debian_base, "GOMODCACHE": cache})
    assert options["--ref"] == ["docker.io/prom/prometheus:%s" % pins["PROMETHEUS_VERSION"]]
    assert pins["PROMETHEUS_MODULE_VERSION"] == "v0.%d%02d.%s" % tuple(
        [int(p) for p in pins["PROMETHEUS_VERSION"][1:].split(".")[:2]] + [pins["PROMETHEUS_VERSION"].split(".")[2]])
    assert json.loads(options["--entrypoint"][0]) == ["/bin/prometheus"]
    assert json.loads(options["--cmd"][0]) == ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
    assert options["--user"] == ["65534:65534"] and options["--workdir"] == ["/prometheus"] and options["--expose"] == ["9090"]
    files = layers[options["--layer"][0]]
    assert files["/bin/prometheus"]["content"] == u"the prometheus binary"
    assert files["/etc/prometheus/prometheus.yml"]["content"] == u"scrape_configs: []\n"
    assert files["/etc/ssl/certs/ca-certificates.crt"]["content"] == u"the CA bundle"
    assert "nobody:x:65534:65534:" in files["/etc/passwd"]["content"]


@needs_root
def test_jaeger_image_is_the_pinned_binary_laid_out_like_upstream(tmp_path, debian_base):
    with open(os.path.join(HACK, "versions.env")) as stream:
        module = re.search(r"^JAEGER_MODULE_VERSION=(\S+)$", stream.read(), re.M).group(1)
    cache = module_source(tmp_path, "github.com/jaegertracing/jaeger", module,
                          {"cmd/jaeger/sampling-strategies.json": u"{}"})
    pins, options, layers, out = run_recipe(tmp_path, "jaeger", {"jaeger": u"the jaeger binary"}, functions=["static_root"],
                                            env_extra={"DEBIAN_BASE": debian_base, "GOMODCACHE": cache})
    assert options["--ref"] == ["docker.io/jaegertracing/jaeger:%s" % pins["JAEGER_VERSION"]]
    # Jaeger v2.N is the module's v1.(N+63).
    assert int(pins["JAEGER_MODULE_VERSION"].split(".")[1]) == int(pins["JAEGER_VERSION"].split(".")[1]) + 63
    assert json.loads(options["--entrypoint"][0]) == ["/cmd/jaeger/jaeger-linux"]
    assert options["--user"] == ["10001"] and "JAEGER_LISTEN_HOST=0.0.0.0" in options["--env"]
    assert set(options["--expose"]) >= {"4317", "9411", "13133", "16686"}
    files = layers[options["--layer"][0]]
    assert files["/cmd/jaeger/jaeger-linux"]["content"] == u"the jaeger binary"
    assert stat.S_IMODE(files["/cmd/jaeger/jaeger-linux"]["mode"]) == 0o755


def test_zipkin_image_is_the_slim_server_on_the_shared_java_layer(tmp_path):
    jar = tmp_path / "zipkin-server-slim.jar"
    jar.write_text(u"the zipkin jar")
    calls = tmp_path / "maven-calls"
    pins, options, layers, out = run_recipe(tmp_path, "zipkin", {}, stubs={
        "maven_artifacts": 'printf "%%s\\n" "$@" >> %s; echo %s' % (calls, jar),
        "java_base": "echo /cache/java-base/rootfs.tar.gz"})
    assert calls.read_text().startswith("io.zipkin:zipkin-server:%s:jar:slim=" % pins["ZIPKIN_VERSION"])
    assert options["--ref"] == ["docker.io/openzipkin/zipkin-slim:%s" % pins["ZIPKIN_VERSION"]]
    assert options["--layer"][0] == "/cache/java-base/rootfs.tar.gz"
    assert layers[options["--layer"][1]]["/zipkin/zipkin-slim.jar"]["content"] == u"the zipkin jar"
    entrypoint = json.loads(options["--entrypoint"][0])
    assert entrypoint[:2] == ["/bin/sh", "-c"] and "exec java $JAVA_OPTS -jar /zipkin/zipkin-slim.jar" in entrypoint[2]
    assert "STORAGE_TYPE=mem" in options["--env"] and options["--expose"] == ["9411"]
