"""tools/refresh_chapters.py, the step after shipping a new model: its list of cells still matches the notebooks, it
drops only log noise from outputs, and it finds prose that still quotes the previous model."""
import json
from pathlib import Path

import refresh_chapters as rc

ROOT = Path(__file__).resolve().parents[1]

def test_every_listed_cell_exists():
    "A cell id in NOTEBOOKS that no longer exists (a cell was deleted or re-created) would make the refresh stop midway."
    for name, how in rc.NOTEBOOKS.items():
        ids = {c.get("id") for c in json.loads((ROOT/name).read_text(encoding="utf-8"))["cells"]}
        for kind, wanted in how.items():
            assert set(wanted) <= ids, f"{name}: {kind} cells {sorted(set(wanted) - ids)} are gone"

def test_every_notebook_that_loads_the_shipped_model_is_listed():
    for f in [*ROOT.glob("nbs/*.ipynb"), *ROOT.glob("nbs/solutions/*.ipynb")]:
        cells = json.loads(f.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells  # cells that run and show, not the library's exported code
                         if c["cell_type"] == "code" and not "".join(c["source"]).lstrip().startswith("#| export"))
        if any(k in code for k in ("from_pretrained(", "load_demo_classifier(", "PRETRAINED.parent", "shipped_logits(")):
            assert str(f.relative_to(ROOT)) in rc.NOTEBOOKS, f"{f.name} shows the shipped model but is not refreshed"

def test_tidy_outputs_drops_log_noise_and_widgets_only():
    log = {"output_type": "stream", "name": "stderr",
           "text": ["WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
                    "I0000 port.cc:153] oneDNN custom operations are on.\n", "a real warning\n"]}
    only_log = {"output_type": "stream", "name": "stderr", "text": ["I0000 cpu_feature_guard.cc:227] This TensorFlow binary\n"]}
    bar = {"output_type": "display_data", "data": {"application/vnd.jupyter.widget-view+json": {}, "text/plain": "0%|"}}
    out = {"output_type": "stream", "name": "stdout", "text": ["oneDNN custom operations are on: printed on purpose\n"]}
    kept = rc.tidy_outputs([log, only_log, bar, out])
    assert kept == [{**log, "text": ["a real warning\n"]}, out]  # stdout is never touched
    import nbformat  # and a notebook holding them can be written (a filtered output once was a plain dict, which it cannot)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    nb.cells[0].outputs = kept
    assert "a real warning" in nbformat.writes(nb)

def test_stale_prose_finds_the_old_numbers(tmp_path):
    old = {"sha256": "a", "val_acc": 0.8688, "recipe": {"epochs": 10},
           "test": {"torch": {"accuracy": 0.8732}, "torch_tta": {"accuracy": 0.8754}}}
    new = {"sha256": "b", "val_acc": 0.8898, "recipe": {"epochs": 16},
           "test": {"torch": {"accuracy": 0.8893}, "torch_tta": {"accuracy": 0.8957}}}
    (tmp_path/"nbs").mkdir()
    cells = [{"cell_type": "markdown", "source": ["The shipped model reaches 87.3 % on the test images. It is fine.\n",
                                                   "Trained for 10 epochs. 18.73 is not a match, nor 87.35."]},
             {"cell_type": "markdown", "source": ["Now 88.9 % (89.57 % with TTA), trained for 16 epochs."]},
             {"cell_type": "code", "source": ["x = 87.3"]}]
    (tmp_path/"nbs"/"01_x.ipynb").write_text(json.dumps({"cells": cells}))
    found = rc.stale_prose(old, new, root=tmp_path)
    assert [(f, k, s) for f, k, s in found] == [("nbs/01_x.ipynb", 0, "The shipped model reaches 87.3 % on the test images."),
                                                ("nbs/01_x.ipynb", 0, "Trained for 10 epochs.")]
    assert rc.stale_prose(old, old, root=tmp_path) == []  # the same model: nothing to rewrite

def test_a_card_without_validation_is_quoted_and_tabled(tmp_path):
    "A model trained with --val 0 has `val_acc: null` in its card (strict JSON): the stale-prose check and the results table once did arithmetic on it."
    from resnet_cifar_edu._results import _shipped_rows
    card = {"sha256": "c", "val_acc": None, "recipe": {"epochs": 38}, "train_seconds": 8580.0, "machine": "2 CPU cores (Intel Xeon), no GPU",
            "test": {k: {"accuracy": a} for k, a in (("torch", 0.9098), ("torch_tta", 0.9176), ("tf", 0.9098), ("tf_tta", 0.9176))}}
    card["test"]["max_prob_diff_torch_vs_tf"] = 1.7e-06; card["test"]["torch"]["n"] = 10_000
    assert sorted(rc.old_numbers(card)) == ["90.98", "91.0", "91.76", "91.8"]
    rows = _shipped_rows(card, [38], 8580.0)
    assert "| — | 90.98% | 91.76% |" in rows[0], rows[0]
