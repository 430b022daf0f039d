"""The web demo in a real browser: Voilà serves nbs/classify.ipynb on 127.0.0.1, Debian's Chromium drives it through Playwright.

The server is started and stopped here, by its own PID (and those of the kernels it started), with bounded waits.
Every request for anything outside the server is blocked, so a pass also shows that the page works offline.
Screenshots go to test-output/app_browser/ (git-ignored); the time from page load to the first result is printed."""
import os, re, socket, subprocess, time
import numpy as np
import pytest
from conftest import ROOT, BIN
from browser import CHROMIUM, free_port as _free_port, launch, stop as _stop, upload as _upload
from resnet_cifar_edu.messages import english_left

OUT = ROOT/"test-output"/"app_browser"
SERVER_START_S, PAGE_S, TF_LOAD_S = 60, 120, 120  # upper bounds of the waits, in seconds

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: `make browser-deps` installs "
                                                                 "Debian's chromium and fonts-noto-cjk")]

@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    "Start `voila nbs/classify.ipynb` from the repository root on a free port; yield its URL; stop it."
    port, log_path = _free_port(), tmp_path_factory.mktemp("voila")/"voila.log"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")  # the kernel runs the venv's Python
    env.pop("IN_TEST", None)  # serve the page as in production (preloading the model)
    log = open(log_path, "wb")
    proc = subprocess.Popen([str(BIN/"voila"), "nbs/classify.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                             "--Voila.port_retries=0"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None: pytest.fail(f"voila exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1): break
            except OSError:
                if time.monotonic() > deadline: pytest.fail(f"voila did not answer within {SERVER_START_S} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/", log_path
    finally:
        _stop(proc); log.close()

def _pictures(tmp_path):
    "A good picture whose top class is clear (a CIFAR-10 test photo when the data is here), a text file, an oversized file."
    from PIL import Image
    from resnet_cifar_edu.app import load_demo_classifier, classify_upload
    from resnet_cifar_edu.data import find_cifar10_jpeg, make_tiny_images
    src = find_cifar10_jpeg(ROOT)
    if src is not None and (src/"test").is_dir():
        cands = [p for c in sorted((src/"test").iterdir()) for p in sorted(c.iterdir())[:2]]
    else:
        cands = []
        for i, a in enumerate(make_tiny_images(1)[0]):
            p = tmp_path/f"picture{i}.png"; Image.fromarray(a).resize((64, 64)).save(p); cands.append(p)
    clf = load_demo_classifier("torch")  # the model the page uses, so we know what it must say
    def margin(p):
        top = classify_upload(clf, p.read_bytes(), p.name).top
        return top[0][2] - top[1][2]
    good = max(cands, key=margin)
    expected = classify_upload(clf, good.read_bytes(), good.name).top
    text = tmp_path/"notes.jpg"; text.write_text("this is a shopping list, not a picture")
    huge = tmp_path/"huge.jpg"
    with open(huge, "wb") as f: f.truncate(60 * 2**20)  # sparse: larger than the websocket's message limit
    return good, expected, text, huge

def _percentages(card) -> list:
    return [float(t.rstrip("%")) for t in card.locator(".rce-pct").all_inner_texts()]

def test_voila_app_in_chromium(voila_url, tmp_path):
    from playwright.sync_api import sync_playwright, expect
    url, log_path = voila_url
    good, expected, text, huge = _pictures(tmp_path)
    (en1, zh1, _), *_ = expected
    OUT.mkdir(parents=True, exist_ok=True)
    blocked = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1000})
            page.route(re.compile(r"^(?!" + re.escape(url) + ")"), lambda route: (blocked.append(route.request.url), route.abort()))
            t0 = time.perf_counter()
            page.goto(url, wait_until="commit", timeout=PAGE_S * 1000)
            upload = page.locator(".widget-upload")
            expect(upload).to_be_visible(timeout=PAGE_S * 1000)
            t_widgets = time.perf_counter() - t0
            assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor").count() == 0, "sources must be stripped"
            assert "build_app" not in page.inner_text("body"), "sources must be stripped"
            expect(page.locator(".rce-header h2")).to_have_text("What is in this picture?")

            # a real picture: a prediction with probabilities
            _upload(page, good)
            card = page.locator(".rce-card:not(.rce-error)").first
            expect(card.locator(".rce-pct").first).to_have_text(re.compile(r"^\d+\.\d%$"), timeout=PAGE_S * 1000)
            t_first = time.perf_counter() - t0
            expect(card.locator(".rce-label").first).to_have_text(en1)
            expect(page.locator(".rce-status")).to_contain_text("Ready", timeout=30_000)
            from demo_screenshot import WIDGETS, widget_boxes  # chapter 08's labelled figure finds every widget on this page
            assert set(widget_boxes(page)) == {name for name, _ in WIDGETS}, widget_boxes(page)
            pct_torch = _percentages(card)
            assert len(pct_torch) == 3 and pct_torch == sorted(pct_torch, reverse=True), pct_torch
            np.testing.assert_allclose(pct_torch, [round(p * 100, 1) for *_, p in expected], atol=0.11)

            # a text file and a file too large for the websocket: two short messages, the page keeps working
            _upload(page, text, huge)
            errors = page.locator(".rce-error")
            expect(errors).to_have_count(2, timeout=30_000)
            expect(errors.nth(0)).to_contain_text("is not a readable image")
            expect(errors.nth(1)).to_contain_text("more than the 10.0 MB allowed")
            # five 9 MiB files in one selection: the guard passes four (36 MiB) and empties the fifth, over 40 MiB per selection
            nine = [tmp_path/f"nine{i}.jpg" for i in range(5)]
            for p in nine:
                with open(p, "wb") as f: f.truncate(9 * 2**20)  # sparse, and not a picture
            _upload(page, *nine)
            expect(errors).to_have_count(5, timeout=60_000)
            for k in range(4): expect(errors.nth(k)).to_contain_text("is not a readable image")  # sent, decoded, refused
            expect(errors.nth(4)).to_contain_text("together with the other files it is more than 40.0 MB")  # never sent
            # other file reads in the same tab (JupyterLab's own uploads, say) are not the guard's business
            n = page.evaluate("""() => new Promise(done => { const r = new FileReader(); r.onload = () => done(r.result.byteLength);
                                  r.readAsArrayBuffer(new File([new Uint8Array(11 * 2 ** 20)], "elsewhere.bin")); })""")
            assert n == 11 * 2**20, f"a file read outside the page's upload button was cut to {n} bytes"
            # the guard's script run again with other limits (a second app in the same JupyterLab tab): its limits hold
            from resnet_cifar_edu.app import MAX_UPLOAD_BYTES, MAX_UPLOAD_TOTAL, UPLOAD_GUARD_JS
            page.add_script_tag(content=UPLOAD_GUARD_JS % (100, 100))
            _upload(page, good)
            expect(errors).to_have_count(1, timeout=30_000)  # emptied in the browser: the page says why
            page.add_script_tag(content=UPLOAD_GUARD_JS % (MAX_UPLOAD_BYTES, MAX_UPLOAD_TOTAL))
            _upload(page, good)
            expect(page.locator(".rce-card:not(.rce-error) .rce-label").first).to_have_text(en1, timeout=30_000)
            expect(page.locator(".rce-error")).to_have_count(0)

            # the language switch re-renders the whole page in Chinese: names, title, buttons, labels, hint, status
            page.locator(".rce-lang button", has_text="中文").click()
            expect(page.locator(".rce-card .rce-label").first).to_have_text(zh1, timeout=30_000)
            expect(page.locator(".rce-header h2")).to_have_text("这张图片里是什么？")
            expect(page.locator(".widget-upload")).to_contain_text("上传图片")

            # the backend switch loads TensorFlow once; the same weights give the same probabilities
            page.locator(".rce-backend button", has_text="TensorFlow").click()
            tf_card = page.locator('.rce-card[data-backend="tf"]').first
            expect(tf_card).to_be_visible(timeout=TF_LOAD_S * 1000)
            expect(tf_card.locator(".rce-meta")).to_contain_text("TensorFlow")
            expect(tf_card.locator(".rce-label").first).to_have_text(zh1)
            np.testing.assert_allclose(_percentages(tf_card), pct_torch, atol=0.11)  # printed to 0.1 %: agree to ~1e-3
            expect(page.locator(".rce-status")).to_contain_text("TensorFlow", timeout=30_000)

            # where did it look?
            page.locator(".rce-explain input").check()
            expect(page.locator(".rce-card .rce-cam").first).to_be_visible(timeout=60_000)
            shot = OUT/"classify.png"
            page.screenshot(path=str(shot), full_page=True)

            # a random test picture with its true label, when the test set is here
            button = page.locator(".rce-random")
            if button.is_enabled():
                button.click()
                expect(page.locator(".rce-truth")).to_contain_text("真实类别", timeout=60_000)
            else:
                expect(page.locator(".rce-hint")).to_contain_text("没有 CIFAR-10 测试图片")
            expect(page.locator(".rce-status")).to_contain_text("就绪")

            page.screenshot(path=str(OUT/"classify_random.png"), full_page=True)

            # phone width: every card (picture, Grad-CAM, class names, bars, percentages) and every control inside 390 px
            page.set_viewport_size({"width": 390, "height": 844})
            _upload(page, good, text)  # a result card and an error card
            expect(page.locator(".rce-error")).to_have_count(1, timeout=30_000)
            cards = page.locator(".rce-card")
            expect(cards).to_have_count(2)
            expect(cards.first.locator(".rce-cam")).to_be_visible(timeout=30_000)
            parts = [p for i in range(cards.count()) for p in
                     [cards.nth(i), *cards.nth(i).locator("img, .rce-name, .rce-label, .rce-bar, .rce-pct").all()]]
            parts += [page.locator(s).first for s in (".widget-upload", ".rce-random", ".rce-backend", ".rce-lang", ".rce-explain")]
            for part in parts:
                box = part.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390.5, (part, box)
            for i in range(cards.count()):  # scrolled to, each card fits the viewport whole
                cards.nth(i).scroll_into_view_if_needed()
                box = cards.nth(i).bounding_box()
                assert box["y"] >= 0 and box["y"] + box["height"] <= 844.5 and box["x"] + box["width"] <= 390.5, (i, box)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.set_viewport_size({"width": 390, "height": 1600})  # tall enough for the whole page: the picture starts at the title
            page.evaluate("window.scrollTo(0, 0)")
            assert page.evaluate("document.documentElement.scrollHeight") <= 1600, "the page outgrew the screenshot's viewport"
            page.screenshot(path=str(OUT/"classify_phone.png"), full_page=True)  # chapter A6's nbs/images/demo_zh.png
            # still in Chinese, with a result and an error card: no English left except file names, PyTorch/TensorFlow
            # and the "English" button that switches back
            expect(page.locator(".rce-error .rce-msg")).to_contain_text("无法作为图片读取")
            shown = re.sub(r"PyTorch|TensorFlow|English", " ", page.inner_text(".rce-app"))  # toggle buttons run together
            left = english_left(shown)
            assert not left, f"English words on the Chinese page: {left}"

            # a browser that prefers Chinese opens the page in Chinese
            zh_page = browser.new_context(locale="zh-CN").new_page()
            zh_page.route(re.compile(r"^(?!" + re.escape(url) + ")"), lambda route: route.abort())
            zh_page.goto(url, wait_until="commit", timeout=PAGE_S * 1000)
            expect(zh_page.locator(".rce-header h2")).to_have_text("这张图片里是什么？", timeout=PAGE_S * 1000)
            expect(zh_page.locator(".rce-lang button.mod-active")).to_have_text("中文")
            expect(zh_page.locator(".rce-status")).to_contain_text("就绪", timeout=PAGE_S * 1000)
            zh_page.screenshot(path=str(OUT/"classify_zh.png"), full_page=True)
        finally:
            browser.close()
    print(f"\nscreenshots: {shot}, {OUT/'classify_random.png'}, {OUT/'classify_phone.png'}, {OUT/'classify_zh.png'}")
    print(f"page load → widgets shown: {t_widgets:.1f} s; page load → first result: {t_first:.1f} s")
    print(f"blocked requests for outside resources ({len(blocked)}): {sorted(set(blocked))}")
