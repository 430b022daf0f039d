"""`resnet-cifar train` end to end, in a subprocess as a user runs it: both frameworks on tiny data, resuming a
finished run, resuming a run killed after its first checkpoint, and one-line errors for bad input."""
import json, math, re, signal, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import ROOT

FRAMEWORKS = ["torch", "tf"]
LAST = {"torch": "last.safetensors", "tf": "last.weights.h5"}
BEST = {"torch": "best.safetensors", "tf": "best.weights.h5"}
# a ResNet-18 four channels wide, so that an epoch on the tiny data takes a fraction of a second
TINY = ["--preset", "quick", "--width", "4", "--batch-size", "16", "--no-progress"]

def cli(*args):
    return [sys.executable, "-m", "resnet_cifar_edu.cli", "train", *map(str, args)]

def run(*args, timeout=300):
    r = subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return r.returncode, r.stdout, r.stderr

def saved_epoch(out: Path, framework: str) -> int:
    "Epochs done according to the resumable weights file itself (the JSON beside it is only a copy)."
    if framework == "torch":
        from safetensors import safe_open
        with safe_open(str(out/LAST["torch"]), framework="np") as f: return json.loads(f.metadata()["meta"])["epoch"]
    import h5py
    with h5py.File(out/LAST["tf"], "r") as f: return json.loads(f.attrs["resnet_cifar_edu"])["meta"]["epoch"]

