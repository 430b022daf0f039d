"""`resnet-cifar predict` and `resnet-cifar evaluate` as a user runs them: a real process, real files."""
import os, subprocess
import pytest
from conftest import BIN
from resnet_cifar_edu.data import CLASSES_ZH

@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    import torch
    from resnet_cifar_edu.torch.resnet import resnet18
    from resnet_cifar_edu.inference import write_weights
    torch.manual_seed(0)
    return write_weights({k: v.numpy() for k, v in resnet18(width=8).state_dict().items()}, {"width": 8},
                         tmp_path_factory.mktemp("w")/"w8.safetensors")

def run(*args):
    return subprocess.run([str(BIN/"resnet-cifar"), *map(str, args)], capture_output=True, text=True, timeout=300, env=os.environ)

def test_predict_good_and_bad_files(weights, tiny_folder, tmp_path):
    junk = tmp_path/"junk.png"; junk.write_text("not an image")
    good = sorted((tiny_folder/"test"/"cat").iterdir())[0]
    r = run("predict", good, junk, "--weights", weights, "--topk", "2", "--zh")
    assert r.returncode == 1                                  # one file failed ...
    line = [l for l in r.stdout.splitlines() if l.startswith(str(good))]
    assert len(line) == 1 and line[0].count("%") == 2         # ... the good one was still classified
    assert "junk.png：错误：" in r.stderr and "无法作为图片读取" in r.stderr and "Traceback" not in r.stderr  # --zh: messages in Chinese
    assert "(猫)" in r.stdout or any(f"({zh})" in r.stdout for zh in CLASSES_ZH)          # class names in both languages
    r = run("predict", junk, "--weights", weights)
    assert r.returncode == 1 and "junk.png: error:" in r.stderr and "not a readable image" in r.stderr and "Traceback" not in r.stderr
    assert "Error" not in r.stderr and "BytesIO" not in r.stderr, r.stderr  # the reason, without the library's exception

def test_predict_zh_fatal_error_is_chinese(tmp_path):
    r = run("predict", tmp_path/"x.png", "--weights", tmp_path/"missing.safetensors", "--zh")
    assert r.returncode == 1 and r.stderr.startswith("resnet-cifar：错误：") and "不存在" in r.stderr, r.stderr

def test_predict_without_shipped_weights_is_one_line(tiny_folder, tmp_path):
    "An installation that lacks the weights file (hidden here by pointing PRETRAINED elsewhere): one line, no traceback."
    code = ("import pathlib, sys; import resnet_cifar_edu.inference as inf; inf.PRETRAINED = pathlib.Path(sys.argv[1]); "
            "from resnet_cifar_edu.cli import main; sys.exit(main(sys.argv[2:]))")
    r = subprocess.run([str(BIN/"python"), "-c", code, str(tmp_path/"missing.safetensors"), "predict",
                        str(sorted((tiny_folder/"test"/"cat").iterdir())[0])], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "no shipped weights" in r.stderr and "Traceback" not in r.stderr, r.stderr

def test_predict_with_the_shipped_weights(tiny_folder):
    from resnet_cifar_edu.inference import PRETRAINED
    if not PRETRAINED.is_file(): pytest.skip(f"no shipped weights at {PRETRAINED}")
    good = sorted((tiny_folder/"test"/"cat").iterdir())[0]
    r = run("predict", good, "--topk", "3")
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith(str(good))]
    assert len(line) == 1 and line[0].count("%") == 3, r.stdout

def test_predict_says_when_unsure(tmp_path):
    "A plain grey picture shows none of the ten classes: the shipped model's line says it is unsure, in English or Chinese."
    from PIL import Image
    from resnet_cifar_edu.messages import MESSAGES
    from resnet_cifar_edu.inference import PRETRAINED
    if not PRETRAINED.is_file(): pytest.skip(f"no shipped weights at {PRETRAINED}")
    grey = tmp_path/"grey.png"; Image.new("RGB", (32, 32), (128, 128, 128)).save(grey)
    for flags, text in [((), MESSAGES["unsure"]["en"]), (("--zh",), MESSAGES["unsure"]["zh"])]:
        r = run("predict", grey, *flags)
        assert r.returncode == 0 and r.stdout.strip().endswith(f"({text})"), r.stdout + r.stderr

@pytest.mark.parametrize("backend", ["torch", "tf"])
def test_evaluate_writes_confusion_matrix(weights, tiny_folder, tmp_path, backend):
    png = tmp_path/f"cm-{backend}.png"
    r = run("evaluate", "--data", tiny_folder, "--weights", weights, "--backend", backend, "--out", png)
    assert r.returncode == 0, r.stderr
    assert "top-1 accuracy" in r.stdout and "95% CI" in r.stdout and png.stat().st_size > 10_000

