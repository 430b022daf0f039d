"""tools/trick_table.py on stand-in runs: which rows it measures against what, what it keeps, where it writes.
The data and the classifier are replaced by stand-ins (no training, no CIFAR-10): each run folder's 'model' gets a
chosen set of validation pictures right, so every count and p-value in the table can be checked by hand."""
import json, sys
import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/"tools"))
import trick_table  # noqa: E402

N_PER_CLASS = 600  # train_val_split holds out 500 per class of these

def _run(folder, seed=0, epochs=8, done=8):
    folder.mkdir(parents=True)
    (folder/"best.safetensors").write_bytes(b"stand-in")
    (folder/"last.json").write_text(json.dumps({"epoch": done, "recipe": {"epochs": epochs, "width": 32, "seed": seed},
                                                "history": {"seconds": [10.0] * done}}))

@pytest.fixture
def setup(tmp_path, monkeypatch):
    "A repository root with a recorded tricks.json, runs/ with a base and two seeds, and stand-ins for data and models."
    labels = np.repeat(np.arange(10), N_PER_CLASS)
    images = np.arange(len(labels))[:, None]  # a picture's 'pixels' are its index, so a stand-in model knows which it sees
    right_sets = {"base": lambda i: i % 10 < 8, "base-seed1": lambda i: (i + 3) % 10 < 8, "base-seed2": lambda i: i % 10 < 7,
                  "ls02": lambda i: i % 10 < 9, "ls02-seed1": lambda i: (i + 3) % 10 < 9, "ls02-seed2": lambda i: i % 10 < 9}
    class StandIn:
        def __init__(self, folder): self.right = right_sets[folder.name]
        @classmethod
        def from_checkpoint(cls, folder, backend): return cls(folder)
        def predict_proba(self, x, tta=False):
            idx = x[:, 0]; y = labels[idx]
            pred = np.where(self.right(idx), y, (y + 1) % 10)
            return np.eye(10)[pred]
    monkeypatch.setattr(trick_table, "Classifier", StandIn)
    monkeypatch.setattr(trick_table, "get_cifar10", lambda data, tiny: "stand-in")
    monkeypatch.setattr(trick_table, "load_dataset", lambda src, split: (images, labels, list("abcdefghij")))
    root = tmp_path/"repo"; (root/"nbs"/"results").mkdir(parents=True)
    recorded = {"tta": {"rows": [{"name": "no TTA", "val_acc": 0.9}]},
                "training": {"rows": [{"name": "base", "val_acc": 0.85}, {"name": "label smoothing 0.2", "val_acc": 0.849}]}}
    (root/"nbs"/"results"/"tricks.json").write_text(json.dumps(recorded))
    monkeypatch.setattr(trick_table, "ROOT", root)
    runs = tmp_path/"runs"
    _run(runs/"base", seed=0); _run(runs/"base-seed1", seed=1); _run(runs/"base-seed2", seed=2, done=5)  # seed 2 unfinished
    _run(runs/"ls02"); _run(runs/"ls02-seed1", seed=1); _run(runs/"ls02-seed2", seed=2)  # ls02 again: seed 2's base is unfinished
    val = trick_table.train_val_split(labels)[1]  # the pictures the tool scores on
    rights = {name: f(val) for name, f in right_sets.items()}
    return root, runs, recorded, rights

def _expected(new, ref):
    "What a row of `new` against `ref` must say, from the stand-ins' right/wrong arrays."
    return dict(delta=round(float(new.mean() - ref.mean()), 4), only_new_right=int((new & ~ref).sum()), only_ref_right=int((ref & ~new).sum()))

def test_seeds_only_measures_the_seeds_against_the_base_and_keeps_the_rest(setup, tmp_path):
    root, runs, recorded, rights = setup
    out = tmp_path/"mine.json"
    trick_table.main(["--runs", str(runs), "--base", "base", "--seeds-only", "--out", str(out)])
    table = json.loads(out.read_text())
    assert json.loads((root/"nbs"/"results"/"tricks.json").read_text()) == recorded  # --out: the recorded file untouched
    assert table["tta"]["rows"] == recorded["tta"]["rows"] and table["training"]["rows"] == recorded["training"]["rows"]
    ref = table["training"]["seed_reference"]
    assert ref["run"] == "base" and ref["val_acc"] == round(float(rights["base"].mean()), 4) and "delta" not in ref
    [seed1] = table["training"]["seed_rows"]  # seed 2 is unfinished: left out; ls02 is a trick, not a seed
    assert (seed1["run"], seed1["name"]) == ("base-seed1", "base, seed 1")
    assert {k: seed1[k] for k in ("delta", "only_new_right", "only_ref_right")} == _expected(rights["base-seed1"], rights["base"])
    assert seed1["only_new_right"] > 0 and seed1["only_ref_right"] > 0 and 0.05 < seed1["p_value"] <= 1  # luck-sized: both ways

