"""The benchmarks in bench/ run end to end and print what their docstrings promise, on tiny settings (a narrow network,
a few steps, generated pictures). Their numbers are not checked against any speed: only that each is measured (a
positive rate), and that the ratios and percentiles printed agree with the rates printed beside them."""
import re, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

def bench(script, *args, timeout=900):
    r = subprocess.run([sys.executable, str(ROOT/"bench"/script), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout

@pytest.fixture(scope="module")
def train_only_folder(tmp_path_factory):
    from resnet_cifar_edu.data import make_tiny_image_folder
    return make_tiny_image_folder(tmp_path_factory.mktemp("bench")/"tiny", n_per_class=64, splits=("train",))

def test_train_speed_measures_the_three_pipelines(train_only_folder):
    out = bench("train_speed.py", "--width", 4, "--steps", 1, "--data", train_only_folder)
    rate = {m[0]: float(m[1]) for m in re.findall(r"^\s+\((a|b|c)\) .*?:\s+([\d.]+) img/s", out, re.M)}
    assert set(rate) == {"a", "b", "c"} and all(v > 0 for v in rate.values()), out
    ratios = dict(re.findall(r"^\s+(b/a|c/b) = ([\d.]+)", out, re.M))
    for name, top, bottom in (("b/a", "b", "a"), ("c/b", "c", "b")):  # the ratio of the printed rates, up to their rounding
        r = rate[top] / rate[bottom]
        assert abs(float(ratios[name]) - r) <= 0.006 + r * (0.05 / rate[top] + 0.05 / rate[bottom]), (name, out)
    assert "ResNet-18 width 4" in out and "machine:" in out

def test_inference_speed_prints_every_backend():
    out = bench("inference_speed.py", "--n", 3, "--batch", 4)
    rows = {m[0]: (float(m[1]), float(m[2]), float(m[3]))
            for m in re.findall(r"^(torch|tf|onnxruntime)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", out, re.M)}
    assert set(rows) == {"torch", "tf", "onnxruntime"}, out
    for p50, p95, rate in rows.values(): assert 0 < p50 <= p95 and rate > 0, out

def test_distributed_speed_compares_one_and_two_processes():
    out = bench("distributed_speed.py", "--width", 4, "--frameworks", "torch")
    m = re.search(r"torch: 1 process\s+(\d+) img/s, 2 processes\s+(\d+) img/s \(([\d.]+)x\)", out)
    assert m, out
    one, two, ratio = int(m[1]), int(m[2]), float(m[3])
    assert one > 0 and two > 0 and abs(ratio - two / one) <= 0.006 + two / one * (0.5 / one + 0.5 / two), out  # rates printed whole
