"""The inference API on awkward and hostile input, backend parity, and exported models run without the kit."""
import io, pickle
import numpy as np
import pytest
from PIL import Image
from resnet_cifar_edu.data import ImageError, make_tiny_images, preprocess, CLASSES
from resnet_cifar_edu.inference import Classifier, CheckpointError, write_weights, read_weights, softmax

@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    "A width-16 ResNet-18 with random weights and non-trivial BatchNorm statistics, saved by `write_weights`."
    import torch
    from resnet_cifar_edu.torch.resnet import resnet18
    torch.manual_seed(0)
    m = resnet18(width=16)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.3, 0.3); mod.running_var.uniform_(0.5, 2.0); mod.weight.uniform_(0.5, 1.5)
    path = tmp_path_factory.mktemp("w")/"w16.safetensors"
    return write_weights({k: v.numpy() for k, v in m.state_dict().items()}, {"width": 16, "classes": CLASSES}, path, dtype="float32")

@pytest.fixture(scope="module")
def clf(weights): return Classifier.from_checkpoint(weights, backend="torch")

def _png(img):
    b = io.BytesIO(); img.save(b, "PNG"); return b.getvalue()

def test_backends_agree(weights, clf, real_or_tiny_images):
    tf_clf = Classifier.from_checkpoint(weights, backend="tf")
    x = real_or_tiny_images
    assert np.abs(clf.predict_proba(x) - tf_clf.predict_proba(x)).max() <= 1e-4
    assert np.abs(clf.predict_proba(x, tta=True) - tf_clf.predict_proba(x, tta=True)).max() <= 1e-4

@pytest.fixture(scope="module")
def real_or_tiny_images():
    from resnet_cifar_edu.data import find_cifar10_jpeg, load_dataset
    src = find_cifar10_jpeg()
    if src is None: return make_tiny_images(5)[0]
    return load_dataset(src, "test")[0][::50]  # 200 real test images

def test_predict_shape_and_order(clf):
    res = clf.predict(make_tiny_images(1)[0][:3], topk=3)
    assert len(res) == 3 and all(len(r) == 3 for r in res)
    for r in res:
        probs = [p for _, _, p in r]
        assert probs == sorted(probs, reverse=True) and all(0 <= p <= 1 for p in probs)
        assert all(zh == {c: z for c, z in zip(CLASSES, __import__("resnet_cifar_edu.data").data.CLASSES_ZH)}[c] for c, zh, _ in r)

@pytest.mark.parametrize("make", [
    lambda: Image.new("RGBA", (90, 60), (200, 30, 30, 90)),
    lambda: Image.new("P", (40, 40), 3),
    lambda: Image.new("L", (33, 77), 100),
    lambda: Image.fromarray(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16),
    lambda: Image.new("CMYK", (50, 50), (10, 200, 30, 0)),
    lambda: Image.new("1", (64, 64), 1),
])
def test_any_mode_and_size(clf, make, tmp_path):
    img = make()
    fmt = "JPEG" if img.mode == "CMYK" else "PNG"
    p = tmp_path/f"x.{fmt.lower()}"; img.save(p, fmt)
    for src in (img, p, p.read_bytes(), str(p)):
        probs = clf.predict_proba(src)
        assert probs.shape == (1, 10) and abs(probs.sum() - 1) < 1e-5

def test_exif_rotation_is_applied(tmp_path):
    "A phone photo stored sideways with an EXIF orientation tag is turned upright before resizing."
    a = np.zeros((32, 64, 3), np.uint8); a[:, :32] = (255, 0, 0); a[:, 32:] = (0, 0, 255)  # red left, blue right
    exif = Image.Exif(); exif[0x0112] = 6  # "rotate 90° clockwise to display"
    p = tmp_path/"rot.jpg"; Image.fromarray(a).save(p, "JPEG", exif=exif.tobytes(), quality=95)
    x = preprocess(p)
    top, bottom = x[2, 16].astype(int), x[29, 16].astype(int)
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60  # upright: red on top, blue below

