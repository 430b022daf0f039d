"""The web demo's logic without a browser: bytes in → result and HTML out, for good and hostile files, in both backends;
the widgets driven from Python; the demo model's fallbacks; the Voilà configuration and the page notebook."""
import html, io, json, re, struct, subprocess, sys, zlib
from datetime import datetime, timezone
import numpy as np
import pytest
from PIL import Image
from conftest import ROOT
from resnet_cifar_edu import app as A
from resnet_cifar_edu.inference import CheckpointError, Classifier, write_weights
from resnet_cifar_edu.data import CLASSES, CLASSES_ZH, make_tiny_images
from resnet_cifar_edu.messages import catalogue_problems, english_left

BACKENDS = ["torch", "tf"]

@pytest.fixture(scope="module")
def classifiers():
    "The untrained demo model in both frameworks (the same arrays)."
    state = A.untrained_state()
    return {b: Classifier.from_weights(state, {"width": 16}, b) for b in BACKENDS}

def _encode(a, fmt="PNG", size=None):
    img = Image.fromarray(a)
    if size: img = img.resize(size)
    buf = io.BytesIO(); img.save(buf, format=fmt); return buf.getvalue()

@pytest.fixture(scope="module")
def pictures():
    x, _ = make_tiny_images(1)
    return {"png": _encode(x[2], "PNG", (64, 64)), "jpeg": _encode(x[7], "JPEG", (120, 80)), "gif": _encode(x[4], "GIF")}

def _bomb():
    "A valid-looking PNG whose header claims 40000×40000 pixels."
    b = bytearray(_encode(np.zeros((8, 8, 3), np.uint8)))
    b[16:24] = struct.pack(">II", 40000, 40000); b[29:33] = struct.pack(">I", zlib.crc32(bytes(b[12:29])))
    return bytes(b)

PCT = re.compile(r'class="rce-pct">(\d+\.\d)%<')

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["png", "jpeg", "gif"])
def test_good_picture_gives_top3_with_percentages(classifiers, pictures, backend, fmt):
    r = A.classify_upload(classifiers[backend], pictures[fmt], f"photo.{fmt}")
    assert r.ok and r.backend == backend and len(r.top) == 3 and r.image.shape == (32, 32, 3)
    probs = [p for *_, p in r.top]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6
    en = A.render_result(r, "en")
    assert f">{r.top[0][0]}<" in en and f'data-top="{r.top[0][0]}"' in en and f'data-backend="{backend}"' in en
    assert [float(p) for p in PCT.findall(en)] == [round(p * 100, 1) for p in probs]
    assert A.BACKEND_LABELS[backend] in en
    zh = A.render_result(r, "zh")
    assert f'lang="zh-Hans">{r.top[0][1]}<' in zh and r.top[0][1] == CLASSES_ZH[CLASSES.index(r.top[0][0])]
    assert PCT.findall(zh) == PCT.findall(en)

def test_backends_agree(classifiers, pictures):
    a, b = (A.classify_upload(classifiers[k], pictures["png"], "p.png") for k in BACKENDS)
    assert [c for c, *_ in a.top] == [c for c, *_ in b.top]
    np.testing.assert_allclose([p for *_, p in a.top], [p for *_, p in b.top], atol=1e-4)
    assert PCT.findall(A.render_result(a)) == PCT.findall(A.render_result(b))

