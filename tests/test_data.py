"""The data layer on the true formats: the official archive, image folders (plain and tarred), bad input."""
import os, subprocess, sys, tarfile, warnings
import numpy as np
import pytest
from PIL import Image
from conftest import ROOT
from resnet_cifar_edu.data import (CLASSES, DataError, load_cifar10, load_dataset, load_image_folder,
                                   train_val_split, cache_dir)

def test_official_archive_layout(tiny_archive):
    with tarfile.open(tiny_archive) as tf:
        names = sorted(m.name for m in tf.getmembers())
    assert names == sorted(f"cifar-10-batches-py/{n}" for n in
                           ["batches.meta", "test_batch"] + [f"data_batch_{i}" for i in range(1, 6)])
    x, y, classes = load_cifar10(tiny_archive, "train")
    assert x.shape == (200, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.int64
    assert classes == CLASSES and np.bincount(y).tolist() == [20] * 10

def test_archive_pixels_round_trip(tmp_path, tiny_archive):
    "Rows in the pickles are CHW planes: the loader must give back exactly the images that were written."
    from resnet_cifar_edu.data import make_tiny_images
    x, y, _ = load_cifar10(tiny_archive, "test")
    want_x, want_y = make_tiny_images(4, seed=1)
    assert (x == want_x).all() and (y == want_y).all()

def test_unpacked_archive_folder(tmp_path, tiny_archive):
    with tarfile.open(tiny_archive) as tf: tf.extractall(tmp_path, filter="data")
    x1, y1, _ = load_cifar10(tmp_path, "test")  # folder that holds cifar-10-batches-py/
    x2, y2, _ = load_cifar10(tiny_archive, "test")
    assert (x1 == x2).all() and (y1 == y2).all()

def test_folder_and_tarred_folder_agree(tmp_path, tiny_folder):
    arc = tmp_path/"tiny.tar.gz"
    with tarfile.open(arc, "w:gz") as tf: tf.add(tiny_folder, arcname="tiny")
    a = load_image_folder(tiny_folder, "train", progress=False)
    b = load_image_folder(arc, "train", progress=False)
    assert (a[0] == b[0]).all() and (a[1] == b[1]).all() and a[2] == b[2]
    assert a[0].shape == (80, 32, 32, 3)

def test_second_load_uses_cache(tiny_folder):
    load_image_folder(tiny_folder, "test", progress=False)
    files = {p.name: p.stat().st_mtime_ns for p in cache_dir().glob("tiny-folder-test-32-*.npz")}
    assert len(files) == 1
    x, _, _ = load_image_folder(tiny_folder, "test", progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in cache_dir().glob("tiny-folder-test-32-*.npz")} == files
    assert x.shape == (80, 32, 32, 3)

def test_an_edited_preprocess_is_not_served_from_the_cache(tiny_folder, monkeypatch):
    "Chapter 0's edit-and-see: after `preprocess` changes, the next load decodes again instead of reading the old arrays."
    import resnet_cifar_edu.data as D
    x, _, _ = load_image_folder(tiny_folder, "test", progress=False)  # cached with the shipped preprocess
    assert x.any()
    def preprocess(src, size=32): return np.zeros((size, size, 3), np.uint8)  # "edited": every picture black
    monkeypatch.setattr(D, "preprocess", preprocess)
    y, _, _ = D.load_image_folder(tiny_folder, "test", progress=False)
    assert not y.any(), "the arrays of the old preprocess came back from the cache"
    assert len(list(cache_dir().glob("tiny-folder-test-32-*.npz"))) == 1, "the old cache was left behind"

def test_folder_with_other_sizes_modes_and_classes(tmp_path):
    "Users' own datasets: any number of classes, images of other sizes and modes are converted."
    for cls, img in [("apple", Image.new("RGBA", (64, 48), (255, 0, 0, 255))),
                     ("pear", Image.new("L", (20, 20), 128)), ("plum", Image.new("P", (100, 100)))]:
        (tmp_path/"train"/cls).mkdir(parents=True); img.save(tmp_path/"train"/cls/"a.png")
    x, y, classes = load_dataset(tmp_path, "train")
    assert classes == ["apple", "pear", "plum"] and x.shape == (3, 32, 32, 3) and y.tolist() == [0, 1, 2]
    assert tuple(x[0, 16, 16]) == (255, 0, 0)

def test_bad_files_are_skipped_with_one_warning(tmp_path):
    d = tmp_path/"train"/"cat"; d.mkdir(parents=True)
    Image.new("RGB", (32, 32)).save(d/"ok.png")
    (d/"readme.txt").write_text("hello"); (d/"empty.jpg").write_bytes(b"")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        x, _, _ = load_image_folder(tmp_path, "train", progress=False, cache=False)
    assert len(x) == 1 and len(w) == 1
    assert "skipped 2 of 3" in str(w[0].message) and "readme.txt" in str(w[0].message)

def test_nothing_usable_is_an_error(tmp_path):
    d = tmp_path/"train"/"cat"; d.mkdir(parents=True); (d/"x.txt").write_text("no")
    with pytest.raises(DataError, match="no readable images"):
        with warnings.catch_warnings(): warnings.simplefilter("ignore"); load_image_folder(tmp_path, "train", cache=False)

def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="does not exist"): load_dataset(tmp_path/"missing", "train")

