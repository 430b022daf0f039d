"""How much storing weights in 16 bits changes a trained model's answers: a float32 checkpoint against the same weights rounded
to float16 (how the kit ships its model) and to bfloat16, all computed in float32 on the same test images.

usage: python tools/storage_precision.py RUN_OR_WEIGHTS --data DATA [--out nbs/results/storage_precision.json]

The shipped file is float16 and its float32 original is not kept, so this measures a float32 training checkpoint of the same
network (width 64) instead. Writes accuracies, the number of test images whose answer changes, and the largest change of a
probability."""
import argparse, json, os, time
from pathlib import Path
import numpy as np
from resnet_cifar_edu.train import cpu_name
from resnet_cifar_edu.data import load_dataset
from resnet_cifar_edu.inference import Classifier
from resnet_cifar_edu.weights import find_checkpoint, read_weights

def rounded(state, dtype):
    "`state` with every float array rounded to `dtype` and back to float32 (what storing it as `dtype` keeps)."
    if dtype == "bfloat16":  # numpy has no bfloat16: let PyTorch round (to nearest, ties to even)
        import torch
        return {k: torch.from_numpy(np.ascontiguousarray(v)).to(torch.bfloat16).float().numpy() if np.issubdtype(v.dtype, np.floating) else v
                for k, v in state.items()}
    return {k: v.astype(dtype).astype(np.float32) if np.issubdtype(v.dtype, np.floating) else v for k, v in state.items()}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", help="a float32 weights file or a PyTorch run folder (its best checkpoint)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1]/"nbs"/"results"/"storage_precision.json")
    args = ap.parse_args(argv)
    path = find_checkpoint(args.weights)
    state, meta = read_weights(path)
    x, y, _ = load_dataset(args.data, "test", progress=False)
    t0 = time.perf_counter()
    probs = {name: Classifier.from_weights(s, meta, backend="torch").predict_proba(x)
             for name, s in (("float32", state), ("float16", rounded(state, "float16")), ("bfloat16", rounded(state, "bfloat16")))}
    ref = probs["float32"].argmax(1)
    out = {"weights": str(path), "n": int(len(y)), "note": "float32 arithmetic throughout; only the stored weights differ",
           "machine": f"{os.cpu_count()} CPU cores ({cpu_name()}), no GPU", "seconds": round(time.perf_counter() - t0, 1)}
    for name, p in probs.items():
        out[name] = {"accuracy": float((p.argmax(1) == y).mean()), "answers_changed": int((p.argmax(1) != ref).sum()),
                     "max_prob_diff": float(np.abs(p - probs["float32"]).max())}
        print(f"{name:9s} accuracy {out[name]['accuracy']:.2%}, answers changed {out[name]['answers_changed']}, "
              f"largest probability change {out[name]['max_prob_diff']:.1e}")
    args.out.write_text(json.dumps(out, indent=1) + "\n")

if __name__ == "__main__":
    main()