BAD = {  # name: (bytes, size reported by the browser or None, words the message must contain)
    "empty.png": (b"", None, "empty"),
    "notes.jpg": (b"a shopping list, not a picture", None, "not a readable image"),
    "logo.svg": (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", None, "SVG"),
    "bomb.png": (_bomb(), None, "too large"),
    "icon.png": (_encode(np.zeros((4, 4, 3), np.uint8)), None, "at least 8×8"),
    "huge.jpg": (b"", 60 * 2**20, "more than the 10.0 MB allowed"),                    # emptied by the page's guard
    "big.png": (b"\x89PNG" + b"\0" * (A.MAX_UPLOAD_BYTES + 1), None, "more than the 10.0 MB"),  # arrived anyway
    "liar.png": (b"\x89PNG" + b"\0" * (A.MAX_UPLOAD_BYTES + 1), 0, "more than the 10.0 MB"),  # a client that reports 0 bytes
    "third.jpg": (b"", 4 * 2**20, "Upload fewer pictures at a time"),                 # over the per-selection total
}

def _shown(page: str, cls: str) -> str:
    "The text of the first element of class `cls` in `page`, as a browser shows it."
    return html.unescape(re.sub(r"<[^>]+>", "", re.search(rf'class="{cls}">(.*?)</div>', page).group(1)))

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(BAD) + ["cut.png", "cut.jpg"])
def test_bad_file_gives_short_message_and_next_picture_works(classifiers, pictures, backend, name):
    clf = classifiers[backend]
    if name.startswith("cut."): data, size, words = pictures["png" if name.endswith("png") else "jpeg"][:300], None, "readable image"
    else: data, size, words = BAD[name]
    r = A.classify_upload(clf, data, name, size=size)
    assert not r.ok and words in r.message and name in r.message, r.message
    for lang in ("en", "zh"):  # what the card shows: short, no library details, in the page's language
        page = A.render_result(r, lang)
        assert "rce-error" in page and "rce-pct" not in page
        shown = _shown(page, "rce-msg")
        assert name in shown and len(shown) < 200 and "0x" not in shown and "Traceback" not in shown and "Error" not in shown, shown
        assert (words in shown) if lang == "en" else not english_left(shown.replace(name, "")), (lang, shown)
    good = A.classify_upload(clf, pictures["png"], "photo.png")
    assert good.ok and good.top == A.classify_upload(clf, pictures["png"], "again.png").top

def test_truncated_jpeg_still_decodable_is_not_a_crash(classifiers, pictures):
    "PIL decodes some truncated JPEGs partly: either a prediction or a message, never an exception."
    r = A.classify_upload(classifiers["torch"], pictures["jpeg"][:-20], "tail.jpg")
    assert r.ok or "readable image" in r.message

def test_names_and_messages_are_escaped(classifiers, pictures):
    evil = '<img src=x onerror="alert(1)">.png'
    for r in [A.classify_upload(classifiers["torch"], pictures["png"], evil), A.classify_upload(classifiers["torch"], b"", evil)]:
        page = A.render_result(r)
        assert "<img src=x" not in page and "&lt;img src=x" in page

def test_page_html_is_self_contained(classifiers, pictures):
    rs = [A.classify_upload(classifiers["torch"], pictures["png"], "a.png", explain=True), A.AppResult("b.png", False, "nope")]
    page = A.render_results(rs, "zh")
    assert page.startswith("<style>") and page.count('class="rce-card') == 2
    assert not re.search(r'(src|href)="(?!data:)', page) and "url(" not in page and "@import" not in page

def test_gradcam_overlay_is_a_png(classifiers, pictures):
    r = A.classify_upload(classifiers["tf"], pictures["png"], "a.png", explain=True)
    img = Image.open(io.BytesIO(r.cam))
    assert img.format == "PNG" and img.size == (96, 96)
    cam = classifiers["torch"].explain(r.image)
    assert Image.open(io.BytesIO(A.gradcam_overlay(r.image, cam, size=64))).size == (64, 64)

def test_brief_drops_library_details():
    assert A.brief("'x' is not a readable image (UnidentifiedImageError: cannot identify image file <_io.BytesIO object at 0x7f>).") \
        == "'x' is not a readable image."
    assert A.brief("'x' is too large to decode safely (Image size (1 pixels) exceeds limit of 2 pixels).") == "'x' is too large to decode safely."
    assert A.brief("keep (this part) please") == "keep (this part) please"
    assert len(A.brief("word " * 100)) == 200

# ---- the model the demo uses ----

