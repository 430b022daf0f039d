"""Measure training and test-time tricks one at a time on the validation split, with a paired test per row.

usage: python tools/trick_table.py [--data DATA] [--runs runs/tricks] [--base base-w32-e8] [--runs-only | --seeds-only] [--out FILE]

Two tables, both on the 5,000 validation images that training holds out (train_val_split(labels), seed 0), never on
the test split:
- test-time augmentation on the shipped model: no TTA, flip, flip + one-pixel translations (Classifier's `tta`);
- training tricks: every finished run folder in --runs (each trained with `resnet-cifar train --no-test` and one
  recipe change against the --base run), its best checkpoint evaluated in float32 through Classifier; if --runs does not
  exist, the training rows already in nbs/results/tricks.json are kept.
Each row gives the validation accuracy, its change against the reference row, McNemar's exact test on the images the
two disagree about (resnet_cifar_edu.evaluate.mcnemar), and the training time the run recorded (its epochs' seconds:
only comparable between runs that had the machine to themselves). Writes nbs/results/tricks.json, or --out.

Run folders named `base-seed<N>` are the base recipe again with `--set seed=<N>` and nothing else changed: they go to
the `seed_rows` of the training table, each against the --base run (`seed_reference`): how far luck alone moves the
base, the yardstick for the trick rows. Folders named `<trick>-seed<N>` (a trick of TRICKS, e.g. `b512-seed1`) are that
trick's run again with `--set seed=<N>`: they go to `trick_seed_rows`, each against `base-seed<N>`, the base recipe with
the same seed, a second paired comparison of the trick. `--seeds-only` keeps the trick rows already in the file and
measures only the base, its seeds and the tricks' seeds. A run without base-seed folders keeps the seed rows already in the file. The base run must be
there and finished whenever run folders are measured: every row is measured against it.
"""
import argparse, json, os, re, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from resnet_cifar_edu.train import cpu_name
from resnet_cifar_edu.data import get_cifar10, load_dataset, train_val_split
from resnet_cifar_edu.evaluate import mcnemar
from resnet_cifar_edu.inference import Classifier
from resnet_cifar_edu.train import read_json

TRICKS = {  # run folder → what it changes against the base run (the recipe of `resnet-cifar train --preset cpu --epochs 8 --set low_res=0 --set bias_lr=1`)
    "ls02": "label smoothing 0.2 (base 0.1)",
    "b512": "batch 512, peak lr 0.4 (base 256, 0.2)",
    "cutout8": "Cutout 8×8 (base: none)",
    "b128": "batch 128, peak lr 0.1 (base 256, 0.2)",
    "ema099": "EMA of weights, decay 0.99 (base: off)",
    "altflip": "alternating flip (base: a coin toss per image and epoch)",
    "lowres24": "first 4 of the 8 epochs on 24×24 pictures (base: 32×32 throughout)",  # --set low_res=24
    "biaslr8": "BatchNorm shifts and biases at 8× the learning rate (base: 1×)",  # --set bias_lr=8
}

