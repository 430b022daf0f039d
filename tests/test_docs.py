"""The docs site, checked offline and without Quarto (issue #9).

`nbdev-docs` is `nbdev-proc-nbs` (nbdev's processors: frontmatter, `show_doc`, autolinks, hidden cells) followed by
`quarto render`. Quarto is not installed where the tests run, so this module checks everything up to Quarto:

- `nbdev-proc-nbs` succeeds on a copy of the working tree and writes every page that `_quarto.yml` renders to `_proc/`;
- every processed page has a title, no error output and no traceback, and converts to HTML (nbconvert);
- the links between pages, into the API reference (nbdev's autolinks) and to the source on GitHub resolve, and every
  `resnet_cifar_edu.…` name in the prose exists;
- `sidebar.yml` lists every page, the chapters in numeric order; `_quarto.yml`, `nbdev.yml` and `pyproject.toml` agree
  the way nbdev 3 expects (`nbdev-proc-nbs` regenerates `nbdev.yml`, and would regenerate `sidebar.yml` without
  `custom_sidebar = true`);
- every `::: {.panel-tabset}` cell of the notebooks (the PyTorch and TensorFlow twins as tabs) is closed by a `:::`
  cell before the next section heading, with at least two tab headings, at a level show_doc's headings cannot split;
- the landing page and one chapter, as HTML, open in headless Chromium (screenshots in test-output/docs/, git-ignored).

README.md against index.ipynb is checked in tests/test_sync.py. What this module cannot see is Quarto's own rendering:
its markdown extensions (`::: {.panel-tabset}`, `{target=...}` attributes), the search index, the navbar."""
import fnmatch, json, os, re, runpy, shutil, subprocess, sys, time, tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
import pytest, yaml
from conftest import ROOT, BIN
from browser import CHROMIUM, launch

NBS = ROOT/"nbs"
OUT = ROOT/"test-output"/"docs"
PROC_TIMEOUT_S, ONE_NB_TIMEOUT_S = 900, 300
BROWSER_PAGES = ["index.ipynb", "01_resnet.ipynb"]  # the landing page and a chapter with API docs (show_doc output)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)")

def _yaml(name): return yaml.safe_load((NBS/name).read_text(encoding="utf-8")) or {}
NBDEV_CFG = tomllib.loads((ROOT/"pyproject.toml").read_text(encoding="utf-8"))["tool"]["nbdev"]
SITE_URL = _yaml("nbdev.yml")["website"]["site-url"].rstrip("/") + "/"
REPO_URL = _yaml("nbdev.yml")["website"]["repo-url"].rstrip("/")
BRANCH = _yaml("nbdev.yml")["website"].get("repo-branch", "main")

# ---------------------------------------------------------------------------------------------------------- the pages
def _rendered_sources() -> list:
    "The notebooks (and .qmd files) Quarto renders: `project.render` in _quarto.yml, less files starting with _ or ."
    pats = (_yaml("_quarto.yml").get("project") or {}).get("render") or ["*.ipynb", "*.qmd"]
    keep, drop = [p for p in pats if not p.startswith("!")], [p[1:] for p in pats if p.startswith("!")]
    def hit(rel, ps): return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(PurePosixPath(rel).name, p) for p in ps)
    res = []
    for f in sorted(NBS.rglob("*")):
        rel = f.relative_to(NBS).as_posix()
        if not f.is_file() or f.suffix not in (".ipynb", ".qmd") or any(p[0] in "_." for p in rel.split("/")): continue
        if hit(rel, keep) and not hit(rel, drop): res.append(rel)
    return res

def _page_of(rel: str) -> str:
    "The HTML page nbdev 3 gives a source: the numeric prefix goes (`03_train.ipynb` -> `train.html`), as in nbpath2html."
    p = PurePosixPath(rel.lower())
    return str(p.with_name(re.sub(r"^\d+[a-zA-Z0-9]*_", "", p.name)).with_suffix(".html"))

def _chapters(rendered) -> list:
    return [r for r in rendered if "/" not in r and re.match(r"\d+_", r)]

def _number(name): return int(re.match(r"\d+", name).group())

