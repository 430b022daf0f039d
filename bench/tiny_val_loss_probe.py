"""Why chapter 07's tiny TensorFlow run reports val loss 25.041 in both epochs (nbs/results/tiny_tf_val_loss.json).
Train first, from the repository root (the chapter's tiny run: 32 generated images per class, width 8, batch 32, 2 epochs, 2 processes):
  python -c "from resnet_cifar_edu.data import make_tiny_image_folder as m; m('/tmp/d07/tiny', n_per_class=32)"
  python -m resnet_cifar_edu.cli train --framework tf --nproc 2 --preset quick --width 8 --batch-size 32 --epochs 2 \
      --data /tmp/d07/tiny --out /tmp/d07/tf2 --no-progress
then: python bench/tiny_val_loss_probe.py /tmp/d07/tf2
Prints: the validation metrics with the BatchNorm moving statistics (as the run validates) and with the 32 validation
images' own batch statistics; per BatchNorm layer, batch variance / moving variance; each conv kernel's squared-norm growth."""
import os, sys, numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import resnet_cifar_edu.tensorflow
import tensorflow as tf, keras
from resnet_cifar_edu.cli import load_split
from resnet_cifar_edu.tensorflow.train import load_checkpoint, predict_probs
from resnet_cifar_edu.tensorflow.infer import predict_logits
from resnet_cifar_edu.tensorflow.fused_bn import _FusedBatchNorm
from resnet_cifar_edu.data import CIFAR10_MEAN, CIFAR10_STD
from resnet_cifar_edu.train import metrics_from_probs
run = sys.argv[1]
(xt, yt), (xv, yv), classes = load_split(sys.argv[2] if len(sys.argv) > 2 else "/tmp/d07/tiny", None, progress=False)
from resnet_cifar_edu.tensorflow.train import read_checkpoint_meta, build_model, compile_model
from resnet_cifar_edu.train import Recipe
meta = read_checkpoint_meta(f"{run}/last.weights.h5"); rec_ = Recipe(**meta["recipe"])
model = compile_model(build_model(rec_, 10), rec_); load_checkpoint(f"{run}/last.weights.h5", model)
print("epoch", meta["epoch"], "val", meta.get("metrics"))
lg = predict_logits(model, xv, CIFAR10_MEAN, CIFAR10_STD, 1000).astype(np.float64)
p = np.exp(lg - lg.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
print("inference mode (moving stats):", metrics_from_probs(p.astype(np.float32), yv), "predicted classes", np.bincount(lg.argmax(1), minlength=10),
      "val labels", np.bincount(yv, minlength=10))
s = np.sort(lg, 1); print("logit range |max| %.0f, gap top1-top2 median %.0f" % (np.abs(lg).max(), np.median(s[:, -1] - s[:, -2])))
print("p_true < 1e-12 for", (p[np.arange(len(yv)), yv] < 1e-12).sum(), "of", len(yv))
# per-layer: batch statistics of the layer's input vs moving statistics
rec = []
orig = _FusedBatchNorm.call
def call(self, inputs, training=None, mask=None):
    x = tf.cast(inputs, tf.float32)
    m, v = tf.nn.moments(x, [0, 1, 2])
    rec.append((self.path, m.numpy(), v.numpy(), self.moving_mean.numpy(), self.moving_variance.numpy()))
    return orig(self, inputs, training=training, mask=mask)
_FusedBatchNorm.call = call
x = (tf.cast(xv, tf.float32) / 255.0 - CIFAR10_MEAN) / CIFAR10_STD
out = model(tf.cast(x, tf.bfloat16) if False else x, training=False)
print("layer                                  batch var / moving var (median over channels)   |batch mean - moving mean| / sqrt(batch var) (median)")
for path, m, v, mm, mv in rec:
    print(f"{path[:45]:45s} {np.median(v / mv):10.2f}  {np.median(np.abs(m - mm) / np.sqrt(v + 1e-5)):8.2f}")
_FusedBatchNorm.call = orig
# with the batch's own statistics (training-mode BatchNorm over the 32 validation images), weights unchanged
for l in model._flatten_layers():
    if isinstance(l, keras.layers.BatchNormalization): l.momentum = 1.0  # don't move the moving stats
lt = tf.cast(model(x, training=True), tf.float64).numpy()
pt = np.exp(lt - lt.max(1, keepdims=True)); pt /= pt.sum(1, keepdims=True)
print("batch statistics of the 32 val images:", metrics_from_probs(pt.astype(np.float32), yv))
rec.clear(); _FusedBatchNorm.call = call
model(x, training=True)
_FusedBatchNorm.call = orig
print("training-mode pass (each layer fed normalised inputs): batch var / moving var, median; moving var median; |mean diff|/sd")
for path, m, v, mm, mv in rec:
    print(f"{path[:45]:45s} {np.median(v / mv):8.2f}  mv {np.median(mv):8.3f}  {np.median(np.abs(m - mm) / np.sqrt(v + 1e-5)):6.2f}")
init = build_model(rec_, 10)
print("conv weight norm growth, (|w_final| / |w_init|)^2, for each conv:")
ws = {w.path: w.numpy() for w in init.weights if w.path.endswith("kernel")}
g = [(p, (np.linalg.norm(w.numpy().astype(np.float64)) / np.linalg.norm(ws[w.path])) ** 2) for w in model.weights for p in [w.path] if p in ws]
for p, r in g: print(f"  {p[:50]:50s} {r:6.2f}")
