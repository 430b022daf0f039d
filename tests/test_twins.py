"""The twin contract: resnet, augment, train, infer and distributed have the same public names and signatures in PyTorch
and TensorFlow, except the framework-only names listed, each with its reason, in resnet_cifar_edu.twins."""
from resnet_cifar_edu import twins

def test_the_twins_keep_the_contract():
    assert twins.twin_contract_problems() == []
    assert all(reason.strip() for reason in {**twins.FRAMEWORK_ONLY, **twins.SIGNATURE_EXCEPTIONS}.values())

def test_the_check_catches_drift(monkeypatch):
    "A new unlisted public helper, a changed signature and a stale allow-list entry are each reported."
    import resnet_cifar_edu.torch.augment as pta, resnet_cifar_edu.tensorflow.augment as tfa
    def helper(x): return x
    monkeypatch.setattr(pta, "helper", helper, raising=False)
    monkeypatch.setattr(pta, "__all__", [*pta.__all__, "helper"])
    monkeypatch.setattr(tfa, "hflip", lambda x, axis=2: x)
    monkeypatch.setitem(twins.FRAMEWORK_ONLY, "torch.augment.gone", "a helper that was removed")
    problems = twins.twin_contract_problems(("augment",))
    assert any("torch.augment.helper" in p for p in problems), problems
    assert any(p.startswith("augment.hflip") for p in problems), problems
    assert any("torch.augment.gone" in p for p in problems), problems

def test_rotations_agree_on_pictures_that_are_not_square():
    "The twins' rotate_by on a 24 × 40 batch: the same pixels (chapter 02 checks the square 32 × 32 case)."
    import numpy as np, torch, tensorflow as tf
    from resnet_cifar_edu.torch import augment as pt
    from resnet_cifar_edu.tensorflow import augment as tk
    x = np.random.default_rng(0).random((3, 24, 40, 3)).astype("float32")
    degrees = np.array([10.0, -30.0, 90.0], "float32")
    mine = pt.rotate_by(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(degrees)).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(mine, tk.rotate_by(tf.constant(x), degrees).numpy(), atol=1e-4)

def test_a_keep_rerun_after_the_other_tab_keeps_its_own_imports():
    "03's trap: both tabs import a `net` under one name and keep it; re-running the first tab's keep cell after the second tab must not take the second's."
    g = {}
    exec("from resnet_cifar_edu.twins import Twin\npt, kr = Twin('PyTorch'), Twin('Keras')\n"
         "from os.path import basename as net\ndef step(): return net('a/b')\npt.keep('net')\n"
         "from os.path import dirname as net\ndef step(): return net('a/b')\nkr.keep('net')\n"
         "def step(): return 'edited ' + net('a/b')\npt.keep('net')", g)  # the student edits the PyTorch step and re-runs its keep cell
    assert g["pt"].net("a/b") == "b" and g["kr"].net("a/b") == "a"
    assert g["pt"].step() == "edited b" and g["kr"].step() == "a"

def test_an_edited_shared_function_reaches_both_twins():
    "03's schedule: one function of the notebook kept by both tabs; edited and both keep cells re-run, both twins take the edit."
    g = {}
    exec("from resnet_cifar_edu.twins import Twin\npt, kr = Twin('PyTorch'), Twin('Keras')\n"
         "def lr(): return 1\npt.keep('lr')\nkr.keep('lr')\n"
         "def lr(): return 2\npt.keep('lr')\nkr.keep('lr')\n"
         "pt, kr = Twin('PyTorch'), Twin('Keras')\npt.keep('lr'); kr.keep('lr')", g)  # and a second Run All: new twins
    assert g["pt"].lr() == 2 and g["kr"].lr() == 2

def test_a_helper_added_when_a_tab_is_rerun_is_kept():
    "A function added to the PyTorch tab on a re-run after the Keras tab was dropped by keep(), so pt's net called the Keras unit through it."
    g = {}
    exec("from resnet_cifar_edu.twins import Twin\npt, kr = Twin('PyTorch'), Twin('Keras')\n"
         "def unit(): return 'torch'\ndef net(): return unit()\npt.keep()\n"
         "def unit(): return 'keras'\ndef net(): return unit()\nkr.keep()\n"
         "def unit(): return 'torch'\ndef twice(): return unit() + unit()\ndef net(): return twice()\npt.keep()\n"  # the re-run tab, with a new helper
         "def unit(): return 'keras'\ndef net(): return unit()\nkr.keep()", g)  # and the Keras tab once more
    assert g["pt"].net() == "torchtorch" and g["kr"].net() == "keras" and "twice" in g["pt"].names and "twice" not in g["kr"].names

def test_shared_code_below_the_tabs_is_not_taken_by_a_rerun_tab():
    "A class shared by both tabs, defined after them, was taken and rewired by the first tab re-run after it (so it used that framework for good)."
    g = {}
    exec("from resnet_cifar_edu.twins import Twin\npt, kr = Twin('PyTorch'), Twin('Keras')\n"
         "def unit(): return 'torch'\npt.keep()\n"
         "def unit(): return 'keras'\nkr.keep()\n"
         "class Report:\n    def show(self): return unit()\n"  # shared code below the tabs, kept by neither
         "def unit(): return 'torch v2'\npt.keep()\n"
         "def unit(): return 'keras v2'\nkr.keep()", g)
    assert g["Report"]().show() == "keras v2" and "Report" not in g["pt"].names and "Report" not in g["kr"].names