# ------------------------------------------------------------------------------------------ nbdev-proc-nbs on a copy
_PROC_ONE = r"""
import json, sys, traceback
from pathlib import Path
from nbdev.processors import FilterDefaults
import nbdev.serve_drv as drv
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
dst.parent.mkdir(parents=True, exist_ok=True)
try: drv.main((src, dst, FilterDefaults))
except Exception as e:
    print("PROC-ERROR " + json.dumps(f"{type(e).__name__}: {e}")); sys.exit(1)
"""

def _copy_tree(dst: Path):
    "The files git would commit (tracked, and untracked but not ignored): no _proc/, runs/, data/, caches."
    try:
        r = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True, timeout=60)
        files = [f for f in r.stdout.decode().split("\0") if f and (ROOT/f).is_file()]
    except (OSError, subprocess.SubprocessError):  # not a git checkout: what nbdev needs
        files = [p.relative_to(ROOT).as_posix() for d in ["nbs", "resnet_cifar_edu"] for p in (ROOT/d).rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts and "_proc" not in p.parts] + ["pyproject.toml"]
    for f in files:
        (dst/f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT/f, dst/f)

@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    """Run `nbdev-proc-nbs` once in a copy of the working tree.

    Without Quarto on PATH, nbdev 3 would try to install it (`sudo dpkg -i` of a download): a stub `quarto` that
    fails if called stops that (nbdev-proc-nbs only checks that quarto exists). When nbdev-proc-nbs fails it stops at
    the first failing notebook, so each page still missing is then processed on its own, to name every failure
    (pages that nbdev-proc-nbs never reached but that process fine then count as processed)."""
    work = tmp_path_factory.mktemp("docs")/"repo"
    _copy_tree(work)
    env = dict(os.environ)
    if shutil.which("quarto") is None:
        stub = work.parent/"stub-bin"; stub.mkdir()
        (stub/"quarto").write_text("#!/bin/sh\necho 'tests/test_docs.py: quarto is not available here' >&2\nexit 127\n")
        (stub/"quarto").chmod(0o755)
        env["PATH"] = f"{stub}{os.pathsep}{env.get('PATH', '')}"
    before = {n: (work/"nbs"/n).read_bytes() for n in ["_quarto.yml", "nbdev.yml", "sidebar.yml"]}
    t0 = time.perf_counter()
    r = subprocess.run([str(BIN/"nbdev-proc-nbs")], cwd=work, env=env, capture_output=True, text=True,
                       timeout=PROC_TIMEOUT_S)
    elapsed = time.perf_counter() - t0
    cache = work/"_proc"
    rendered, errors = _rendered_sources(), {}
    if r.returncode != 0:
        for rel in rendered:
            if (cache/rel).exists(): continue
            one = subprocess.run([sys.executable, "-c", _PROC_ONE, f"nbs/{rel}", f"_proc/{rel}"], cwd=work, env=env,
                                 capture_output=True, text=True, timeout=ONE_NB_TIMEOUT_S)
            if one.returncode != 0:
                m = re.search(r"^PROC-ERROR (.*)$", one.stdout, re.M)
                errors[rel] = json.loads(m.group(1)) if m else (one.stdout + one.stderr)[-2000:]
    return dict(work=work, cache=cache, rc=r.returncode, log=r.stdout + r.stderr, elapsed=elapsed, errors=errors,
                rendered=rendered, before=before)

@pytest.fixture(scope="module")
def pages(proc) -> dict:
    "{source: processed notebook} for every rendered page that was processed."
    return {rel: _read_nb(proc["cache"]/rel) for rel in proc["rendered"] if (proc["cache"]/rel).exists()}

def _read_nb(path):
    "A notebook, without nbformat's schema validation: slow on pages full of images, and nbdev's `has_sd` fails it."
    from nbformat import v4
    return v4.reads(Path(path).read_text(encoding="utf-8"))

def _frontmatter(nb) -> dict:
    "nbdev's FrontmatterProc turns `# Title` + `> summary` into a raw YAML cell at the top."
    c = nb.cells[0] if nb.cells else None
    if c is None or c.cell_type != "raw": return {}
    m = re.match(r"\s*---\s*\n(.*?)\n---\s*", c.source, re.S)
    return (yaml.safe_load(m.group(1)) or {}) if m else {}