def test_folder_without_split(tmp_path):
    (tmp_path/"test").mkdir()
    with pytest.raises(DataError, match=r"train' is not a folder \(found: test\)"): load_image_folder(tmp_path, "train")

def test_corrupt_archive_message_names_file(tmp_path, tiny_archive):
    bad = tmp_path/"cifar-10-python.tar.gz"; bad.write_bytes(tiny_archive.read_bytes()[:1500])
    with pytest.raises(DataError) as e: load_cifar10(bad)
    msg = str(e.value)
    assert str(bad) in msg and "download it again" in msg and "\n" not in msg

def test_download_verifies_checksum_and_leaves_nothing(tmp_path, tiny_archive):
    "Download over HTTP on 127.0.0.1: a wrong checksum is refused and no partial file is left behind."
    import functools, http.server, threading
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tiny_archive.parent))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_port}/{tiny_archive.name}"
        dest = tmp_path/"dl"; dest.mkdir()
        with pytest.raises(DataError, match="checksum"): load_cifar10(dest, url=url, md5="0" * 32)
        assert list(dest.iterdir()) == []
        import hashlib
        md5 = hashlib.md5(tiny_archive.read_bytes()).hexdigest()
        x, _, _ = load_cifar10(dest, "test", url=url, md5=md5)
        assert x.shape == (40, 32, 32, 3) and (dest/"cifar-10-python.tar.gz").is_file()
    finally: srv.shutdown()

def test_offline_download_message(tmp_path):
    with pytest.raises(DataError, match="could not download .*offline"):
        load_cifar10(tmp_path, url="http://127.0.0.1:9/cifar-10-python.tar.gz")

def test_get_cifar10_offline_message(tmp_path, monkeypatch):
    "No data on the machine and no network: one DataError saying where to get the archive and how to point at a copy."
    import resnet_cifar_edu.data as d, resnet_cifar_edu.sources as sources
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    monkeypatch.setenv("CIFAR10_JPEG", str(tmp_path/"no-copy"))  # the course's JPEG copy is not here
    monkeypatch.delenv("IN_TEST", raising=False)
    url = "http://127.0.0.1:9/cifar-10-python.tar.gz"             # nothing listens there: as if offline
    monkeypatch.setattr(sources, "CIFAR10_URL", url)  # where get_cifar10's search (appendix A1b's _locate_cifar10) downloads from
    with pytest.raises(DataError) as e: d.get_cifar10()
    msg = str(e.value)
    assert "downloading it failed" in msg and f"download {url}" in msg and "\n" not in msg
    assert "get_cifar10('path/to/cifar-10-python.tar.gz')" in msg and "$CIFAR10_JPEG" in msg and "tiny=True" in msg
    assert not (tmp_path/"cache"/"cifar-10-python.tar.gz").exists()
    with pytest.raises(DataError, match="download=False"): d.get_cifar10(download=False)

def test_get_cifar10_tiny_only_under_test_or_on_request(tmp_path, monkeypatch, capsys):
    "Tiny generated data under IN_TEST or with tiny=True, written once; its printed line says it is not CIFAR-10."
    from resnet_cifar_edu.data import get_cifar10
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path))
    monkeypatch.setenv("IN_TEST", "1")
    src = get_cifar10(n_tiny=2)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("Data: tiny generated data, NOT CIFAR-10") and "IN_TEST" in out
    assert "20 train + 20 test images" in out and str(tmp_path) not in out
    x, y, classes = load_dataset(src, "train", progress=False)
    assert x.shape == (20, 32, 32, 3) and classes == CLASSES and np.bincount(y).tolist() == [2] * 10
    assert get_cifar10(tiny=True, n_tiny=2) == src and "asked for with tiny=True" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tiny-")] == []  # no half-written copies left
    monkeypatch.delenv("IN_TEST")                                  # a student's machine: real data or an error
    monkeypatch.setenv("CIFAR10_JPEG", str(tmp_path/"no-copy"))
    with pytest.raises(DataError, match="No CIFAR-10 data found"): get_cifar10(download=False)

