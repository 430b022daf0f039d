"""Started by tests/test_distributed.py under torchrun (2 processes): trains the kit's PyTorch `fit` on tiny data and
records, per process, the indices its shares held (through the real `shard` the loop calls) and a digest of its model
after every epoch. Usage: ddp_worker.py OUT_DIR EPOCHS"""
import json, os, sys
from pathlib import Path

from resnet_cifar_edu.data import make_tiny_images
from resnet_cifar_edu.train import get_recipe
import resnet_cifar_edu.torch.train as pt
from resnet_cifar_edu.torch.distributed import state_digest

out, epochs = Path(sys.argv[1]), int(sys.argv[2])
rank = int(os.environ["RANK"])
x, y = make_tiny_images(n_per_class=8)                      # 80 training images
xv, yv = make_tiny_images(n_per_class=2, seed=1)            # 20 validation images
recipe = get_recipe("quick", width=4, epochs=epochs, batch_size=16, tta=False)

shares, digests = [], []
real_shard = pt.shard
def recording_shard(batch, r, world):
    part = real_shard(batch, r, world)
    shares[-1].append(part.tolist())
    return part
pt.shard = recording_shard

def start_epoch_log(epoch, model, history):
    digests.append(state_digest(model))
    shares.append([])

shares.append([])
history = pt.fit(recipe, x, y, xv, yv, out/"run", progress=False, verbose=rank == 0, device="cpu", on_epoch_end=start_epoch_log)
shares.pop()  # the list opened after the last epoch stays empty
(out/f"rank{rank}.json").write_text(json.dumps({"shares": shares, "digests": digests, "world": int(os.environ["WORLD_SIZE"]),
                                                "history_epochs": history["epoch"]}))