def check_history(out: Path, epochs: int):
    h = json.loads((out/"history.json").read_text())
    assert h["epoch"] == list(range(1, epochs + 1))
    for k in ("train_acc", "val_acc"): assert all(0 <= a <= 1 for a in h[k]), h[k]
    for k in ("train_loss", "val_loss", "seconds", "images_per_sec"): assert all(math.isfinite(v) and v > 0 for v in h[k]), h[k]
    rows = (out/"history.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch,train_loss,train_acc,val_loss,val_acc") and len(rows) == epochs + 1
    return h

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_train_then_resume(framework, tiny_folder, tmp_path):
    out = tmp_path/"run"
    code, so, se = run("--framework", framework, *TINY, "--epochs", 2, "--data", tiny_folder, "--out", out)
    assert code == 0, se
    for f in [LAST[framework], BEST[framework], "last.json", "best.json", "history.csv", "history.json", "curves.png", "test.json"]:
        assert (out/f).is_file() and (out/f).stat().st_size > 0, f
    assert (out/"curves.png").read_bytes()[:4] == b"\x89PNG"
    assert "epoch 2/2" in so and "test accuracy of the best checkpoint" in so
    check_history(out, 2)
    meta = json.loads((out/"last.json").read_text())
    assert meta["epoch"] == 2 and meta["recipe"]["width"] == 4 and meta["classes"][0] == "airplane"
    assert meta["framework"] == {"torch": "torch", "tf": "tensorflow"}[framework]
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"
    # the test line of `train` and `resnet-cifar evaluate` on the same checkpoint agree: one evaluation path
    trained = re.search(r"test accuracy of the best checkpoint .*: (\d+\.\d+)%", so).group(1)
    r = subprocess.run([sys.executable, "-m", "resnet_cifar_edu.cli", "evaluate", "--data", str(tiny_folder), "--weights", str(out),
                        "--backend", framework, "--tta", "--out", str(tmp_path/"cm.png")], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert re.search(r"top-1 accuracy (\d+\.\d+)%", r.stdout).group(1) == trained, (so, r.stdout)
    assert f"{json.loads((out/'test.json').read_text())['test_acc']:.2%}" == f"{trained}%"

    # the run is finished: resuming says so and trains nothing
    code, so, se = run("--framework", framework, *TINY, "--data", tiny_folder, "--out", out, "--resume", "--no-test")
    assert code == 0, se
    assert "has finished all 2 epochs" in so and "epoch 3" not in so
    # asking for more epochs continues with epoch 3, and the history goes on from where it was;
    # without --framework, the run's own framework is used
    code, so, se = run(*TINY, "--epochs", 3, "--data", tiny_folder, "--out", out, "--resume", "--no-test")
    assert code == 0, se
    assert "2 of 3 epochs done, continuing with epoch 3" in so and "epoch 3/3" in so and "epoch 1/3" not in so
    assert f"{ {'torch': 'PyTorch', 'tf': 'TensorFlow/Keras'}[framework]}: ResNet-18 width 4" in so, so[:300]
    h = check_history(out, 3)
    assert saved_epoch(out, framework) == 3 and len(h["val_acc"]) == 3

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_killed_run_resumes_from_its_last_checkpoint(framework, tiny_folder, tmp_path):
    out, epochs = tmp_path/"run", 12
    args = ["--framework", framework, *TINY, "--epochs", epochs, "--data", tiny_folder, "--out", out, "--no-test"]
    proc = subprocess.Popen(cli(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.time() + 240
        while not (out/"last.json").exists():  # the first checkpoint is complete once its JSON copy exists
            assert proc.poll() is None, "the run ended before writing a checkpoint"
            assert time.time() < deadline, "no checkpoint after 240 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None: proc.kill(); proc.wait()
    done = saved_epoch(out, framework)
    assert 1 <= done < epochs, f"killed too late to test resuming ({done} epochs done)"
    code, so, se = run(*args, "--resume")
    assert code == 0, se
    assert f"{done} of {epochs} epochs done, continuing with epoch {done + 1}" in so
    assert f"epoch {done + 1:>2}/{epochs}" in so and f"epoch {done:>2}/{epochs}" not in so
    check_history(out, epochs)
    assert saved_epoch(out, framework) == epochs

def test_official_archive_layout(tiny_archive, tmp_path):
    "--data also takes the official cifar-10-python.tar.gz."
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--data", tiny_archive, "--out", tmp_path/"run")
    assert code == 0, se
    assert "epoch 1/1" in so and (tmp_path/"run"/"best.safetensors").is_file()

def test_bad_input_gives_one_line_errors(tiny_folder, tmp_path):
    base = ["--framework", "torch", *TINY, "--epochs", 1]
    cases = {
        "does not exist": [*base, "--data", tmp_path/"nowhere", "--out", tmp_path/"a"],
        "unknown recipe field": [*base, "--set", "depth=50", "--data", tiny_folder, "--out", tmp_path/"b"],
        "lr needs a float value": [*base, "--set", "lr=fast", "--data", tiny_folder, "--out", tmp_path/"c"],
        "epochs must be": [*base[:-2], "--epochs", 0, "--data", tiny_folder, "--out", tmp_path/"d"],
        "is a file": [*base, "--data", tiny_folder, "--out", tmp_path/"notes.txt"],
        "choose the framework": [*TINY, "--data", tiny_folder, "--out", tmp_path/"e"],
        "holds no run to resume": [*TINY, "--data", tiny_folder, "--out", tmp_path/"f", "--resume"],
    }
    (tmp_path/"notes.txt").write_text("not a folder")
    for expected, args in cases.items():
        code, so, se = run(*args)
        assert code == 1, (expected, so, se)
        lines = [l for l in se.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith("resnet-cifar: error: ") and expected in lines[0], (expected, se)
    # a folder that holds a run is neither overwritten without --resume nor resumed with the other framework
    out = tmp_path/"run"
    assert run(*base, "--data", tiny_folder, "--out", out, "--no-test")[0] == 0
    code, so, se = run(*base, "--data", tiny_folder, "--out", out)
    assert code == 1 and "already holds a PyTorch run; add --resume" in se
    code, so, se = run("--framework", "tf", *TINY, "--data", tiny_folder, "--out", out, "--resume")
    assert code == 1 and "resume it with --framework torch" in se
    code, so, se = run("--framework", "jax", "--data", tiny_folder, "--out", out)  # argparse's own check
    assert code == 2 and "invalid choice: 'jax'" in se

def test_init_from_starts_from_the_given_weights(tiny_folder, tmp_path):
    "A warm restart: the new run starts from the given weights (here with a negligible learning rate, so they barely move)"
    " and records their lineage; the Keras twin starts from the same PyTorch file."
    import hashlib, numpy as np
    from resnet_cifar_edu.weights import keras_layout, read_weights
    a = tmp_path/"a"
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--data", tiny_folder, "--out", a, "--no-test")
    assert code == 0, se
    start = read_weights(a/"best.safetensors")[0]["stem.conv.weight"]
    for framework in FRAMEWORKS:
        b = tmp_path/f"b-{framework}"
        code, so, se = run("--framework", framework, *TINY, "--epochs", 1, "--data", tiny_folder, "--out", b, "--no-test",
                           "--init-from", a, "--set", "lr=1e-9")
        assert code == 0, se
        assert "starting from the weights" in so
        lineage = json.loads((b/"last.json").read_text())["lineage"]
        assert lineage[-1]["sha256"] == hashlib.sha256((a/"best.safetensors").read_bytes()).hexdigest() and lineage[-1]["epochs"] == 1
        if framework == "torch": got = read_weights(b/"last.safetensors")[0]["stem.conv.weight"]
        else:
            from resnet_cifar_edu.inference import Classifier
            got = Classifier.from_checkpoint(b, "tf").model.get_layer("stem").conv.kernel.numpy()
            start = keras_layout(start)
        np.testing.assert_allclose(got, start, atol=1e-4)
        start = read_weights(a/"best.safetensors")[0]["stem.conv.weight"]
    # weights of another width are refused in one line
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--data", tiny_folder, "--out", tmp_path/"c", "--no-test",
                       "--init-from", a, "--width", "8")
    assert code == 1 and "Traceback" not in se and "--init-from holds a width-4 network, not width 8" in se, se

def test_weight_average_is_validated_shipped_and_resumed(tiny_folder, tmp_path):
    "With `ema`, best.safetensors holds the average, not the trained weights, and a run stopped after epoch 1 and resumed ends with the average of one that was not stopped."
    import numpy as np
    from safetensors.numpy import load_file
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.torch import train as pt
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 96)
    recipe = get_recipe("quick", width=4, batch_size=16, epochs=2, ema=0.9, tta=False)
    args = (recipe, x[:80], y[:80], x[80:], y[80:])
    seen = {}  # the network fit hands to on_epoch_end (the validated one) after each epoch
    keep = lambda epoch, net, history: seen.update({epoch: {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}})
    h = pt.fit(*args, tmp_path/"straight", progress=False, verbose=False, on_epoch_end=keep)
    last = json.loads((tmp_path/"straight"/"last.json").read_text())  # its validation numbers are the average's, and it says so
    assert last["validated"] == "average.safetensors" and "validated" not in json.loads((tmp_path/"straight"/"best.json").read_text())
    assert pt.read_checkpoint_meta(tmp_path/"straight"/"last.safetensors")["validated"] == "average.safetensors"  # the weights file's header too
    straight = {f: load_file(tmp_path/"straight"/f) for f in ("best.safetensors", "last.safetensors", "average.safetensors")}
    weights = lambda d: {k: v for k, v in d.items() if not k.startswith("optimizer/")}
    trained, average = weights(straight["last.safetensors"]), straight["average.safetensors"]
    assert trained.keys() == average.keys() and any(not np.array_equal(trained[k], average[k]) for k in trained)
    best_epoch = int(np.argmax(h["val_acc"])) + 1  # best.safetensors is the average as it was after the best epoch
    assert all(np.array_equal(straight["best.safetensors"][k], seen[best_epoch][k]) for k in average)
    assert all(np.array_equal(seen[2][k], average[k]) for k in average)  # and average.safetensors the last one

    class Stop(Exception): pass
    def stop(epoch, model, history):
        if epoch == 1: raise Stop
    with pytest.raises(Stop): pt.fit(*args, tmp_path/"stopped", progress=False, verbose=False, on_epoch_end=stop)
    h2 = pt.fit(*args, tmp_path/"stopped", resume=True, progress=False, verbose=False)
    assert h2["val_acc"] == h["val_acc"]
    resumed = load_file(tmp_path/"stopped"/"average.safetensors")
    for k in average: np.testing.assert_allclose(resumed[k], average[k], rtol=1e-5, atol=1e-6, err_msg=k)

def test_keras_refuses_the_weight_average(tiny_folder, tmp_path):
    code, so, se = run("--framework", "tf", *TINY, "--epochs", 1, "--set", "ema=0.99", "--data", tiny_folder, "--out", tmp_path/"run")
    errors = [line for line in se.splitlines() if line.startswith("resnet-cifar: error:")]
    assert code == 1 and len(errors) == 1 and "the Keras twin does not have it yet" in errors[0] and "Traceback" not in se, se

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_train_on_every_image_without_validation(framework, tiny_folder, tmp_path):
    "`--val 0`: all training images train, the log says there is no validation, best = last epoch, the test line still comes."
    out = tmp_path/"run"
    code, so, se = run("--framework", framework, *TINY, "--epochs", 2, "--val", 0, "--data", tiny_folder, "--out", out)
    assert code == 0, se
    assert "80 training / 0 validation images" in so, so
    assert so.count("no validation images") == 3, so  # two epoch lines and the closing line
    assert "test accuracy of the best checkpoint (epoch 2" in so
    strict = lambda name: json.loads((out/name).read_text(), parse_constant=lambda token: pytest.fail(f"{name} holds {token}, not JSON"))
    h = strict("history.json")  # strict JSON: a browser or jq must read it too
    assert h["epoch"] == [1, 2] and h["val_acc"] == [None, None] and h["val_loss"] == [None, None]
    assert strict("best.json")["epoch"] == 2 and strict("last.json")["history"]["val_acc"] == [None, None]
    code, so, se = run("--framework", framework, *TINY, "--val", -1, "--data", tiny_folder, "--out", tmp_path/"bad")
    assert code != 0 and "--val must be between 0 and 79" in se, se

def test_smaller_pictures_first(tmp_path, monkeypatch):
    "`low_res`: the first half of the epochs train on 16×16 batches, the rest on 32×32; validation always sees 32×32; with torch.compile each size gets a static graph."
    import numpy as np, torch
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.torch import train as pt
    seen, build = [], pt.build_model
    def watched(*a, **k):
        m = build(*a, **k)
        m.register_forward_pre_hook(lambda mod, args: seen.append((mod.training, tuple(args[0].shape[-2:]))))
        return m
    monkeypatch.setattr(pt, "build_model", watched)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 96)
    recipe = get_recipe("quick", width=4, batch_size=16, epochs=4, low_res=16, low_res_epochs=0.5, tta=False, compile=False)
    h = pt.fit(recipe, x[:80], y[:80], x[80:], y[80:], tmp_path/"run", progress=False, verbose=False)
    train = [s for training, s in seen if training]
    assert train == [(16, 16)] * 10 + [(32, 32)] * 10, train  # 5 steps per epoch, two small epochs then two full ones
    assert {s for training, s in seen if not training} == {(32, 32)}
    assert len(h["val_acc"]) == 4
    kwargs = []
    monkeypatch.setattr(torch, "compile", lambda model, **kw: kwargs.append(kw) or model)
    pt.compile_or_eager(build(recipe), recipe, torch.from_numpy(x[:4]), torch.from_numpy(y[:4]))
    pt.compile_or_eager(build(get_recipe("quick", width=4)), get_recipe("quick", width=4), torch.from_numpy(x[:4]), torch.from_numpy(y[:4]))
    assert kwargs == [{"dynamic": False}, {}]  # without low_res, torch.compile is called as before

def test_keras_smaller_pictures_first(tiny_folder, tmp_path):
    "The Keras twin of `low_res`: the pipeline shrinks the first half of the epochs to 16×16 exactly as PyTorch's `F.interpolate` does, and `resnet-cifar train --framework tf` trains through both sizes; a `low_res` below 8 pixels is refused."
    import numpy as np, tensorflow as tf, torch, torch.nn.functional as F
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.tensorflow.train import train_dataset
    r = get_recipe("quick", width=4, batch_size=16, epochs=4, low_res=16, low_res_epochs=0.5, padding=0, flip=False)
    xs = np.random.default_rng(0).integers(0, 256, (32, 32, 32, 3), dtype=np.uint8)
    batches = list(train_dataset(xs, np.arange(32) % 10, r))
    assert [tuple(b[0].shape) for b in batches] == [(16, 16, 16, 3)] * 4 + [(16, 32, 32, 3)] * 4
    x = torch.from_numpy(xs).permute(0, 3, 1, 2).float() / 255
    small_pt = F.interpolate(x, size=(16, 16), mode="bilinear", antialias=True, align_corners=False).permute(0, 2, 3, 1).numpy()
    small_tf = tf.image.resize(tf.constant(xs, tf.float32) / 255, [16, 16], "bilinear", antialias=True).numpy()
    assert np.abs(small_pt - small_tf).max() < 1e-5
    code, so, se = run("--framework", "tf", *TINY, "--epochs", 2, "--set", "low_res=24", "--no-test", "--data", tiny_folder, "--out", tmp_path/"run")
    assert code == 0 and "Traceback" not in se, se
    assert len(json.loads((tmp_path/"run"/"history.json").read_text())["val_acc"]) == 2
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--set", "low_res=4", "--data", tiny_folder, "--out", tmp_path/"r2")
    assert code != 0 and "low_res must be 0 (off) or from 8 to 31 pixels" in se and "Traceback" not in se, se

def test_bias_lr_scales_the_shifts_step_in_both_loops(tmp_path):
    "`bias_lr=4`: one training step (PyTorch's `train_epoch`, Keras' `train_on_batch`) moves BatchNorm shifts and the classifier's bias 4× as far and every other weight as far as with 1; a PyTorch run stopped after epoch 1 and resumed ends where an unstopped one does."
    import numpy as np, torch
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.torch import train as pt
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 96)

    def torch_step(bias_lr):
        r = get_recipe("quick", width=4, batch_size=16, epochs=1, bias_lr=bias_lr, bf16=False, padding=0, flip=False)
        m = pt.build_model(r); opt = pt.make_optimizer(m, r)
        before = {n: p.detach().clone() for n, p in m.named_parameters()}
        pt.train_epoch(m, opt, torch.from_numpy(x[:16]), torch.from_numpy(y[:16]), r, epoch=0, steps=1, total_steps=10)
        return {n: (p.detach() - before[n]).numpy() for n, p in m.named_parameters()}

    def keras_step(bias_lr):
        from resnet_cifar_edu.tensorflow import train as kt
        r = get_recipe("quick", width=4, batch_size=16, bias_lr=bias_lr, bf16=False)
        m = kt.compile_model(kt.build_model(r), r)
        before = [v.numpy().copy() for v in m.trainable_variables]
        m.train_on_batch(x[:16].astype("float32") / 255, np.eye(10, dtype="float32")[y[:16]])
        return {v.path: v.numpy() - b for v, b in zip(m.trainable_variables, before)}

    for step, is_shift in ((torch_step, lambda n: n.endswith("bias")), (keras_step, lambda n: n.endswith(("beta", "bias")))):
        plain, fast = step(1.0), step(4.0)
        shifts = [n for n in plain if is_shift(n)]
        assert len(shifts) == 21, shifts  # 20 BatchNorm layers and the classifier
        for n in plain:
            assert np.abs(plain[n]).max() > 0, n
            np.testing.assert_allclose(fast[n], plain[n] * (4 if n in shifts else 1), rtol=1e-3, atol=1e-7, err_msg=n)

    recipe = get_recipe("quick", width=4, batch_size=16, epochs=2, bias_lr=4.0, tta=False)
    args = (recipe, x[:80], y[:80], x[80:], y[80:])
    h = pt.fit(*args, tmp_path/"straight", progress=False, verbose=False)
    class Stop(Exception): pass
    def stop(epoch, model, history):
        if epoch == 1: raise Stop
    with pytest.raises(Stop): pt.fit(*args, tmp_path/"stopped", progress=False, verbose=False, on_epoch_end=stop)
    assert pt.fit(*args, tmp_path/"stopped", resume=True, progress=False, verbose=False)["val_acc"] == h["val_acc"]

