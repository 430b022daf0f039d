"""Started by tests/test_distributed.py under torchrun (2 processes): the kit's collectives on a model with BatchNorm, its
`shutdown`, then the script ends at once, the moment at which gloo's threads may still be letting go of the last
collective's tensors (chapter 07, `shutdown`). Exit status 0 means the process ended cleanly."""
import torch

from resnet_cifar_edu.torch.distributed import agree, average_buffers, barrier, ddp_wrap, init_replica, shutdown

replica, _ = init_replica("cpu")
net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2))
model = ddp_wrap(net, replica)
for _ in range(3):
    model(torch.randn(16, 3)).sum().backward()
    average_buffers(net, replica)
    barrier(replica)
# `agree` (what `fit` compares the copies' fingerprints with): the same number everywhere, or not
assert agree(replica, 2**59 + 7) and not agree(replica, replica.rank), "agree gave the wrong answer"
shutdown(replica)
