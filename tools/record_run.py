"""Measure a finished training run (either framework) on the test split and record it for the landing page.

usage: python tools/record_run.py RUN_DIR --framework torch|tf --data DATA --name NAME [--wall-seconds S] [--label TEXT]
                                [--compare OTHER_RUN_DIR:torch|tf]

Loads RUN_DIR's best-on-validation checkpoint through `Classifier.from_checkpoint(RUN_DIR, backend=...)`, the same
code path users and `resnet-cifar evaluate --weights RUN_DIR` take, and measures it on the test split of DATA with
and without flip test-time augmentation. Writes nbs/results/NAME.json (recipe, history, validation and test accuracy,
per-class accuracy, time, machine) and copies the run's curves.png to nbs/images/NAME_curves.png. This is how runs
that are not shipped (the TensorFlow run trained with the shipped model's recipe) get into the results table;
the shipped model itself is measured by tools/ship_model.py.

With --compare, the best checkpoint of another run is measured on the same test images (single view) and the record
gets `paired`: McNemar's exact test between the two (`a_only`: images only this run gets right, `b_only`: only the
other), the way chapter 04 compares two models."""
import argparse, json, os, platform, shutil, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from resnet_cifar_edu.train import cpu_name
from resnet_cifar_edu.data import load_dataset
from resnet_cifar_edu.evaluate import evaluation_report, mcnemar
from resnet_cifar_edu.inference import Classifier

def _finite(a):
    "`a`, or None for a run without a validation split (`--val 0` leaves NaN there): JSON has no NaN."
    return None if a is None or a != a else a

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--framework", required=True, choices=["torch", "tf"])
    ap.add_argument("--data", required=True, help="CIFAR-10 data with a test split (image folder, .tar.gz, or the official archive)")
    ap.add_argument("--name", required=True, help="file name stem under nbs/results/ and nbs/images/")
    ap.add_argument("--wall-seconds", type=float, help="wall-clock time of the whole training run, if known")
    ap.add_argument("--label", default="trained with the same recipe (not shipped)",
                    help="what the run is, for the results table's framework column")
    ap.add_argument("--machine", default=f"{os.cpu_count()} CPU cores ({cpu_name()}), no GPU")
    ap.add_argument("--data-name", default="CIFAR-10 JPEG re-encoding (../shared/data/cifar10-jpeg.tar.gz)")
    ap.add_argument("--compare", metavar="OTHER_RUN_DIR:FRAMEWORK",
                    help="also measure another run's best checkpoint on the same test images and record McNemar's test against it")
    ap.add_argument("--out-dir", type=Path, default=ROOT/"nbs", help="where results/NAME.json and images/NAME_curves.png go (default: nbs)")
    args = ap.parse_args(argv)
    if args.compare and (":" not in args.compare or args.compare.rsplit(":", 1)[1] not in ("torch", "tf")):
        ap.error(f"--compare takes OTHER_RUN_DIR:torch or OTHER_RUN_DIR:tf, not '{args.compare}'")

    best, last = (json.loads((args.run/n).read_text()) for n in ("best.json", "last.json"))
    history = json.loads((args.run/"history.json").read_text())
    clf = Classifier.from_checkpoint(args.run, backend=args.framework)
    x, y, classes = load_dataset(args.data, "test")
    test, right = {}, None
    for tta in (False, True):
        t0 = time.perf_counter()
        probs = clf.predict_proba(x, tta=tta)
        if not tta: right = probs.argmax(1) == y
        rep = evaluation_report(probs, y, classes)
        test["tta" if tta else "plain"] = {**rep, "seconds": time.perf_counter() - t0}
        print(f"{args.framework} tta={tta!s:5s}: {rep['accuracy']:.2%} on {rep['n']:,} test images")
    software = {"python": platform.python_version()}
    if args.framework == "torch": software["torch"] = __import__("torch").__version__
    else: software.update(tensorflow=__import__("tensorflow").__version__, keras=__import__("keras").__version__)
    record = {"framework": args.framework, "run": args.run.name, "label": args.label, "data": args.data_name, "recipe": best["recipe"],
              "epochs": best["recipe"]["epochs"], "best_epoch": best["epoch"], "val_acc": _finite(best["best_val_acc"]),
              "val_acc_tta_last_epoch": _finite(last.get("metrics", {}).get("val_acc_tta")),
              "train_seconds": float(sum(history["seconds"])), "wall_seconds": args.wall_seconds, "machine": args.machine,
              "software": software, "test": test,
              "history": {k: [_finite(v) if isinstance(v, float) else v for v in vals] for k, vals in history.items()}}
    if args.compare:
        other_dir, other_fw = args.compare.rsplit(":", 1)
        other_right = Classifier.from_checkpoint(Path(other_dir), backend=other_fw).predict_proba(x).argmax(1) == y
        record["paired"] = {"against": f"{Path(other_dir).name} ({other_fw}), best checkpoint, single view",
                            "accuracy_against": float(other_right.mean()), **mcnemar(right, other_right)}
        p = record["paired"]
        print(f"against {p['against']}: {p['accuracy_against']:.2%}; only this run right on {p['a_only']}, only the other on "
              f"{p['b_only']} images, McNemar p = {p['p_value']:.3g}")
    out = args.out_dir/"results"/f"{args.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    if (args.run/"curves.png").is_file():
        (args.out_dir/"images").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.run/"curves.png", args.out_dir/"images"/f"{args.name}_curves.png")
    print(f"wrote {out}")

if __name__ == "__main__": main()
