"""The GPU route (tools/gpu_route.py), end to end on tiny generated data, on this machine's CPU.

The GPU machine has PyTorch, numpy, Pillow, safetensors, tqdm and matplotlib but not the kit's other dependencies, and
nothing can be installed there; so the route runs here with TensorFlow, Keras, nbdev, the widgets and ONNX made
unimportable, as they would be there."""
import hashlib, json, subprocess, sys
from pathlib import Path

import pytest
import gpu_route

ROOT = Path(__file__).resolve().parents[1]
ABSENT_ON_GPU = ("tensorflow", "keras", "nbdev", "fastcore", "ipywidgets", "voila", "onnx", "onnxruntime",
                 "playwright", "IPython", "jupyter_client")
RUNNER = f"""
import sys, runpy
from importlib.machinery import PathFinder
class Absent(PathFinder):  # what the GPU machine lacks is not found here either
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return None if name.split(".")[0] in {ABSENT_ON_GPU!r} else super().find_spec(name, path, target)
sys.meta_path = [Absent if f is PathFinder else f for f in sys.meta_path]
sys.argv, sys.path[0] = ["tools/gpu_route.py", *sys.argv[1:]], "tools"  # as `python3 tools/gpu_route.py` would set them
runpy.run_path("tools/gpu_route.py", run_name="__main__")
"""
TINY = ["--allow-cpu", "--epochs", "2", "--batch-size", "16", "--set", "width=8", "--set", "compile=false"]

def route(*args):
    return subprocess.run([sys.executable, "-c", RUNNER, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=600)

def sha256(path): return hashlib.sha256(Path(path).read_bytes()).hexdigest()

def test_the_runner_really_hides_tensorflow():
    r = subprocess.run([sys.executable, "-c", RUNNER.replace('runpy.run_path("tools/gpu_route.py", run_name="__main__")',
                                                             '__import__("tensorflow")')], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "No module named 'tensorflow'" in r.stderr

def test_gpu_route_end_to_end_on_tiny_data(tiny_folder, tmp_path):
    out = tmp_path/"run"
    r = route("--data", tiny_folder, "--out", out, "--parts-mib", 1, *TINY)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    dest = out/"ship"
    summary = json.loads((dest/"gpu_route.json").read_text())
    card = json.loads((dest/"model_card.json").read_text())
    weights = dest/card["file"]
    assert summary["epochs"] == 2 and card["recipe"]["width"] == 8 and card["recipe"]["cutout"] == 8  # the full preset, overridden
    assert summary["sha256"] == card["sha256"] == sha256(weights)
    assert set(card["test"]) == {"torch", "torch_tta"}  # no TensorFlow there: PyTorch alone measures the file
    assert "not measured" in (dest/"MODEL_CARD.md").read_text() and "PyTorch" in card["machine"]
    assert (dest/"curves.png").is_file()
    # the parts join back into the same file
    joined = b"".join((dest/p).read_bytes() for p in summary["parts"])
    assert len(summary["parts"]) >= 1 and hashlib.sha256(joined).hexdigest() == card["sha256"]
    # what it ships is a model the kit loads, and its test line is what the kit measures
    from resnet_cifar_edu.data import load_dataset
    from resnet_cifar_edu.inference import Classifier
    x, y, _ = load_dataset(tiny_folder, "test", progress=False)
    acc = float((Classifier.from_checkpoint(weights, backend="torch").predict_proba(x).argmax(1) == y).mean())
    assert abs(acc - summary["test_acc"]) < 1e-9
    # a second call finds the finished run and resumes it rather than starting over
    again = route("--data", tiny_folder, "--out", out, *TINY)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resum" in (again.stdout + again.stderr).lower()

@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_gpu_route_refuses_a_cpu_without_allow_cpu(tiny_folder, tmp_path):
    r = route("--data", tiny_folder, "--out", tmp_path/"run")
    assert r.returncode != 0 and "sees no GPU" in r.stderr and "--allow-cpu" in r.stderr
    assert not (tmp_path/"run").exists()

def test_find_data_looks_in_the_checkout(tmp_path):
    with pytest.raises(SystemExit, match="no CIFAR-10 data found.*cifar10-jpeg.tar.gz"):
        gpu_route.find_data([tmp_path])
    (tmp_path/"data").mkdir(); (tmp_path/"data"/"cifar-10-python.tar.gz").write_bytes(b"")
    assert gpu_route.find_data([tmp_path, tmp_path/"data"]) == tmp_path/"data"/"cifar-10-python.tar.gz"
