"""After `tools/ship_model.py` replaced the shipped model: re-measure what depends on it and re-run the chapters' cells that show it.

usage: python tools/refresh_chapters.py --data DATA [--only NOTEBOOK ...] [--no-measure] [--no-screenshot] [--prose-only]

1. Measures again what is chosen or reported on the shipped model: `tools/unsure_threshold.py` (the demo's "unsure"
   threshold, nbs/results/unsure_threshold.json) and `tools/trick_table.py` (its test-time augmentation rows,
   nbs/results/tricks.json). Skip with --no-measure.
2. Executes each notebook of NOTEBOOKS in its folder (nbclient, the real data, not under test), except:
   `skip` cells (slow training that does not involve the shipped model) are not run and keep their saved outputs;
   with `only`, just those cells (and the `setup` cells they need) are run and every other cell keeps its output,
   so timings of unrelated cells are not replaced by those of a machine busy with something else.
   TensorFlow's start-up log lines and progress-bar widgets are dropped from the outputs, then `nbdev-clean`.
3. Runs tools/make_readme.py (README.md and README.zh-CN.md from nbs/index.ipynb) and, unless --no-screenshot,
   tools/demo_screenshot.py (the landing page's picture of the demo, whose banner names the model; needs Chromium).
4. Lists the prose that still quotes the previous model's numbers (read from the model card in git HEAD): those
   sentences are for a person to rewrite, with the new outputs beside them.
A cell that raises stops the tool with the notebook's name and the error; nothing is written for that notebook.
"""
import argparse, copy, json, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

# notebook → which cells to run (cell ids, stable under edits). Every notebook that shows the shipped model's outputs.
NOTEBOOKS = {
    "nbs/03_train.ipynb": {"setup": ["044cce53", "6a6ce701"], "only": ["5152dc1e", "c4cyc0e1"]},  # the model card and the cycles figure (it draws the card's history as the fourth cycle); the rest trains small models
    "nbs/04_evaluate.ipynb": {},
    "nbs/05_robustness.ipynb": {"skip": ["da25c47e", "3c274d65"]},  # trains the two Cutout models, not the shipped one
    "nbs/06_inference.ipynb": {},
    "nbs/08_app.ipynb": {},
    "nbs/A3_speed.ipynb": {"setup": ["180ba2ba"], "only": ["d079b123"]},  # the trick table, read from results/tricks.json
    "nbs/A5_deployment.ipynb": {},
    "nbs/A5b_serving_the_demo.ipynb": {},  # the banner names the shipped model
    "nbs/index.ipynb": {},
    "nbs/results.ipynb": {},  # every run beside the shipped model's card
    "nbs/solutions/04_evaluate_solutions.ipynb": {},  # exercise 6 runs the shipped model
    "nbs/solutions/05_robustness_solutions.ipynb": {"skip": ["25f79478"]},  # exercise 5 trains two models
    "nbs/solutions/06_inference_solutions.ipynb": {},
    "nbs/solutions/08_app_solutions.ipynb": {},
    "nbs/solutions/A5_deployment_solutions.ipynb": {},  # the fused path, float16 and ONNX on the shipped model
}
NOISE = re.compile(r"absl::InitializeLog|oneDNN custom operations|cpu_feature_guard|rebuild TensorFlow|"
                   r"To enable the following instructions|cpp_extension\.py|No CUDA runtime|Kernel is running over TCP")
WIDGET = "application/vnd.jupyter.widget-view+json"

def tidy_outputs(outputs) -> list:
    "Outputs without TensorFlow's start-up log lines and without progress-bar widgets (their state is not saved)."
    kept = []
    for o in outputs:
        if o.get("output_type") == "display_data" and WIDGET in o.get("data", {}): continue
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            lines = [l for l in "".join(o["text"]).splitlines(keepends=True) if not NOISE.search(l)]
            if not "".join(lines).strip(): continue
            o = {**o, "text": lines}
        kept.append(o)
    import nbformat
    return [nbformat.from_dict(o) for o in kept]  # notebook nodes: nbformat.write cannot write plain dicts

