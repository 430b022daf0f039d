"""Turn a finished PyTorch training run into the model shipped inside the package, and write its model card.

usage: python tools/ship_model.py RUN_DIR --data DATA [--wall-seconds S] [--machine TEXT] [--dest resnet_cifar_edu/weights]
                                  [--backends torch,tf] [--trained-on TEXT]
       python tools/ship_model.py --relabel [--trained-on TEXT]   (rewrite only the demo's banner lines, from the card)

Reads RUN_DIR/best.safetensors (the best-on-validation checkpoint of `resnet-cifar train --framework torch`), stores its
weights as fp16 safetensors with the metadata `Classifier` needs, then measures the shipped file itself, through
`Classifier.from_checkpoint(...).predict_proba`, on the test split of DATA with both backends (`--backends torch` on a
machine without TensorFlow), with and without flip test-time augmentation. The numbers go into `model_card.json` and
`MODEL_CARD.md` beside the weights, with the file's sha256. Nothing is estimated: every number in the card is computed here or read from the run's own history."""
import argparse, hashlib, json, platform, os, shutil, subprocess, sys, time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from resnet_cifar_edu.data import CLASSES, CLASSES_ZH, CIFAR10_MEAN, CIFAR10_STD, load_dataset
from resnet_cifar_edu.cli import train_command
from resnet_cifar_edu.evaluate import evaluation_report
from resnet_cifar_edu.inference import Classifier, read_weights, write_weights
from resnet_cifar_edu.train import cpu_name

NAME = "resnet18_cifar10"


def stored_dtypes(path) -> str:
    "How the file stores its floats: 'float16', or each dtype with its tensor count when write_weights kept some in float32 (the card's `dtype` is what was asked for)."
    from collections import Counter
    from safetensors import safe_open
    with safe_open(str(path), framework="numpy") as f: n = Counter(f.get_slice(k).get_dtype() for k in f.keys() if f.get_slice(k).get_dtype().startswith(("F", "BF")))
    names = {"F16": "float16", "F32": "float32", "BF16": "bfloat16"}
    return names.get(next(iter(n)), next(iter(n))) if len(n) == 1 else ", ".join(f"{names.get(d, d)} ({c} tensor{'s' * (c > 1)})" for d, c in sorted(n.items()))

def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""): h.update(chunk)
    return h.hexdigest()

