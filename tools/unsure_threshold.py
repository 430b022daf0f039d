"""Choose the "unsure" threshold on the top probability from the shipped model's reliability on the validation split.

usage: python tools/unsure_threshold.py [--data DATA] [--target 0.5]

Evaluates the shipped model once (Classifier.from_pretrained, PyTorch backend) on the 5,000-image validation split
of the training set (train_val_split(labels), the split training chose its best checkpoint on), bins the images by
their top probability (bins 0.1 wide), and picks the threshold as the upper edge of the highest bin whose accuracy
is below `--target`: below that top probability the model is right less often than not. Writes
nbs/results/unsure_threshold.json (method, bins, threshold, share of images flagged, machine).
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from resnet_cifar_edu.train import cpu_name
from resnet_cifar_edu.data import get_cifar10, load_dataset, train_val_split
from resnet_cifar_edu.inference import Classifier

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--target", type=float, default=0.5)
    ap.add_argument("--machine", default=f"{os.cpu_count()} CPU cores ({cpu_name()}), no GPU")
    args = ap.parse_args(argv)
    x, y, _ = load_dataset(get_cifar10(args.data, tiny=False), "train")
    _, val = train_val_split(y)
    clf = Classifier.from_pretrained("torch")
    t0 = time.time()
    p = np.concatenate([clf.predict_proba(x[val[i:i+500]]) for i in range(0, len(val), 500)])
    secs = time.time() - t0
    top, right = p.max(1), p.argmax(1) == np.asarray(y)[val]
    edges = np.round(np.arange(0.1, 1.0001, 0.1), 2)
    bins = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (top >= lo) & ((top < hi) if hi < 1 else (top <= hi))
        bins.append({"from": float(lo), "to": float(hi), "n": int(m.sum()),
                     "accuracy": round(float(right[m].mean()), 4) if m.any() else None})
    low = [b for b in bins if b["n"] and b["accuracy"] < args.target]
    thr = max(b["to"] for b in low) if low else float(edges[0])
    flagged = top < thr
    out = {"what": "threshold on the top probability below which the demo and `resnet-cifar predict` say the model is unsure",
           "method": (f"shipped model (PyTorch backend), validation split train_val_split(labels) of the training set "
                      f"({len(val)} images), through Classifier.predict_proba in float32, the path users take (so val_accuracy can "
                      f"differ by a few pictures from the training loop's bf16 figure in the model card); images binned by "
                      f"top probability (bins 0.1 wide); threshold = upper edge "
                      f"of the highest bin with accuracy below {args.target:.0%}"),
           "target_accuracy": args.target, "threshold": thr, "n_val": int(len(val)),
           "val_accuracy": round(float(right.mean()), 4), "bins": bins,
           "flagged_share": round(float(flagged.mean()), 4),
           "accuracy_flagged": round(float(right[flagged].mean()), 4) if flagged.any() else None,
           "accuracy_not_flagged": round(float(right[~flagged].mean()), 4),
           "seconds": round(secs, 1), "machine": args.machine}
    dest = ROOT/"nbs"/"results"/"unsure_threshold.json"
    dest.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(out, indent=1)); print("wrote", dest)

if __name__ == "__main__": main()
