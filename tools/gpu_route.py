"""The GPU route: train the `full` preset on one NVIDIA GPU and ship the result, from a plain checkout, offline.

usage, in the checkout's root on the GPU machine:
    python3 tools/gpu_route.py [--data PATH] [--out runs/gpu-full] [--dest runs/gpu-full/ship] [--parts-mib 15]
                               [any option of `resnet-cifar train`, e.g. --epochs 120 or --set compile=false]

What it needs there: Python 3.10 or later with PyTorch, numpy, Pillow, safetensors, tqdm and matplotlib, which an
image set up for PyTorch work has; the kit is used from this checkout, not installed, and nothing is downloaded.
The data is CIFAR-10 in a file or folder inside the checkout: the course's JPEG copy (`cifar10-jpeg.tar.gz` or the
unpacked `cifar10-jpeg/`) or the official `cifar-10-python.tar.gz`, in the checkout's root, `data/` or `shared/data/`
(or name it with --data).

What it does: `resnet-cifar train --framework torch --preset full` on the GPU (resuming the run in --out if one was
stopped), then `tools/ship_model.py --backends torch` (the weights as float16 safetensors with a model card that
measures the shipped file on the test split, with and without flip TTA), and `gpu_route.json` with the machine,
the software and the wall-clock time from start to end (data loading, compilation and evaluation included).
With --parts-mib N the weights file is also cut into numbered parts of at most N MiB, for machines that only hand
back small files; `cat NAME.part* > NAME` joins them again and the model card's sha256 checks the result.

Without a GPU it stops, unless --allow-cpu is given: that is how the route is tested on tiny data (tests/test_gpu_route.py)."""
import argparse, json, os, platform, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the kit from this checkout: on the GPU machine it is not installed, and cannot be

DATA_NAMES = ("cifar10-jpeg.tar.gz", "cifar10-jpeg", "cifar-10-python.tar.gz")
DATA_FOLDERS = (ROOT, ROOT/"data", ROOT/"shared"/"data")

def find_data(root_folders=DATA_FOLDERS) -> Path:
    "The first CIFAR-10 file or folder named in `DATA_NAMES` in `root_folders`; raises `SystemExit` saying where it looked."
    for folder in root_folders:
        for name in DATA_NAMES:
            if (p := folder/name).exists(): return p
    where = ", ".join("the checkout's root" if f == ROOT else f"{f.relative_to(ROOT)}/" if f.is_relative_to(ROOT) else str(f)
                      for f in root_folders)
    raise SystemExit(f"gpu_route: no CIFAR-10 data found; looked for {', '.join(DATA_NAMES)} in {where}. "
                     "Copy the data tarball into data/ (it is ignored by git) or pass --data PATH.")

def machine_line(torch) -> str:
    "What the run trained on, for the model card: the GPU (or the CPU), the core count, the PyTorch and CUDA versions."
    from resnet_cifar_edu.train import cpu_name
    if torch.cuda.is_available():
        what = f"1 × {torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda})"
    else: what = f"no GPU, {cpu_name()}"
    return f"{what}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, PyTorch {torch.__version__}"

def split_file(path: Path, mib: int) -> list:
    "Cut `path` into `path.part000`, `path.part001`, … of at most `mib` MiB each; returns the parts' paths."
    parts, size = [], mib << 20
    with open(path, "rb") as f:
        while chunk := f.read(size):
            parts.append(path.with_name(f"{path.name}.part{len(parts):03d}"))
            parts[-1].write_bytes(chunk)
    return parts

def main(argv=None):
    t0 = time.time()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog="Other options go to `resnet-cifar train`.")
    ap.add_argument("--data", type=Path, help="CIFAR-10 data (default: found in the checkout, see above)")
    ap.add_argument("--out", type=Path, default=ROOT/"runs"/"gpu-full", help="the training run's folder (default: runs/gpu-full)")
    ap.add_argument("--dest", type=Path, help="where the shipped weights and card go (default: OUT/ship)")
    ap.add_argument("--parts-mib", type=int, help="also cut the weights file into parts of at most this many MiB")
    ap.add_argument("--allow-cpu", action="store_true", help="run without a GPU (for testing the route on tiny data)")
    args, train_args = ap.parse_known_args(argv)

    import torch
    from resnet_cifar_edu import cli
    import ship_model
    if not torch.cuda.is_available() and not args.allow_cpu:
        raise SystemExit("gpu_route: PyTorch sees no GPU here (torch.cuda.is_available() is False); "
                         "run it on a machine with an NVIDIA GPU, or pass --allow-cpu to test the route on a CPU.")
    data = args.data or find_data()
    dest = args.dest or args.out/"ship"
    machine = machine_line(torch)
    print(f"gpu_route: {machine}\ngpu_route: data {data}, run {args.out}, shipping to {dest}", flush=True)

    resume = ["--resume"] if (args.out/"last.json").is_file() else []
    rc = cli.main(["train", "--framework", "torch", "--preset", "full", "--data", str(data), "--out", str(args.out),
                   "--no-progress", "--no-test", *resume, *train_args])  # the test split: once, by ship_model
    if rc: raise SystemExit(f"gpu_route: training stopped with exit status {rc}; the run in {args.out} can be resumed")
    train_done = time.time()

    trained_on = f"1 × {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "a CPU (a test of the GPU route)"
    ship_model.main([str(args.out), "--data", str(data), "--dest", str(dest), "--backends", "torch",
                     "--wall-seconds", f"{train_done - t0:.1f}", "--machine", machine, "--trained-on", trained_on])
    card = json.loads((dest/"model_card.json").read_text())
    weights = dest/card["file"]
    parts = [p.name for p in split_file(weights, args.parts_mib)] if args.parts_mib else []
    summary = {"machine": machine, "data": str(data), "run": str(args.out), "epochs": card["epochs"],
               "best_epoch": card["best_epoch"], "val_acc": card["val_acc"],
               "test_acc": card["test"]["torch"]["accuracy"], "test_acc_flip_tta": card["test"]["torch_tta"]["accuracy"],
               "train_seconds": card["train_seconds"], "seconds_to_trained": round(train_done - t0, 1),
               "seconds_total": round(time.time() - t0, 1), "weights": weights.name, "sha256": card["sha256"], "parts": parts}
    (dest/"gpu_route.json").write_text(json.dumps(summary, indent=1) + "\n")
    val = "none (--val 0)" if card["val_acc"] is None else f"{card['val_acc']:.2%}"  # null: trained on every training image
    print(f"gpu_route: {card['epochs']} epochs, validation {val}, test {summary['test_acc']:.2%} "
          f"({summary['test_acc_flip_tta']:.2%} with flip TTA), {summary['seconds_total'] / 60:.1f} min in all; wrote {dest}")
    return 0

if __name__ == "__main__": sys.exit(main())
