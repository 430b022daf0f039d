"""Training speed of ResNet-18 on this machine, printed (a benchmark, not a timed test).

  (a) the original project's pipeline: torchvision PIL transforms (RandomCrop(32, padding=4), RandomHorizontalFlip,
      RandomRotation(15), ToTensor, Normalize) per image in a DataLoader with 2 workers, fp32 NCHW, AdamW, batch 128;
  (b) this kit's PyTorch loop (`resnet_cifar_edu.torch.train.train_epoch`): uint8 tensors in memory, batched
      augmentation, channels_last, bf16 autocast, SGD with Nesterov momentum, batch from the recipe;
  (c) this kit's TensorFlow loop: `tf.data` pipeline of `resnet_cifar_edu.tensorflow.train.train_dataset`,
      Keras `model.fit` with the kit's callbacks, mixed_bfloat16, batch from the recipe;

and the ratios b/a and c/b. Each measurement runs in its own process (so the frameworks' thread pools and
DataLoader workers do not meet), times `--steps` optimiser steps after warm-up steps, and reports images/second.
`--accuracy-epochs N` also trains both frameworks for N epochs of the `quick` preset on the CIFAR-10 data
(45,000 / 5,000 split) and prints the validation accuracy each reaches.

Usage:  python bench/train_speed.py [--width 64] [--steps 4] [--repeats 1] [--data PATH]
                                   [--accuracy-epochs N [--seed S]] [--no-speed]
"""
import argparse, json, os, subprocess, sys, time

HERE = os.path.abspath(__file__)

def _images(data, n, seed=0):
    "n uint8 training images (N, 32, 32, 3) and labels: CIFAR-10 when available, otherwise random pixels."
    import numpy as np
    from resnet_cifar_edu.data import find_cifar10_jpeg, load_dataset
    src = data or find_cifar10_jpeg()
    if src is not None:
        x, y, _ = load_dataset(src, "train", progress=False)
        idx = np.resize(np.random.default_rng(seed).permutation(len(y)), n)  # repeated when the data holds fewer than n
        return x[idx], y[idx]
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, n).astype(np.int64)

