"""tools/record_run.py: a finished run's record for the results table, and the paired test against another run."""
import json
from pathlib import Path

import pytest
import record_run
from test_train_cli import run

def test_record_with_a_paired_comparison(tiny_folder, tmp_path):
    "Two tiny runs (PyTorch, Keras) on the same data; the record's McNemar counts agree with the two accuracies."
    for fw in ("torch", "tf"):
        code, _, err = run("--framework", fw, "--preset", "quick", "--width", "4", "--epochs", "1", "--batch-size", "16",
                           "--data", tiny_folder, "--out", tmp_path/fw, "--no-progress", "--no-test")
        assert code == 0, err
    record_run.main([str(tmp_path/"tf"), "--framework", "tf", "--data", str(tiny_folder), "--name", "tiny_tf",
                     "--compare", f"{tmp_path/'torch'}:torch", "--out-dir", str(tmp_path/"nbs")])
    rec = json.loads((tmp_path/"nbs"/"results"/"tiny_tf.json").read_text())
    assert (tmp_path/"nbs"/"images"/"tiny_tf_curves.png").is_file()
    p, n = rec["paired"], rec["test"]["plain"]["n"]
    assert p["against"].startswith("torch (torch)") and p["n"] == p["a_only"] + p["b_only"]
    # only-this-right minus only-the-other-right is exactly the difference in correct answers
    assert p["a_only"] - p["b_only"] == round((rec["test"]["plain"]["accuracy"] - p["accuracy_against"]) * n)
    assert 0 <= p["p_value"] <= 1

def test_compare_needs_a_framework(tiny_folder, tmp_path):
    with pytest.raises(SystemExit):
        record_run.main([str(tmp_path), "--framework", "tf", "--data", str(tiny_folder), "--name", "x", "--compare", str(tmp_path)])

def test_record_of_a_run_without_validation_split(tiny_folder, tmp_path):
    "`--val 0` trains on every image; the record says there is no validation accuracy (null), not NaN."
    code, _, err = run("--framework", "torch", "--preset", "quick", "--width", "4", "--epochs", "1", "--batch-size", "16",
                       "--val", "0", "--data", tiny_folder, "--out", tmp_path/"all", "--no-progress", "--no-test")
    assert code == 0, err
    record_run.main([str(tmp_path/"all"), "--framework", "torch", "--data", str(tiny_folder), "--name", "all", "--out-dir", str(tmp_path/"nbs")])
    text = (tmp_path/"nbs"/"results"/"all.json").read_text()
    assert "NaN" not in text and json.loads(text)["val_acc"] is None
