"""Training speed of one process against two processes on this machine (chapter 07, "Is it faster?"), printed.

One epoch of 2,304 generated 32x32 images (`make_tiny_image_folder`, 256 per class = 2,560, less 256 held out by
`--val 256`), ResNet-18 at `--width` (64, the standard network), the quick preset, global batch 256, no TTA; once as one
process using all cores (OMP_NUM_THREADS = cores), once as two processes sharing them (OMP_NUM_THREADS = cores / 2
each), for each framework. The speed is the one each run wrote into its history.json. nbs/results/distributed_speed.json
records the measurement that chapter 07 quotes.

Usage:  python bench/distributed_speed.py [--width 64] [--frameworks torch tf]
"""
import argparse, os, subprocess, sys, tempfile
from pathlib import Path

def images_per_sec(data: Path, out: Path, framework: str, nproc: int, width: int) -> float:
    "Train one epoch with `nproc` processes; the training speed (images/s) from the run's history.json."
    from resnet_cifar_edu.train import read_json
    cmd = [sys.executable, "-m", "resnet_cifar_edu.cli", "train", "--framework", framework, "--nproc", str(nproc), "--preset", "quick",
           "--width", str(width), "--batch-size", "256", "--epochs", "1", "--val", "256", "--set", "tta=false",
           "--data", str(data), "--out", str(out), "--no-progress", "--no-test"]
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 2) // nproc))}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env)
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return read_json(out/"history.json")["images_per_sec"][0]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--frameworks", nargs="+", default=["torch", "tf"], choices=["torch", "tf"])
    args = ap.parse_args(argv)
    from resnet_cifar_edu.data import make_tiny_image_folder
    with tempfile.TemporaryDirectory() as d:
        data = make_tiny_image_folder(Path(d)/"data", n_per_class=256, splits=("train",))
        for fw in args.frameworks:
            one, two = (images_per_sec(data, Path(d)/f"{fw}-{n}", fw, n, args.width) for n in (1, 2))
            print(f"{fw:5s}: 1 process {one:5.0f} img/s, 2 processes {two:5.0f} img/s ({two / one:.2f}x) on {os.cpu_count()} cores", flush=True)

if __name__ == "__main__": main()