@pytest.mark.parametrize("data,msg", [
    (b"", "empty"),
    (b"hello, this is text", "not a readable image"),
    (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", "SVG"),
    (None, "not a readable image"),  # truncated PNG, filled in below
    ("tiny", "at least"),
    ("huge", "too large"),
])
def test_bad_images(clf, data, msg):
    if data is None: data = _png(Image.fromarray(make_tiny_images(1)[0][0]))[:100]
    elif data == "tiny": data = _png(Image.new("RGB", (1, 1)))
    elif data == "huge": data = _png(Image.new("1", (20000, 20000)))  # 400 megapixels: refused before decoding
    with pytest.raises(ImageError, match=msg) as e: clf.predict(data)
    assert "\n" not in str(e.value) and len(str(e.value)) < 300

def test_decompression_bomb_is_refused(clf, monkeypatch):
    import resnet_cifar_edu.files as f  # open_image lives there (Appendix A1)
    monkeypatch.setattr(f, "MAX_IMAGE_PIXELS", 10**12)  # let Pillow's own bomb check be the one that fires
    with pytest.raises(ImageError, match="too large"): clf.predict(_png(Image.new("1", (20000, 20000))))

def test_foreign_checkpoints(tmp_path, clf):
    evil = tmp_path/"evil.safetensors"
    class Boom:
        def __reduce__(self): return (print, ("executed!",))
    evil.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CheckpointError, match="nothing was executed"): Classifier.from_checkpoint(evil)
    from safetensors.numpy import save_file
    plain = tmp_path/"plain.safetensors"; save_file({"x": np.zeros(3, np.float32)}, str(plain))
    with pytest.raises(CheckpointError, match="no resnet_cifar_edu metadata"): Classifier.from_checkpoint(plain)
    wrong = write_weights({"x": np.zeros(3, np.float32)}, {"width": 16}, tmp_path/"wrong.safetensors")
    with pytest.raises(CheckpointError, match="do not fit"): Classifier.from_checkpoint(wrong)
    with pytest.raises(CheckpointError, match="does not exist"): Classifier.from_checkpoint(tmp_path/"nope.safetensors")

def test_fp16_weights_round_trip(tmp_path, weights, clf):
    state, meta = read_weights(weights)
    half = write_weights(state, meta, tmp_path/"half.safetensors", dtype="float16")
    assert half.stat().st_size < 0.6 * weights.stat().st_size
    x = make_tiny_images(2)[0]
    assert np.abs(Classifier.from_checkpoint(half).predict_proba(x) - clf.predict_proba(x)).max() < 2e-2