def test_get_cifar10_path_and_cached_archive(tmp_path, monkeypatch, capsys, tiny_archive, tiny_folder):
    "A path you name comes first (even under test); an archive already in the cache is used without downloading."
    import shutil
    from resnet_cifar_edu.data import get_cifar10
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path))
    monkeypatch.setenv("CIFAR10_JPEG", str(tmp_path/"no-copy"))
    monkeypatch.setenv("IN_TEST", "1")
    assert get_cifar10(tiny_folder) == tiny_folder
    assert "the path you gave" in capsys.readouterr().out
    with pytest.raises(DataError, match="does not exist"): get_cifar10(tmp_path/"missing")
    monkeypatch.delenv("IN_TEST")
    shutil.copy(tiny_archive, tmp_path/"cifar-10-python.tar.gz")
    assert get_cifar10(download=False) == tmp_path/"cifar-10-python.tar.gz"
    out = capsys.readouterr().out
    assert out.startswith("Data: CIFAR-10, the official archive") and "200 train + 40 test images" in out

def test_split_is_stratified_and_seeded():
    y = np.repeat(np.arange(10), 100)
    tr, va = train_val_split(y, n_val=100, seed=3)
    assert np.bincount(y[va]).tolist() == [10] * 10 and len(set(tr) | set(va)) == 1000
    assert (train_val_split(y, n_val=100, seed=3)[1] == va).all()

