"""Edit and see: in the chapters, the cells below a definition run the notebook's own definition.

Each test copies a chapter, breaks one definition cell the way a student's edit might, runs the copy as
`nbdev-test` does (IN_TEST=1, `#| slow` cells skipped) and checks that a *later* check cell fails. If the
checks read the exported package instead, the broken copy would still pass. The unbroken chapter passing is
checked by `nbdev-test` itself (make test runs it first)."""
import json, os, re, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"

# Runs the cells in order in a fresh process and prints the index of the first cell that raised.
RUNNER = r'''
import json, os, sys
os.environ["IN_TEST"] = "1"
from pathlib import Path
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.process import NBProcessor
from nbdev.test import _skip_cell

fn, wd = Path(sys.argv[1]), Path(sys.argv[2])
nb = NBProcessor(fn, rm_directives=False, process=True).nb
skip, k, res = _skip_cell(nb, ["slow"], None), CaptureShell(fn), {"failed": None, "error": None}
with working_directory(wd):
    for i, cell in enumerate(nb.cells):
        if skip(cell): continue
        try: k.cell(cell)
        except Exception as e: res = {"failed": i, "error": f"{type(e).__name__}: {e}"[:800]}; break
        errs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errs: res = {"failed": i, "error": f"{errs[0].get('ename')}: {errs[0].get('evalue')}"[:800]}; break
print("RESULT " + json.dumps(res))
'''

def _src(cell) -> str: return "".join(cell["source"])

def break_and_run(tmp_path, chapter: str, is_target, edit) -> tuple[int, dict]:
    "Copy `chapter`, apply `edit` to the one cell for which `is_target(source)` holds, run the copy; (index of that cell, result)."
    nb = json.loads((NBS/chapter).read_text())
    hits = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and is_target(_src(c))]
    assert len(hits) == 1, f"{chapter}: expected one cell to break, found {hits}"
    i = hits[0]
    new = edit(_src(nb["cells"][i]))
    assert new != _src(nb["cells"][i]), f"{chapter}: the edit changed nothing in cell {i}"
    nb["cells"][i]["source"] = new
    copy = tmp_path/chapter
    copy.write_text(json.dumps(nb))
    (tmp_path/"runner.py").write_text(RUNNER)
    p = subprocess.run([sys.executable, str(tmp_path/"runner.py"), str(copy), str(NBS)], capture_output=True,
                       text=True, timeout=1200, env={**os.environ, "IN_TEST": "1"})
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    assert line, f"the runner printed no result:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    return i, json.loads(line[-1][7:])

def _is_torch_export(src: str, name: str) -> bool:
    "A cell exported to the chapter's own (PyTorch) module that defines `name`."
    return re.search(r"^#\|\s*export\s*$", src, re.M) is not None and re.search(rf"^(class|def) {name}\b", src, re.M) is not None

def _first_line_of_body(src: str, header: str, line: str) -> str:
    "Insert `line` as the first statement of the function whose `def` line matches `header`."
    m = re.search(rf"^(\s*){header}.*:\s*$", src, re.M)
    assert m, f"no line matching {header!r}"
    indent = m.group(1) + "    "
    return src[:m.end()] + "\n" + indent + line + src[m.end():]

def test_twin_toy_breaks(tmp_path):
    "The toy of nbs/99_build.ipynb: a broken PyTorch `unit` shows up in `pt.net` below it."
    i, res = break_and_run(tmp_path, "99_build.ipynb", lambda s: s.startswith("pt, kr = Twin"),
                           lambda s: s.replace('return f"torch-unit({x})"', 'return f"broken({x})"'))
    assert res["failed"] is not None and res["failed"] > i, res
    assert "broken" in res["error"], res