def _where(nb, i) -> str:
    first = next((l for l in nb.cells[i].source.splitlines() if l.strip() and not l.startswith("#|")), "")
    return f"cell {i} ({nb.cells[i].cell_type}: {first[:70]!r})"

def test_nbdev_proc_nbs_succeeds(proc):
    "`nbdev-proc-nbs` exits 0. On failure, every notebook that fails is named with nbdev's message."
    if proc["rc"] == 0: return
    detail = "\n\n".join(f"{rel}: {msg[-1500:]}" for rel, msg in proc["errors"].items())
    pytest.fail(f"nbdev-proc-nbs exited with {proc['rc']} after {proc['elapsed']:.0f} s.\n"
                "While building the docs nbdev executes, in order, only the cells that import something, export something "
                "or call show_doc; a cell that mixes an import with code using names from the other cells fails. "
                "Put imports in cells of their own.\n\n"
                + (detail or "no single notebook fails on its own; output of nbdev-proc-nbs:\n" + proc["log"][-3000:]))

def test_every_rendered_page_is_processed(proc):
    "`_proc/` holds every notebook that _quarto.yml renders (classify.ipynb, the Voila app, is left out there)."
    assert proc["rendered"] and "index.ipynb" in proc["rendered"], proc["rendered"]
    missing = [rel for rel in proc["rendered"] if not (proc["cache"]/rel).exists()]
    assert not missing, f"not in _proc/ after nbdev-proc-nbs: {missing}"

def test_processed_pages_have_a_title(pages):
    "Quarto takes the page title (and the sidebar entry) from the frontmatter nbdev writes from the `# Title` cell."
    bad = [rel for rel, nb in pages.items() if not str(_frontmatter(nb).get("title", "")).strip()]
    assert not bad, f"no title in the frontmatter (does the notebook start with a `# Title` markdown cell?): {bad}"

def _output_texts(o):
    if o.get("output_type") == "stream": yield o.get("text", "")
    for mime, v in (o.get("data") or {}).items():
        if mime.startswith("text/") or mime in ("application/json",):
            yield v if isinstance(v, str) else json.dumps(v)

def test_no_error_output_and_no_traceback(pages):
    "No processed page shows an error output or a traceback: they would be published as they are."
    bad = []
    for rel, nb in pages.items():
        for i, c in enumerate(nb.cells):
            for o in c.get("outputs", []):
                if o.get("output_type") == "error":
                    bad.append(f"{rel} {_where(nb, i)}: error output {o.get('ename')}: {o.get('evalue')}"[:300])
                elif any(TRACEBACK.search(t) for t in _output_texts(o)):
                    bad.append(f"{rel} {_where(nb, i)}: a traceback in a {o.get('output_type')} output")
    assert not bad, "\n".join(bad)

# ------------------------------------------------------------------------------------------------------- HTML pages
def _to_html(nb):
    "The processed notebook as a standalone HTML page, with a title block made from the frontmatter (as Quarto does)."
    import copy, nbformat
    from nbconvert import HTMLExporter
    nb = copy.deepcopy(nb)
    cells = []
    for c in nb.cells:  # two things nbdev writes that nbformat's schema refuses and Quarto ignores
        c.pop("has_sd", None)  # nbdev's marker of show_doc cells
        c.metadata.pop("execution", None)  # timings, with a float where the schema wants strings
        opts = dict(re.findall(r"^#\|\s*([\w-]+)\s*:\s*(\S+)", c.source, re.M)) if c.cell_type == "code" else {}
        if opts.get("include") == "false": continue  # Quarto's cell options, as Quarto would apply them
        if opts.get("echo") == "false": c.metadata.setdefault("transient", {})["remove_source"] = True
        if opts.get("output") == "false": c.outputs = []
        cells.append(c)
    nb.cells = cells
    fm = _frontmatter(nb)
    title = str(fm.get("title", "")).strip()
    head = f"# {title}\n\n" + (f"> {fm['description']}\n" if fm.get("description") else "")
    nb.cells = [nbformat.v4.new_markdown_cell(head)] + [c for c in nb.cells[1 if fm else 0:]]
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb, resources={"metadata": {"name": title}})
    return html