def test_untrained_model_is_deterministic_and_not_constant(classifiers):
    a, b = A.untrained_state(seed=0), A.untrained_state(seed=0)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["fc.weight"], A.untrained_state(seed=1)["fc.weight"])
    x, _ = make_tiny_images(2)
    assert len(set(classifiers["torch"].predict_proba(x).argmax(1))) >= 3

def test_demo_model_fallbacks(monkeypatch, tmp_path):
    monkeypatch.setattr(A, "PRETRAINED", tmp_path/"no-shipped-weights.safetensors")
    monkeypatch.delenv(A.WEIGHTS_ENV, raising=False)
    kind, path, meta = A.demo_weights()
    assert kind == "untrained" and path is None
    text, warn = A.model_banner(kind, path, meta)
    assert warn and text == A.UNTRAINED_BANNER
    # a checkpoint named by the environment variable, described by its metadata
    w = write_weights(A.untrained_state(seed=3), {"width": 16, "epoch": 5, "recipe": {"width": 16, "epochs": 5},
                                                   "best_val_acc": 0.71}, tmp_path/"best.safetensors")
    monkeypatch.setenv(A.WEIGHTS_ENV, str(tmp_path))  # a training output folder works too
    kind, path, meta = A.demo_weights()
    assert kind == "checkpoint" and path == w
    text, warn = A.model_banner(kind, path, meta)
    assert warn and "width 16" in text and "5 epochs" in text and "71.0%" in text and "not the shipped model" in text
    clf = A.load_demo_classifier("torch")
    assert clf.config["width"] == 16
    text, _ = A.model_banner(kind, path, meta, lang="zh")
    assert "宽度 16" in text and "71.0%" in text and not english_left(text.replace(path.name, ""))
    monkeypatch.setenv(A.WEIGHTS_ENV, str(tmp_path/"missing.safetensors"))
    with pytest.raises(CheckpointError, match=A.WEIGHTS_ENV):
        A.load_demo_classifier("torch")
    # in an installation with shipped weights, the environment variable still wins (the README promises it) ...
    shipped = write_weights(A.untrained_state(), {"width": 16, "description": "ResNet-18, 94% on CIFAR-10 test"}, tmp_path/"shipped.safetensors")
    monkeypatch.setattr(A, "PRETRAINED", shipped)
    monkeypatch.setenv(A.WEIGHTS_ENV, str(tmp_path))
    assert A.demo_weights()[:2] == ("checkpoint", w) and A.model_banner(*A.demo_weights())[1] is True
    # ... also when it names a run folder of the Keras twin (its metadata in best.json beside the weights)
    keras_run = tmp_path/"keras-run"; keras_run.mkdir()
    (keras_run/"best.weights.h5").write_bytes(b"stand-in"); (keras_run/"best.json").write_text(json.dumps({"epoch": 7}))
    monkeypatch.setenv(A.WEIGHTS_ENV, str(keras_run))
    kind, path, meta = A.demo_weights()
    assert (kind, path.name, meta) == ("checkpoint", "best.weights.h5", {"epoch": 7}) and "7 epochs" in A.model_banner(kind, path, meta)[0]
    # ... and without it, the shipped weights describe themselves
    monkeypatch.delenv(A.WEIGHTS_ENV)
    assert A.model_banner(*A.demo_weights()) == ("ResNet-18, 94% on CIFAR-10 test", False)
    assert A.model_banner(*A.demo_weights(), lang="zh") == (A.MESSAGES["banner_shipped"]["zh"], False)