# (chapter, what is broken, the cell that defines it, the edit a student might make)
BREAKS = [
    ("01_resnet.ipynb", "a BasicBlock that drops its residual branch (output = shortcut only)",
     lambda s: _is_torch_export(s, "BasicBlock"),
     lambda s: _first_line_of_body(s, r"def forward\(self, x", "return self.shortcut(x)")),
    ("02_augment.ipynb", "a PyTorch flip that flips nothing",
     lambda s: _is_torch_export(s, "random_flip"),
     lambda s: _first_line_of_body(s, r"def random_flip\(", "return x")),
    ("03_train.ipynb", "a PyTorch label-smoothing loss with the wrong target weights",
     lambda s: "def smooth_cross_entropy" in s and "F.one_hot" in s,
     lambda s: s.replace("(1 - smoothing)", "(1 + smoothing)")),
    ("07_distributed.ipynb", "a PyTorch state_digest that fingerprints the weights but not the BatchNorm statistics",
     lambda s: s.startswith("#| export torch.distributed") and "def state_digest" in s,
     lambda s: s.replace("sorted(model.state_dict().items())", "sorted(model.named_parameters())")),
    ("A5_deployment.ipynb", "a fused path that never freezes the model (so it always runs eagerly)",
     lambda s: s.startswith("#| export torch.fused"),
     lambda s: _first_line_of_body(s, r"def _freeze\(", "return None")),
    ("06_inference.ipynb", "a PyTorch gradcam that returns a blank map (the Keras twin's map no longer matches it)",
     lambda s: s.startswith("#| export torch.infer") and "def gradcam" in s,
     lambda s: _first_line_of_body(s, r"def gradcam\(", "return np.ones((4, 4), np.float32), np.zeros(10, np.float32)")),
]

@pytest.mark.parametrize("chapter,what,is_target,edit", BREAKS, ids=[b[0][:2] for b in BREAKS])
def test_chapter_uses_its_own_definitions(tmp_path, chapter, what, is_target, edit):
    "A broken definition must make a later check cell of the chapter fail."
    i, res = break_and_run(tmp_path, chapter, is_target, edit)
    assert res["failed"] is not None, f"{chapter} still passes with {what}: its checks do not use the notebook's own code"
    assert res["failed"] > i, res


RERUN = RUNNER.replace('print("RESULT " + json.dumps(res))', """
again = json.loads(sys.argv[3])  # then run these cells once more, as a student re-running a tab after the rest
if res["failed"] is None:
    with working_directory(wd):
        for i in again:
            try: k.cell(nb.cells[i])
            except Exception as e: res = {"failed": i, "error": f"{type(e).__name__}: {e}"[:800]}; break
            errs = [o for o in nb.cells[i].get("outputs", []) if o.get("output_type") == "error"]
            if errs: res = {"failed": i, "error": f"{errs[0].get('ename')}: {errs[0].get('evalue')}"[:800]}; break
            print("OUT", json.dumps(["".join(o.get("text", "")) for o in nb.cells[i].get("outputs", [])]))
print("RESULT " + json.dumps(res))""")

def _gradcam_cells():
    "06 as JSON, a finder of code cells by source, the PyTorch `gradcam` cell and the `pt.keep()` of its own tab."
    nb = json.loads((NBS/"06_inference.ipynb").read_text())
    find = lambda test: [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and test(_src(c))]
    [g] = find(lambda s: s.startswith("#| export torch.infer") and "def gradcam" in s)
    return nb, find, g, min(i for i in find(lambda s: s.startswith("pt.keep()")) if i > g)

def test_rerunning_a_tab_after_the_other_keeps_its_framework(tmp_path):
    "06 run to the end, then its PyTorch gradcam cell, `pt.keep()` and a Grad-CAM figure again: the PyTorch twin must not pick up the Keras tab's imports (normalize, resnet18, _forward) or the later cells' functions."
    nb, find, g, keep = _gradcam_cells()
    cells = [g, keep] + find(lambda s: s.startswith("ok = [np.flatnonzero"))
    assert len(cells) == 3, cells
    (tmp_path/"rerun.py").write_text(RERUN)
    p = subprocess.run([sys.executable, str(tmp_path/"rerun.py"), str(NBS/"06_inference.ipynb"), str(NBS), json.dumps(cells)],
                       capture_output=True, text=True, timeout=1200, env={**os.environ, "IN_TEST": "1"})
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    assert line, f"the runner printed no result:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    res = json.loads(line[-1][7:])
    assert res["failed"] is None, res
    assert 'PyTorch keeps: gradcam\\n' in p.stdout, p.stdout[-2000:]  # the re-run tab takes its own function, nothing later