@pytest.fixture(scope="module")
def html_pages(proc, pages) -> dict:
    "{source: path of its HTML file, or the exception that converting it raised}"
    out, res = proc["work"].parent/"html", {}
    out.mkdir(exist_ok=True)
    for pattern in (_yaml("_quarto.yml").get("project") or {}).get("resources") or []:  # copied into the site as they are
        for f in NBS.glob(pattern):
            (out/f.relative_to(NBS)).parent.mkdir(parents=True, exist_ok=True); shutil.copyfile(f, out/f.relative_to(NBS))
    for rel, nb in pages.items():
        try:
            p = out/_page_of(rel)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(_to_html(nb), encoding="utf-8")
            res[rel] = p
        except Exception as e:
            res[rel] = e
    return res

def test_processed_pages_convert_to_html(html_pages):
    bad = {rel: f"{type(r).__name__}: {r}"[:500] for rel, r in html_pages.items() if isinstance(r, Exception)}
    assert not bad, f"nbconvert could not turn these pages into HTML: {bad}"
    for rel, p in html_pages.items():
        assert "<h1" in p.read_text(encoding="utf-8"), f"{rel}: no <h1> in the HTML"

# ------------------------------------------------------------------------------------------------------------ links
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
_MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
_HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)

def _md_texts(nb):
    "(cell index, markdown) for markdown cells and markdown outputs (show_doc), code blocks taken out."
    for i, c in enumerate(nb.cells):
        srcs = [c.source] if c.cell_type == "markdown" else []
        for o in c.get("outputs", []):
            md = (o.get("data") or {}).get("text/markdown")
            if md: srcs.append(md if isinstance(md, str) else "".join(md))
        for s in srcs: yield i, _FENCE.sub("", s)

def _links(md):
    "Link targets in a markdown text: inline, reference definitions, HTML href/src; nothing inside code spans."
    bare = _CODE_SPAN.sub("x", md)  # nbdev's autolinks keep working: [`fit`](url) -> [x](url)
    for rx in (_MD_LINK, _REF_DEF, _HTML_LINK):
        yield from (m.group(1) for m in rx.finditer(bare))

def _slug(heading) -> str:
    "Pandoc's auto identifier (what Quarto uses): text only, lower case, spaces to '-', keep letters, digits, _ - ."
    h = re.sub(r"\s*\{[^}]*\}\s*$", "", heading)
    h = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", h)
    h = re.sub(r"<[^>]+>|[`*]", "", h).lower()
    h = re.sub(r"[^\w\s.-]", "", h).strip()
    return re.sub(r"^[^a-z]+", "", re.sub(r"\s+", "-", h)) or "section"

def _anchors(nb) -> set:
    ids = set()
    for _, md in _md_texts(nb):
        for m in _HEADING.finditer(md):
            ids.add(_slug(m.group(1)))
            ids.update(re.findall(r"\{[^}]*#([\w.:-]+)[^}]*\}\s*$", m.group(1)))
        ids.update(re.findall(r"""\bid\s*=\s*["']([^"']+)["']""", md))
        ids.update(re.findall(r"^:::+\s*\{[^}]*#([\w.:-]+)", md, re.M))
    return ids

def _github_line_ok(path: str, frag: str, work: Path):
    f = work/unquote(path)
    if not f.is_file(): return f"{path} does not exist"
    m = re.fullmatch(r"L(\d+)(?:-L\d+)?", frag or "L1")
    if not m: return None
    n = len(f.read_text(encoding="utf-8", errors="replace").splitlines())
    return None if 1 <= int(m.group(1)) <= n else f"{path} has {n} lines, not {m.group(1)}"

