"""Single-image latency (decode → preprocess → forward) and batch throughput of the inference API.

Prints p50/p95 latency for PyTorch, TensorFlow and ONNX Runtime on a ResNet-18 (width 64 by default, the shipped
architecture; weights are random unless --weights is given, which does not change the cost) and images/second
for batches. Not a test: run it on a quiet machine and read the numbers.
    python bench/inference_speed.py [--weights FILE] [--n 200] [--batch 256]
"""
import argparse, io, os, platform, tempfile, time
import numpy as np
from PIL import Image

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", help="a .safetensors file from write_weights (default: random width-64 weights)")
    ap.add_argument("--n", type=int, default=200, help="single-image predictions per backend")
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    import torch
    from resnet_cifar_edu.inference import Classifier, write_weights, softmax
    from resnet_cifar_edu.data import make_tiny_images, preprocess
    if args.weights is None:
        from resnet_cifar_edu.torch.resnet import resnet18
        torch.manual_seed(0)
        args.weights = write_weights({k: v.numpy() for k, v in resnet18().state_dict().items()}, {"width": 64},
                                     os.path.join(tempfile.mkdtemp(), "w.safetensors"))
    x = make_tiny_images(26)[0]
    pngs = []
    for img in x[:50]:
        b = io.BytesIO(); Image.fromarray(img).resize((224, 224)).save(b, "PNG"); pngs.append(b.getvalue())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}")
    print(f"input: 224x224 PNG bytes per request (decoded, cropped, resized to 32x32); batch {args.batch} of 32x32 arrays")
    rows = []
    for backend in ("torch", "tf"):
        clf = Classifier.from_checkpoint(args.weights, backend=backend)
        for i in range(10): clf.predict(pngs[i % len(pngs)])  # warm up
        lat = []
        for i in range(args.n):
            t = time.perf_counter(); clf.predict(pngs[i % len(pngs)]); lat.append(time.perf_counter() - t)
        xb = np.concatenate([x] * (args.batch // len(x) + 1))[:args.batch]
        clf.predict_proba(xb)
        t = time.perf_counter(); reps = 3
        for _ in range(reps): clf.predict_proba(xb)
        rows.append((backend, np.percentile(lat, 50) * 1e3, np.percentile(lat, 95) * 1e3, reps * len(xb) / (time.perf_counter() - t)))
        if backend == "torch": onnx_path = clf.export(os.path.join(tempfile.mkdtemp(), "m.onnx"))
    import onnxruntime as ort
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    run = lambda a: softmax(sess.run(None, {"pixels": a.astype(np.float32)})[0])
    for i in range(10): run(preprocess(pngs[i])[None])
    lat = []
    for i in range(args.n):
        t = time.perf_counter(); run(preprocess(pngs[i % len(pngs)])[None]); lat.append(time.perf_counter() - t)
    run(xb); t = time.perf_counter()
    for _ in range(3): run(xb)
    rows.append(("onnxruntime", np.percentile(lat, 50) * 1e3, np.percentile(lat, 95) * 1e3, 3 * len(xb) / (time.perf_counter() - t)))
    print(f"{'backend':<12} {'p50 ms':>8} {'p95 ms':>8} {'batch img/s':>12}")
    for b, p50, p95, thr in rows: print(f"{b:<12} {p50:8.1f} {p95:8.1f} {thr:12.0f}")

if __name__ == "__main__": main()
