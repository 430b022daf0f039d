"""Started twice by tests/test_distributed.py, each with its own TF_CONFIG: two MultiWorkerMirroredStrategy workers on
127.0.0.1 train the kit's Keras `fit` on tiny images whose pixels encode their index, so that a spy on the model's
`train_step` can record which images each worker trained on. Writes OUT/worker{rank}.json with those indices and a
digest of the worker's model after every epoch. Usage: mwms_worker.py OUT EPOCHS"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from pathlib import Path

import numpy as np
from resnet_cifar_edu.distributed import tf_task
from resnet_cifar_edu.data import CIFAR10_MEAN, CIFAR10_STD
from resnet_cifar_edu.train import get_recipe
import resnet_cifar_edu.tensorflow.train as kt
from resnet_cifar_edu.tensorflow.distributed import state_digest
import tensorflow as tf

out, epochs = Path(sys.argv[1]), int(sys.argv[2])
rank = tf_task()[1]
N = 64
# image i is the constant value 3·i: a padded crop (reflect) and a flip leave it constant, so its index can be decoded
images = np.broadcast_to((np.arange(N, dtype=np.uint8) * 3)[:, None, None, None], (N, 32, 32, 3)).copy()
labels = np.arange(N) % 10
recipe = get_recipe("quick", width=4, epochs=epochs, batch_size=16, tta=False, bf16=False)

shares, digests = [[]], []
def record(x):
    v = (x.numpy()[:, 0, 0, 0] * CIFAR10_STD[0] + CIFAR10_MEAN[0]) * 255 / 3
    shares[-1].append([int(i) for i in np.rint(v)])

real_compile = kt.compile_model
def compile_and_spy(model, r):
    model = real_compile(model, r)
    step = model.train_step
    def train_step(data):
        tf.py_function(record, [data[0]], [])
        return step(data)
    model.train_step = train_step
    return model
kt.compile_model = compile_and_spy

def after_epoch(epoch, model, history):
    digests.append(state_digest(model)); shares.append([])

history = kt.fit(recipe, images, labels, images[:20], labels[:20], out/"run", progress=False, verbose=rank == 0,
                 on_epoch_end=after_epoch)
shares.pop()
(out/f"worker{rank}.json").write_text(json.dumps({"shares": shares, "digests": digests, "history_epochs": history["epoch"]}))