SCHEDULE = RUNNER.replace('print("RESULT " + json.dumps(res))', """
upto, edited, keeps, sched = json.loads(sys.argv[3])  # run to `upto`; then the edited schedule cell and every cell below it again
if res["failed"] is None:
    with working_directory(wd):
        k.run_cell(edited)  # the student's edit, then every cell below it again, as the chapter says
        for i in range(sched + 1, upto + 1):
            if nb.cells[i].cell_type == "code" and not skip(nb.cells[i]): k.cell(nb.cells[i])
        k.run_cell("RESULT_LR = (pt.train_epoch.__globals__['one_cycle_lr'](0, 10, 1.0), kr.train_epoch.__globals__['one_cycle_lr'](0, 10, 1.0), "
                   "pt.normalize.__module__, kr.normalize.__module__)")
        res = {"failed": None, "lrs": list(k.user_ns["RESULT_LR"][:2]), "normalize": list(k.user_ns["RESULT_LR"][2:])}
print("RESULT " + json.dumps(res))""").replace("for i, cell in enumerate(nb.cells):", "for i, cell in enumerate(nb.cells[:json.loads(sys.argv[3])[0] + 1]):")

def test_an_edited_schedule_reaches_both_training_loops(tmp_path):
    "03: edit `one_cycle_lr`, re-run it and the cells below: both twins' `train_epoch` must then call the edited schedule, each twin keeping its own framework's imports."
    nb = json.loads((NBS/"03_train.ipynb").read_text())
    find = lambda test: [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and test(_src(c))]
    [sched] = find(lambda s: s.startswith("def one_cycle_lr("))
    keeps = find(lambda s: s.startswith(("pt.keep(", "kr.keep(")) and "one_cycle_lr" in s)
    assert len(keeps) == 2, keeps
    edited = _src(nb["cells"][sched]).replace("return float(np.interp(", "return 123.0 + 0 * float(np.interp(")
    assert edited != _src(nb["cells"][sched])
    (tmp_path/"schedule.py").write_text(SCHEDULE)
    p = subprocess.run([sys.executable, str(tmp_path/"schedule.py"), str(NBS/"03_train.ipynb"), str(NBS), json.dumps([max(keeps), edited, keeps, sched])],
                       capture_output=True, text=True, timeout=1200, env={**os.environ, "IN_TEST": "1"})
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    assert line, f"the runner printed no result:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    res = json.loads(line[-1][7:])
    assert res["failed"] is None and res["lrs"] == [123.0, 123.0], res
    assert res["normalize"][0].startswith("resnet_cifar_edu.torch") and res["normalize"][1].startswith("resnet_cifar_edu.tensorflow"), res


EDIT_THEN = RUNNER.replace('print("RESULT " + json.dumps(res))', """
edits, probe = json.loads(sys.argv[3])  # after Run All: these sources (a student's edit, then the cells it asks to re-run), then `probe`
if res["failed"] is None:
    with working_directory(wd):
        for src in edits: k.run_cell(src)
        k.run_cell("RESULT_PROBE = " + probe)
        res = {"failed": None, "probe": k.user_ns.get("RESULT_PROBE")}
print("RESULT " + json.dumps(res))""")

def test_gradcam_on_an_earlier_stage_reaches_the_chapters_classifier(tmp_path):
    "06, exercise 3: `model.stage4` -> `model.stage3` in the PyTorch tab's gradcam, that cell and `pt.keep()` re-run: the Grad-CAM section's `clf` then maps on stage 3's 8×8 grid (it was 4×4)."
    nb, _, g, keep = _gradcam_cells()
    edited = _src(nb["cells"][g]).replace("model.stage4", "model.stage3")
    assert edited != _src(nb["cells"][g])
    probe = "[list(clf._infer.gradcam(clf.model, x_test[0], None, clf.config['mean'], clf.config['std'])[0].shape), list(clf.explain(x_test[0]).shape)]"
    (tmp_path/"edit_then.py").write_text(EDIT_THEN)
    p = subprocess.run([sys.executable, str(tmp_path/"edit_then.py"), str(NBS/"06_inference.ipynb"), str(NBS), json.dumps([[edited, _src(nb["cells"][keep])], probe])],
                       capture_output=True, text=True, timeout=1200, env={**os.environ, "IN_TEST": "1"})
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    assert line, f"the runner printed no result:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    res = json.loads(line[-1][7:])
    assert res["failed"] is None and res["probe"] == [[8, 8], [32, 32]], res