def measure_original(width, steps, data, batch_size=128, warmup=3):
    "(a): the original per-image PIL pipeline through a DataLoader, fp32 NCHW, AdamW."
    import torchvision.transforms as T  # noqa: F401  (torchvision before anything that might import TensorFlow)
    import torch
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset
    from resnet_cifar_edu.data import CIFAR10_MEAN, CIFAR10_STD
    from resnet_cifar_edu.torch.resnet import resnet18
    x, y = _images(data, batch_size * (steps + warmup) * 2)
    tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.RandomRotation(15),
                    T.ToTensor(), T.Normalize(CIFAR10_MEAN, CIFAR10_STD)])
    class PILImages(Dataset):
        def __len__(self): return len(y)
        def __getitem__(self, i): return tf(Image.fromarray(x[i])), int(y[i])
    loader = DataLoader(PILImages(), batch_size=batch_size, shuffle=True, num_workers=2, drop_last=True)
    torch.manual_seed(0)
    model = resnet18(10, width)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    t0 = None
    for i, (xb, yb) in enumerate(loader):
        if i == warmup: t0 = time.perf_counter()
        if i == warmup + steps: break
        loss = loss_fn(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    return {"images_per_sec": steps * batch_size / (time.perf_counter() - t0), "batch_size": batch_size}

def measure_torch(width, steps, data, batch_size=None, warmup=1, compile=None):
    "(b): the kit's PyTorch training loop, as `fit` runs it (with `torch.compile` when the cpu preset asks for it)."
    import torch
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.torch import train as pt
    r = get_recipe("cpu", width=width, epochs=1, low_res=0, **({"batch_size": batch_size} if batch_size else {}),
                   **({"compile": compile} if compile is not None else {}))
    x, y = _images(data, r.batch_size * (steps + warmup))
    dev = pt.default_device()
    model, X, Y = pt.build_model(r, 10, dev), torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    opt = pt.make_optimizer(model, r)
    step_model = pt.compile_or_eager(model, r, X[:r.batch_size], Y[:r.batch_size]) if r.compile else model
    w = r.batch_size * warmup
    pt.train_epoch(step_model, opt, X[:w], Y[:w], r, 0, warmup, 10 * (steps + warmup))
    _, _, seen, secs = pt.train_epoch(step_model, opt, X[w:], Y[w:], r, 0, steps, 10 * (steps + warmup))
    return {"images_per_sec": seen / secs, "batch_size": r.batch_size, "device": str(dev), "compiled": step_model is not model}

def measure_tf(width, steps, data, batch_size=None, warmup=2):
    "(c): the kit's TensorFlow loop: tf.data pipeline + model.fit + the kit's schedule callback."
    import keras
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.tensorflow import train as kt
    r = get_recipe("cpu", width=width, epochs=2, low_res=0, **({"batch_size": batch_size} if batch_size else {}))
    n = r.batch_size * max(steps, warmup)
    x, y = _images(data, n)
    model = kt.compile_model(kt.build_model(r, 10), r)
    times = []
    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, b, logs=None): self.t = time.perf_counter()
        def on_train_batch_end(self, b, logs=None): float(logs["loss"]); times.append(time.perf_counter() - self.t)
    model.fit(kt.train_dataset(x, y, r, 10), epochs=2, steps_per_epoch=n // r.batch_size, verbose=0, shuffle=False,
              callbacks=[kt.OneCycleSchedule(r, n // r.batch_size), Timer()])
    measured = times[-steps:]  # the steps after the warm-up epoch (graph tracing happens in the first steps)
    return {"images_per_sec": len(measured) * r.batch_size / sum(measured), "batch_size": r.batch_size,
            "policy": "mixed_bfloat16" if r.bf16 else "float32", "xla": r.xla}

def measure_accuracy(framework, epochs, data, seed=0):
    "Validation accuracy after `epochs` epochs of the quick preset on the 45,000 / 5,000 split."
    from resnet_cifar_edu.data import find_cifar10_jpeg, load_dataset, train_val_split
    from resnet_cifar_edu.train import get_recipe
    import tempfile
    if framework == "torch": from resnet_cifar_edu.torch.train import fit
    else: from resnet_cifar_edu.tensorflow.train import fit
    src = data or find_cifar10_jpeg()
    if src is None: return {"skipped": "no CIFAR-10 data found (pass --data)"}
    x, y, classes = load_dataset(src, "train", progress=False)
    tr, va = train_val_split(y, 5000, seed=0)
    r = get_recipe("quick", epochs=epochs, seed=seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        h = fit(r, x[tr], y[tr], x[va], y[va], d, classes, progress=False, verbose=False)
        tta = json.load(open(os.path.join(d, "last.json")))["metrics"].get("val_acc_tta")
    return {"val_acc": h["val_acc"][-1], "val_acc_tta": tta, "epochs": epochs, "width": r.width, "seed": seed,
            "seconds": time.perf_counter() - t0, "data": str(src)}

def child(what, args):
    "Run one measurement in a fresh interpreter and return its JSON result."
    cmd = [sys.executable, HERE, "--child", what, "--width", str(args.width), "--steps", str(args.steps),
           "--accuracy-epochs", str(args.accuracy_epochs), "--seed", str(args.seed)] + (["--data", args.data] if args.data else [])
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    lines = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")]
    if r.returncode != 0 or not lines: raise SystemExit(f"{what} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    return json.loads(lines[-1][7:])

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--width", type=int, default=64, help="ResNet-18 width for all three (64: the standard network)")
    p.add_argument("--steps", type=int, default=4, help="optimiser steps timed per measurement, after warm-up")
    p.add_argument("--data", help="CIFAR-10 (archive or image folder); default: the JPEG copy if found, else random pixels")
    p.add_argument("--accuracy-epochs", type=int, default=0, help="also train both frameworks this many epochs (quick preset)")
    p.add_argument("--seed", type=int, default=0, help="seed of the accuracy runs")
    p.add_argument("--speed", action=argparse.BooleanOptionalAction, default=True, help="measure images/second (--no-speed: only accuracy)")
    p.add_argument("--repeats", type=int, default=1, help="measure everything this many times (interleaved) and keep the best")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        fn = {"a": lambda: measure_original(args.width, max(args.steps * 3, 6), args.data),
              "b": lambda: measure_torch(args.width, args.steps, args.data),
              "b-eager": lambda: measure_torch(args.width, args.steps, args.data, compile=False),
              "b128": lambda: measure_torch(args.width, max(args.steps * 3, 6), args.data, batch_size=128, compile=False),
              "c": lambda: measure_tf(args.width, args.steps, args.data),
              "acc-torch": lambda: measure_accuracy("torch", args.accuracy_epochs, args.data, args.seed),
              "acc-tf": lambda: measure_accuracy("tf", args.accuracy_epochs, args.data, args.seed)}[args.child]
        print("RESULT " + json.dumps(fn())); return

    import torch, tensorflow as tf, keras
    from resnet_cifar_edu.train import cpu_name
    cpu = cpu_name()
    print(f"machine: {cpu}, {os.cpu_count()} logical CPUs; torch {torch.__version__} ({torch.get_num_threads()} threads, "
          f"CUDA {'yes' if torch.cuda.is_available() else 'no'}), tensorflow {tf.__version__}, keras {keras.__version__}")
    print(f"load average before: {os.getloadavg()[0]:.2f}   (other jobs on the machine slow every number below)")
    t0 = time.perf_counter()
    if args.speed: speed(args)
    if args.accuracy_epochs: accuracy(args)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}; benchmark took {time.perf_counter() - t0:.0f} s")

def speed(args):
    print(f"\nResNet-18 width {args.width}, training images per second (steady state after warm-up"
          f"{f', best of {args.repeats} interleaved runs' if args.repeats > 1 else ''}):", flush=True)
    res = {}
    labels = {"a": "(a) original: PIL transforms + RandomRotation(15) in a DataLoader, fp32 NCHW, AdamW",
              "b": "(b) kit, PyTorch, as the cpu preset runs it (torch.compile when it works)",
              "b-eager": "    kit, PyTorch, without torch.compile",
              "b128": "    kit, PyTorch, without torch.compile, at the original's batch size",
              "c": "(c) kit, TensorFlow: tf.data + model.fit, mixed_bfloat16, SGD"}
    order = ("a", "b", "b-eager", "b128", "c")
    runs = {k: [] for k in order}
    for rep_i in range(args.repeats):
        for k in order:
            runs[k].append(child(k, args))
            if args.repeats > 1: print(f"    run {rep_i + 1}, {k}: {runs[k][-1]['images_per_sec']:.1f} img/s (load {os.getloadavg()[0]:.2f})", flush=True)
    for k in order:
        res[k] = max(runs[k], key=lambda r: r["images_per_sec"])
        extra = "" if k != "b" else f" (compiled: {res[k]['compiled']})"
        print(f"  {labels[k]:80s} batch {res[k]['batch_size']:4d}: {res[k]['images_per_sec']:7.1f} img/s{extra}", flush=True)
    b_a = res["b"]["images_per_sec"] / res["a"]["images_per_sec"]
    c_b = res["c"]["images_per_sec"] / res["b"]["images_per_sec"]
    print(f"\n  b/a = {b_a:.2f}   (goal ≥ 2.5)\n  c/b = {c_b:.2f}   (goal ≥ 0.8)")

def accuracy(args):
    print(f"\nAccuracy after {args.accuracy_epochs} epochs of the quick preset (seed {args.seed}), "
          f"45,000 training / 5,000 validation images:", flush=True)
    acc = {}
    for fw in ("torch", "tf"):
        acc[fw] = a = child(f"acc-{fw}", args)
        if "skipped" in a: print(f"  {fw}: skipped, {a['skipped']}"); continue
        print(f"  {fw:5s} width {a['width']}: validation accuracy {a['val_acc']:.2%} (flip TTA {a['val_acc_tta']:.2%}), "
              f"{a['seconds']:.0f} s, data {a['data']}", flush=True)
    if all("val_acc" in a for a in acc.values()):
        print(f"  difference torch − tf: {(acc['torch']['val_acc'] - acc['tf']['val_acc']) * 100:+.2f} points (goal: within 1)")

if __name__ == "__main__":
    main()