@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("has_bf16", [False, True])
def test_float32_on_a_cpu_without_bf16(framework, has_bf16, tmp_path, monkeypatch, capsys):
    "A recipe asking for bf16 trains in float32 on a CPU without bf16 instructions, says so, and the checkpoint records it; with them it stays bf16."
    import numpy as np
    import resnet_cifar_edu.train as train
    if framework == "tf": from resnet_cifar_edu.tensorflow import train as loop
    else: from resnet_cifar_edu.torch import train as loop
    monkeypatch.setattr(train, "cpu_has_bf16", lambda: has_bf16)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 96)
    recipe = train.get_recipe("quick", width=4, batch_size=16, epochs=1, tta=False)
    assert recipe.bf16
    loop.fit(recipe, x[:80], y[:80], x[80:], y[80:], tmp_path/"run", progress=False)
    said = "Training in float32, not bf16: this CPU has no bf16 instructions" in capsys.readouterr().out
    assert said == (not has_bf16)
    assert json.loads((tmp_path/"run"/"best.json").read_text())["recipe"]["bf16"] is has_bf16

@pytest.mark.parametrize("flags, expected", [
    ("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n", False),                   # a laptop CPU with AVX2
    ("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16\n", True),     # a Xeon with AMX
    ("processor\t: 0\nvmx flags\t: ept\nflags\t\t: avx512f avx512bw\n", False),      # AVX-512 without bf16
    ("processor\t: 0\nFeatures\t: fp asimd sve2 i8mm bf16\n", True),                  # Arm with BF16
    ("", None)])                                                                       # nothing said: unknown