def test_importing_the_app_loads_no_framework_and_tf_never_imports_torch():
    code = ("import sys, resnet_cifar_edu.app as A\n"
            "assert not {'torch', 'tensorflow', 'keras', 'ipywidgets'} & set(sys.modules), sorted(sys.modules)\n"
            "A.ClassifierApp(test_source=None)\n"
            "assert not {'torch', 'tensorflow'} & set(sys.modules), 'building the widgets loads no model'\n"
            "A.load_demo_classifier('tf') if A.demo_weights()[0] == 'untrained' else None\n"
            "assert 'torch' not in sys.modules, 'the TensorFlow backend imported PyTorch'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]

# ---- the widgets, driven from Python as the browser would ----

def _upload(app, *files):
    app.upload.value = tuple(dict(name=n, type="", size=len(d) if s is None else s, content=memoryview(d),
                                  last_modified=datetime.now(timezone.utc)) for n, d, s in files)

@pytest.fixture
def counting_loader(classifiers):
    calls = []
    def loader(backend): calls.append(backend); return classifiers[backend]
    loader.calls = calls
    return loader

def test_app_upload_switches_and_states(counting_loader, pictures, tiny_folder):
    app = A.build_app(preload=False, loader=counting_loader, test_source=tiny_folder, seed=0, model=("test model", False))
    states = []
    app.status.observe(lambda c: states.append(app.state), "value")
    assert app.state == "ready" and counting_loader.calls == [] and "test model" in app.banner.value
    _upload(app, ("a.png", pictures["png"], None), ("notes.txt", b"hello", None), ("huge.jpg", b"", 50 * 2**20))
    assert states[:3] == ["loading", "working", "ready"] and counting_loader.calls == ["torch"]
    assert [r.ok for r in app.results] == [True, False, False] and app.upload.value == ()
    out = app.output.value
    assert out.count('class="rce-card rce-error"') == 2 and "more than the 10.0 MB" in out and len(PCT.findall(out)) == 3
    app.lang.value = "zh"  # the three cards, the controls and the status line in Chinese ...
    texts = [app.header.value, app.status.value, app.upload.description, app.upload.tooltip, app.random_button.description,
             app.backend_label.value, app.lang_label.value, app.explain.description, app.hint.value, app.output.value.split("</style>")[1]]
    shown = html.unescape(re.sub(r"<[^>]+>", " ", " ".join(texts))).replace("a.png", "").replace("notes.txt", "").replace("huge.jpg", "")
    assert not english_left(shown), english_left(shown)  # every text on the page is Chinese now
    assert "上传图片" in app.upload.description and "语言" in app.lang_label.value
    app.lang.value = "en"
    assert app.upload.description == "Upload images" and "is not a readable image" in app.output.value
    first = app.results[0].top
    _upload(app, ("a.png", pictures["png"], None))  # the same file again is a new upload
    assert app.results[0].top == first and counting_loader.calls == ["torch"]
    app.lang.value = "zh"
    assert f'lang="zh-Hans">{first[0][1]}<' in app.output.value
    app.backend.value = "tf"
    assert counting_loader.calls == ["torch", "tf"] and app.results[0].backend == "tf"
    np.testing.assert_allclose([p for *_, p in app.results[0].top], [p for *_, p in first], atol=1e-4)
    assert "TensorFlow" in app.status.value and app.state == "ready"
    app.backend.value = "torch"  # cached: no second load
    assert counting_loader.calls == ["torch", "tf"] and app.results[0].backend == "torch"
    app.explain.value = True
    assert app.results[0].cam and 'class="rce-cam"' in app.output.value
    app.explain.value = False
    assert 'class="rce-cam"' not in app.output.value
    assert not app.random_button.disabled
    app.random_button.click()
    (r,) = app.results
    assert r.ok and r.truth[0] in CLASSES and r.name.startswith(f"test/{r.truth[0]}/") and "真实类别" in app.output.value

def test_random_test_picture_from_the_official_archive(monkeypatch, tmp_path, tiny_archive, counting_loader):
    "Without the course's JPEG copy the page finds the official archive that get_cifar10 downloaded into the cache."
    import shutil
    monkeypatch.setenv("CIFAR10_JPEG", str(tmp_path/"no-jpeg-copy"))  # find_cifar10_jpeg: None
    monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    assert A.find_test_images() is None
    app = A.build_app(preload=False, loader=counting_loader, seed=0, model=("test model", False))
    assert app.random_button.disabled  # nothing to draw from: the button is off, not broken
    (tmp_path/"cache").mkdir(); shutil.copy(tiny_archive, tmp_path/"cache"/"cifar-10-python.tar.gz")
    assert A.find_test_images() == tmp_path/"cache"/"cifar-10-python.tar.gz"
    app = A.build_app(preload=False, loader=counting_loader, seed=0, model=("test model", False))
    assert not app.random_button.disabled
    app.random_button.click()
    (r,) = app.results
    assert r.ok and r.truth[0] in CLASSES, r

def test_app_survives_a_broken_model_and_missing_data(pictures):
    def broken(backend): return Classifier.from_checkpoint("/nowhere.safetensors", backend)  # raises CheckpointError
    app = A.build_app(preload=False, loader=broken, test_source=None)
    _upload(app, ("a.png", pictures["png"], None))
    assert app.state == "error" and "does not exist" in app.status.value and app.models == {}
    assert app.random_button.disabled and "No CIFAR-10 test images" in app.hint.value
    app.lang.value = "zh"  # the error on the status line and the hint follow the language switch
    assert "不存在" in app.status.value and "没有 CIFAR-10 测试图片" in app.hint.value

def test_app_preload_thread(counting_loader):
    app = A.ClassifierApp(loader=counting_loader, test_source=None, preload=True)
    app.preloading.join(60)
    assert counting_loader.calls == ["torch"] and app.state == "ready" and "PyTorch" in app.status.value

def test_upload_guard_carries_the_limits():
    js = A.UPLOAD_GUARD_JS % (A.MAX_UPLOAD_BYTES, A.MAX_UPLOAD_TOTAL)
    assert str(A.MAX_UPLOAD_BYTES) in js and str(A.MAX_UPLOAD_TOTAL) in js and "readAsArrayBuffer" in js

# ---- what Voilà serves ----

def test_voila_json_matches_the_app():
    cfg = json.loads((ROOT/"voila.json").read_text())
    assert cfg["VoilaConfiguration"]["strip_sources"] is True and cfg["VoilaConfiguration"]["show_tracebacks"] is False
    assert cfg["VoilaConfiguration"]["file_allowlist"] == []
    assert 0 < cfg["VoilaExecutor"]["timeout"] <= 300
    ws = cfg["Voila"]["tornado_settings"]["websocket_max_message_size"]
    assert A.MAX_UPLOAD_TOTAL < ws <= 2 * A.MAX_UPLOAD_TOTAL, "the websocket must carry the largest upload the page lets through"
    assert not cfg["VoilaConfiguration"].get("preheat_kernel", False), "measured: no gain worth a resident kernel (see 08_app)"
    kernels = cfg["MappingKernelManager"]  # one kernel, with its own model, per page view: idle ones without a page go
    assert 0 < kernels["cull_interval"] <= kernels["cull_idle_timeout"] <= 3600 and kernels["cull_connected"] is False

def test_classify_notebook_is_only_the_page():
    nb = json.loads((ROOT/"nbs"/"classify.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    md = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert len(code) == 1 and "".join(code[0]["source"]).strip() == "from resnet_cifar_edu.app import build_app\nbuild_app()"
    assert not md, "the title and introduction come from the app, so that they follow the language switch"
    app = A.build_app(preload=False, test_source=None, model=("m", False))
    assert "<h2>What is in this picture?</h2>" in app.header.value and "airplane, automobile" in app.header.value
    app.lang.value = "zh"
    assert "<h2>这张图片里是什么？</h2>" in app.header.value and "飞机、汽车" in app.header.value
    assert not any("default_exp" in "".join(c["source"]) for c in nb["cells"]), "the page must not export a module"
    assert all(not c.get("outputs") for c in code), "commit the page without outputs (nbdev-clean)"

def test_every_message_has_both_languages():
    "Both languages for every key, the same placeholders in both, and no English words left in the Chinese texts."
    assert len(A.MESSAGES) > 40 and catalogue_problems() == []
    assert {k: english_left(v["zh"]) for k, v in A.MESSAGES.items() if english_left(v["zh"])} == {}
    assert catalogue_problems({"x": {"en": "{n} files", "zh": "{count} 个文件"}, "y": {"en": "only English"}}) != []

def test_errors_of_the_package_are_messages_of_the_catalogue(tmp_path):
    "ImageError and CheckpointError carry a `Text`: English when printed, Chinese on request."
    from resnet_cifar_edu.data import ImageError, open_image
    from resnet_cifar_edu.messages import Text, localize
    for call, error in [(lambda: open_image(b""), ImageError), (lambda: open_image(tmp_path/"none.png"), ImageError),
                        (lambda: Classifier.from_checkpoint(tmp_path/"none.safetensors"), CheckpointError)]:
        with pytest.raises(error) as e: call()
        assert isinstance(e.value.args[0], Text) and str(e.value) == e.value.args[0] and localize(e.value, "zh") != str(e.value)
        assert not english_left(re.sub(r"'[^']*'", "", localize(e.value, "zh")))
    with pytest.raises(ImageError) as e: open_image(b"")
    assert str(e.value) == "the uploaded data is empty (0 bytes)." and localize(e.value, "zh") == "上传的数据是空的（0 字节）。"  # the size once; no space between two Chinese characters

def test_unsure_for_a_picture_of_none_of_the_classes():
    "A plain grey picture (none of the ten classes) is flagged by the shipped model: API and card, in both languages."
    from resnet_cifar_edu.inference import PRETRAINED, UNSURE_BELOW
    if not PRETRAINED.is_file(): pytest.skip(f"no shipped weights at {PRETRAINED}")
    clf = Classifier.from_pretrained("torch")
    grey = np.full((32, 32, 3), 128, np.uint8)
    assert clf.is_unsure(clf.predict_proba(grey)[0]) is True and clf.is_unsure(clf.predict_proba(grey)).tolist() == [True]
    r = A.classify_upload(clf, _encode(grey), "grey.png")
    assert r.ok and r.top[0][2] < UNSURE_BELOW
    assert A.MESSAGES["unsure"]["en"] in A.render_result(r, "en") and A.MESSAGES["unsure"]["zh"] in A.render_result(r, "zh")
    sure = A.AppResult("cat.png", True, image=grey, preview=_encode(grey), top=[("cat", "猫", 0.9), ("dog", "狗", 0.05)], backend="torch")
    assert not clf.is_unsure(np.array([0.9, 0.05, 0.05])) and "rce-unsure" not in A.render_result(sure, "en")

def test_shipped_banner_in_both_languages_names_the_test_accuracy():
    from resnet_cifar_edu.app import demo_weights, model_banner
    kind, path, meta = demo_weights()
    if kind != "shipped": pytest.skip(f"the demo uses {kind} weights here, not the shipped model")
    card = json.loads((path.parent/"model_card.json").read_text())
    acc = f"{card['test']['torch']['accuracy']:.1%}"
    en, zh = model_banner(kind, path, meta, "en")[0], model_banner(kind, path, meta, "zh")[0]
    assert acc in en and acc in zh, (en, zh)
    assert english_left(zh) == [], zh

def test_unsure_threshold_is_the_one_measured_for_the_shipped_model():
    "UNSURE_BELOW (06_inference) must be the threshold tools/unsure_threshold.py chose for the model now shipped."
    from resnet_cifar_edu.inference import UNSURE_BELOW
    measured = json.loads((ROOT/"nbs"/"results"/"unsure_threshold.json").read_text())
    assert UNSURE_BELOW == measured["threshold"], (f"UNSURE_BELOW is {UNSURE_BELOW}, but tools/unsure_threshold.py chose "
                                                   f"{measured['threshold']}: set it in nbs/06_inference.ipynb and run nbdev-export")

def test_the_app_chapter_runs_top_to_bottom_in_a_real_kernel(monkeypatch):
    """nbdev-test runs cells without a front end, so a widget's `_ipython_display_` is never called there. In JupyterLab
    it is: the chapter once showed the live page before the JavaScript it needs was defined (NameError). Run it as a
    student does, in a kernel, top to bottom, on the tiny test data."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(ROOT/"nbs"/"08_app.ipynb", as_version=4)
    monkeypatch.setenv("IN_TEST", "1")  # the kernel inherits it: the chapter's quick path
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT/"nbs")}}).execute()
    shown = [o for c in nb.cells if c.cell_type == "code" and c.source.strip().endswith("\napp") for o in c.outputs]
    assert shown, "the cell that shows the live page has no output"

def test_preload_does_not_call_a_switched_backend_ready(classifiers):
    "The preload (PyTorch) ends while a switch to TensorFlow is still loading: the status keeps saying TensorFlow is loading."
    import threading, time
    gates = {b: threading.Event() for b in BACKENDS}
    def loader(backend): gates[backend].wait(60); return classifiers[backend]
    app = A.ClassifierApp(loader=loader, test_source=None, preload=True)
    def wait_for(cond):
        for _ in range(6000):  # a minute at most: a failure, not a hang
            if cond(): return
            time.sleep(0.01)
        raise AssertionError(f"waited a minute; status: {app.status.value}")
    wait_for(lambda: app.state == "loading")  # the preload is loading PyTorch
    switch = threading.Thread(target=lambda: setattr(app.backend, "value", "tf")); switch.start()
    wait_for(lambda: "TensorFlow" in app.status.value)  # the switch is loading TensorFlow
    gates["torch"].set(); app.preloading.join(60)
    assert app.state == "loading" and "TensorFlow" in app.status.value, app.status.value
    gates["tf"].set(); switch.join(60)
    assert app.state == "ready" and "TensorFlow" in app.status.value

def test_is_unsure_takes_what_predict_returns(classifiers):
    "`is_unsure` reads predict's result (each picture's likeliest probability) as well as predict_proba's rows; anything else is a TypeError that says what it takes (it was 'could not convert string to float')."
    from resnet_cifar_edu.inference import PRETRAINED
    sure, unsure = [("cat", "猫", 0.9), ("dog", "狗", 0.05)], [("ship", "船", 0.3), ("truck", "卡车", 0.25)]
    assert Classifier.is_unsure(None, [sure, unsure]).tolist() == [False, True]  # predict's result for two pictures
    assert Classifier.is_unsure(None, sure) is False and Classifier.is_unsure(None, unsure) is True  # one picture's list
    models = list(classifiers.values()) + ([Classifier.from_pretrained("torch")] if PRETRAINED.is_file() else [])
    pics = np.stack([np.full((32, 32, 3), 128, np.uint8), make_tiny_images(1)[0][3]])
    for clf in models:
        probs = clf.predict_proba(pics)
        assert clf.is_unsure(clf.predict(pics)).tolist() == clf.is_unsure(probs).tolist()
        assert clf.is_unsure(clf.predict(pics[1])[0]) is clf.is_unsure(probs[1])
    with pytest.raises(TypeError, match="is_unsure takes probabilities"): Classifier.is_unsure(None, ["cat", "dog"])

def test_random_test_picture_skips_hidden_files_and_non_pictures(tmp_path):
    "The demo's random test picture came from `.ipynb_checkpoints/` or a `.DS_Store` file too; a test/ folder without pictures gave 'high <= 0'."
    from resnet_cifar_edu.serve import TestImages
    from resnet_cifar_edu.messages import Text
    root = tmp_path/"set"
    for d in ("cat", "dog", ".ipynb_checkpoints"): (root/"test"/d).mkdir(parents=True)
    (root/"test"/".ipynb_checkpoints"/"a.png").write_bytes(_encode(np.zeros((32, 32, 3), np.uint8)))
    (root/"test"/"cat"/".DS_Store").write_bytes(b"\0"); (root/"test"/"dog"/"notes.txt").write_text("labels checked")
    with pytest.raises(FileNotFoundError) as e: TestImages(root).sample(np.random.default_rng(0))
    assert isinstance(e.value.args[0], Text) and "'set/test' holds no pictures (.bmp .gif" in str(e.value) and str(tmp_path) not in str(e.value)  # the folder's name, not the server's path
    (root/"test"/"cat"/"0.png").write_bytes(_encode(np.zeros((32, 32, 3), np.uint8)))
    rng, seen = np.random.default_rng(0), set()
    for _ in range(50): seen.add(TestImages(root).sample(rng)[2])
    assert seen == {"test/cat/0.png"}

def test_random_test_picture_button_needs_a_test_split(tmp_path):
    "A JPEG copy with only train/ (or a $CIFAR10_JPEG naming any folder) left the button enabled, and every click raised a DataError."
    from resnet_cifar_edu.serve import TestImages
    (tmp_path/"set"/"train"/"cat").mkdir(parents=True)
    only_train = TestImages(tmp_path/"set")
    assert not only_train.available and "No CIFAR-10 test images" in str(only_train.reason)
    (tmp_path/"set"/"test"/"cat").mkdir(parents=True)
    assert TestImages(tmp_path/"set").available
    (tmp_path/"official"/"cifar-10-batches-py").mkdir(parents=True)  # an unpacked official archive has no test/ but its test batch
    assert TestImages(tmp_path/"official").available

def test_random_button_turns_off_after_an_archive_without_test_pictures(tmp_path, counting_loader):
    "A .tar.gz holding only train/ enabled the button (finding out means unpacking it), and every click unpacked it again to fail."
    import tarfile
    (tmp_path/"set"/"train"/"cat").mkdir(parents=True)
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path/"set"/"train"/"cat"/"0001.jpg")
    with tarfile.open(tmp_path/"only-train.tar.gz", "w:gz") as t: t.add(tmp_path/"set"/"train", "train")
    app = A.build_app(preload=False, loader=counting_loader, test_source=tmp_path/"only-train.tar.gz", seed=0, model=("test model", False))
    assert not app.random_button.disabled  # not known before the first click
    app.random_button.click()
    assert app.state == "error" and "only-train.tar.gz" in app.status.value and "test/" in app.status.value  # what went wrong, named
    assert app.random_button.disabled and "No CIFAR-10 test images" in app.hint.value  # and the button is off from now on
    app.lang.value = "zh"
    assert "没有 CIFAR-10 测试图片" in app.hint.value

def test_random_test_pictures_fall_back_to_the_archive(tmp_path, monkeypatch):
    "A JPEG copy without a test split came first, so a downloaded official archive beside it was never used."
    import shutil
    from resnet_cifar_edu import serve
    from resnet_cifar_edu.data import CIFAR10_ARCHIVE
    (tmp_path/"jpeg"/"train"/"cat").mkdir(parents=True); (tmp_path/"cache").mkdir()
    monkeypatch.setattr(serve, "find_cifar10_jpeg", lambda: tmp_path/"jpeg"); monkeypatch.setenv("RESNET_CIFAR_EDU_CACHE", str(tmp_path/"cache"))
    assert serve.find_test_images() is None
    shutil.copy(ROOT/"tests"/"conftest.py", tmp_path/"cache"/CIFAR10_ARCHIVE)  # any file: only its presence is looked at here
    assert serve.find_test_images() == tmp_path/"cache"/CIFAR10_ARCHIVE

def test_banner_says_one_epoch():
    "A one-epoch run's banner said '1 epochs'."
    from resnet_cifar_edu.serve import model_banner
    text, warn = model_banner("yours", "runs/a/best.safetensors", {"epoch": 1, "recipe": {"width": 4}})
    assert "width 4, 1 epoch" in text and "1 epochs" not in text and warn
    assert "5 epochs" in model_banner("yours", "b.safetensors", {"epoch": 5})[0] and "1 个轮次" in model_banner("yours", "c.safetensors", {"epoch": 1}, lang="zh")[0]