def shipped_in_commit(path, digest):
    "The git commit whose copy of the weights file `path` has sha256 `digest`: the last commit that changed it, if the file on disk is that copy and has no uncommitted change; else None."
    try:
        if not Path(path).is_file() or sha256(path) != digest: return None
        rel = Path(path).resolve().relative_to(ROOT)
        if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", str(rel)], cwd=ROOT).returncode != 0: return None
        out = subprocess.run(["git", "log", "-n1", "--format=%H", "--", str(rel)], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() or None
    except (OSError, ValueError): return None

def split_note(lineage) -> str:
    "The card's line on which images chose the model, and how often the test images were looked at."
    note = "45,000 training / 5,000 validation images (stratified, seed 0) from the 50,000 training images; "
    if not lineage: return note + "the 10,000 test images were used once, after training"
    earlier = "the earlier cycle" if len(lineage) == 1 else f"each of the {len(lineage)} earlier cycles"
    if all(a.get("commit") for a in lineage):  # every earlier cycle was shipped, so scored on the test images before the next began
        return note + (f"the 10,000 test images were used once after this cycle, and once after {earlier}, when it was shipped, "
                       "before the next cycle was planned (each cycle was chosen on validation images)")
    return note + (f"the 10,000 test images were used once after this cycle; {earlier} may have been scored on them too "
                   "(see the lineage below)")

def banner(acc, epochs, lineage, trained_on) -> dict:
    "The demo's one-line description of the shipped model, in English and Chinese: test accuracy, epochs of every cycle, machine."
    cycles = " + ".join(str(e) for e in [a.get("epochs") for a in lineage if a.get("epochs")] + [epochs])
    zh_on = {"a 2-core CPU": "2 核 CPU"}.get(trained_on, trained_on)
    return {"description": f"ResNet-18 shipped with resnet_cifar_edu: {acc:.1%} on the CIFAR-10 test images (JPEG re-encoding), "
                           f"{cycles} epochs on {trained_on}",
            "description_zh": f"随 resnet_cifar_edu 发布的 ResNet-18：在 CIFAR-10 测试图片（JPEG 重新编码）上准确率 {acc:.1%}，"
                              f"在 {zh_on} 上训练了 {cycles} 个轮次"}

def relabel(dest, trained_on):
    "Rewrite the shipped file's banner lines from its own card (tensors unchanged), then the card's sha256, size and Markdown."
    card = json.loads((dest/"model_card.json").read_text())
    state, meta = read_weights(dest/card["file"])
    meta.update(banner(card["test"]["torch"]["accuracy"], card["epochs"], card.get("lineage") or [], trained_on))
    weights = write_weights(state, meta, dest/card["file"], dtype=card["dtype"])
    card.update(sha256=sha256(weights), bytes=weights.stat().st_size)
    (dest/"model_card.json").write_text(json.dumps(card, indent=1) + "\n")
    (dest/"MODEL_CARD.md").write_text(model_card_md(card) + "\n")
    print(f"relabelled {weights}: {meta['description']!r} / {meta['description_zh']!r}; sha256 {card['sha256'][:16]}…")

def main(argv=None):
    if argv is None: argv = sys.argv[1:]
    if argv[:1] == ["--relabel"]:  # only the banner lines change: python tools/ship_model.py --relabel [--trained-on TEXT]
        rp = argparse.ArgumentParser(); rp.add_argument("--relabel", action="store_true")
        rp.add_argument("--dest", type=Path, default=ROOT/"resnet_cifar_edu"/"weights")
        rp.add_argument("--trained-on", default=f"a {os.cpu_count()}-core CPU")
        a = rp.parse_args(argv); return relabel(a.dest, a.trained_on)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--data", required=True, help="CIFAR-10 data with a test split (image folder, .tar.gz, or the official archive)")
    ap.add_argument("--dest", type=Path, default=ROOT/"resnet_cifar_edu"/"weights")
    ap.add_argument("--wall-seconds", type=float, help="wall-clock time of the whole training run, if known")
    ap.add_argument("--time-note", default="", help="what the card should say about the time, e.g. that the run was stopped and resumed")
    ap.add_argument("--machine", default=f"{os.cpu_count()} CPU cores ({cpu_name()}), no GPU")
    ap.add_argument("--data-name", default="CIFAR-10 JPEG re-encoding (../shared/data/cifar10-jpeg.tar.gz)")
    ap.add_argument("--backends", default="torch,tf", help="backends that measure the shipped file (default: torch,tf)")
    ap.add_argument("--trained-on", default=f"a {os.cpu_count()}-core CPU", help="for the demo's banner: '... N epochs on TEXT'")
    args = ap.parse_args(argv)

    state, meta = read_weights(args.run/"best.safetensors")
    run_meta = json.loads((args.run/"best.json").read_text())
    history = json.loads((args.run/"history.json").read_text())
    recipe, epoch = run_meta["recipe"], run_meta["epoch"]
    ship_meta = {"arch": "resnet18", "width": recipe["width"], "stem": recipe.get("stem", "cifar"), "size": 32,
                 "classes": list(run_meta["classes"]), "classes_zh": list(CLASSES_ZH) if list(run_meta["classes"]) == list(CLASSES) else list(run_meta["classes"]),
                 "mean": list(CIFAR10_MEAN), "std": list(CIFAR10_STD), "framework": "torch", "recipe": recipe,
                 "epoch": epoch, "val_acc": run_meta["best_val_acc"]}
    lineage = [dict(a) for a in run_meta.get("lineage", [])]  # the weights this run started from (--init-from)
    if lineage:  # before they are overwritten: the commit that shipped them, so that the card can say how to get them back
        commit = shipped_in_commit(args.dest/f"{NAME}.safetensors", lineage[-1]["sha256"])
        if commit: lineage[-1]["commit"] = commit
        ship_meta["lineage"] = lineage
    args.dest.mkdir(parents=True, exist_ok=True)
    weights = write_weights(state, ship_meta, args.dest/f"{NAME}.safetensors", dtype="float16")

    x, y, classes = load_dataset(args.data, "test")
    assert list(classes) == ship_meta["classes"], "the test split's classes differ from the model's"
    results, plain = {}, {}  # plain: each backend's probabilities without TTA, to compare the two on every test image
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "torch" not in backends or set(backends) - {"torch", "tf"}: ap.error(f"--backends takes torch or torch,tf, not {args.backends!r}")
    for backend in sorted(backends, key=["torch", "tf"].index):  # PyTorch first: TensorFlow is compared with it
        clf = Classifier.from_checkpoint(weights, backend=backend)
        for tta in (False, True):
            t0 = time.perf_counter()
            probs = clf.predict_proba(x, tta=tta)
            if not tta: plain[backend] = probs
            rep = evaluation_report(probs, y, classes)
            results[f"{backend}{'_tta' if tta else ''}"] = {
                "accuracy": rep["accuracy"], "ci95": rep["ci95"], "ece": rep["ece"], "n": rep["n"],
                "per_class": rep["per_class"], "seconds": time.perf_counter() - t0}
            print(f"{backend:5s} tta={tta!s:5s}: {rep['accuracy']:.2%} on {rep['n']:,} test images ({time.perf_counter() - t0:.0f} s)")
    if "tf" in plain: results["max_prob_diff_torch_vs_tf"] = float(np.abs(plain["torch"] - plain["tf"]).max())  # all test images, every class

    # the demo's banner reads these lines; written after the measurement, into the same tensors (only the header changes)
    ship_meta.update(banner(results["torch"]["accuracy"], recipe["epochs"], lineage, args.trained_on))
    weights = write_weights(state, ship_meta, weights, dtype="float16")
    n_params = int(sum(v.size for k, v in state.items() if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))))
    card = {"file": weights.name, "parameters": n_params, "sha256": sha256(weights), "bytes": weights.stat().st_size, "dtype": "float16", "stored": stored_dtypes(weights),
            "data": args.data_name, "split": split_note(lineage),
            "recipe": recipe, "epochs": recipe["epochs"], "best_epoch": epoch, "val_acc": run_meta["best_val_acc"],
            "val_acc_tta_last_epoch": json.loads((args.run/"last.json").read_text()).get("metrics", {}).get("val_acc_tta"),
            "train_seconds": float(sum(history["seconds"])), "wall_seconds": args.wall_seconds, "time_note": args.time_note, "machine": args.machine,
            "software": {"python": platform.python_version(), "torch": __import__("torch").__version__},
            "test": results, "history": history, "lineage": lineage}
    (args.dest/"model_card.json").write_text(json.dumps(card, indent=1) + "\n")
    (args.dest/"MODEL_CARD.md").write_text(model_card_md(card) + "\n")
    if (args.run/"curves.png").is_file():  # the landing page shows the shipped model's training curves
        shipping = args.dest.resolve() == (ROOT/"resnet_cifar_edu"/"weights").resolve()
        curves = ROOT/"nbs"/"images"/"shipped_model_curves.png" if shipping else args.dest/"curves.png"
        curves.parent.mkdir(exist_ok=True)
        shutil.copyfile(args.run/"curves.png", curves)
    print(f"wrote {weights} ({card['bytes'] / 1e6:.1f} MB, sha256 {card['sha256'][:16]}…), model_card.json, MODEL_CARD.md")