def test_cpu_has_bf16_reads_the_cpu_flags(flags, expected, tmp_path, monkeypatch):
    "`cpu_has_bf16` finds avx512_bf16 / amx_bf16 (x86) or bf16 (Arm) in /proc/cpuinfo's flags, and says None when there are none."
    from resnet_cifar_edu import train
    monkeypatch.setattr(train.sys, "platform", "linux")
    (tmp_path/"cpuinfo").write_text(flags)
    assert train.cpu_has_bf16(str(tmp_path/"cpuinfo")) is expected
    assert train.cpu_has_bf16(str(tmp_path/"missing")) is None

def test_cpu_name_reads_the_model_name(tmp_path, monkeypatch):
    "`cpu_name` (the machine the course's speed records name) is cpuinfo's 'model name', else what `platform` knows."
    from resnet_cifar_edu import train
    (tmp_path/"cpuinfo").write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\nflags\t\t: fpu\n")
    assert train.cpu_name(str(tmp_path/"cpuinfo")) == "AMD EPYC 9B14"
    monkeypatch.setattr(train.platform, "processor", lambda: "arm")
    (tmp_path/"no_name").write_text("processor\t: 0\nFeatures\t: fp asimd\n")  # Arm's cpuinfo has no model name
    assert train.cpu_name(str(tmp_path/"no_name")) == "arm"
    assert train.cpu_name(str(tmp_path/"missing")) == "arm"
    monkeypatch.setattr(train.platform, "processor", lambda: "")
    assert train.cpu_name(str(tmp_path/"missing")) == "unknown CPU"

def _keras_checkpoint(path):
    "A width-4 Keras model trained one step and saved with its optimizer at `path`: (recipe, model)."
    import numpy as np
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.tensorflow.train import build_model, compile_model, save_checkpoint
    r = get_recipe("quick", width=4)
    km = compile_model(build_model(r), r)
    km.fit(np.random.rand(16, 32, 32, 3).astype("float32"), np.eye(10)[np.arange(16) % 10].astype("float32"), verbose=0)
    save_checkpoint(path, km, km.optimizer, {"epoch": 1, "recipe": vars(r)})
    return r, km

def test_keras_checkpoint_loads_without_a_model(tmp_path):
    "The Keras twin's `load_checkpoint` with no model builds one from the checkpoint's recipe and fills every weight (moved here from appendix A2c)."
    import numpy as np
    from resnet_cifar_edu.tensorflow.train import load_checkpoint
    r, km = _keras_checkpoint(tmp_path/"last.weights.h5")
    km3, meta = load_checkpoint(tmp_path/"last.weights.h5")
    assert meta["epoch"] == 1 and km3.count_params() == km.count_params()
    for a, b in zip(km.weights, km3.weights, strict=True): np.testing.assert_array_equal(a.numpy(), b.numpy())

def test_torch_checkpoint_is_an_ordinary_file(tmp_path):
    "A checkpoint is written atomically but ends with the permissions of any new file (0o666 minus the umask), not a temporary file's private 0o600 (moved here from appendix A2b)."
    import os, torch
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.torch.train import build_model, make_optimizer, save_checkpoint
    m = build_model(get_recipe("quick", width=4)); opt = make_optimizer(m, get_recipe("quick"))
    m(torch.randn(2, 3, 32, 32)).sum().backward(); opt.step()
    save_checkpoint(tmp_path/"c.safetensors", m, opt, {"epoch": 1})
    umask = os.umask(0); os.umask(umask)
    assert (tmp_path/"c.safetensors").stat().st_mode & 0o777 == 0o666 & ~umask

def test_a_narrow_network_trains_on_an_odd_batch():
    "Width 4 on 5 pictures: torch 2.14's CPU backward crashed the process (double free) in channels_last below 16 channels with an odd batch; fit now trains such a network in the plain layout."
    code = ("import numpy as np, tempfile\nfrom resnet_cifar_edu.torch.train import fit\nfrom resnet_cifar_edu.train import get_recipe\n"
            "x = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)\n"
            "fit(get_recipe('quick', width=4, epochs=1, compile=False), x, np.arange(5) % 2, x[:2], np.array([0, 1]), tempfile.mkdtemp(), classes=['a', 'b'], progress=False, device='cpu')\n"
            "print('trained')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "trained" in r.stdout, (r.returncode, r.stderr[-2000:])

def test_a_run_folder_that_cannot_resume_is_not_overwritten(tiny_folder, tmp_path):
    "last.json without its weights file (deleted to save space), or a run's files without last.json: refused with one line, every file left as it was."
    out = tmp_path/"run"
    assert run("--framework", "torch", *TINY, "--epochs", "1", "--data", tiny_folder, "--out", out)[0] == 0
    (out/LAST["torch"]).unlink()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, so, se = run(*TINY, "--epochs", "2", "--resume", "--data", tiny_folder, "--out", out)
    assert code == 1 and "has last.json but no last.safetensors" in se and "Traceback" not in se, se
    (out/"last.json").unlink(); before.pop("last.json")
    code, so, se = run("--framework", "torch", *TINY, "--epochs", "1", "--data", tiny_folder, "--out", out)
    assert code == 1 and "holds files of a run" in se and "no last.json" in se, se
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # best.*, the history and the curves untouched

def test_a_device_this_machine_lacks_is_refused_before_training(tiny_folder, tmp_path):
    "A misspelt or absent --device: one line before the data is loaded (PyTorch's was a traceback after it, TensorFlow's ran on the CPU)."
    import torch
    cases = [("torch", "foo", "is not a PyTorch device"), ("tf", "CPU:5", "TensorFlow sees CPU:0")]
    if not torch.cuda.is_available(): cases.append(("torch", "cuda", "PyTorch sees no CUDA GPU"))
    for framework, device, words in cases:
        code, so, se = run("--framework", framework, *TINY, "--epochs", "1", "--data", tiny_folder, "--out", tmp_path/device, "--device", device)
        assert code == 1 and words in se and "Traceback" not in se and not (tmp_path/device).exists(), (device, se[-1500:])

def test_resume_keeps_the_validation_split_and_the_init_from_path(tiny_folder, tmp_path, monkeypatch):
    "A run trained with --val 0 resumed with validation kept epoch 1 as 'best' for ever (val_acc > NaN is never true) and trained on its new validation images' neighbours; --init-from was stored as typed, so a resume from another folder lost an epoch at its end."
    out = tmp_path/"v0"
    code, _, err = run("--framework", "torch", *TINY, "--epochs", "2", "--val", "0", "--no-test", "--data", tiny_folder, "--out", out)
    assert code == 0, err
    code, _, err = run("--resume", "--epochs", "3", "--no-progress", "--data", tiny_folder, "--out", out)
    assert code == 1 and "was trained with --val 0: resume it with --val 0" in err and "Traceback" not in err, err
    assert json.loads((out/"last.json").read_text())["epoch"] == 2  # nothing trained, nothing lost
    code, _, err = run("--resume", "--epochs", "3", "--val", "0", "--no-progress", "--no-test", "--data", tiny_folder, "--out", out)
    assert code == 0 and json.loads((out/"last.json").read_text())["epoch"] == 3, err  # with --val 0 again it goes on
    meta = json.loads((out/"last.json").read_text()); meta["history"]["val_acc"] = [float("nan")] * 3  # as runs written before null
    (out/"last.json").write_text(json.dumps(meta))
    code, _, err = run("--resume", "--epochs", "4", "--no-progress", "--data", tiny_folder, "--out", out)
    assert code == 1 and "was trained with --val 0: resume it with --val 0" in err, err
    code, _, err = run("--framework", "torch", *TINY, "--epochs", "1", "--no-test", "--data", tiny_folder, "--out", tmp_path/"v")
    assert code == 0, err
    code, _, err = run("--resume", "--epochs", "2", "--val", "0", "--no-progress", "--data", tiny_folder, "--out", tmp_path/"v")
    assert code == 1 and "was trained with validation images: resume it without --val 0" in err, err  # the other way round
    from resnet_cifar_edu.cli import build_parser, run_recipe
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["train", "--framework", "torch", "--init-from", "v0", "--data", str(tiny_folder), "--out", "child"])
    assert run_recipe(args).init_from == str(out.resolve())