def test_predict_topk_outside_one_to_ten_is_refused(tiny_folder):
    "--topk 0 ended in an IndexError traceback, --topk -1 printed nine classes: argparse now refuses both in one line (more than there are classes prints them all)."
    pic = next(tiny_folder.glob("test/*/*"))
    for k in ("0", "-1", "two"):
        r = run("predict", str(pic), "--topk", k)
        assert r.returncode == 2 and "expected a whole number of 1 or more" in r.stderr and "Traceback" not in r.stderr, r.stderr

def test_evaluate_out_folder_suffix_and_bad_paths(weights, tiny_folder, tmp_path):
    "--out as a folder wrote nothing there (savefig to a folder), a name without suffix was printed without the '.png' matplotlib added, a missing folder or an unknown suffix failed only after the whole evaluation."
    r = run("evaluate", "--data", tiny_folder, "--weights", weights, "--out", tmp_path)
    assert r.returncode == 0 and (tmp_path/"confusion_matrix.png").stat().st_size > 10_000, r.stderr
    assert f"written to {tmp_path/'confusion_matrix.png'}" in r.stdout
    r = run("evaluate", "--data", tiny_folder, "--weights", weights, "--out", tmp_path/"cm")
    assert r.returncode == 0 and (tmp_path/"cm.png").is_file() and f"written to {tmp_path/'cm.png'}" in r.stdout, r.stdout + r.stderr
    for out, says in [(tmp_path/"nowhere"/"cm.png", "does not exist"), (tmp_path/"cm.txt", "cannot draw a '.txt' picture")]:
        r = run("evaluate", "--data", tiny_folder, "--weights", weights, "--out", out)
        assert r.returncode == 1 and says in r.stderr and "Traceback" not in r.stderr and "top-1" not in r.stdout, r.stdout + r.stderr

def test_predict_into_a_closed_pipe_is_quiet(weights, tiny_folder):
    "`resnet-cifar predict *.png | head -1`: the reader leaves early; the command stops with the shell's code for it, no BrokenPipeError traceback."
    pics = sorted(map(str, tiny_folder.glob("test/*/*")))[:5]
    p = subprocess.Popen([str(BIN/"resnet-cifar"), "predict", *pics, "--weights", str(weights)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # like `head` exiting before the first prediction is printed
    err = p.stderr.read().decode(); p.wait(timeout=300)
    assert p.returncode == 141 and "Traceback" not in err and "BrokenPipe" not in err, (p.returncode, err)

def test_predict_on_a_folder_and_evaluate_into_a_new_folder(weights, tiny_folder, tmp_path):
    "A folder given to predict said 'no such file'; evaluate --out new/ (a folder that does not exist yet) wrote ./new.png."
    r = run("predict", tiny_folder/"test"/"cat", "--weights", weights)
    assert r.returncode == 1 and "is a folder; pass the pictures in it" in r.stderr and "no such file" not in r.stderr, r.stderr
    r = run("evaluate", "--data", tiny_folder, "--weights", weights, "--out", f"{tmp_path/'new'}/")
    assert r.returncode == 1 and "does not exist" in r.stderr and not (tmp_path/"new.png").exists(), r.stdout + r.stderr

def test_translate_alone_implies_flip_tta():
    "--translate without --tta was silently ignored (plain predictions)."
    from resnet_cifar_edu.cli import _tta, build_parser
    tta = lambda *flags: _tta(build_parser().parse_args(["predict", "x.png", *flags]))
    assert (tta(), tta("--tta"), tta("--translate"), tta("--tta", "--translate")) == (False, "flip", "flip+translate", "flip+translate")

def test_empty_weights_and_class_mismatch_are_named(weights, tiny_folder, tmp_path):
    "`--weights \"\"` (an unset variable) used the shipped model silently; evaluate's class mismatch printed the same three names twice."
    good = sorted((tiny_folder/"test"/"cat").iterdir())[0]
    for cmd in (["predict", good], ["evaluate", "--data", tiny_folder, "--out", tmp_path]):
        r = run(*cmd, "--weights", "")
        assert r.returncode == 1 and "`--weights` is empty" in r.stderr and "Traceback" not in r.stderr, r.stderr
    import shutil
    fewer = tmp_path/"fewer"; shutil.copytree(tiny_folder, fewer); shutil.rmtree(fewer/"test"/"truck"); shutil.rmtree(fewer/"train"/"truck")
    r = run("evaluate", "--data", fewer, "--weights", weights, "--out", tmp_path)
    assert r.returncode == 1 and "only the data has none, only the model ['truck']" in r.stderr, r.stderr