def reproduce(c) -> list:
    "Shell lines that fetch the starting weights of a second cycle from git (none for a run from random weights), then the recipe to train with."
    r, start = dict(c["recipe"]), (c.get("lineage") or [None])[-1]
    if not (start and start.get("commit") and r.get("init_from")): return [r]
    r["init_from"] = "runs/start.safetensors"
    return [f"# the weights this run started from (sha256 {start['sha256'][:12]}…), as shipped in commit {start['commit'][:10]}",
            f"mkdir -p runs && git show {start['commit']}:resnet_cifar_edu/weights/{c['file']} > runs/start.safetensors", r]

def backend_gap(t) -> str:
    "The card's sentence on how far apart the two backends' probabilities are (cards before 2026-12 compared the first 1,000 test images, all airplanes)."
    if "max_prob_diff_torch_vs_tf" in t:
        return f"Largest difference between the two backends' probabilities on all {t['torch']['n']:,} test images: {t['max_prob_diff_torch_vs_tf']:.1e}."
    if "max_prob_diff_torch_vs_tf_first_1000" in t:
        return f"Largest difference between the two backends' probabilities on the first 1,000 test images: {t['max_prob_diff_torch_vs_tf_first_1000']:.1e}."
    return "The TensorFlow backend was not measured (not installed where this model was trained)."

