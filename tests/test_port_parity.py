"""The PyTorch and Keras ResNet-18 twins compute the same logits once `resnet_cifar_edu.port` has copied the weights.

Tolerance: max |logit difference| <= 1e-4 in fp32 (the twins agree to about 1e-6; the rest is headroom for other CPUs).
Every model gets random BatchNorm scales, shifts and running statistics first: a fresh BatchNorm (gamma 1, beta 0,
mean 0, variance 1) would let a port that forgot those weights pass."""
import os, subprocess, sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import pytest
import torch
from torch import nn

from resnet_cifar_edu.torch import resnet as pt
from resnet_cifar_edu.tensorflow import resnet as tk
from resnet_cifar_edu.port import (torch_to_keras, keras_to_torch, randomize_batchnorm, max_logit_diff, weight_pairs,
                                  _copy_to_keras)

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-4
CIFAR_MEAN, CIFAR_STD = np.array([0.4914, 0.4822, 0.4465], "float32"), np.array([0.2470, 0.2435, 0.2616], "float32")

def images(n, size, seed):
    "Random NHWC float32 images, distributed like normalised ones"
    return np.random.default_rng(seed).normal(size=(n, size, size, 3)).astype("float32")

def float_tensors_equal(a: nn.Module, b: nn.Module):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    return all(torch.equal(sa[n], sb[n]) for n in sa if sa[n].is_floating_point())

# (width, stem, image size, num_classes): both stems, odd and even sizes, a non-default head
CASES = [(16, "cifar", 32, 10), (16, "cifar", 33, 7), (16, "imagenet", 64, 10), (16, "imagenet", 57, 100)]

@pytest.mark.parametrize("width,stem,size,num_classes", CASES)
def test_torch_to_keras_eval(width, stem, size, num_classes):
    x = images(4, size, seed=size)
    t = randomize_batchnorm(pt.resnet18(num_classes, width, stem), x).eval()
    k = torch_to_keras(t)
    assert dict(k.config) == dict(num_classes=num_classes, width=width, stem=stem, blocks=(2, 2, 2, 2))
    assert max_logit_diff(t, k, x) <= TOL

@pytest.mark.parametrize("width,stem,size,num_classes", CASES)
def test_keras_to_torch_eval(width, stem, size, num_classes):
    x = images(4, size, seed=size + 1)
    k = randomize_batchnorm(tk.resnet18(num_classes, width, stem), x)
    t = keras_to_torch(k).eval()
    assert t.config == dict(num_classes=num_classes, width=width, stem=stem, blocks=(2, 2, 2, 2))
    assert max_logit_diff(t, k, x) <= TOL

def test_defaults_width_64_both_ways_and_round_trip():
    "The default ResNet-18: 11,173,962 trainable parameters on both sides, parity both ways, exact round trip"
    x = images(4, 32, seed=0)
    t = randomize_batchnorm(pt.resnet18(), x).eval()
    k = torch_to_keras(t)
    assert pt.count_parameters(t) == tk.count_parameters(k) == 11_173_962
    assert k.count_params() - tk.count_parameters(k) == 9_600  # Keras also counts the BatchNorm moving statistics
    assert max_logit_diff(t, k, x) <= TOL
    back = keras_to_torch(k)
    assert float_tensors_equal(t, back)  # every weight and running statistic, bit for bit
    assert all((m.eps, m.momentum) == (1e-5, 0.1) for m in back.modules() if isinstance(m, nn.BatchNorm2d))
    k2 = randomize_batchnorm(tk.resnet18(), x, seed=1)
    assert max_logit_diff(keras_to_torch(k2).eval(), k2, x) <= TOL

def test_round_trip_imagenet_stem_is_exact():
    t = randomize_batchnorm(pt.resnet18(num_classes=5, width=16, stem="imagenet"), images(2, 64, seed=3))
    assert float_tensors_equal(t, keras_to_torch(torch_to_keras(t)))

def test_training_mode_one_batch():
    "Batch statistics: same logits, and every running mean updated by the same rule (PyTorch 0.1 new = Keras 0.9 old)"
    x = images(8, 32, seed=5)
    t = randomize_batchnorm(pt.resnet18(width=16), images(8, 32, seed=4))
    k = torch_to_keras(t)
    bns = [(m, kb) for _, m, kb in weight_pairs(t, k) if isinstance(m, nn.BatchNorm2d)]
    assert all((kb.epsilon, kb.momentum) == (1e-5, 0.9) for _, kb in bns)
    assert max_logit_diff(t, k, x, training=True) <= TOL
    for m, kb in bns: np.testing.assert_allclose(m.running_mean.numpy(), kb.moving_mean.numpy(), atol=1e-5)

def test_a_port_missing_a_step_fails_the_check():
    "The parity check can fail: leaving out the BatchNorm statistics or the kernel transpose is far above tolerance"
    x = images(4, 32, seed=6)
    t = randomize_batchnorm(pt.resnet18(width=16), x).eval()
    for step in ["bn_statistics", "kernel_layout", "bn_affine", "dense_transpose"]:
        k = tk.resnet18(width=16)
        _copy_to_keras(t, k, skip={step})
        assert max_logit_diff(t, k, x) > 100 * TOL, step