def test_data_imports_without_frameworks():
    "`import resnet_cifar_edu.data` must work where neither torch nor tensorflow is installed."
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('torch', 'tensorflow', 'keras', 'torchvision'): raise ImportError('blocked ' + name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import resnet_cifar_edu.data as d\n"
            "x, y, c = d.load_dataset(sys.argv[1], 'train')\n"
            "print(x.shape)\n")
    from resnet_cifar_edu.data import make_tiny_cifar_archive
    import tempfile
    arc = make_tiny_cifar_archive(os.path.join(tempfile.mkdtemp(), "cifar-10-python.tar.gz"), n_per_class=1)
    r = subprocess.run([sys.executable, "-c", code, str(arc)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "(50, 32, 32, 3)" in r.stdout

def test_real_jpeg_set(real_cifar10):
    "The shared CIFAR-10 JPEG set loads into the full arrays with 5,000 / 1,000 images per class."
    xtr, ytr, classes = load_dataset(real_cifar10, "train")
    xte, yte, _ = load_dataset(real_cifar10, "test")
    assert xtr.shape == (50000, 32, 32, 3) and xte.shape == (10000, 32, 32, 3)
    assert classes == CLASSES
    assert np.bincount(ytr).tolist() == [5000] * 10 and np.bincount(yte).tolist() == [1000] * 10

def test_load_cifar10_cache_is_named_after_its_code(tmp_path, monkeypatch):
    "The archive's decoded arrays are cached under a name that includes `load_cifar10`'s code: a student who edits the function in chapter 00 sees the edit, not the old arrays."
    from resnet_cifar_edu.data import load_cifar10, make_tiny_cifar_archive
    from resnet_cifar_edu.files import _code_fingerprint
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    arc = make_tiny_cifar_archive(tmp_path/"cifar-10-python.tar.gz", n_per_class=1)
    first = load_cifar10(arc, "test")
    [f] = list((tmp_path/"cache").glob("cifar-10-python-test-*.npz"))
    assert "-" + _code_fingerprint(load_cifar10)[:8] + "-" in f.name
    again = load_cifar10(arc, "test")  # read back from that file
    assert (again[0] == first[0]).all() and (again[1] == first[1]).all() and again[2] == first[2]
    stale = f.with_name(f.name.replace(_code_fingerprint(load_cifar10)[:8], "0ld0c0de"))  # as an earlier version of the function left it
    f.rename(stale)
    load_cifar10(arc, "test")  # decodes again, and the new cache replaces the old one
    assert [p.name for p in (tmp_path/"cache").glob("cifar-10-python-test-*.npz")] == [f.name]

def test_archive_errors_end_to_end(tmp_path, monkeypatch):
    "Moved from appendix A1: a truncated archive, a tar that is not CIFAR-10 and an empty folder with downloading off each fail with their own message; the good archive still loads."
    from resnet_cifar_edu.data import make_tiny_cifar_archive
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    arc = make_tiny_cifar_archive(tmp_path/"cifar-10-python.tar.gz", n_per_class=2)
    bad = tmp_path/"truncated.tar.gz"; bad.write_bytes(arc.read_bytes()[:2000])
    with pytest.raises(DataError, match="corrupt or truncated"): load_cifar10(bad)
    (tmp_path/"notes.txt").write_text("not a picture")
    other = tmp_path/"other.tar"
    with tarfile.open(other, "w") as tf: tf.add(tmp_path/"notes.txt", "notes.txt")
    with pytest.raises(DataError, match="is not a CIFAR-10 python archive"): load_cifar10(other)
    (tmp_path/"empty").mkdir()
    with pytest.raises(DataError, match="holds neither"): load_cifar10(tmp_path/"empty", download=False)
    assert load_cifar10(arc, "test")[0].shape == (20, 32, 32, 3)

def test_sixteen_bit_arrays_are_stretched_like_sixteen_bit_images():
    "A dark 12-bit scan comes out with the full range whether it arrives as a numpy array or as a 16-bit PIL image (appendix A1)."
    from resnet_cifar_edu.files import open_image, to_rgb
    dark = (np.arange(64 * 64).reshape(64, 64) % 4096).astype(np.uint16)
    as_array, as_pil = (np.asarray(to_rgb(open_image(x))).astype(int) for x in (dark, Image.fromarray(dark)))
    assert as_array.max() == 255 and as_array.min() == 0 and np.abs(as_array - as_pil).max() <= 1
    flat = np.full((16, 16), 700, np.uint16)  # one value everywhere: black, as to_rgb makes a flat 16-bit image
    assert np.asarray(to_rgb(open_image(flat))).max() == 0

@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_wide_integer_arrays_keep_their_values(dtype):
    "int32/int64 arrays hold 0..255 values (np.asarray(img).astype(int)): kept as they are, not stretched; outside 0..255 clipped."
    from resnet_cifar_edu.files import open_image, to_rgb
    dark = (np.arange(40 * 40 * 3).reshape(40, 40, 3) % 60 + 10).astype(dtype)  # a dark photo: values 10..69
    np.testing.assert_array_equal(np.asarray(to_rgb(open_image(dark))), dark.astype(np.uint8))
    wild = np.array([[-5, 300]] * 16 * 8, dtype).reshape(16, 16)
    assert set(np.unique(np.asarray(to_rgb(open_image(wild))))) == {0, 255}

def test_a_packed_jpeg_copy_in_data_is_found(tmp_path, monkeypatch):
    "data/cifar10-jpeg.tar.gz is found (as tools/gpu_route.py finds it), and an unpacked data/cifar10-jpeg is preferred (appendix A1b)."
    from resnet_cifar_edu.data import find_cifar10_jpeg
    monkeypatch.delenv("CIFAR10_JPEG", raising=False)
    (tmp_path/"data").mkdir(); (tmp_path/"data"/"cifar10-jpeg.tar.gz").write_bytes(b"")
    (tmp_path/"nbs").mkdir()
    assert find_cifar10_jpeg(tmp_path/"nbs") == tmp_path/"data"/"cifar10-jpeg.tar.gz"
    (tmp_path/"data"/"cifar10-jpeg"/"train").mkdir(parents=True)
    assert find_cifar10_jpeg(tmp_path/"nbs") == tmp_path/"data"/"cifar10-jpeg"

def test_a_truncated_picture_opened_lazily_is_refused_as_an_image_error(tmp_path):
    "Image.open only reads the header: a cut-off PNG handed over as a PIL image must still give ImageError, not a bare OSError later (appendix A1)."
    import io
    from resnet_cifar_edu.files import ImageError, open_image, to_rgb
    buf = io.BytesIO(); Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)).save(buf, "PNG")
    cut = tmp_path/"cut.png"; cut.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageError, match="not a readable image"): to_rgb(open_image(Image.open(cut)))
    whole = Image.open(io.BytesIO(buf.getvalue()))
    assert np.asarray(to_rgb(open_image(whole))).shape == (64, 64, 3)  # a whole lazily opened picture still passes