def test_links_resolve(proc, pages):
    """Links between pages (`03_train.ipynb`, with or without `#anchor`), nbdev's autolinks into the API reference
    (`{site-url}/train.html#fit`) and show_doc's [source] links into the repository all point to something that exists."""
    rendered = proc["rendered"]
    by_page = {_page_of(rel): rel for rel in rendered}
    anchors = {rel: _anchors(nb) for rel, nb in pages.items()}
    bad = []
    for rel, nb in pages.items():
        here = PurePosixPath(rel).parent
        for i, md in _md_texts(nb):
            for url in _links(md):
                err, u = None, urlsplit(url)
                if u.scheme in ("mailto", "data", "javascript"): continue
                target, frag = None, unquote(u.fragment)
                if url.startswith(SITE_URL):  # nbdev's autolink into the API reference
                    page = unquote(u.path)[len(urlsplit(SITE_URL).path):] or "index.html"
                    target = by_page.get(page)
                    if target is None: err = f"no page {page} in the site (pages: {sorted(by_page)})"
                elif url.startswith(f"{REPO_URL}/blob/{BRANCH}/"):  # show_doc's [source] link
                    err = _github_line_ok(u.path.split(f"/blob/{BRANCH}/", 1)[1], frag, proc["work"])
                elif u.scheme or u.netloc: continue  # the outside world: not checked offline
                elif not u.path:
                    target = rel  # an anchor on this page
                else:
                    dest = PurePosixPath(os.path.normpath(here/unquote(u.path))).as_posix()
                    if dest.endswith((".ipynb", ".qmd")):
                        if dest in rendered: target = dest
                        elif (NBS/dest).exists(): err = f"{dest} exists but _quarto.yml does not render it"
                        else: err = f"{dest} does not exist in nbs/"
                    elif dest.endswith(".html"):
                        target = by_page.get(dest)
                        if target is None:
                            hint = next((s for s in rendered if PurePosixPath(s).with_suffix(".html").as_posix() == dest), None)
                            err = (f"no page {dest} in the site" + (f": nbdev 3 names it {_page_of(hint)}; link to "
                                   f"{hint} and Quarto writes the right name" if hint else ""))
                    elif not (NBS/dest).exists(): err = f"{dest} does not exist in nbs/"
                if err is None and target and frag and target in anchors and frag not in anchors[target]:
                    err = f"no heading or symbol #{frag} on {target}"
                if err: bad.append(f"{rel} {_where(nb, i)}: [{url}] {err}")
    assert not bad, f"{len(bad)} broken links:\n" + "\n".join(bad)

def _modidx() -> dict:
    "resnet_cifar_edu/_modidx.py of the working tree, read without importing the package."
    return runpy.run_path(str(ROOT/NBDEV_CFG.get("lib_path", "resnet_cifar_edu")/"_modidx.py"))["d"]

def test_dotted_names_in_prose_exist(proc):
    "Every `resnet_cifar_edu.x.y` the chapters mention is a module of the package or a symbol listed in _modidx."
    lib = NBDEV_CFG.get("lib_path", "resnet_cifar_edu")
    syms = _modidx()["syms"]
    def exists(name):
        if (ROOT/(name.replace(".", "/") + ".py")).is_file() or (ROOT/name.replace(".", "/")/"__init__.py").is_file():
            return True
        parts = name.split(".")
        return any(name in syms.get(".".join(parts[:k]), {}) for k in range(len(parts) - 1, 0, -1))
    bad = []
    for rel in proc["rendered"]:
        nb = _read_nb(NBS/rel)
        for i, c in enumerate(nb.cells):
            if c.cell_type != "markdown": continue
            for name in sorted(set(re.findall(rf"\b{re.escape(lib)}(?:\.[A-Za-z_]\w*)+", c.source))):
                if not exists(name): bad.append(f"{rel} {_where(nb, i)}: {name}")
    assert not bad, "names in the prose that are neither a module nor in _modidx (run nbdev-export?):\n" + "\n".join(bad)

def test_api_reference_pages_exist(proc):
    "Every symbol in _modidx points to a page the site has: the notebook that exports it is rendered."
    pages = {_page_of(rel) for rel in proc["rendered"]}
    missing = sorted({f"{url.split('#')[0]} (e.g. {sym})" for mod in _modidx()["syms"].values()
                      for sym, (url, _py) in mod.items() if url.split("#")[0] not in pages})
    assert not missing, f"_modidx links symbols to pages the site does not have: {missing}"

