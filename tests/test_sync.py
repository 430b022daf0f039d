"""The repository is in sync with its source: package and notebooks (nbdev), README and index.ipynb, CI and README."""
import filecmp, os, re, shutil, subprocess
import pytest
from pathlib import Path
from conftest import ROOT, BIN

def _tree(d: Path):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and ".ipynb_checkpoints" not in p.parts)

def test_nbdev_export_and_clean_leave_no_diff(tmp_path):
    "Running nbdev-export and nbdev-clean on a copy changes nothing: the library and the notebooks are committed clean."
    work = tmp_path/"proj"
    for name in ["nbs", "resnet_cifar_edu"]:
        shutil.copytree(ROOT/name, work/name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "_proc"))
    for name in ["pyproject.toml", "README.md"]: shutil.copy(ROOT/name, work/name)
    for cmd in ["nbdev-export", "nbdev-clean"]:
        r = subprocess.run([str(BIN/cmd)], cwd=work, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{cmd} failed:\n{r.stdout}\n{r.stderr}"
    changed = []
    for name in ["nbs", "resnet_cifar_edu"]:
        a, b = _tree(ROOT/name), _tree(work/name)
        changed += [f"{name}/{f}" for f in sorted(set(a) ^ set(b))]
        changed += [f"{name}/{f}" for f in sorted(set(a) & set(b)) if not filecmp.cmp(ROOT/name/f, work/name/f, shallow=False)]
    assert not changed, "run `nbdev-export` and `nbdev-clean`, then commit; they still change: " + ", ".join(changed)

def test_readme_matches_index_notebook():
    from make_readme import render
    assert (ROOT/"README.md").read_text(encoding="utf-8") == render(), "README.md is out of date: run `make readme`"

def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT/"README.md").read_text(encoding="utf-8"), flags=re.S)
    assert blocks == ["make demo", "make test"], blocks
    ci = [l.strip() for l in (ROOT/".ci"/"run").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert blocks[1] in ci, f".ci/run must call README's test command `{blocks[1]}`"

def _minutes(nb_path: Path) -> float:
    "Estimated reading time of a chapter: prose words / 150 + non-empty code lines / 8 (directives left out)."
    import json
    words = lines = 0
    for c in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown":
            words += len(re.findall(r"[A-Za-z\u4e00-\u9fff]+", re.sub(r"```.*?```", "", src, flags=re.S)))
        elif c["cell_type"] == "code":
            lines += sum(1 for l in src.splitlines() if l.strip() and not l.strip().startswith("#|"))
    return words / 150 + lines / 8

def test_landing_page_chapter_times_match_the_chapters():
    "The chapter table's '~N min' is each chapter's estimated reading time, within 5 minutes: edit one, update the other."
    import json
    cells = json.loads((ROOT/"nbs"/"index.ipynb").read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    rows = [m.groups() for l in text.splitlines() if l.startswith("|")
            if (m := re.search(r"\]\((\d\d_\w+\.ipynb)\).*~(\d+) min", l))]
    assert len(rows) >= 9, f"the chapter table lists times for only {len(rows)} chapters"
    off = [f"{nb}: table says ~{m} min, the chapter measures {_minutes(ROOT/'nbs'/nb):.0f}" for nb, m in rows
           if abs(_minutes(ROOT/"nbs"/nb) - int(m)) > 5]
    assert not off, "update the chapter table in nbs/index.ipynb (then `make readme`):\n" + "\n".join(off)

def test_make_lab_opens_the_course_from_the_demo_environment():
    "`make lab` exists, uses the environment `make demo` installs, that install includes JupyterLab, and it runs."
    import tomllib
    mk = (ROOT/"Makefile").read_text()
    lab = re.search(r"^lab:(.*)\n\t(.*)", mk, re.M)
    assert lab, "the Makefile has no `lab:` target"
    assert ".installed-demo" in lab.group(1) and "jupyter lab" in lab.group(2), lab.group(0)
    recipe = re.search(r"^\$\(VENV\)/\.installed-demo:.*\n((?:\t.*\n)+)", mk, re.M).group(1)
    demo_install = next(l for l in recipe.splitlines() if "pip install -q -e" in l)
    extras = re.search(r'\.\[([\w,]+)\]', demo_install).group(1).split(",")
    course = tomllib.loads((ROOT/"pyproject.toml").read_text())["project"]["optional-dependencies"]["course"]
    assert "course" in extras and any(d.startswith("jupyterlab") for d in course), (extras, course)
    r = subprocess.run([str(BIN/"jupyter"), "lab", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and re.match(r"\d+\.", r.stdout.strip()), r.stdout + r.stderr
    readme = (ROOT/"README.md").read_text(encoding="utf-8")
    assert "make lab" in readme, "README.md does not say how to open the course (`make lab`)"

# ------------------------------------------------------------------------------- the Chinese README and the glossary
def _readme_zh():
    import make_readme
    return make_readme

def test_readme_zh_matches_index_notebook_and_its_translation():
    "README.zh-CN.md is rendered from nbs/index.ipynb with nbs/index.zh-CN.json; a stale or unfaithful translation fails."
    mr = _readme_zh()
    try: want = mr.render_zh()
    except ValueError as e: raise AssertionError(f"{e}\nthen run `make readme`") from None
    assert (ROOT/"README.zh-CN.md").read_text(encoding="utf-8") == want, "README.zh-CN.md is out of date: run `make readme`"

def test_readme_zh_has_the_same_commands_numbers_and_chapters():
    "Read from the two files themselves: the ```sh commands, the results' numbers and the linked notebooks are the same."
    en, zh = [(ROOT/n).read_text(encoding="utf-8") for n in ("README.md", "README.zh-CN.md")]
    def facts(md):
        return dict(sh=re.findall(r"```sh\n(.*?)\n```", md, flags=re.S),
                    blocks=re.findall(r"```.*?```", md, flags=re.S),
                    numbers=[n for l in md.splitlines() if l.startswith("|") for n in re.findall(r"\d+(?:\.\d+)?\s?%|\d+\.\d+", l)],
                    notebooks=re.findall(r"\]\((nbs/[^)\s]+\.ipynb)", md))
    a, b = facts(en), facts(zh)
    assert a["sh"] == ["make demo", "make test"]
    assert not [k for k in a if a[k] != b[k]], {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    assert "README.zh-CN.md" in "\n".join(en.splitlines()[:8]) and "](README.md)" in "\n".join(zh.splitlines()[:8]), \
        "each README links to the other at the top"

def test_readme_zh_refuses_a_translation_that_changes_a_number(tmp_path):
    import json
    mr = _readme_zh()
    tr = json.loads(mr.ZH_JSON.read_text(encoding="utf-8"))
    cid, entry = next((k, v) for k, v in tr["cells"].items() if "5,000" in "".join(v["zh"]) and "```" not in "".join(v["zh"]))
    zh = entry["zh"]  # a string or a list of lines: make_readme takes both
    entry["zh"] = zh.replace("5,000", "6,000") if isinstance(zh, str) else [l.replace("5,000", "6,000") for l in zh]
    (tmp_path/"t.json").write_text(json.dumps(tr, ensure_ascii=False), encoding="utf-8")
    try: mr.render_zh(tr_path=tmp_path/"t.json")
    except ValueError as e: assert cid in str(e) and "numbers" in str(e)
    else: raise AssertionError("a translation with a changed number was accepted")

def test_glossary_terms_have_chinese_and_a_chapter():
    "nbs/glossary.ipynb: at least 40 terms, each with a Chinese term, an explanation and a link to an existing chapter."
    import json
    nb = json.loads((ROOT/"nbs"/"glossary.ipynb").read_text(encoding="utf-8"))
    rows = [[x.strip() for x in l.strip().strip("|").split("|")] for c in nb["cells"] if c["cell_type"] == "markdown"
            for l in "".join(c["source"]).splitlines() if l.startswith("|") and not re.match(r"\|\s*(English|-)", l)]
    bad = [r for r in rows if len(r) != 4 or not re.search(r"[\u4e00-\u9fff]", r[1]) or len(r[2].split()) < 3
           or not all((ROOT/"nbs"/f).is_file() for f in re.findall(r"\]\(([^)]+\.ipynb)\)", r[3])) or "](" not in r[3]]
    assert len(rows) >= 40 and not bad, (len(rows), bad)
    index = (ROOT/"nbs"/"index.ipynb").read_text(encoding="utf-8")
    assert "(glossary.ipynb)" in index and "glossary.ipynb" in (ROOT/"nbs"/"sidebar.yml").read_text()

def test_citation_file_names_this_version_and_licence():
    "CITATION.cff (GitHub's 'Cite this repository') carries the package's version and licence, so a release cannot leave it behind."
    import re
    import resnet_cifar_edu
    text = (ROOT/"CITATION.cff").read_text()
    assert re.search(r'^version: "([^"]+)"$', text, re.M).group(1) == resnet_cifar_edu.__version__
    assert re.search(r"^license: (\S+)$", text, re.M).group(1) in (ROOT/"pyproject.toml").read_text()
    assert text.startswith("cff-version: 1.2.0") and "\ntitle: " in text and "\nauthors:" in text

def test_tensorflow_extra_picks_a_package_with_wheels_on_every_platform():
    """The `tf` extra asks for exactly one TensorFlow distribution per platform, one that publishes a wheel there (PyPI, 2.21.0):
    tensorflow-cpu only for x86-64 Linux and Windows, tensorflow for Macs with Apple silicon and Linux on Arm."""
    import tomllib
    from packaging.requirements import Requirement
    reqs = [Requirement(r) for r in tomllib.loads((ROOT/"pyproject.toml").read_text())["project"]["optional-dependencies"]["tf"]]
    wheels = {"tensorflow-cpu": {("Linux", "x86_64"), ("Windows", "AMD64")},
              "tensorflow": {("Linux", "x86_64"), ("Linux", "aarch64"), ("Windows", "AMD64"), ("Darwin", "arm64")}}
    for system, machine in [("Linux", "x86_64"), ("Windows", "AMD64"), ("Darwin", "arm64"), ("Linux", "aarch64")]:
        env = {"platform_system": system, "platform_machine": machine, "sys_platform": {"Linux": "linux", "Windows": "win32", "Darwin": "darwin"}[system]}
        tf = [r.name for r in reqs if r.name in wheels and (r.marker is None or r.marker.evaluate(env))]
        assert len(tf) == 1 and (system, machine) in wheels[tf[0]], (system, machine, tf)
        assert [r.name for r in reqs if r.name == "keras" and (r.marker is None or r.marker.evaluate(env))] == ["keras"]

@pytest.mark.parametrize("target,extras", [(".installed-demo", "torch,tf,app,course"), (".installed-dev", "dev")])
@pytest.mark.parametrize("gpu", [False, True])
def test_make_installs_the_cpu_only_pytorch_without_a_gpu(tmp_path, gpu, target, extras):
    "Both installs (`make demo`, `make test`) run with a stand-in pip: without nvidia-smi they ask PyTorch's CPU-only index "
    "first (and go on when that fails); with a GPU they do not. Nothing is installed."
    import platform, stat
    if platform.system() != "Linux": pytest.skip("the CPU-only index is chosen on Linux only")
    if not gpu and shutil.which("nvidia-smi", path="/usr/bin:/bin"): pytest.skip("this machine has nvidia-smi in /usr/bin or /bin")
    venv, tools = tmp_path/"venv", tmp_path/"tools"
    (venv/"bin").mkdir(parents=True); tools.mkdir()
    log = tmp_path/"pip.log"
    def stub(path, body):
        path.write_text("#!/bin/sh\n" + body); path.chmod(path.stat().st_mode | stat.S_IEXEC)
    stub(venv/"bin"/"python", "exit 1\n")  # `import torch` fails: PyTorch is not installed yet
    stub(venv/"bin"/"pip", f'echo "$@" >> {log}\ncase "$*" in *download.pytorch.org*) exit 1;; esac\n')  # the index is unreachable
    if gpu: stub(tools/"nvidia-smi", "exit 0\n")
    env = {**os.environ, "PATH": f"{tools}:/usr/bin:/bin"}
    r = subprocess.run(["make", f"VENV={venv}", f"{venv}/{target}"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    calls = log.read_text().splitlines()
    assert calls[-1].startswith(f"install -q -e .[{extras}]"), calls
    if gpu: assert len(calls) == 1, calls
    else:
        assert "--index-url https://download.pytorch.org/whl/cpu" in calls[0], calls
        assert "could not be installed" in r.stdout, r.stdout

def test_makefile_torch_pins_are_pyprojects():
    "The CPU-only step installs the versions pyproject.toml pins, or `pip install -e` would replace them with the CUDA build."
    import tomllib
    pins = re.search(r"^TORCH_PINS\s*:?=\s*(.+)$", (ROOT/"Makefile").read_text(), re.M).group(1).split()
    extra = tomllib.loads((ROOT/"pyproject.toml").read_text())["project"]["optional-dependencies"]["torch"]
    assert pins and sorted(pins) == sorted(d for d in extra if d.split("==")[0] in ("torch", "torchvision")), (pins, extra)