def test_batches_without_pictures_are_refused_by_name(tmp_path, monkeypatch):
    "An unpacked folder whose pickles are not CIFAR-10 batches (no b'data', or rows of the wrong size) gives one DataError naming it (appendix A1b)."
    import pickle
    from resnet_cifar_edu.data import load_cifar10
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    for name, batch in [("no-data", {b"labels": [0, 1]}), ("short-rows", {b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]})]:
        folder = tmp_path/name/"cifar-10-batches-py"; folder.mkdir(parents=True)
        (folder/"batches.meta").write_bytes(pickle.dumps({b"label_names": [b"cat"]}))
        (folder/"test_batch").write_bytes(pickle.dumps(batch))
        with pytest.raises(DataError, match="does not hold CIFAR-10 batches"): load_cifar10(tmp_path/name, "test", download=False)
    assert not list((tmp_path/"cache").glob("*.npz"))  # nothing cached from a refused archive

def test_caches_of_deleted_folders_go(tmp_path, monkeypatch, tiny_folder):
    "A scratch folder's cache (its source in the temporary folder) is deleted at the next cache written once the folder is gone; other files stay."
    import shutil, tempfile
    from pathlib import Path
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    assert tmp_path.resolve().is_relative_to(Path(tempfile.gettempdir()).resolve())  # pytest's folders are scratch folders
    scratch = shutil.copytree(tiny_folder, tmp_path/"scratch")
    load_image_folder(tiny_folder, "train", progress=False); load_image_folder(scratch, "train", progress=False)
    cache = tmp_path/"cache"
    (cache/"broken-train-32-x.npz").write_bytes(b"not a zip")                  # unreadable: kept
    np.savez(cache/"mine-0.npz", source=np.array(str(tmp_path/"nowhere")))    # a user's own file, with a 'source' of its own: kept
    np.savez(cache/"away-train-32-x.npz", images=np.zeros(1), resnet_cifar_edu_source=np.array("/media/unplugged/data"))  # not scratch: kept
    names = lambda: sorted(p.name.split("-")[0] for p in cache.glob("*.npz"))
    assert names() == ["away", "broken", "mine", "scratch", "tiny"]
    shutil.rmtree(scratch)
    assert names() == ["away", "broken", "mine", "scratch", "tiny"]  # nothing is deleted until a cache is written
    x, _, _ = load_image_folder(tiny_folder, "test", progress=False)
    assert names() == ["away", "broken", "mine", "tiny", "tiny"] and len(x) == 80
    x2, _, _ = load_image_folder(tiny_folder, "train", progress=False)  # the live folder's cache is still found
    assert len(x2) == 80

def test_a_renamed_archive_is_refused_with_a_message(tmp_path, tiny_archive):
    "A file that is neither a folder nor a .tar/.tar.gz/.tgz (here the tiny archive renamed data.bin): one DataError that says so, not NotADirectoryError."
    import shutil
    renamed = shutil.copy(tiny_archive, tmp_path/"data.bin")
    for load in (lambda: load_dataset(renamed, progress=False), lambda: load_image_folder(renamed, progress=False)):
        with pytest.raises(DataError, match="is a file, not a folder or a .tar"): load()

def test_a_corrupt_archive_is_one_line(tmp_path, tiny_archive):
    "A CIFAR-10 archive with garbled bytes, and its unpacking gone wrong (the folder, no batches): one DataError line each, saying what to do."
    raw = bytearray(tiny_archive.read_bytes())
    raw[200:400] = bytes(b ^ 0xFF for b in raw[200:400])
    (tmp_path/"bad").mkdir(); bad = tmp_path/"bad"/"cifar-10-python.tar.gz"; bad.write_bytes(bytes(raw))
    (tmp_path/"emptied"/"cifar-10-batches-py").mkdir(parents=True)
    for src, words in [(bad, "corrupt or truncated"), (tmp_path/"emptied", "lacks CIFAR-10's batches.meta"),
                       (tmp_path/"emptied"/"cifar-10-batches-py", "lacks CIFAR-10's batches.meta")]:
        with pytest.raises(DataError, match=words) as e: load_dataset(src, "train", progress=False)
        assert "\n" not in str(e.value), str(e.value)

