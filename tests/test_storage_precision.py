"""tools/storage_precision.py: how much storing a model's weights in 16 bits changes its answers."""
import json

import numpy as np
import storage_precision
from test_train_cli import run

def test_rounding_keeps_what_each_format_keeps():
    "float16 keeps 10 bits after the leading one, bfloat16 7; both round to nearest; integer arrays are left alone."
    a = np.array([1.0, 1 + 2**-9, 1 + 2**-8 + 2**-10, -2.5e-3], np.float32)
    state = {"w": a, "count": np.array([3], np.int64)}
    f16, bf16 = (storage_precision.rounded(state, d) for d in ("float16", "bfloat16"))
    assert f16["w"].dtype == bf16["w"].dtype == np.float32
    assert f16["w"][1] == 1 + 2**-9 and f16["w"][2] == 1 + 2**-8 + 2**-10  # exact in float16
    assert bf16["w"][1] == 1.0 and bf16["w"][2] == 1 + 2**-7                 # bfloat16's step at 1 is 2**-7: to the nearest
    np.testing.assert_allclose(bf16["w"][3], -2.5e-3, rtol=2**-8)
    assert f16["count"] is state["count"] and bf16["count"] is state["count"]

def test_a_tiny_run_end_to_end(tiny_folder, tmp_path):
    "On a tiny run's checkpoint: the float32 reference changes nothing, and every count is within the test images."
    code, _, err = run("--framework", "torch", "--preset", "quick", "--width", "4", "--epochs", "1", "--batch-size", "16",
                       "--data", tiny_folder, "--out", tmp_path/"run", "--no-progress", "--no-test",
                       "--set", "bf16=false")  # float32 training: on a CPU with AMX, one bf16 epoch left this tiny model's softmax saturated (p = 1.0), which no rounding moves
    assert code == 0, err
    storage_precision.main([str(tmp_path/"run"), "--data", str(tiny_folder), "--out", str(tmp_path/"p.json")])
    rec = json.loads((tmp_path/"p.json").read_text())
    assert rec["float32"]["answers_changed"] == 0 and rec["float32"]["max_prob_diff"] == 0
    for name in ("float16", "bfloat16"):
        assert 0 <= rec[name]["answers_changed"] <= rec["n"] and 0 <= rec[name]["accuracy"] <= 1
        assert 0 < rec[name]["max_prob_diff"] < 0.5  # rounding the weights nudges probabilities (a no-op rounding fails here)
    assert rec["bfloat16"]["max_prob_diff"] > rec["float16"]["max_prob_diff"]  # bfloat16 keeps fewer bits than float16
