"""Shared fixtures: tiny datasets in the real formats, the project's paths, the real data when present."""
import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's scripts (nbdev-export, resnet-cifar, voila, ...)

@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    "Keep decoded-array caches written by tests out of the user's cache folder."
    old = os.environ.get("RESNET_CIFAR_EDU_CACHE")
    os.environ["RESNET_CIFAR_EDU_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None: os.environ.pop("RESNET_CIFAR_EDU_CACHE", None)
    else: os.environ["RESNET_CIFAR_EDU_CACHE"] = old

@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory):
    "A tiny image-folder dataset: <root>/{train,test}/<class>/NNNN.png, 8 images per class and split."
    from resnet_cifar_edu.data import make_tiny_image_folder
    return make_tiny_image_folder(tmp_path_factory.mktemp("tiny")/"tiny-folder", n_per_class=8)

@pytest.fixture(scope="session")
def tiny_archive(tmp_path_factory):
    "A tiny archive in the official cifar-10-python.tar.gz layout (pickled batches)."
    from resnet_cifar_edu.data import make_tiny_cifar_archive
    return make_tiny_cifar_archive(tmp_path_factory.mktemp("arc")/"cifar-10-python.tar.gz", n_per_class=4)

@pytest.fixture(scope="session")
def real_cifar10():
    "The CIFAR-10 JPEG set (unpacked data/cifar10-jpeg or ../shared/data/cifar10-jpeg.tar.gz); skips when absent."
    from resnet_cifar_edu.data import find_cifar10_jpeg
    src = find_cifar10_jpeg(ROOT)
    if src is None:
        pytest.skip("real CIFAR-10 data absent: neither data/cifar10-jpeg/ nor ../shared/data/cifar10-jpeg.tar.gz exists")
    return src