def test_folders_a_student_makes(tmp_path, monkeypatch):
    "Jupyter's .ipynb_checkpoints became a class; a test split lacking a class numbered its labels differently, silently; '~' was not expanded by open_image; train_val_split(labels, 0.1) was a TypeError."
    from resnet_cifar_edu.data import make_tiny_image_folder, open_image
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    root = make_tiny_image_folder(tmp_path/"pets", 2, classes=["cat", "dog", "frog"])
    (root/"train"/".ipynb_checkpoints").mkdir(); Image.new("RGB", (32, 32)).save(root/"train"/".ipynb_checkpoints"/"x.png")
    (root/"train"/"cat"/".DS_Store").write_bytes(b"\0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither the hidden folder nor the hidden file is worth a warning
        x, y, classes = load_dataset(root, "train", progress=False)
    assert classes == ["cat", "dog", "frog"] and len(y) == 6
    with tarfile.open(tmp_path/"pets.tar", "w") as tf: tf.add(root, arcname="pets")
    with warnings.catch_warnings():
        warnings.simplefilter("error"); assert load_dataset(tmp_path/"pets.tar", "train", progress=False)[2] == ["cat", "dog", "frog"]
    for p in (root/"test"/"dog").iterdir(): p.unlink()
    with pytest.warns(UserWarning, match="dog in only one"): assert load_dataset(root, "test", progress=False)[2] == ["cat", "frog"]
    with pytest.warns(UserWarning, match="dog in only one"): load_dataset(root, "test", progress=False)  # from the cache too
    (root/"test"/"dog"/".DS_Store").write_bytes(b"\0")  # a folder with only a hidden file holds no class
    with pytest.warns(UserWarning, match="dog in only one"): load_dataset(root, "train", progress=False)
    tr, va = train_val_split(np.repeat(np.arange(10), 10), np.float32(0.2)); assert len(va) == 20
    monkeypatch.setenv("HOME", str(root))
    assert open_image("~/train/cat/0000.png").size == (32, 32)
    tr, va = train_val_split(np.repeat(np.arange(10), 10), 0.1)
    assert len(va) == 10 and len(tr) == 90

def test_channel_stats_of_a_one_colour_picture_is_zero_not_nan():
    "A constant channel gave a NaN standard deviation for 88 of the 256 grey levels in this 4×4×4 batch (the root of a rounding error below 0)."
    from resnet_cifar_edu.data import channel_stats
    for v in range(256):
        mean, std = channel_stats(np.full((4, 4, 4, 3), v, np.uint8))
        np.testing.assert_allclose(mean, v / 255); assert np.all(std >= 0) and np.all(std < 1e-6), (v, std)

def test_cifar_archive_class_names_and_counts(tmp_path, monkeypatch):
    "The archive reader takes the class names from batches.meta, and refuses a batch whose labels do not match its pictures in number or range (it returned CIFAR-10's names and mislabelled pictures)."
    import pickle
    from resnet_cifar_edu.sources import write_cifar_archive
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    rng = np.random.default_rng(0)
    pics = lambda n: rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    arc = write_cifar_archive(tmp_path/"pets"/"cifar-10-python.tar.gz", (pics(10), np.arange(10) % 3), (pics(3), [0, 1, 2]), ["cat", "dog", "fish"])
    x, y, classes = load_dataset(arc, "test")
    assert classes == ["cat", "dog", "fish"] and y.tolist() == [0, 1, 2] and x.shape == (3, 32, 32, 3)
    with tarfile.open(arc) as tf: tf.extractall(tmp_path/"unpacked", filter="data")
    folder = tmp_path/"unpacked"/"cifar-10-batches-py"
    def rewrite(change):
        b = pickle.loads((folder/"test_batch").read_bytes(), encoding="bytes"); b.update(change)
        (folder/"test_batch").write_bytes(pickle.dumps(b, protocol=2))
    rewrite({b"labels": [0, 1]})  # three pictures, two labels
    with pytest.raises(DataError, match="holds 3 pictures but 2 labels"): load_cifar10(folder, "test", cache=False)
    rewrite({b"labels": [0, 1, 7]})  # label 7, but three classes
    with pytest.raises(DataError, match="labels 0 to 7, but batches.meta names 3 classes"): load_cifar10(folder, "test", cache=False)
    (folder/"batches.meta").unlink()
    with pytest.raises(DataError, match="batches.meta' is missing"): load_cifar10(folder, "test", cache=False)

def test_train_val_split_refuses_a_count_with_a_fraction():
    "n_val=10.5 was truncated to 10 silently; a whole float (20.0) is a count, a float below 1 a fraction, NaN and 'abc' are refused in one message."
    y = np.repeat(np.arange(10), 10)
    assert len(train_val_split(y, 20.0)[1]) == 20 and len(train_val_split(y, 0.25)[1]) == 25 and len(train_val_split(y, np.int64(7))[1]) == 7
    for bad in (10.5, float("nan"), float("inf"), 0, 100, "abc", True, 0.004):
        with pytest.raises(ValueError, match="whole number from 1 to 99, or a fraction"): train_val_split(y, bad)
    with pytest.raises(ValueError, match=r"got 0.004 \(0 items\)"): train_val_split(y, np.float64(0.004))  # the fraction asked for, and what it came to
    with pytest.raises(ValueError, match=r"got '50'\."): train_val_split(y, "50")  # a string, quoted: not the number it looks like

def test_a_missing_cifar10_jpeg_variable_is_named_before_the_archive(tmp_path, monkeypatch):
    "A $CIFAR10_JPEG with a typo turned the search off silently and went on to the official archive (a 170 MB download); now a warning names it."
    from resnet_cifar_edu.data import get_cifar10, make_tiny_cifar_archive
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache")); (tmp_path/"cache").mkdir()
    make_tiny_cifar_archive(tmp_path/"cache"/"cifar-10-python.tar.gz", n_per_class=1)  # as if downloaded earlier: nothing is fetched
    monkeypatch.setenv("CIFAR10_JPEG", str(tmp_path/"typo"))
    with pytest.warns(UserWarning, match=r"\$CIFAR10_JPEG is '.*typo', which does not exist"): get_cifar10(tiny=False)
    monkeypatch.setenv("CIFAR10_JPEG", str(tmp_path/"cache"/"cifar-10-python.tar.gz"))
    with warnings.catch_warnings(): warnings.simplefilter("error"); get_cifar10(tiny=False)  # set and there: no warning

def test_a_picture_rewritten_in_place_is_decoded_again(tmp_path, monkeypatch):
    "The folder cache's fingerprint had only names and folder times, so a picture overwritten in place was served stale from the cache; now each file's size and time count."
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    for c in ("cat", "dog"):
        (tmp_path/"set"/"train"/c).mkdir(parents=True)
        for i in range(2): Image.new("RGB", (32, 32), (0, 80, 0)).save(tmp_path/"set"/"train"/c/f"{i}.png")
    first = load_image_folder(tmp_path/"set", "train", progress=False)[0]
    old = (tmp_path/"set"/"train"/"dog"/"0.png").stat().st_mtime_ns
    Image.new("RGB", (32, 32), (0, 0, 255)).save(tmp_path/"set"/"train"/"dog"/"0.png")  # PIL writes over the file: no name comes or goes
    os.utime(tmp_path/"set"/"train"/"dog"/"0.png", ns=(old + 10**9, old + 10**9))  # a later time, whatever the file system's clock resolution
    again = load_image_folder(tmp_path/"set", "train", progress=False)[0]
    assert first[2, 0, 0].tolist() == [0, 80, 0] and again[2, 0, 0].tolist() == [0, 0, 255]

def test_damaged_exif_and_a_transparent_key_colour():
    "A picture with a damaged EXIF block crashed preprocess (SyntaxError: not a TIFF file), and with it predict and the demo; an RGB or grey PNG whose transparency is a key colour (tRNS) came out on that colour, not on white."
    import io
    from resnet_cifar_edu.data import preprocess
    b = io.BytesIO(); Image.new("RGB", (16, 16), "red").save(b, "PNG", exif=b"Exif\0\0MMX*\0\0\0\x08")
    assert preprocess(b.getvalue())[0, 0].tolist() == [255, 0, 0]  # read as stored
    rgb = np.zeros((32, 32, 3), np.uint8); rgb[8:24, 8:24] = (255, 0, 0)
    for im, key in ((Image.fromarray(rgb), (0, 0, 0)), (Image.fromarray(rgb[..., 0]), 0), (Image.fromarray(rgb[..., 0]).convert("1"), 0)):
        b = io.BytesIO(); im.save(b, "PNG", transparency=key)
        x = preprocess(b.getvalue())
        assert x[0, 0].tolist() == [255, 255, 255] and x[16, 16].tolist() == ([255, 0, 0] if im.mode == "RGB" else [255, 255, 255]), (im.mode, x[0, 0], x[16, 16])

def test_cifar10_jpeg_variable_with_a_tilde(tmp_path, monkeypatch):
    "$CIFAR10_JPEG='~/…' (set from Python, or quoted in a shell) was taken literally, so the copy was not found and a warning said it did not exist."
    from resnet_cifar_edu.sources import find_cifar10_jpeg
    (tmp_path/"data"/"cifar10-jpeg"/"train").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path)); monkeypatch.setenv("CIFAR10_JPEG", "~/data/cifar10-jpeg")
    assert find_cifar10_jpeg() == tmp_path/"data"/"cifar10-jpeg"