def test_a_history_read_back_from_a_run_without_validation_formats_and_plots():
    "history.json of a --val 0 run holds null where the loop had NaN: the epoch line and the curves must take it as read back."
    import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    from resnet_cifar_edu.train import format_epoch, log_epoch, new_history, plot_history, write_json, read_json
    nan = float("nan")
    h = log_epoch(new_history(), epoch=1, train_loss=2.0, train_acc=0.3, val_loss=nan, val_acc=nan, lr=0.1, seconds=5.0, images_per_sec=9.0)
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        write_json(Path(d)/"history.json", h); back = read_json(Path(d)/"history.json")
    assert back["val_acc"] == [None] and math.isnan(h["val_acc"][0])  # the file has null, the run's own history keeps NaN
    assert "no validation images" in format_epoch(back, 1)
    plt.close(plot_history(back))

def test_ctrl_c_outside_training_says_nothing_about_epochs(monkeypatch, capsys):
    from resnet_cifar_edu import cli
    def interrupted(args): raise KeyboardInterrupt
    monkeypatch.setitem(cli.COMMANDS, "predict", interrupted)
    assert cli.main(["predict", "x.png"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "epoch" not in err and "--resume" not in err, err

def test_recipe_values_that_crashed_a_run_later_are_refused_at_once():
    "padding=40 was a torch RuntimeError after the data loaded; momentum=0 with Nesterov failed in PyTorch but trained in Keras; lr=inf and final_lr=nan were accepted."
    from resnet_cifar_edu.train import Recipe
    for kw, says in [(dict(padding=40), "below the smallest picture's side, 32"), (dict(padding=24, low_res=24), "below the smallest picture's side, 24"),
                     (dict(momentum=0.0), "nesterov=false"), (dict(lr=math.inf), "lr must be positive and finite"),
                     (dict(final_lr=math.nan), "final_lr must"), (dict(start_lr=2.0), "start_lr and final_lr")]:
        with pytest.raises(ValueError, match=re.escape(says)): Recipe(**kw)
    assert Recipe(momentum=0.0, nesterov=False).momentum == 0 and Recipe(padding=20, low_res=24).padding == 20

def test_recipe_values_of_the_wrong_type_are_refused_with_the_field_name():
    "flip='false' was a true string (flips stayed on), lr='0.2' a bare TypeError, padding=2.5 and epochs=True were accepted."
    import numpy as np
    from resnet_cifar_edu.train import Recipe
    for kw, says in [(dict(flip="false"), "flip must be of type bool, got 'false'"), (dict(lr="0.2"), "lr must be of type float"),
                     (dict(padding=2.5), "padding must be of type int"), (dict(epochs=True), "epochs must be of type int"),
                     (dict(flip=1), "flip must be of type bool"), (dict(pad_mode=3), "pad_mode must be of type str")]:
        with pytest.raises(ValueError, match=re.escape(says)): Recipe(**kw)
    from dataclasses import asdict
    r = Recipe(lr=np.float32(0.1), bias_lr=8, flip=np.bool_(False), padding=np.int64(2), epochs=np.int64(3))  # numpy numbers and an int for a float pass
    assert r.padding == 2 and type(r.lr) is float and json.loads(json.dumps(asdict(r)))["epochs"] == 3  # as plain numbers: a checkpoint's JSON takes them

def test_resume_warns_about_a_field_the_checkpoint_predates():
    "A checkpoint written before `low_res` existed trained at full size: resuming it with low_res=24 changed that silently."
    from resnet_cifar_edu.train import check_resume, get_recipe
    old = {"framework": "torch", "classes": ["a"], "recipe": {k: v for k, v in vars(get_recipe("quick")).items() if k not in ("low_res", "bias_lr")}}
    import warnings
    with pytest.warns(UserWarning) as caught: check_resume(old, get_recipe("quick", low_res=24, bias_lr=8), ["a"], "torch")
    assert "bias_lr 1.0 -> 8" in str(caught[0].message) and "low_res 0 -> 24" in str(caught[0].message), caught[0].message
    with warnings.catch_warnings(): warnings.simplefilter("error"); check_resume(old, get_recipe("quick"), ["a"], "torch")  # the defaults: no change

def test_unusable_init_from_is_refused_before_the_data_loads(tmp_path):
    "A missing or Keras `--init-from` (or `--set init_from=`) is refused in one line before any data is read (with --width given it was found only after the data had loaded)."
    (tmp_path/"k.weights.h5").write_bytes(b"")
    for extra, says in [(["--init-from", tmp_path/"none.safetensors", "--width", "8"], "none.safetensors' does not exist"),
                        (["--set", f"init_from={tmp_path/'none.safetensors'}"], "none.safetensors' does not exist"),
                        (["--init-from", tmp_path/"k.weights.h5"], "init_from takes a .safetensors file")]:
        code, so, se = run("--framework", "torch", "--preset", "quick", "--data", tmp_path/"no-data-here", "--out", tmp_path/"run", *extra)
        assert code == 1 and says in se and "no-data-here" not in se and "Traceback" not in se, se
    assert not (tmp_path/"run").exists()

def test_keras_load_checkpoint_refuses_an_optimizer_it_cannot_fill(tmp_path):
    "The Keras `load_checkpoint` ignored an `optimizer=` that is not the compiled model's (its PyTorch twin fills the one given); now it says so, and the model's own optimizer still works."
    from resnet_cifar_edu.tensorflow.train import build_model, compile_model, load_checkpoint, make_optimizer
    r, km = _keras_checkpoint(tmp_path/"last.weights.h5")
    fresh = compile_model(build_model(r), r)
    with pytest.raises(ValueError, match="restores the optimizer of the compiled model, and `model`"):
        load_checkpoint(tmp_path/"last.weights.h5", fresh, optimizer=make_optimizer(fresh, r))
    load_checkpoint(tmp_path/"last.weights.h5", fresh, optimizer=fresh.optimizer)
    assert int(fresh.optimizer.iterations) == int(km.optimizer.iterations) == 1

def test_resume_uses_the_changed_optimizer_settings(tiny_folder, tmp_path):
    "Resuming with --set momentum/weight_decay/bias_lr changed the recipe on record but PyTorch kept the saved optimizer's values (Keras used the new ones); now both use the recipe's."
    from safetensors import safe_open
    out = tmp_path/"run"
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--set", "bias_lr=4", "--data", tiny_folder, "--out", out, "--no-test")
    assert code == 0, se
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--set", "bias_lr=2", "--set", "weight_decay=0", "--set", "momentum=0.5",
                       "--data", tiny_folder, "--out", out, "--no-test", "--resume")
    assert code == 0 and "differs from the checkpoint's" in se, se
    with safe_open(str(out/"last.safetensors"), framework="np") as f: groups = json.loads(f.metadata()["optimizer"])["param_groups"]
    assert {g["momentum"] for g in groups} == {0.5} and {g["weight_decay"] for g in groups} == {0.0}
    assert [g.get("lr_scale") for g in groups] == [None, None, 2.0]
    assert json.loads((out/"last.json").read_text())["recipe"]["momentum"] == 0.5

def test_init_from_reads_a_rewritten_file_again(tmp_path):
    "`initial_weights` was cached by path alone, so in one process a run started from a file retrained since then got the old weights and the old SHA-256."
    import hashlib, numpy as np
    from resnet_cifar_edu.train import initial_weights
    from resnet_cifar_edu.weights import untrained_state, write_weights
    p = tmp_path/"parent.safetensors"
    write_weights(untrained_state(width=4, seed=0), {"epoch": 1}, p)
    first, size, t = initial_weights(str(p)), p.stat().st_size, p.stat().st_mtime_ns
    write_weights(untrained_state(width=4, seed=1), {"epoch": 1}, p)  # the same size
    import os; os.utime(p, ns=(t, t))  # and the same time: only the inode (a new file renamed into place) and the ctime differ
    assert p.stat().st_size == size and p.stat().st_mtime_ns == t
    second = initial_weights(str(p))
    assert second[1][-1]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest() != first[1][-1]["sha256"]
    assert not np.array_equal(first[0]["stem.conv.weight"], second[0]["stem.conv.weight"])
    assert initial_weights(str(p))[0] is second[0]  # unchanged: from the cache

def test_resume_keeps_the_split_and_refuses_a_new_init_from(tiny_folder, tmp_path):
    "A run resumed without its --val trained on its validation pictures (30/10 after 20/20, silently); --init-from on a resumed run was ignored but recorded in the lineage."
    out = tmp_path/"run"
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--val", 20, "--data", tiny_folder, "--out", out, "--no-test")
    assert code == 0 and json.loads((out/"split.json").read_text())["val"] == 20, se
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--data", tiny_folder, "--out", out, "--no-test", "--resume")
    assert code == 1 and "20 of them for validation, not 80 and 10" in se and "--val 20" in se and "Traceback" not in se, se
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--val", 20, "--data", tiny_folder, "--out", out, "--no-test",
                       "--resume", "--init-from", out/"best.safetensors")
    assert code == 1 and "--init-from starts a new run" in se, se
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--val", 20, "--data", tiny_folder, "--out", out, "--no-test", "--resume")
    assert code == 0 and "20 validation images" in so and "lineage" not in json.loads((out/"last.json").read_text()), se

