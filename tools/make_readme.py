"""Write README.md and README.zh-CN.md from nbs/index.ipynb without Quarto (nbdev-readme needs Quarto, which the
build machines lack).

Markdown cells are copied; code cells without an nbdev `#| hide` directive become Python blocks followed by their
text outputs; relative links to notebooks are pointed into nbs/ so they work from the repository root.

The Chinese README is rendered from the same notebook: each markdown cell is replaced by its translation in
nbs/index.zh-CN.json (keyed by cell id), code cells and their outputs are copied, and the results output has its
English phrases replaced by the file's `output_phrases`. So the two READMEs cannot drift apart:
- each translation records the sha256 (first 12 hex digits) of the English cell it translates; when the English
  cell changes, rendering fails and names the cell, its new English text and the new `en_sha` to record;
- a translation must keep its cell's fenced code blocks exactly, and the same inline code, link targets and numbers.
The cell that links README.zh-CN.md (the language switch at the top) is rendered as ZH_SWITCH.
Usage: python tools/make_readme.py [--check]   (--check exits 1 when a README is out of date)
"""
import hashlib, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "<!-- Generated from nbs/index.ipynb by `make readme`; edit the notebook, not this file. -->\n\n"
_directive = re.compile(r"^\s*#\s*\|\s*(\w+)")

def _src(cell): return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]

def _fix_links(md):
    "Relative links to notebooks and images in nbs/ rewritten to work from the repository root."
    return re.sub(r"\]\((?!https?:|#|/|nbs/)([^)\s]+\.(?:ipynb|png|jpg|svg))", r"](nbs/\1", md)

ZH_JSON = ROOT/"nbs"/"index.zh-CN.json"
HEADER_ZH = ("<!-- Generated from nbs/index.ipynb and its translation nbs/index.zh-CN.json by `make readme`; "
             "edit those, not this file. -->\n\n")
ZH_SWITCH = "[English](README.md) · **简体中文**"

def en_sha(text): return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

def invariants(md):
    "What a translation keeps from the English: fenced blocks (in order), inline code, link targets and numbers."
    blocks = re.findall(r"```.*?```", md, flags=re.S)
    rest = re.sub(r"```.*?```", "", md, flags=re.S)
    code = re.findall(r"`[^`\n]+`", rest)
    links = re.findall(r"\]\(([^)\s]+)", rest)
    text = re.sub(r"`[^`\n]+`|\]\([^)\s]+\)", " ", rest)
    return dict(blocks=blocks, code=sorted(code), links=sorted(links), numbers=sorted(re.findall(r"\d(?:[\d,.]*\d)?", text)))

def _differences(en, zh):
    a, b = invariants(en), invariants(zh)
    return [f"{k}: English {a[k]} / 中文 {b[k]}" for k in a if a[k] != b[k]]

def _translator(tr_path):
    "Markdown cell -> its checked translation, and output text -> the text with `output_phrases` applied; errors collected."
    if not Path(tr_path).is_file(): raise ValueError(f"no translation file {tr_path}")
    tr = json.loads(Path(tr_path).read_text(encoding="utf-8"))
    errors = []
    def markdown(cell, src):
        if "README.zh-CN.md" in src: return ZH_SWITCH
        t = tr["cells"].get(cell.get("id"))
        if t is None or t.get("en_sha") != en_sha(src):
            errors.append(f"cell {cell.get('id')}: {'no translation' if t is None else 'the English changed'}; "
                          f"translate it and set \"en_sha\": \"{en_sha(src)}\". The English now:\n{src}\n")
            return src
        zh = _src({"source": t["zh"]}).strip("\n")
        if (d := _differences(src, zh)): errors.append(f"cell {cell.get('id')}: the translation differs in\n  " + "\n  ".join(d))
        return zh
    used = set()
    def output(text):
        out = text
        for i, (en, zh) in enumerate(tr.get("output_phrases", [])):
            if en in out: out = out.replace(en, zh); used.add(i)
        if (d := _differences(text, out)): errors.append("output_phrases change more than words:\n  " + "\n  ".join(d))
        return out
    def unused(): return [en for i, (en, _) in enumerate(tr.get("output_phrases", [])) if i not in used]
    return markdown, output, unused, errors

def render(nb_path=ROOT/"nbs"/"index.ipynb", zh=None):
    """The README text for the notebook at `nb_path`; with `zh` (the path of a translation file), the Chinese README.
    Raises ValueError naming every stale, missing or unfaithful translation."""
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    if zh: markdown, output, unused, errors = _translator(zh)
    else: markdown, output = (lambda cell, src: src), (lambda text: text)
    parts = []
    for cell in nb["cells"]:
        src = _src(cell).strip("\n")
        if cell["cell_type"] == "markdown": parts.append(_fix_links(markdown(cell, src)))
        elif cell["cell_type"] == "code":
            lines = src.splitlines()
            flags = {m.group(1) for l in lines if (m := _directive.match(l))}
            if flags & {"hide", "exporti"}: continue
            code = "\n".join(l for l in lines if not _directive.match(l)).strip("\n")
            if code and "echo" not in flags: parts.append(f"```python\n{code}\n```")  # `#| echo: false`: output only
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown")
                if md: parts.append(_fix_links(output("".join(md)).strip("\n"))); continue
                text = out.get("text") or out.get("data", {}).get("text/plain")
                if text: parts.append("    " + "".join(text).rstrip("\n").replace("\n", "\n    "))
    if zh:
        errors += [f"output_phrases no longer in the output: {p!r}" for p in unused()]
        if errors: raise ValueError(f"{Path(zh).name} is out of date with {Path(nb_path).name}:\n" + "\n".join(errors))
    return (HEADER_ZH if zh else HEADER) + "\n\n".join(p for p in parts if p) + "\n"

def render_zh(nb_path=ROOT/"nbs"/"index.ipynb", tr_path=ZH_JSON):
    "The Chinese README: `render` with the translations in `tr_path`."
    return render(nb_path, zh=tr_path)

if __name__ == "__main__":
    failed = []
    for readme, make in ((ROOT/"README.md", render), (ROOT/"README.zh-CN.md", render_zh)):
        try: want = make()
        except ValueError as e: failed.append(str(e)); continue
        if "--check" in sys.argv:
            if not readme.exists() or readme.read_text(encoding="utf-8") != want:
                failed.append(f"{readme.name} is out of date with nbs/index.ipynb: run `make readme`.")
        else: readme.write_text(want, encoding="utf-8")
    if failed: sys.exit("\n".join(failed))
