"""Give every chapter an "Open in Colab" badge and a first cell that installs the kit in Google Colab only.

usage: python tools/colab.py [NOTEBOOK ...]     (default: every chapter, appendix and solutions notebook in nbs/)

The badge goes in a markdown cell right after the title cell; the install cell right after it. In Colab the install cell
clones the repository and works from its nbs/ folder, so the measured results (nbs/results) the chapters read are there. Both are replaced,
not duplicated, when the script runs again. The install cell does nothing outside Colab, so nbdev-test and local
runs are unaffected; JupyterLab shows it folded (metadata jupyter.source_hidden, which nbdev-clean keeps). The repository URL comes from pyproject.toml ([project.urls] Repository)."""
import json, re, secrets, sys, tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
BADGE_IMG = "https://colab.research.google.com/assets/colab-badge.svg"
MARK = "<!-- colab -->"

def repo_path() -> str:
    "owner/name of the GitHub repository named in pyproject.toml."
    url = tomllib.loads((ROOT/"pyproject.toml").read_text())["project"]["urls"]["Repository"]
    return re.match(r"https://github\.com/([^/]+/[^/]+?)/?$", url).group(1)

def colab_url(nb: Path) -> str:
    "The Colab address that opens notebook `nb` (a path under nbs/) from the main branch."
    return f"https://colab.research.google.com/github/{repo_path()}/blob/main/nbs/{nb.relative_to(NBS).as_posix()}"

def badge_source(nb: Path) -> str:
    return f'{MARK}<a href="{colab_url(nb)}" target="_blank"><img src="{BADGE_IMG}" alt="Open In Colab"/></a>'

def colab_extras(nb: dict) -> str:
    "The pip extras a notebook needs beyond what Colab has: `[onnx]` where a code cell imports onnxruntime (Colab lacks it), else none."
    return "[onnx]" if any(c["cell_type"] == "code" and re.search(r"^\s*(import|from) .*\bonnxruntime\b", _src(c), re.M) for c in nb["cells"]) else ""

def install_source(extras: str = "") -> str:
    kit = f"'/content/resnet_cifar_edu{extras}'" if extras else "/content/resnet_cifar_edu"  # quoted: the shell must not expand [..]
    return f'''#| hide
import os, subprocess, sys  # In Google Colab only: fetch the course (with the measured results the chapters read), install the kit, work in its nbs/ folder; elsewhere nothing.
if "google.colab" in sys.modules: subprocess.run(f"([ -d /content/resnet_cifar_edu ] || git clone -q --depth 1 https://github.com/{repo_path()} /content/resnet_cifar_edu) && {{sys.executable}} -m pip install -q safetensors {kit}", shell=True, check=True); os.chdir("/content/resnet_cifar_edu/nbs")'''

def _src(c): return "".join(c["source"])
def _lines(text): return text.splitlines(keepends=True)  # the cell source as a list of lines, as Jupyter and nbdev-clean write it

def add_colab(nb_path: Path) -> bool:
    "Insert or refresh the badge and install cells of `nb_path`; True if the file changed."
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if not (_src(c).startswith(MARK) or
             (c["cell_type"] == "code" and '"google.colab" in sys.modules' in _src(c) and "#| hide" in _src(c)))]
    title = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and _src(c).lstrip().startswith("# "))
    old = [c for c in nb["cells"] if c not in cells]
    ids = [c.get("id") for c in old] if len(old) == 2 else [secrets.token_hex(4), secrets.token_hex(4)]  # a refresh keeps the cells' ids
    new = [{"cell_type": "markdown", "id": ids[0], "metadata": {}, "source": _lines(badge_source(nb_path))},
           {"cell_type": "code", "execution_count": None, "id": ids[1], "metadata": {"jupyter": {"source_hidden": True}}, "outputs": [],
            "source": _lines(install_source(colab_extras(nb)))}]
    if [(_src(c), c["metadata"]) for c in old] == [(_src(c), c["metadata"]) for c in new] and nb["cells"][title + 1:title + 3] == old: return False
    nb["cells"] = cells[:title + 1] + new + cells[title + 1:]
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True

def course_notebooks() -> list[Path]:
    "Chapters 00-08 and 10, appendices (A1, A1b, …) and solutions: every notebook a student opens."
    return sorted([*NBS.glob("0[0-8]_*.ipynb"), *NBS.glob("10_*.ipynb"), *NBS.glob("A[0-9]*_*.ipynb"), *(NBS/"solutions").glob("*.ipynb")])

if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or course_notebooks()
    for p in paths: print(("updated " if add_colab(p) else "unchanged ") + p.relative_to(ROOT).as_posix())