def test_onnx_runs_without_the_kit(tmp_path, clf):
    "The ONNX file runs in a fresh process that imports only onnxruntime and numpy."
    import subprocess, sys
    path = clf.export(tmp_path/"m.onnx")
    x = make_tiny_images(2)[0].astype(np.float32); np.save(tmp_path/"x.npy", x)
    code = ("import sys, json, numpy as np, onnxruntime as ort\n"
            "s = ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])\n"
            "np.save(sys.argv[3], s.run(None, {'pixels': np.load(sys.argv[2])})[0])\n"
            "assert 'resnet_cifar_edu' not in sys.modules and 'torch' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path/"x.npy"), str(tmp_path/"y.npy")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert np.abs(softmax(np.load(tmp_path/"y.npy")) - clf.predict_proba(x.astype(np.uint8))).max() <= 1e-4

def test_gradcam_shapes_agree(weights, clf):
    tf_clf = Classifier.from_checkpoint(weights, backend="tf")
    img = make_tiny_images(1)[0][4]
    a, b = clf.explain(img), tf_clf.explain(img)
    assert a.shape == b.shape == (32, 32) and 0 <= a.min() and a.max() <= 1
    assert np.abs(a - b).max() < 1e-3

def test_predict_and_explain_is_one_pass_with_the_same_answers(weights, clf):
    "Top-k and the Grad-CAM map from one forward/backward pass agree with predict and explain, in both frameworks."
    img = make_tiny_images(1)[0][4]
    for c in (clf, Classifier.from_checkpoint(weights, backend="tf")):
        top, cam = c.predict_and_explain(img, topk=3)
        ref = c.predict(img, topk=3)[0]
        assert [n for n, _, _ in top] == [n for n, _, _ in ref]
        np.testing.assert_allclose([p for *_, p in top], [p for *_, p in ref], atol=1e-4)
        np.testing.assert_allclose(cam, c.explain(img), atol=1e-6)
    calls = []
    forward = clf._infer.predict_logits
    clf._infer.predict_logits = lambda *a, **k: calls.append(1) or forward(*a, **k)
    try: clf.predict_and_explain(img)
    finally: clf._infer.predict_logits = forward
    assert calls == [], "predict_and_explain must not run a second forward pass"

def test_flip_translate_tta(clf):
    "'flip+translate' averages six views: it differs from flip TTA, and on a picture that does not change when moved, it is flip TTA."
    x = make_tiny_images(1)[0][:8]
    a, b = clf.predict_proba(x, tta=True), clf.predict_proba(x, tta="flip+translate")
    assert a.shape == b.shape and np.abs(a - b).max() > 1e-6
    flat = np.full((1, 32, 32, 3), 90, np.uint8)
    np.testing.assert_allclose(clf.predict_proba(flat, tta="flip+translate"), clf.predict_proba(flat, tta=True), atol=1e-5)

def test_no_pretrained_weights_message(monkeypatch, tmp_path):
    import resnet_cifar_edu.inference as inf
    monkeypatch.setattr(inf, "PRETRAINED", tmp_path/"missing.safetensors")
    with pytest.raises(CheckpointError, match="no shipped weights"): Classifier.from_pretrained()

def test_more_bad_inputs_and_backend_names(clf, tmp_path):
    "Moved from appendix A5: a truncated GIF, a pickle named .safetensors, and backend names that are not 'torch' or 'tf'."
    from resnet_cifar_edu.inference import _backend
    with pytest.raises(ImageError, match="not a readable image"): clf.predict(b"GIF89a-truncated")
    junk = tmp_path/"junk.safetensors"; junk.write_bytes(b"\x80\x04this is a pickle, not weights")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"): Classifier.from_checkpoint(junk)
    for name in ("jax", None, ["torch"]):
        with pytest.raises(ValueError, match="backend must be one of"): _backend(name)
    assert _backend("pytorch") is _backend("torch") and _backend("keras") is _backend("tf") and _backend("tf").__name__.endswith("tensorflow.infer")

@pytest.mark.parametrize("backend", ["torch", "tf"])
def test_a_checkpoint_missing_weights_is_refused_by_both_backends(tmp_path, weights, backend):
    "A file that lacks one layer's tensors: both twins refuse it (before, Keras left that layer at its random start)."
    state, meta = read_weights(weights)
    part = write_weights({k: v for k, v in state.items() if not k.startswith("stage4.block1.conv2.")}, meta, tmp_path/"part.safetensors", dtype="float32")
    with pytest.raises(CheckpointError, match="do not fit"): Classifier.from_checkpoint(part, backend=backend)

def test_arguments_a_user_gets_wrong(clf, weights, tmp_path):
    "Float pictures outside [0, 1] or with NaN, an unknown tta, a backend name in capitals or misspelt: clear errors, no silent answer."
    img = np.random.default_rng(0).integers(0, 256, (40, 50, 3)).astype(np.float32)  # 0..255 floats: before, a white picture
    with pytest.raises(ImageError, match=r"must lie in \[0, 1\]"): clf.predict_proba(img)
    with pytest.raises(ImageError, match=r"must lie in \[0, 1\]"): clf.predict_proba(np.full((32, 32, 3), np.nan, np.float32))
    np.testing.assert_allclose(clf.predict_proba(img / 255), clf.predict_proba((img / 255 * 255 + 0.5).astype(np.uint8)), atol=1e-6)
    with pytest.raises(ValueError, match="tta must be"): clf.predict(img / 255, tta="translate")
    assert Classifier.from_checkpoint(weights, backend="TF").backend == "tf"
    with pytest.raises(ValueError, match="backend must be one of"): Classifier.from_checkpoint(weights, backend="jax")
    with pytest.raises(ValueError, match="backend must be one of"): Classifier.from_checkpoint(tmp_path/"run"/"best.weights.h5", backend="jax")

def test_topk_batches_and_class_idx_a_user_gets_wrong(clf):
    "topk=-1 gave nine classes and topk=0 none; explain on a batch silently used its first picture; class_idx=12 was an IndexError from inside the backend, class_idx=-1 the last class."
    x = make_tiny_images(3, seed=0)[0]
    for k in (0, -1, 2.5):
        with pytest.raises(ValueError, match="topk must be a whole number"): clf.predict(x, topk=k)
        with pytest.raises(ValueError, match="topk must be a whole number"): clf.predict_and_explain(x[0], topk=k)  # the demo's path
    assert len(clf.predict(x, topk=np.int64(2))[0]) == 2 and len(clf.predict(x, topk=20)[0]) == 10  # more than there are: all of them
    with pytest.raises(ValueError, match="one picture"): clf.explain(x)
    for c in (12, -1):
        with pytest.raises(ValueError, match=r"0\.\.9"): clf.explain(x[0], class_idx=c)
    assert clf.explain(x[:1], class_idx=np.int64(3)).shape == (32, 32) and clf.predict_and_explain(x[0])[1].shape == (32, 32)

def test_a_checkpoint_path_with_a_tilde(weights, monkeypatch):
    "'~/…' said the file does not exist: the path is expanded as load_dataset already did."
    monkeypatch.setenv("HOME", str(weights.parent))
    assert Classifier.from_checkpoint(f"~/{weights.name}").config["width"] == 16

def test_torch_predict_leaves_the_callers_float_array_alone():
    "`_to_input` divided a float32 array by 255 in place (from_numpy shares memory), so evaluating twice, or fit's validation every epoch, shrank the caller's pictures."
    import numpy as np, torch
    from resnet_cifar_edu.torch.infer import predict_logits
    from resnet_cifar_edu.torch.resnet import resnet18
    x = (np.random.default_rng(0).random((2, 32, 32, 3)) * 255).astype(np.float32); before = x.copy()
    torch.manual_seed(0); model = resnet18(10, 4).eval()
    a = predict_logits(model, x, (0.5,) * 3, (0.25,) * 3); b = predict_logits(model, x, (0.5,) * 3, (0.25,) * 3)
    assert (x == before).all() and np.allclose(a, b)

def test_write_weights_keeps_values_float16_cannot_hold_and_checks_the_metadata(tmp_path):
    "A running variance of 1e5 became inf in float16 (the model then answered 0.1 for every class, with only a numpy warning); meta=None was written and then failed on loading with AttributeError."
    from safetensors.numpy import save
    from resnet_cifar_edu.weights import META_KEY, untrained_state
    st = untrained_state(width=4); st["stem.bn.running_var"][:] = 1e5
    s, m = read_weights(write_weights(st, {"width": 4}, tmp_path/"a.safetensors"))
    assert np.allclose(s["stem.bn.running_var"], 1e5) and s["stem.conv.weight"].dtype == np.float32
    assert np.isfinite(Classifier.from_weights(s, m).predict_proba(np.zeros((1, 32, 32, 3), np.uint8))).all()
    with pytest.raises(TypeError, match="meta must be a dict"): write_weights(st, None, tmp_path/"b.safetensors")
    (tmp_path/"c.safetensors").write_bytes(save({"x": np.zeros(2, np.float32)}, metadata={META_KEY: "null"}))  # written by another tool
    with pytest.raises(CheckpointError, match="not an object"): read_weights(tmp_path/"c.safetensors")

def test_checkpoint_sidecar_keeps_dots_in_the_name():
    "model_0.91.safetensors looked for model_0.json beside it."
    from pathlib import Path
    from resnet_cifar_edu.weights import _sidecar
    assert _sidecar(Path("runs/model_0.91.safetensors")) == Path("runs/model_0.91.json")
    assert _sidecar(Path("run/best.weights.h5")) == Path("run/best.json") and _sidecar(Path("last.safetensors")).name == "last.json"

def test_export_leaves_the_callers_model_as_it_was(tmp_path):
    "Exporting put the caller's model in eval mode and changed its memory layout (Deployable wrapped the model itself)."
    import torch
    from resnet_cifar_edu.data import CIFAR10_MEAN, CIFAR10_STD
    from resnet_cifar_edu.torch.deploy import export_torchscript
    from resnet_cifar_edu.torch.resnet import resnet18
    m = resnet18(width=4).to(memory_format=torch.channels_last).train()
    export_torchscript(m, tmp_path/"m.pt", CIFAR10_MEAN, CIFAR10_STD)
    assert m.training and m.stem.conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert (tmp_path/"m.pt").stat().st_size > 10_000

def test_fused_path_calls_forward_hooks():
    "A hook on the model fired once, while the frozen copy was traced, and never again: with hooks the model runs eagerly."
    import torch
    from resnet_cifar_edu.torch.fused import _forward
    from resnet_cifar_edu.torch.resnet import resnet18
    m, calls = resnet18(width=4).eval(), []
    m.stage4.register_forward_hook(lambda mod, inp, out: calls.append(out.shape[0]))
    x = torch.rand(3, 3, 32, 32)
    with torch.no_grad(): a, b = _forward(m)(x), _forward(m)(x)
    assert calls == [3, 3] and torch.allclose(a, b)

def test_keras_fast_path_lets_its_model_go():
    "The cached tf.function closed over its model, the key of a weak dictionary, so no model that ran through it was ever freed."
    import gc, weakref
    import tensorflow as tf
    from resnet_cifar_edu.tensorflow.fused import _FORWARD, _forward
    from resnet_cifar_edu.tensorflow.resnet import resnet18
    gc.collect(); before = len(_FORWARD)  # other tests' apps may still hold their models
    km = resnet18(width=4); x = tf.random.uniform((2, 32, 32, 3))
    assert _forward(km)(x).shape == (2, 10) and len(_FORWARD) == before + 1
    ref = weakref.ref(km); del km; gc.collect()
    assert ref() is None and len(_FORWARD) == before

def test_training_loops_predict_probs_take_a_tensor_with_tta():
    "fit validated tensor images every epoch, then crashed in the final flip TTA (a torch tensor has no ::-1), after the whole run."
    import torch
    from resnet_cifar_edu.torch.resnet import resnet18
    from resnet_cifar_edu.torch.train import predict_probs
    m, x = resnet18(width=4).eval(), make_tiny_images(1)[0]
    np.testing.assert_allclose(predict_probs(m, torch.from_numpy(x), tta=True, bf16=False), predict_probs(m, x, tta=True, bf16=False), atol=1e-6)

def test_a_checkpoint_without_class_names_gets_its_number_of_classes_from_the_head(tmp_path):
    "Without class names in the metadata ten classes were assumed, so a 3-class network did not fit; the head's shape now says."
    from resnet_cifar_edu.torch.resnet import resnet18
    m = resnet18(width=4, num_classes=3)
    path = write_weights({k: v.numpy() for k, v in m.state_dict().items()}, {"width": 4}, tmp_path/"three.safetensors", dtype="float32")
    clf = Classifier.from_checkpoint(path)
    assert clf.classes == ["class 0", "class 1", "class 2"] == clf.classes_zh
    assert clf.predict_proba(make_tiny_images(1)[0]).shape == (10, 3)