def test_train_command_round_trips_and_takes_an_older_record(tmp_path):
    "train_command writes the command whose recipe is the one given (parsed back here), and reads a stored recipe with a field an older kit had (it raised TypeError)."
    import shlex
    from dataclasses import asdict
    from resnet_cifar_edu.cli import build_parser, run_recipe, train_command
    from resnet_cifar_edu.train import get_recipe
    r = get_recipe("cpu", epochs=40, lr=0.3, cutout=8, flip=False, low_res_epochs=0.25)
    cmd = train_command(r, preset="quick", out=tmp_path/"new")
    args = build_parser().parse_args(shlex.split(cmd)[1:])
    assert asdict(run_recipe(args)) == asdict(r), cmd
    assert train_command({**asdict(r), "mixup": 0.2}, preset="quick", out=tmp_path/"new") == cmd
    assert train_command(get_recipe("cpu"), preset="cpu") == "resnet-cifar train --framework torch --preset cpu --data data/cifar10-jpeg --out runs/new"

def test_a_negative_seed_is_refused_before_the_data_loads(tmp_path):
    "--set seed=-1 failed after the data had loaded, with numpy's 'expected non-negative integer' and nothing naming the field."
    from resnet_cifar_edu.train import Recipe
    with pytest.raises(ValueError, match="seed must be a whole number ≥ 0, got -1"): Recipe(seed=-1)
    code, so, se = run("--framework", "torch", "--preset", "quick", "--set", "seed=-1", "--data", tmp_path/"no-data-here", "--out", tmp_path/"run")
    assert code == 1 and "seed must be a whole number ≥ 0" in se and "no-data-here" not in se, se

def test_init_from_takes_the_width_from_the_weights_themselves(tmp_path):
    "A weights file whose metadata lacks the width was taken for width 64 (the mismatch surfaced after the data loaded); --width or --set width that disagree with the file are refused at once."
    from resnet_cifar_edu.weights import untrained_state, write_weights
    from resnet_cifar_edu.cli import build_parser, run_recipe
    p = write_weights(untrained_state(width=8), {"epoch": 3}, tmp_path/"p.safetensors")
    args = lambda *extra: build_parser().parse_args(["train", "--framework", "torch", "--data", "d", "--out", str(tmp_path/"new"), "--init-from", str(p), *extra])
    assert run_recipe(args()).width == 8
    for extra in (["--width", "16"], ["--set", "width=16"]):
        with pytest.raises(Exception, match="--init-from holds a width-8 network, not width 16"): run_recipe(args(*extra))