def test_real_images_when_present(real_cifar10):
    "Real CIFAR-10 test images (ten of each class, through the data chapter's loader); skipped when the JPEG set is absent"
    from resnet_cifar_edu.data import load_dataset
    xs, ys, _ = load_dataset(real_cifar10, "test")
    pick = np.concatenate([np.flatnonzero(ys == c)[:10] for c in range(10)])
    x = ((xs[pick].astype("float32") / 255) - CIFAR_MEAN) / CIFAR_STD
    t = randomize_batchnorm(pt.resnet18(width=16), x).eval()
    assert max_logit_diff(t, torch_to_keras(t), x) <= TOL
    k = randomize_batchnorm(tk.resnet18(width=16), x, seed=2)
    assert max_logit_diff(keras_to_torch(k).eval(), k, x) <= TOL

# Keras' own saver reads each variable through an old-style `__array__` and NumPy 2 warns about it; nothing of ours.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_keras_twin_survives_save_and_load(tmp_path):
    "A `.keras` file rebuilds the twin with its config, so the port still works after loading"
    import keras
    x = images(2, 32, seed=7)
    k = randomize_batchnorm(tk.resnet18(num_classes=3, width=16), x)
    k.save(tmp_path/"twin.keras")
    loaded = keras.models.load_model(tmp_path/"twin.keras")
    assert dict(loaded.config) == dict(k.config)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(k(x)), atol=1e-6)
    assert max_logit_diff(keras_to_torch(loaded).eval(), loaded, x) <= TOL

def test_port_errors_name_the_problem():
    with pytest.raises(TypeError, match="resnet_cifar_edu.torch.resnet"): torch_to_keras(nn.Linear(2, 2))
    import keras
    with pytest.raises(TypeError, match="resnet_cifar_edu.tensorflow.resnet"): keras_to_torch(keras.Sequential())
    t = pt.resnet18(width=16)
    t.stage1.block0.conv1.bn.momentum = None
    with pytest.raises(ValueError, match="stage1.block0.conv1.bn"): torch_to_keras(t)
    with pytest.raises(ValueError, match="stem must be one of"): pt.resnet18(stem="tiny")
    with pytest.raises(ValueError, match="stem must be one of"): tk.resnet18(stem="tiny")
    with pytest.raises(ValueError, match="expects 3 input channels"): tk.ConvBN(3, 16)(np.zeros((1, 8, 8, 1), "float32"))

@pytest.mark.parametrize("twin,forbidden", [("torch", ("tensorflow", "keras")), ("tensorflow", ("torch",))])
def test_importing_one_twin_never_imports_the_other_framework(twin, forbidden):
    code = (f"import sys, resnet_cifar_edu.{twin}.resnet as m; m.resnet18(width=8); "
            f"bad = sorted({{n.split('.')[0] for n in sys.modules}} & set({forbidden!r})); assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert r.returncode == 0, r.stderr[-2000:]

def test_port_into_fills_the_given_model():
    "`into=` fills the caller's own twin (chapter 01 passes the notebook's), in both directions; a twin of another shape is refused."
    x = images(4, 32, 7)
    torch.manual_seed(7)
    t = randomize_batchnorm(pt.resnet18(width=8), x).eval()
    k = tk.resnet18(width=8)
    assert torch_to_keras(t, into=k) is k and max_logit_diff(t, k, x) <= TOL
    back = pt.resnet18(width=8)
    assert keras_to_torch(k, into=back) is back and max_logit_diff(back.eval(), k, x) <= TOL
    with pytest.raises(ValueError, match="'stem.conv': Keras expects shape"):
        torch_to_keras(t, into=tk.resnet18(width=16))  # the kernels' shapes differ

def test_normalize_twins_refuse_uint8_alike():
    "PyTorch's normalize turned uint8 pictures into NaN and inf silently (mean and std cast to uint8: 0), Keras' raised an obscure TypeError; both now say what they take, and agree on floats."
    import tensorflow as tf
    from resnet_cifar_edu.torch.augment import normalize as pt_norm
    from resnet_cifar_edu.tensorflow.augment import normalize as tf_norm
    x = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(TypeError, match="normalize takes floats in \\[0, 1\\], not torch.uint8"): pt_norm(torch.from_numpy(x).permute(0, 3, 1, 2), (0.5,) * 3, (0.2,) * 3)
    for arg in (tf.constant(x), x):
        with pytest.raises(TypeError, match="normalize takes floats in \\[0, 1\\], not uint8"): tf_norm(arg, (0.5,) * 3, (0.2,) * 3)
    f = x.astype(np.float32) / 255
    np.testing.assert_allclose(pt_norm(torch.from_numpy(f).permute(0, 3, 1, 2), (0.5,) * 3, (0.2,) * 3).permute(0, 2, 3, 1).numpy(),
                               tf_norm(tf.constant(f), (0.5,) * 3, (0.2,) * 3).numpy(), atol=1e-6)