def test_show_doc_twins_link_their_own_source(pages):
    """Two show_doc entries with the same name on one page (the PyTorch and the Keras twin) must not link the same
    source line: the reader of `resnet_cifar_edu.torch.resnet.ConvBN` must not be sent to the Keras file."""
    src_link = re.compile(r"\[source\]\(([^)\s]+)\)")
    bad = []
    for rel, nb in pages.items():
        seen = {}
        for i, md in _md_texts(nb):
            link, head = src_link.search(md), _HEADING.search(md)
            if not (link and head): continue
            key = (head.group(1), link.group(1))
            if key in seen: bad.append(f"{rel} cells {seen[key]} and {i}: both `{key[0]}` link {key[1]}")
            else: seen[key] = i
    assert not bad, "\n".join(bad)

# ---------------------------------------------------------------------------------------------- sidebar and config
def _sidebar_entries(node) -> list:
    "The page files in sidebar.yml, in order (strings, `href:`/`file:` entries, nested `contents:`)."
    if isinstance(node, str): return [node]
    if isinstance(node, list): return [e for x in node for e in _sidebar_entries(x)]
    if isinstance(node, dict):
        own = [node[k] for k in ("href", "file") if isinstance(node.get(k), str)]
        return own + _sidebar_entries(node.get("contents", []))
    return []

def test_sidebar_lists_every_page_in_course_order():
    rendered = _rendered_sources()
    sb = (_yaml("sidebar.yml").get("website") or {}).get("sidebar")
    assert sb, "sidebar.yml has no website: sidebar:"
    entries = [e for e in _sidebar_entries(sb.get("contents", []) if isinstance(sb, dict) else sb)
               if not re.match(r"[a-z]+:", e)]  # leave out external links
    problems = [f"{e} does not exist in nbs/" for e in entries if not (NBS/e).exists()]
    problems += [f"{e} is in the sidebar but _quarto.yml does not render it" for e in entries
                 if (NBS/e).exists() and e not in rendered]
    problems += [f"{e} is listed twice" for e in sorted({e for e in entries if entries.count(e) > 1})]
    problems += [f"{r} is not in the sidebar" for r in rendered if r not in entries]
    listed = [e for e in entries if e in _chapters(rendered)]
    if listed != sorted(listed, key=_number):
        problems.append(f"chapters out of numeric order: {listed}")
    if entries and entries[0] != "index.ipynb": problems.append(f"the first entry is {entries[0]}, not index.ipynb")
    assert not problems, "nbs/sidebar.yml:\n" + "\n".join(problems)

def test_landing_page_links_every_chapter():
    "index.ipynb's table of contents names every numbered chapter."
    nb = _read_nb(NBS/"index.ipynb")
    linked = {PurePosixPath(urlsplit(u).path).name for c in nb.cells if c.cell_type == "markdown"
              for u in _links(_FENCE.sub("", c.source))}
    missing = [ch for ch in _chapters(_rendered_sources()) if ch not in linked]
    assert not missing, f"index.ipynb does not link these chapters: {missing}"

def test_quarto_nbdev_and_sidebar_config_agree_with_nbdev3(proc):
    q = _yaml("_quarto.yml")
    assert (q.get("project") or {}).get("type") == "website", "_quarto.yml: project: type: website"
    mf = q.get("metadata-files") or []
    assert {"nbdev.yml", "sidebar.yml"} <= set(mf), f"_quarto.yml metadata-files must name nbdev.yml and sidebar.yml: {mf}"
    html = ((q.get("format") or {}).get("html")) or {}
    assert html, "_quarto.yml: format: html: is missing"
    for css in ([html["css"]] if isinstance(html.get("css"), str) else html.get("css") or []):
        assert (NBS/css).is_file(), f"_quarto.yml names css {css}, which is not in nbs/"
    nbdev_yml = _yaml("nbdev.yml")
    assert (nbdev_yml.get("project") or {}).get("output-dir") == Path(NBDEV_CFG.get("doc_path", "_docs")).name, \
        "nbdev.yml output-dir must be pyproject's doc_path"
    assert NBDEV_CFG.get("custom_sidebar") is True, \
        "pyproject.toml [tool.nbdev] custom_sidebar = true, or nbdev-proc-nbs replaces the hand-ordered sidebar.yml"
    # nbdev-proc-nbs regenerates nbdev.yml from pyproject.toml (and _quarto.yml/sidebar.yml when nbdev owns them)
    changed = [n for n, b in proc["before"].items() if (proc["work"]/"nbs"/n).read_bytes() != b]
    assert not changed, f"nbdev-proc-nbs rewrote {changed}: commit what nbdev writes (run nbdev-proc-nbs)"