def test_download_refuses_a_cut_off_transfer(tmp_path):
    "A server that promises 3,000 bytes and closes after 1,000: without an md5 the short file used to land as complete."
    import http.server, threading
    from resnet_cifar_edu.files import download_url
    class CutOff(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.send_header("Content-Length", "3000"); self.end_headers()
            self.wfile.write(b"x" * 1000); self.close_connection = True
        def log_message(self, *args): pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CutOff)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(DataError, match="stopped after 1,000 of 3,000 bytes"):
            download_url(f"http://127.0.0.1:{server.server_port}/cifar.tar.gz", tmp_path/"cifar.tar.gz", progress=False)
    finally: server.shutdown()
    assert list(tmp_path.iterdir()) == []  # nothing left behind, not even the temporary file

def test_atomic_write_keeps_permissions_and_links(tmp_path):
    "Rewriting a file keeps its mode (a private 0600 file stays private), and writing through a symlink rewrites its target."
    from resnet_cifar_edu.files import atomic_write
    private, link = tmp_path/"private.json", tmp_path/"link.json"
    private.write_text("old"); private.chmod(0o600); link.symlink_to(private.name)
    with atomic_write(link, "w") as f: f.write("new")
    assert link.is_symlink() and private.read_text() == "new"
    assert (private.stat().st_mode & 0o777) == 0o600
    with atomic_write(tmp_path/"fresh.txt", "w") as f: f.write("x")  # a new file: what open() would give
    umask = os.umask(0); os.umask(umask)
    assert ((tmp_path/"fresh.txt").stat().st_mode & 0o777) == 0o666 & ~umask