def model_card_md(c) -> str:
    r, t = c["recipe"], c["test"]
    acc = lambda key: f"{t[key]['accuracy']:.2%}" if key in t else "not measured"
    hours = lambda s: "not recorded" if s is None else f"{s / 3600:.2f} h" if s >= 3600 else f"{s / 60:.1f} min"
    per_class = t["torch_tta"]["per_class"]
    lines = [
        "# ResNet-18 on CIFAR-10: the model shipped with resnet_cifar_edu", "",
        f"- **File**: `{c['file']}` ({c['bytes'] / 1e6:.1f} MB, {c['dtype']} safetensors, loaded into float32), sha256 `{c['sha256']}`",
        f"- **Architecture**: ResNet-18, CIFAR stem (3×3 convolution, no max-pool), width {r['width']}, {c['parameters']:,} parameters",
        f"- **Data**: {c['data']}", f"- **Split**: {c['split']}",
        f"- **Recipe** (PyTorch, `resnet-cifar train`): {r['epochs']} epochs, batch {r['batch_size']}, SGD with Nesterov momentum {r['momentum']}, "
        f"one-cycle learning rate peaking at {r['lr']}, weight decay {r['weight_decay']} (not on BatchNorm or biases), label smoothing "
        f"{r['label_smoothing']}, random crop (pad {r['padding']}, {r['pad_mode']}) and horizontal flip"
        + (" (alternating)" if r.get("alternate_flip") else "") + (f", Cutout {r['cutout']}" if r.get("cutout") else "")
        + (f", the first {r.get('low_res_epochs', 0.5):.0%} of the epochs on {r['low_res']}×{r['low_res']} pictures" if r.get("low_res") else "")
        + (f", average of the weights (EMA, decay {r['ema']})" if r.get("ema") else "") + f", bf16 autocast, channels_last{', torch.compile' if r.get('compile') else ''}, seed {r['seed']}",
        f"- **Checkpoint**: the best epoch on the validation images (epoch {c['best_epoch']} of {c['epochs']})",
        f"- **Started from**: " + ("random initialisation" if not c.get("lineage") else " → ".join(
            (f"the model shipped in commit `{a['commit'][:7]}`" if a.get("commit") else f"`{a['weights']}`")  # a copy's file name says little
            + f" (sha256 {a['sha256'][:12]}…, {a.get('epochs', '?')} epochs)" for a in c["lineage"]) + ", with a fresh schedule (`--init-from`)"),
        f"- **Machine**: {c['machine']}", f"- **Time**: {hours(c['train_seconds'])} of training steps" + (f"; {hours(c['wall_seconds'])} wall-clock for the whole run (validation, "
        "checkpoints and other jobs on the machine included)" if c.get("wall_seconds") else "")
        + (f". {c['time_note'].rstrip('.')}." if c.get("time_note") else ""),
        "", "## Accuracy", "",
        "| measured on | PyTorch backend | TensorFlow backend |", "|---|---|---|",
        f"| validation (no TTA) | {'none: trained on every training image (--val 0)' if c['val_acc'] is None or c['val_acc'] != c['val_acc'] else format(c['val_acc'], '.2%')} | (same weights) |",  # null (NaN in older runs)
        f"| test ({t['torch']['n']:,} images) | {acc('torch')} | {acc('tf')} |",
        f"| test, flip TTA | {acc('torch_tta')} | {acc('tf_tta')} |",
        "", f"95% confidence interval of the PyTorch test accuracy: {t['torch']['ci95'][0]:.2%}–{t['torch']['ci95'][1]:.2%}; "
        f"expected calibration error {t['torch']['ece']:.3f}. " + backend_gap(t),
        "", "The test images are JPEG re-encodings of CIFAR-10's, slightly harder than the original PNG-like pixels; "
            "numbers are not directly comparable with results on the official archive.",
        "", "## Per-class test accuracy (PyTorch, flip TTA)", "", "| class | accuracy |", "|---|---|",
        *[f"| {k} | {v:.1%} |" for k, v in per_class.items()],
        "", "## Reproduce", "", "```sh", *reproduce(c)[:-1],
        train_command(reproduce(c)[-1], out=f"runs/torch-w{r['width']}-e{r['epochs']}"),
        "resnet-cifar evaluate --data data/cifar10-jpeg --tta", "```"]
    return "\n".join(lines)

if __name__ == "__main__": main()