# ---------------------------------------------------------------------------------------------------------- tabsets
_TABSET_OPEN = re.compile(r":{3,}\s*(?:\{[^}]*\.panel-tabset\b[^}]*\}|panel-tabset)\s*$")
_DIV_CLOSE = re.compile(r":{3,}")
_HEADING_LEVEL = re.compile(r"^(#{1,6})[ \t]+\S.*$", re.M)
_DOCUMENTED = re.compile(r"^#\|\s*(?:export|exports|exec_doc)\b", re.M)  # cells nbdev follows with show_doc
SHOW_DOC_LEVEL = 3  # show_doc's heading `### name` (its default title_level)

def _tabset_problems(nb) -> list:
    """What would break the Quarto tabsets of a notebook (issue #9: the PyTorch and TensorFlow twins as tabs).

    Quarto takes the level of the first heading inside a `::: {.panel-tabset}` div as the tab level: each heading of
    that level starts a tab, and a heading of a higher rank (a section) before the closing `:::` ends up inside the
    last tab. nbdev-proc-nbs puts show_doc output, with a `### name` heading, after every exported cell: tabs of that
    level around an exported cell would split at each documented name."""
    res, open_at = [], None
    for i, c in enumerate(nb.cells):
        if open_at is not None and c.cell_type == "code" and _DOCUMENTED.search(c.source) and "#| hide" not in c.source:
            documented = True
        if c.cell_type != "markdown": continue
        src = _FENCE.sub("", c.source).strip()
        first = src.split("\n", 1)[0]
        if _TABSET_OPEN.fullmatch(first):
            if open_at is not None: res.append(f"{_where(nb, open_at)}: not closed before the tabset of {_where(nb, i)}")
            open_at, level, tabs, documented, src = i, None, 0, False, src[len(first):]
        elif open_at is None: continue
        elif _DIV_CLOSE.fullmatch(src):
            if tabs < 2: res.append(f"{_where(nb, open_at)}: {tabs} tab heading(s) before the `:::` of {_where(nb, i)}")
            if documented and level == SHOW_DOC_LEVEL:
                res.append(f"{_where(nb, open_at)}: level-{level} tabs around exported cells split at their show_doc "
                           f"headings (`{'#' * SHOW_DOC_LEVEL} name`): use a deeper level")
            open_at = None
            continue
        for m in _HEADING_LEVEL.finditer(src):
            level = level or len(m.group(1))
            if len(m.group(1)) == level: tabs += 1
            elif len(m.group(1)) < level:
                res.append(f"{_where(nb, open_at)}: not closed by a `:::` cell before the section heading "
                           f"{m.group(0)!r}, {_where(nb, i)}")
                open_at = None
                break
    if open_at is not None: res.append(f"{_where(nb, open_at)}: never closed by a `:::` cell")
    return res

def test_tabsets_are_closed_before_the_next_section():
    """Every `::: {.panel-tabset}` markdown cell in nbs/ is closed by a later `:::` cell before the next section
    heading, with at least two tab headings in between (and tabs around exported cells deeper than show_doc's)."""
    bad = [f"{p.name} {msg}" for p in sorted(NBS.glob("*.ipynb")) for msg in _tabset_problems(_read_nb(p))]
    assert not bad, "Quarto tabsets (`::: {.panel-tabset}` ... `:::`):\n" + "\n".join(bad)

# ------------------------------------------------------------------------------------------------------ in Chromium
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: `make browser-deps` installs Debian's "
                                                   "chromium and fonts-noto-cjk")
