"""Alternating flip (`Recipe.alternate_flip`) in both training loops: over two epochs every image reaches the model
once as it is and once mirrored, while the coin-toss flip shows some images the same way twice. The images are
random pixels (no image is its own mirror) and augmentation is flip only (padding 0), so each image the model sees
can be traced back to its source by its pixels."""
import numpy as np
import pytest

N, BS = 64, 16

def source_images(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (N, 32, 32, 3), dtype=np.uint8), np.arange(N) % 10

def classify(seen, x):
    "For each image the model saw (N, H, W, C, float): index of its source in `x` and whether it was mirrored."
    from resnet_cifar_edu.data import CIFAR10_MEAN, CIFAR10_STD
    plain = (x / 255 - np.array(CIFAR10_MEAN)) / np.array(CIFAR10_STD)
    src, mirrored = [], []
    for s in seen:
        d_plain = np.abs(plain - s).reshape(N, -1).max(1)
        d_flip = np.abs(plain[:, :, ::-1] - s).reshape(N, -1).max(1)
        i, j = int(d_plain.argmin()), int(d_flip.argmin())
        if d_plain[i] < 1e-4: src.append(i); mirrored.append(False)
        elif d_flip[j] < 1e-4: src.append(j); mirrored.append(True)
        else: raise AssertionError("an input that is neither a training image nor its mirror")
    order = np.argsort(src)
    assert sorted(src) == list(range(N)), "every image once per epoch"
    return np.asarray(mirrored)[order]

def torch_epochs(alternate, epochs=3):
    import torch
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.torch.train import build_model, make_optimizer, train_epoch
    x, y = source_images()
    r = get_recipe("quick", width=4, batch_size=BS, epochs=epochs, padding=0, alternate_flip=alternate, bf16=False)
    m = build_model(r); opt = make_optimizer(m, r)
    seen = []
    m.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach().permute(0, 2, 3, 1).numpy().copy()))
    out = []
    for e in range(epochs):
        seen.clear()
        train_epoch(m, opt, torch.from_numpy(x), torch.from_numpy(y), r, e, N // BS, epochs * N // BS, torch.Generator().manual_seed(e))
        out.append(classify(np.concatenate(seen), x))
    return out

def keras_epochs(alternate, epochs=3):
    from resnet_cifar_edu.train import get_recipe
    from resnet_cifar_edu.tensorflow.train import train_dataset
    x, y = source_images()
    r = get_recipe("quick", width=4, batch_size=BS, epochs=epochs, padding=0, alternate_flip=alternate)
    batches = [b.numpy() for b, _ in train_dataset(x, y, r)]
    per = N // BS
    return [classify(np.concatenate(batches[e * per:(e + 1) * per]), x) for e in range(epochs)]

@pytest.mark.parametrize("epochs_of", [torch_epochs, keras_epochs], ids=["torch", "tf"])
def test_alternate_flip(epochs_of):
    from resnet_cifar_edu.train import alternate_flips
    m0, m1, m2 = epochs_of(alternate=True)
    assert (m0 ^ m1).all(), "every image mirrored in exactly one of two consecutive epochs"
    assert (m0 == m2).all()
    assert (m0 == alternate_flips(N, 0, 0)).all() and 0 < m0.sum() < N
    c0, c1, _ = epochs_of(alternate=False)
    assert not (c0 ^ c1).all(), "the coin toss shows some image the same way in both epochs (p = 1 - 2^-64)"
