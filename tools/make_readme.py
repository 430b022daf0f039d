"""Write README.md from nbs/index.ipynb without Quarto (nbdev-readme needs Quarto, which the build machines lack).

Markdown cells are copied; code cells without an nbdev `#| hide` directive become Python blocks followed by their
text outputs; relative links to notebooks are pointed into nbs/ so they work from the repository root.
Usage: python tools/make_readme.py [--check]   (--check exits 1 when README.md is out of date)
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "<!-- Generated from nbs/index.ipynb by `make readme`; edit the notebook, not this file. -->\n\n"
_directive = re.compile(r"^\s*#\s*\|\s*(\w+)")

def _src(cell): return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]

def _fix_links(md):
    "Relative links to notebooks and images in nbs/ rewritten to work from the repository root."
    return re.sub(r"\]\((?!https?:|#|/|nbs/)([^)\s]+\.(?:ipynb|png|jpg|svg))", r"](nbs/\1", md)

def render(nb_path=ROOT/"nbs"/"index.ipynb"):
    "The README text for the notebook at `nb_path`."
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        src = _src(cell).strip("\n")
        if cell["cell_type"] == "markdown": parts.append(_fix_links(src))
        elif cell["cell_type"] == "code":
            lines = src.splitlines()
            flags = {m.group(1) for l in lines if (m := _directive.match(l))}
            if flags & {"hide", "exporti"}: continue
            code = "\n".join(l for l in lines if not _directive.match(l)).strip("\n")
            if code and "echo" not in flags: parts.append(f"```python\n{code}\n```")  # `#| echo: false`: output only
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown")
                if md: parts.append(_fix_links("".join(md).strip("\n"))); continue
                text = out.get("text") or out.get("data", {}).get("text/plain")
                if text: parts.append("    " + "".join(text).rstrip("\n").replace("\n", "\n    "))
    return HEADER + "\n\n".join(p for p in parts if p) + "\n"

if __name__ == "__main__":
    want, readme = render(), ROOT/"README.md"
    if "--check" in sys.argv:
        if not readme.exists() or readme.read_text(encoding="utf-8") != want:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `make readme`.")
    else: readme.write_text(want, encoding="utf-8")