def refresh(path: Path, setup=(), only=(), skip=()) -> float:
    "Execute notebook `path` as described in the module docstring; returns the seconds it took."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    saved = copy.deepcopy(nb)
    ids = [c.get("id") for c in nb.cells]
    for want in (*setup, *only, *skip):
        if want not in ids: raise SystemExit(f"{path}: no cell with id {want!r} (edit NOTEBOOKS in {Path(__file__).name})")
    run = {i for i, c in enumerate(nb.cells) if c.cell_type == "code" and
           (c.id in setup or c.id in only if only else c.id not in skip)}
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and i not in run: c.source = ""
    t0 = time.perf_counter()
    try: NotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as e: raise SystemExit(f"{path}: a cell failed, nothing written for this notebook:\n{e}")
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code": continue
        if i in run and (c.id in only if only else True): c.outputs = tidy_outputs(c.outputs)
        else: nb.cells[i] = saved.cells[i]  # not run, or a setup cell: keep what was saved
    if "widgets" in nb.metadata and "widgets" not in saved.metadata: del nb.metadata["widgets"]
    nbformat.write(nb, path)
    subprocess.run([str(Path(PY).with_name("nbdev-clean")), "--fname", str(path)], check=True, cwd=ROOT)
    return time.perf_counter() - t0

def old_numbers(card: dict) -> list:
    "How prose may quote the card's accuracies: '87.3', '87.32' … for validation, test and TTA test accuracy."
    accs = [card["val_acc"], card["test"]["torch"]["accuracy"], card["test"]["torch_tta"]["accuracy"]]
    return sorted({f"{100 * a:.{d}f}" for a in accs if a is not None for d in (1, 2)}, key=len, reverse=True)  # None: no validation (--val 0)

def stale_prose(old: dict, new: dict, root=ROOT) -> list:
    "`(file, cell, sentence)` for prose under `root` that quotes the old card's accuracies or epoch count but not the new card's."
    if old.get("sha256") == new.get("sha256"): return []
    pats = [re.compile(rf"(?<![\d.]){re.escape(n)}(?!\d)") for n in old_numbers(old) if n not in old_numbers(new)]
    if old["recipe"]["epochs"] != new["recipe"]["epochs"]:
        pats.append(re.compile(rf"\b{old['recipe']['epochs']} (epochs|个轮次)"))
    found = []
    files = sorted(root.glob("nbs/*.ipynb")) + sorted(root.glob("nbs/solutions/*.ipynb"))
    for f in files:
        for k, c in enumerate(json.loads(f.read_text(encoding="utf-8"))["cells"]):
            if c["cell_type"] != "markdown": continue
            for sentence in re.split(r"(?<=[.。;；])\s+|\n", "".join(c["source"])):
                if any(p.search(sentence) for p in pats): found.append((str(f.relative_to(root)), k, sentence.strip()))
    for f in [*sorted(root.glob("nbs/results/*.json")), *root.glob("nbs/index.zh-CN.json")]:
        for line in f.read_text(encoding="utf-8").splitlines():
            if any(p.search(line) for p in pats): found.append((str(f.relative_to(root)), None, line.strip()[:300]))
    return found

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="CIFAR-10 data for the measurements (default: what get_cifar10 finds)")
    ap.add_argument("--only", nargs="+", help="just these notebooks (paths as in NOTEBOOKS)")
    ap.add_argument("--no-measure", action="store_true", help="do not re-run unsure_threshold.py and trick_table.py")
    ap.add_argument("--no-screenshot", action="store_true", help="do not retake nbs/images/demo.png")
    ap.add_argument("--prose-only", action="store_true", help="only list the prose that quotes the previous model")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # inherited by the kernels
    card_path = "resnet_cifar_edu/weights/model_card.json"
    new = json.loads((ROOT/card_path).read_text())
    head = subprocess.run(["git", "show", f"HEAD:{card_path}"], capture_output=True, text=True, cwd=ROOT)
    old = json.loads(head.stdout) if head.returncode == 0 else new
    if not args.prose_only:
        if not args.no_measure:
            data = ["--data", args.data] if args.data else []
            for tool in ("unsure_threshold.py", "trick_table.py"):
                print(f"measuring: tools/{tool}", flush=True)
                subprocess.run([PY, str(ROOT/"tools"/tool), *data], check=True, cwd=ROOT)
        for name, how in NOTEBOOKS.items():
            if args.only and name not in args.only: continue
            print(f"{name}: {refresh(ROOT/name, **how):.0f} s", flush=True)
        subprocess.run([PY, str(ROOT/"tools"/"make_readme.py")], check=True, cwd=ROOT)
        if not args.no_screenshot: subprocess.run([PY, str(ROOT/"tools"/"demo_screenshot.py")], check=True, cwd=ROOT)
    stale = stale_prose(old, new)
    print(f"\nprose that quotes the previous model ({old['recipe']['epochs']} epochs, test {old['test']['torch']['accuracy']:.2%}): "
          f"{len(stale)} places" + (", none" if not stale else ""))
    for f, k, s in stale: print(f"  {f}" + (f" cell {k}" if k is not None else "") + f": {s[:200]}")

if __name__ == "__main__": main()