def test_a_runs_lineage_stays_the_weights_it_started_from(tmp_path):
    "The lineage is written at every epoch: with initial_weights keyed by the file's state, a parent rewritten mid-run changed the lineage of later epochs, and a deleted one failed the epoch; it now repeats what the run started from."
    from resnet_cifar_edu.train import checkpoint_meta, get_recipe, initial_weights, new_history
    from resnet_cifar_edu.weights import untrained_state, write_weights
    p = write_weights(untrained_state(width=4, seed=0), {"epoch": 1}, tmp_path/"parent.safetensors")
    r = get_recipe("quick", width=4, init_from=str(p))
    started = initial_weights(str(p))[1]  # as fit does when the run starts
    write_weights(untrained_state(width=4, seed=1), {"epoch": 2}, p)
    assert checkpoint_meta(r, 1, new_history(), 0.5, ["a"], "torch")["lineage"] == started
    p.unlink()
    assert checkpoint_meta(r, 2, new_history(), 0.5, ["a"], "torch")["lineage"] == started

def test_resume_refuses_bias_lr_to_or_from_one_in_one_line(tiny_folder, tmp_path):
    "bias_lr 1 and any other value give the PyTorch optimizer two or three parameter groups: resuming across that failed with torch's 'different number of parameter groups' after the data loaded; now the message says what to keep."
    out = tmp_path/"run"
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--data", tiny_folder, "--out", out, "--no-test")
    assert code == 0, se
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--set", "bias_lr=4", "--data", tiny_folder, "--out", out, "--no-test", "--resume")
    assert code == 1 and "trained with bias_lr 1.0; it can change when resuming, but not to or from 1" in se and "Traceback" not in se, se

def test_the_split_record_compares_the_data_and_spares_a_run_that_never_trained(tiny_folder, tmp_path):
    "The split record also compares the number of images (other --data with the same --val passed); a folder whose run never finished an epoch starts afresh; an older run without a record is resumed unchecked and not given one."
    from resnet_cifar_edu.data import make_tiny_image_folder
    out, other = tmp_path/"run", make_tiny_image_folder(tmp_path/"other", n_per_class=6)
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--val", 20, "--data", tiny_folder, "--out", out, "--no-test")
    assert code == 0, se
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--val", 20, "--data", other, "--out", out, "--no-test", "--resume")
    assert code == 1 and "trained on 80 images, 20 of them for validation, not 60 and 20" in se, se
    fresh = tmp_path/"fresh"; fresh.mkdir(); (fresh/"split.json").write_text('{"val": 30, "images": 80}')  # stopped before its first epoch ended
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--data", tiny_folder, "--out", fresh, "--no-test", "--resume")
    assert code == 0 and json.loads((fresh/"split.json").read_text()) == {"val": 10, "images": 80}, se
    (out/"split.json").unlink()  # as a run of an older kit left it
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--val", 20, "--data", tiny_folder, "--out", out, "--no-test", "--resume")
    assert code == 0 and not (out/"split.json").exists(), se

def test_a_resumed_run_keeps_its_starting_lineage(tiny_folder, tmp_path):
    "Resumed in a new process, a run read its parent file afresh for the lineage: rewritten in the meantime, the record named weights it never started from."
    from resnet_cifar_edu.weights import untrained_state, write_weights
    p, out = write_weights(untrained_state(width=4, seed=0), {"epoch": 1}, tmp_path/"parent.safetensors"), tmp_path/"run"
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--data", tiny_folder, "--out", out, "--no-test", "--init-from", p)
    assert code == 0, se
    started = json.loads((out/"last.json").read_text())["lineage"]
    write_weights(untrained_state(width=4, seed=1), {"epoch": 5}, p)  # the parent retrained meanwhile
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--data", tiny_folder, "--out", out, "--no-test", "--resume")
    assert code == 0 and json.loads((out/"last.json").read_text())["lineage"] == started, se

def test_init_from_a_file_with_other_names_is_one_line(tmp_path):
    "Weights saved under DDP's names (module.…) gave a KeyError traceback from --init-from; now one line before any data is read."
    from resnet_cifar_edu.weights import untrained_state, write_weights
    bare = write_weights({f"module.{k}": v for k, v in untrained_state(width=8).items()}, {}, tmp_path/"ddp.safetensors")
    code, so, se = run("--framework", "torch", "--preset", "quick", "--data", tmp_path/"no-data-here", "--out", tmp_path/"run", "--init-from", bare)
    assert code == 1 and "holds no ResNet-18 of this kit" in se and "Traceback" not in se and "no-data-here" not in se, se

def test_resume_hands_on_only_its_own_lineage(tiny_folder, tmp_path):
    "check_resume handed on a checkpoint's lineage before checking it, and for any init_from; --resume --set init_from= (empty) dropped the lineage silently."
    from resnet_cifar_edu.train import _STARTED, check_resume, checkpoint_meta, get_recipe, new_history
    from resnet_cifar_edu.weights import untrained_state, write_weights
    p = write_weights(untrained_state(width=4), {"epoch": 1}, tmp_path/"parent.safetensors")
    other = {"framework": "torch", "recipe": {"width": 8, "init_from": str(p)}, "classes": ["a"], "lineage": [{"weights": "OTHER"}]}
    with pytest.raises(ValueError, match="width-8 network"): check_resume(other, get_recipe("quick", width=4, init_from=str(p)), ["a"], "torch")
    assert _STARTED.get(str(p)) != other["lineage"]
    elsewhere = {**other, "recipe": {"width": 4, "init_from": str(tmp_path/"elsewhere.safetensors")}}
    with pytest.warns(UserWarning, match="init_from"): check_resume(elsewhere, get_recipe("quick", width=4, init_from=str(p)), ["a"], "torch")
    assert checkpoint_meta(get_recipe("quick", width=4, init_from=str(p)), 1, new_history(), 0.5, ["a"], "torch")["lineage"] != other["lineage"]
    out = tmp_path/"run"
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 1, "--data", tiny_folder, "--out", out, "--no-test", "--init-from", p)
    assert code == 0, se
    code, so, se = run("--framework", "torch", *TINY, "--epochs", 2, "--data", tiny_folder, "--out", out, "--no-test", "--resume", "--set", "init_from=")
    assert code == 1 and "--init-from starts a new run" in se, se

def test_keras_checkpoint_with_a_field_of_another_kit_version_loads(tmp_path):
    "The Keras `load_checkpoint` built Recipe(**saved recipe), so a field this kit does not know raised a TypeError (its PyTorch twin reads only the width)."
    from resnet_cifar_edu.tensorflow.train import load_checkpoint, save_checkpoint
    r, km = _keras_checkpoint(tmp_path/"first.weights.h5")
    save_checkpoint(tmp_path/"last.weights.h5", km, km.optimizer, {"epoch": 1, "recipe": {**vars(r), "field_of_another_version": 0.1}})
    km2, meta = load_checkpoint(tmp_path/"last.weights.h5")
    assert meta["recipe"]["field_of_another_version"] == 0.1 and km2.count_params() == km.count_params()