def test_a_full_run_puts_tricks_and_seeds_in_their_own_rows(setup, tmp_path):
    root, runs, _, rights = setup
    out = tmp_path/"mine.json"
    trick_table.main(["--runs", str(runs), "--base", "base", "--runs-only", "--out", str(out)])
    t = json.loads(out.read_text())["training"]
    assert [r["run"] for r in t["rows"]] == ["base", "ls02"] and [r["run"] for r in t["seed_rows"]] == ["base-seed1"]
    assert [r["run"] for r in t["trick_seed_rows"]] == ["ls02-seed1"]  # a trick's other seed is no trick row of its own
    ls = t["rows"][1]
    assert ls["name"] == trick_table.TRICKS["ls02"] and {k: ls[k] for k in ("delta", "only_new_right", "only_ref_right")} == _expected(rights["ls02"], rights["base"])
    assert ls["only_ref_right"] == 0 and ls["p_value"] < 1e-4  # ls02's stand-in is right wherever the base is, and more

def test_seed_rows_are_kept_when_no_seed_runs_are_there(setup, tmp_path):
    root, runs, _, _ = setup
    first = tmp_path/"first.json"
    trick_table.main(["--runs", str(runs), "--base", "base", "--seeds-only", "--out", str(first)])
    (root/"nbs"/"results"/"tricks.json").write_text(first.read_text())  # recorded now, with its seed rows
    for f in ("base-seed1", "base-seed2"): (runs/f/"best.safetensors").unlink()
    second = tmp_path/"second.json"
    trick_table.main(["--runs", str(runs), "--base", "base", "--runs-only", "--out", str(second)])
    assert json.loads(second.read_text())["training"]["seed_rows"] == json.loads(first.read_text())["training"]["seed_rows"]

def test_a_missing_or_unfinished_base_is_refused(setup, tmp_path):
    _, runs, _, _ = setup
    with pytest.raises(SystemExit, match="base run is missing or unfinished"):
        trick_table.main(["--runs", str(runs), "--base", "base-seed2", "--seeds-only", "--out", str(tmp_path/"x.json")])
    with pytest.raises(SystemExit, match="base run is missing or unfinished"):
        trick_table.main(["--runs", str(runs), "--base", "nowhere", "--runs-only", "--out", str(tmp_path/"x.json")])

def test_a_tricks_second_seed_is_measured_against_the_base_with_that_seed(setup, tmp_path):
    root, runs, recorded, rights = setup
    out = tmp_path/"mine.json"
    trick_table.main(["--runs", str(runs), "--base", "base", "--seeds-only", "--out", str(out)])
    t = json.loads(out.read_text())["training"]
    assert t["rows"] == recorded["training"]["rows"]  # the trick rows kept
    [ls1] = t["trick_seed_rows"]  # ls02-seed2 is left out: its base-seed2 is unfinished
    assert (ls1["run"], ls1["reference"], ls1["name"]) == ("ls02-seed1", "base-seed1", trick_table.TRICKS["ls02"] + ", seed 1")
    assert {k: ls1[k] for k in ("delta", "only_new_right", "only_ref_right")} == _expected(rights["ls02-seed1"], rights["base-seed1"])
    assert ls1["only_ref_right"] == 0 and _expected(rights["ls02-seed1"], rights["base"])["only_ref_right"] > 0  # its own seed's base, not seed 0's
    (root/"nbs"/"results"/"tricks.json").write_text(out.read_text())
    for f in ("ls02-seed1", "ls02-seed2"): (runs/f/"best.safetensors").unlink()
    again = tmp_path/"again.json"  # no trick seeds here any more: the recorded rows are kept
    trick_table.main(["--runs", str(runs), "--base", "base", "--seeds-only", "--out", str(again)])
    assert json.loads(again.read_text())["training"]["trick_seed_rows"] == t["trick_seed_rows"]
