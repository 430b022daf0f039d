"""The model shipped inside the package: it loads with no data and no network in both backends, its file matches its
model card, the built wheel carries it and no images, and (with the real data present) `resnet-cifar evaluate`
reproduces the card's test accuracy."""
import hashlib, json, re, subprocess, sys, zipfile

import numpy as np
import pytest
from conftest import ROOT

from resnet_cifar_edu.inference import PRETRAINED, Classifier, read_weights

CARD = PRETRAINED.parent/"model_card.json"
pytestmark = pytest.mark.skipif(not PRETRAINED.is_file(), reason=f"no shipped weights at {PRETRAINED} yet")

def card(): return json.loads(CARD.read_text())

def test_file_matches_its_model_card():
    c = card()
    assert c["file"] == PRETRAINED.name
    assert hashlib.sha256(PRETRAINED.read_bytes()).hexdigest() == c["sha256"]
    assert PRETRAINED.stat().st_size == c["bytes"]
    state, meta = read_weights(PRETRAINED)
    assert meta["width"] == c["recipe"]["width"] == 64 and meta["classes"][0] == "airplane" and len(meta["classes"]) == 10
    assert all(v.dtype == np.float32 for k, v in state.items() if "weight" in k)  # stored as fp16, loaded into fp32
    md = (PRETRAINED.parent/"MODEL_CARD.md").read_text()
    assert c["sha256"] in md and f"{c['test']['torch']['accuracy']:.2%}" in md and f"{c['test']['torch_tta']['accuracy']:.2%}" in md

@pytest.mark.parametrize("backend", ["torch", "tf"])
def test_from_pretrained_predicts_without_data_or_network(backend, tiny_folder):
    clf = Classifier.from_pretrained(backend=backend)
    img = next((tiny_folder/"test"/"cat").iterdir())
    top = clf.predict(img, topk=3)[0]
    assert len(top) == 3 and abs(sum(p for *_, p in clf.predict(img, topk=10)[0]) - 1) < 1e-4

def test_backends_agree_on_the_shipped_weights(tiny_folder):
    paths = sorted((tiny_folder/"test").glob("*/*"))[:20]
    a = Classifier.from_pretrained("torch").predict_proba(paths)
    b = Classifier.from_pretrained("tf").predict_proba(paths)
    assert np.abs(a - b).max() <= 1e-4

def test_wheel_carries_the_weights_and_no_images(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(tmp_path.glob("resnet_cifar_edu-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "resnet_cifar_edu/weights/resnet18_cifar10.safetensors" in names and "resnet_cifar_edu/weights/MODEL_CARD.md" in names
    images = [n for n in names if n.lower().endswith((".jpg", ".jpeg", ".png", ".npz", ".tar.gz", ".gz", ".pkl"))]
    assert not images, images

def test_evaluate_reproduces_the_card(real_cifar10, tmp_path):
    "`resnet-cifar evaluate` on the test split gives the card's accuracy (same file, same images, same code path)."
    r = subprocess.run([sys.executable, "-m", "resnet_cifar_edu.cli", "evaluate", "--data", str(real_cifar10), "--out", str(tmp_path/"cm.png")],
                       capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    acc = float(re.search(r"top-1 accuracy ([\d.]+)%", r.stdout).group(1)) / 100
    assert abs(acc - card()["test"]["torch"]["accuracy"]) < 1e-4, (acc, card()["test"]["torch"]["accuracy"])
    assert (tmp_path/"cm.png").stat().st_size > 10_000