def row(name, right, ref=None, **extra) -> dict:
    "Accuracy of the boolean array `right`, and against `ref` (another such array) the change and McNemar's test."
    r = {"name": name, "val_acc": round(float(right.mean()), 4), **extra}
    if ref is not None:
        t = mcnemar(ref, right)
        r.update(delta=round(float(right.mean() - ref.mean()), 4), only_new_right=t["b_only"], only_ref_right=t["a_only"],
                 p_value=round(float(t["p_value"]), 4))
    return r

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--runs", type=Path, default=ROOT/"runs"/"tricks")
    ap.add_argument("--base", default="base-w32-e8")
    ap.add_argument("--machine", default=f"{os.cpu_count()} CPU cores ({cpu_name()}), no GPU")
    ap.add_argument("--runs-only", action="store_true", help="keep the TTA table of the existing tricks.json, measure the runs again")
    ap.add_argument("--seeds-only", action="store_true", help="keep the TTA table and the trick rows of the existing tricks.json; "
                    "measure the base and its base-seed<N> folders")
    ap.add_argument("--out", type=Path, default=None, help="write here instead of nbs/results/tricks.json (which is still read)")
    args = ap.parse_args(argv)
    args.runs_only |= args.seeds_only
    src = ROOT/"nbs"/"results"/"tricks.json"; dest = args.out or src
    old = json.loads(src.read_text()) if src.is_file() else {}
    x, y, _ = load_dataset(get_cifar10(args.data, tiny=False), "train")
    _, val = train_val_split(y)
    xv, yv = x[val], np.asarray(y)[val]

    tta_rows = old["tta"]["rows"] if args.runs_only else []
    if not args.runs_only:
        clf, rights = Classifier.from_pretrained("torch"), {}
        for name, tta in [("no TTA", False), ("flip", "flip"), ("flip + translate ±1 px", "flip+translate")]:
            t0 = time.perf_counter()
            rights[tta] = clf.predict_proba(xv, tta=tta).argmax(1) == yv
            tta_rows.append(row(name, rights[tta], rights.get(False) if tta else None, seconds=round(time.perf_counter() - t0, 1)))
            if tta == "flip+translate":  # and against flip, the TTA the kit used so far
                t = mcnemar(rights["flip"], rights[tta])
                tta_rows[-1].update(vs_flip_delta=round(float(rights[tta].mean() - rights["flip"].mean()), 4), vs_flip_p_value=round(float(t["p_value"]), 4))
            print(tta_rows[-1])

    runs, seed_rows, seed_reference, base_right, trick_seed_rows, rights, pending = [], [], None, None, [], {}, {}
    folders = [args.runs/args.base, *sorted(p for p in args.runs.iterdir() if p.is_dir() and p.name != args.base)] if args.runs.is_dir() else []
    is_seed = lambda f: f.name.startswith("base-seed")
    trick_seed = lambda f: (m := re.fullmatch(r"(.+)-seed(\d+)", f.name)) and m[1] in TRICKS and (m[1], int(m[2]))
    if args.seeds_only: folders = [f for f in folders if f.name == args.base or is_seed(f) or trick_seed(f)]
    finished = lambda f: (f/"best.safetensors").is_file() and (f/"last.json").is_file() and \
        read_json(f/"last.json")["epoch"] >= read_json(f/"last.json")["recipe"]["epochs"]
    if folders and not finished(folders[0]):
        raise SystemExit(f"{folders[0]}: the base run is missing or unfinished, and every row is measured against it")
    if not folders or args.seeds_only:  # e.g. re-measuring the TTA rows for a new shipped model on a machine without the trick runs
        print(f"{args.runs}: the trick rows of {src.name} are kept as they were")
        runs = old["training"]["rows"]
    for folder in folders:
        if not finished(folder): print(f"{folder.name}: missing or unfinished, left out"); continue
        meta = read_json(folder/"last.json")
        right = rights[folder.name] = Classifier.from_checkpoint(folder, "torch").predict_proba(xv).argmax(1) == yv
        extra = dict(run=folder.name, epochs=meta["epoch"], width=meta["recipe"]["width"],
                     train_seconds=round(float(sum(meta["history"]["seconds"])), 0))
        if folder.name == args.base:  # the first folder: the reference of every other row
            base_right = right
            seed_reference = row(f"base, seed {meta['recipe'].get('seed', 0)}", right, **extra)
            if args.seeds_only: continue  # its trick row is kept as it was
        if is_seed(folder):  # the base recipe again, another seed: the seed spread
            seed_rows.append(row(f"base, seed {meta['recipe'].get('seed', 0)}", right, base_right, **extra)); print(seed_rows[-1]); continue
        if trick_seed(folder):  # measured below, once the base's seed runs are in `rights`
            pending[folder.name] = right, extra; continue
        name = "base" if folder.name == args.base else TRICKS.get(folder.name, folder.name)
        runs.append(row(name, right, None if folder.name == args.base else base_right, **extra))
        print(runs[-1])
    for folder in folders:  # a trick again with another seed, against the base recipe with that same seed
        if folder.name not in pending: continue
        (trick, seed), (right, extra) = trick_seed(folder), pending[folder.name]
        ref = f"base-seed{seed}" if seed else args.base
        if ref not in rights: print(f"{folder.name}: no finished {ref} to compare it with, left out"); continue
        trick_seed_rows.append(row(f"{TRICKS[trick]}, seed {seed}", right, rights[ref], reference=ref, **extra)); print(trick_seed_rows[-1])
    if not trick_seed_rows and "trick_seed_rows" in old.get("training", {}):  # none here: keep the recorded ones
        trick_seed_rows = old["training"]["trick_seed_rows"]
    if not seed_rows and "seed_rows" in old.get("training", {}):  # no seed runs here: keep the recorded ones
        seed_rows, seed_reference = old["training"]["seed_rows"], old["training"]["seed_reference"]
        print(f"no base-seed folders in {args.runs}: the seed rows of {src.name} are kept as they were")

    out = {"what": "tricks measured one at a time: validation accuracy, change, McNemar's exact test",
           "validation": f"{len(val):,} images held out of the training split (train_val_split, seed 0); JPEG CIFAR-10",
           "tta": {"model": "the shipped model (PyTorch backend, float32)", "reference": "no TTA", "rows": tta_rows},
           "training": {"reference": args.base, "recipe": "resnet-cifar train --framework torch --preset cpu --epochs 8 --set low_res=0 --set bias_lr=1 "
                        "(ResNet-18 width 32, batch 256, peak lr 0.2, label smoothing 0.1: the cpu preset before it took up "
                        "low_res and bias_lr) plus the row's change",
                        "timing_note": "train_seconds: the sum of the epochs' times; the runs shared the machine with other "
                                       "work, so they say little about speed", "rows": runs,
                        **({"seed_reference": seed_reference, "seed_rows": seed_rows,
                            "seed_note": "the base recipe trained again with another seed and nothing else changed, each against "
                                         "seed_reference (the --base run): how far luck alone moves a row"} if seed_rows else {}),
                        **({"trick_seed_rows": trick_seed_rows,
                            "trick_seed_note": "a trick's run again with another seed, against the base recipe with that same seed "
                                               "(its reference): a second paired comparison of the trick"} if trick_seed_rows else {})},
           "machine": args.machine}
    dest.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print("wrote", dest)

if __name__ == "__main__": main()