def test_official_archive_packed_one_folder_deeper(tmp_path, tiny_archive):
    "A re-packed copy (`mydata/cifar-10-batches-py/...`) whose first file is not data_batch_1, batches.meta or test_batch was taken for an image folder."
    from resnet_cifar_edu.sources import _is_cifar_python
    with tarfile.open(tiny_archive) as tf: tf.extractall(tmp_path/"mydata", filter="data")
    (tmp_path/"mydata"/"cifar-10-batches-py"/"readme.html").write_text("<html></html>")
    rest = ["batches.meta", "test_batch", "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_5"]
    for first in ("readme.html", "data_batch_4"):  # the folder's name decides, then the batch names: neither was enough before
        repacked = tmp_path/f"repacked-{first}.tar.gz"
        with tarfile.open(repacked, "w:gz") as tf:
            for name in [first, *({"readme.html", "data_batch_4"} - {first}), *rest]: tf.add(tmp_path/"mydata"/"cifar-10-batches-py"/name, f"mydata/cifar-10-batches-py/{name}")
        assert _is_cifar_python(repacked), first
        x, y, _ = load_dataset(repacked, "test", cache=False, progress=False)
        assert (x == load_cifar10(tiny_archive, "test")[0]).all()

def test_cache_dir_expands_home_and_is_absolute(tmp_path, monkeypatch):
    "RESNET_CIFAR_EDU_CACHE='~/cifar-cache' was used as the relative folder './~/cifar-cache' while messages said '~/cifar-cache'."
    monkeypatch.setenv("HOME", str(tmp_path/"home")); monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", "~/cifar-cache")
    assert cache_dir() == tmp_path/"home"/"cifar-cache"
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", "rel/cache")
    assert cache_dir() == tmp_path/"rel"/"cache" and cache_dir().is_absolute()

def test_place_once_leaves_nothing_when_writing_fails(tmp_path):
    "An interrupted first write left a .tmp-* folder in the cache."
    from resnet_cifar_edu.sources import _place_once
    def fails(folder): (folder/"half").write_text("x"); raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt): _place_once(tmp_path/"data", fails)
    assert list(tmp_path.iterdir()) == []