def test_pages_open_in_chromium(html_pages, pages):
    "The landing page and a chapter open in headless Chromium with their title and no traceback; screenshots are kept."
    from playwright.sync_api import sync_playwright
    OUT.mkdir(parents=True, exist_ok=True)
    missing = [p for p in BROWSER_PAGES if not isinstance(html_pages.get(p), Path)]
    assert not missing, f"no HTML for {missing} (see test_nbdev_proc_nbs_succeeds / test_processed_pages_convert_to_html)"
    problems, shots = [], []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.route(re.compile(r"^(?!file:)"), lambda route: route.abort())  # offline: CDN scripts are blocked
            for rel in BROWSER_PAGES:
                title = str(_frontmatter(pages[rel]).get("title", "")).strip()
                page.goto(html_pages[rel].as_uri(), wait_until="load", timeout=60_000)
                h1 = page.locator("h1").first
                if page.title().strip() != title: problems.append(f"{rel}: <title> is {page.title()!r}, not {title!r}")
                if not h1.is_visible() or h1.inner_text().strip().rstrip("¶").strip() != title:
                    problems.append(f"{rel}: the first <h1> is not the title {title!r}")
                body = page.inner_text("body")
                if "Traceback" in body: problems.append(f"{rel}: the page shows a traceback")
                broken = page.evaluate("[...document.images].filter(i => i.src.startsWith('file:'))"  # outside ones: offline here
                                       ".filter(i => !i.complete || i.naturalWidth === 0)"
                                       ".map(i => i.src.slice(0, 80))")
                if broken: problems.append(f"{rel}: images that do not load: {broken}")
                shot = OUT/f"{PurePosixPath(rel).stem}.png"
                page.screenshot(path=str(shot), full_page=True)
                shots.append(shot)
        finally:
            browser.close()
    print(f"\nscreenshots: {', '.join(map(str, shots))}")
    assert not problems, "\n".join(problems)

# ------------------------------------------------------------------------------------------------ the chapter shape
def test_every_chapter_has_summary_exercises_and_colab():
    "Chapters 00-08 and 10: a Summary and an Exercises heading, an Open-in-Colab badge for this very notebook (the"
    " repository in pyproject.toml), and a first code cell that installs the kit only inside Colab (tools/colab.py writes both)."
    from colab import colab_url
    problems = []
    for p in sorted([*NBS.glob("0[0-8]_*.ipynb"), *NBS.glob("10_*.ipynb")]):
        nb = _read_nb(p)
        heads = [h.strip().lower() for c in nb.cells if c.cell_type == "markdown" for h in re.findall(r"^#+\s*(.+)$", c.source, re.M)]
        problems += [f"{p.name}: no '{w}' heading" for w in ("summary", "exercises") if not any(h.startswith(w) for h in heads)]
        md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        if f'href="{colab_url(p)}"' not in md: problems.append(f"{p.name}: no Open-in-Colab badge linking {colab_url(p)}")
        code = [c.source for c in nb.cells if c.cell_type == "code" and not c.source.startswith("#| default_exp")]
        if not code or '"google.colab" in sys.modules' not in code[0]:
            problems.append(f"{p.name}: the first code cell does not install the kit in Colab (run tools/colab.py)")
    assert not problems, "\n".join(problems)

def test_colab_installs_the_extras_a_notebook_imports():
    "A notebook that imports onnxruntime (which Colab lacks) installs the kit's [onnx] extra in its Colab cell; the others install the plain kit."
    from colab import course_notebooks
    needs = []
    for p in course_notebooks():
        nb = _read_nb(p)
        imports = any(c.cell_type == "code" and re.search(r"^\s*(import|from) .*\bonnxruntime\b", c.source, re.M) for c in nb.cells)
        install = next(c.source for c in nb.cells if c.cell_type == "code" and '"google.colab" in sys.modules' in c.source)
        assert ("resnet_cifar_edu[onnx]'" in install) == imports, f"{p.name}: run tools/colab.py"
        needs += [p.name] * imports
    assert "A5_deployment.ipynb" in needs, needs