def test_train_epoch_refuses_more_steps_than_the_images_allow():
    "train_epoch took any `steps`: past the data its batches were empty, the loss NaN and the image count too high."
    import torch
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.torch.train import build_model, make_optimizer, train_epoch
    r = get_recipe("quick", width=4, batch_size=16, channels_last=False)
    m = build_model(r); opt = make_optimizer(m, r)
    x, y = torch.randint(0, 256, (32, 32, 32, 3), dtype=torch.uint8), torch.randint(0, 10, (32,))
    with pytest.raises(ValueError, match="3 steps of 16 images need 48 images; there are 32"): train_epoch(m, opt, x, y, r, 0, 3, 3)
    loss, acc, seen, secs = train_epoch(m, opt, x, y, r, 0, 2, 2)
    assert seen == 32 and math.isfinite(loss)

def test_keras_sgd_with_l2_without_a_variable_list_still_decays_and_scales_the_bias_step():
    "`opt.apply(grads)` without variables (Keras then uses the built ones) skipped the weight decay and `bias_lr`."
    import keras, tensorflow as tf
    from resnet_cifar_edu.tensorflow.train import SGDWithL2
    def one_step(explicit):
        w, b = keras.Variable(tf.ones((2, 2))), keras.Variable(tf.zeros(2), name="bias")
        opt = SGDWithL2(l2=0.1, bias_lr=2.0, learning_rate=1.0); opt.build([w, b])
        grads = [tf.zeros((2, 2)), tf.ones(2)]
        opt.apply(grads, [w, b]) if explicit else opt.apply(grads)
        return round(float(w.numpy()[0, 0]), 5), round(float(b.numpy()[0]), 5)
    assert one_step(True) == one_step(False) == (0.9, -2.0)  # w - lr·l2·w; the bias steps bias_lr times as far

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_interrupted_run_closes_its_progress_bar(framework, tmp_path, monkeypatch):
    "A run stopped by an exception (Ctrl-C, a crash, a hook) closes its progress bar, so the next output starts on a line of its own."
    import numpy as np
    import resnet_cifar_edu.train as train
    if framework == "tf": from resnet_cifar_edu.tensorflow import train as loop
    else: from resnet_cifar_edu.torch import train as loop
    bars = []
    monkeypatch.setattr(loop, "progress_bar", lambda *a, **k: bars.append(train.progress_bar(*a, **k)) or bars[-1])
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 96)
    class Stop(Exception): pass
    def stop(epoch, model, history): raise Stop
    with pytest.raises(Stop):
        loop.fit(train.get_recipe("quick", width=4, batch_size=16, epochs=2, tta=False), x[:80], y[:80], x[80:], y[80:],
                 tmp_path/"run", progress=True, verbose=False, on_epoch_end=stop)
    assert len(bars) == 1 and bars[0].n > 0  # the bar was shown and moved
    assert bars[0].disable  # tqdm's close() sets it; an open bar would leave the next line on the bar's

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_fit_trains_on_the_augmentation_it_is_given(framework, tmp_path, monkeypatch):
    "`fit(augment=f)` (chapter 02 hands it the notebook's `augment_batch`): every training batch goes through `f`, called with `augment_batch`'s arguments; the default is the package's."
    import numpy as np
    from resnet_cifar_edu.train import get_recipe
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 96)
    recipe = get_recipe("quick", width=4, batch_size=16, epochs=2, padding=4, flip=True, cutout=8, tta=False, compile=False, xla=False)
    calls = []
    if framework == "torch":
        import torch
        from resnet_cifar_edu.torch import train as loop
        def blank(xb, padding, pad_mode, flip, rotate, cutout, generator=None):
            calls.append((padding, pad_mode, flip, rotate, cutout)); return torch.zeros_like(xb)
    else:
        import tensorflow as tf
        from resnet_cifar_edu.tensorflow import train as loop
        def blank(xb, padding, pad_mode, flip, rotate, cutout, seed=None):
            calls.append((padding, pad_mode, flip, rotate, cutout)); return tf.zeros_like(xb)  # called when tf.data traces it
        black = loop.normalize(tf.zeros((1, 32, 32, 3)), loop.CIFAR10_MEAN, loop.CIFAR10_STD).numpy()
        for xb, _ in loop.train_dataset(x[:80], y[:80], recipe, augment=blank):
            np.testing.assert_allclose(xb.numpy(), np.broadcast_to(black, xb.shape), atol=1e-6)  # every pixel from `blank`
        calls.clear()
    if framework == "torch":  # the batch the model trains on is blank's output, not augment_batch's
        xb = loop._training_batch(torch.from_numpy(x[:16]), torch.arange(16), recipe, 32, None, augment=blank)
        black = loop.normalize(torch.zeros(1, 3, 32, 32), loop.CIFAR10_MEAN, loop.CIFAR10_STD)
        torch.testing.assert_close(xb, black.expand_as(xb).contiguous(memory_format=torch.channels_last))
        calls.clear()
    loop.fit(recipe, x[:80], y[:80], x[80:], y[80:], tmp_path/"run", progress=False, verbose=False, augment=blank)
    assert calls and set(calls) == {(4, "reflect", True, 0.0, 8)}, calls
    if framework == "torch": assert len(calls) == 10, calls  # 5 steps in each of 2 epochs
    default = loop.augment_batch
    def spy(*args, **kwargs): calls.append("default"); return default(*args, **kwargs)
    calls.clear(); monkeypatch.setattr(loop, "augment_batch", spy)  # without augment=, fit uses the package's augment_batch
    loop.fit(recipe, x[:80], y[:80], x[80:], y[80:], tmp_path/"run2", progress=False, verbose=False)
    assert calls and set(calls) == {"default"}, calls

def test_ctrl_c_in_the_first_epoch_does_not_promise_a_resume(monkeypatch, capsys, tmp_path):
    "Ctrl-C before the first checkpoint: nothing was saved, so the hint says so instead of 'add --resume to continue'; after one, it points to --resume."
    from resnet_cifar_edu import cli
    def interrupted(args): raise KeyboardInterrupt
    monkeypatch.setitem(cli.COMMANDS, "train", interrupted)
    argv = ["train", "--framework", "torch", "--data", str(tmp_path/"data"), "--out", str(tmp_path/"run")]
    assert cli.main(argv) == 130
    err = capsys.readouterr().err
    assert "no epoch was completed" in err and "--resume" not in err, err
    (tmp_path/"run").mkdir(); (tmp_path/"run"/"last.json").write_text("{}")  # a checkpoint exists
    assert cli.main(argv) == 130
    err = capsys.readouterr().err
    assert "every completed epoch is saved: add --resume" in err, err
