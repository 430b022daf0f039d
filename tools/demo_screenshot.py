"""Screenshot of the web demo for the landing page: serve `voila nbs/classify.ipynb`, upload a few pictures in headless
Chromium, switch on Grad-CAM, and save the page.

usage: python tools/demo_screenshot.py [--out nbs/images/demo.png] [--labelled nbs/images/demo_widgets.png] [IMAGE ...]

With --labelled it also writes a copy with every widget of `ClassifierApp` boxed and named as in the code
(`app.upload`, `app.backend`, …), the figure of chapter 08's widget section; the boxes are the widgets' positions as
the browser laid them out.

Without IMAGE arguments it uploads the first test picture of three CIFAR-10 classes from the local data (the same
picture every time, not the ones the model gets right), copied under names that say their class and split. It uses
the server and browser helpers of tools/browser.py, as the browser test does, so the page it shows is the one the
test checks."""
import argparse, os, re, socket, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from browser import BIN, free_port as _free_port, launch, stop as _stop, upload as _upload

def default_pictures():
    from resnet_cifar_edu.data import find_cifar10_jpeg
    src = find_cifar10_jpeg(ROOT)
    if src is None or not (src/"test").is_dir(): sys.exit("no CIFAR-10 test pictures found: pass image files")
    import shutil, tempfile
    folder = Path(tempfile.mkdtemp(prefix="demo_pictures_"))  # copies named after their class, so the cards differ
    return [Path(shutil.copy(sorted((src/"test"/c).iterdir())[0], folder/f"{c}_test_0000.jpg")) for c in ("airplane", "cat", "horse")]

# the widgets of ClassifierApp (nbs/08_app.ipynb) and how to find each on the page
WIDGETS = [("app.header", ".rce-app > :first-child"), ("app.banner", ".rce-banner"), ("app.status", ".rce-status"),
           ("app.upload", ".widget-upload"), ("app.random_button", ".rce-random"), ("app.backend", ".rce-backend"),
           ("app.lang", ".rce-lang"), ("app.explain", ".rce-explain"), ("app.hint", ".rce-hint"), ("app.output", ".rce-results")]

def widget_boxes(page) -> dict:
    "name → (x, y, width, height) in page pixels of each widget of `WIDGETS` that is visible."
    boxes = {}
    for name, selector in WIDGETS:
        box = page.locator(selector).first.bounding_box()
        if box: boxes[name] = (box["x"], box["y"], box["width"], box["height"])
    return boxes

def draw_labels(screenshot, boxes, out, margin=220):
    "A copy of `screenshot` with each box outlined and numbered, and a key of the numbers in a margin on the right."
    from PIL import Image, ImageDraw, ImageFont
    im = Image.open(screenshot).convert("RGB")
    canvas = Image.new("RGB", (im.width + margin, im.height), "white"); canvas.paste(im, (0, 0))
    d = ImageDraw.Draw(canvas)
    try: font = ImageFont.truetype("DejaVuSansMono.ttf", 14)
    except OSError: font = ImageFont.load_default()
    red, dark = (200, 30, 30), (150, 20, 20)
    ordered = sorted(boxes.items(), key=lambda kv: (round(kv[1][1] / 10), kv[1][0]))  # reading order: rows, then left to right
    for k, (name, (x, y, w, h)) in enumerate(ordered, 1):
        d.rectangle([x - 2, y - 2, x + w + 2, y + h + 2], outline=red, width=2)
        cx, cy = x + w - 9, y + 3  # a numbered badge on the box's top-right corner
        d.ellipse([cx - 9, cy - 9, cx + 9, cy + 9], fill=red)
        d.text((cx, cy), str(k), fill="white", font=font, anchor="mm")
        d.text((im.width + 12, 40 + 24 * k), f"{k:2d}  {name}", fill=dark, font=font)
    canvas.save(out)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("images", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT/"nbs"/"images"/"demo.png")
    ap.add_argument("--labelled", type=Path, help="also write the screenshot with each widget boxed and named here")
    args = ap.parse_args(argv)
    pictures = args.images or default_pictures()
    from playwright.sync_api import sync_playwright, expect
    port = _free_port()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"); env.pop("IN_TEST", None)
    proc = subprocess.Popen([str(BIN/"voila"), "nbs/classify.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                             "--Voila.port_retries=0"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1): break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline: sys.exit("voila did not start")
                time.sleep(0.3)
        url = f"http://127.0.0.1:{port}/"
        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                page = browser.new_page(viewport={"width": 900, "height": 1000})
                page.route(re.compile(r"^(?!" + re.escape(url) + ")"), lambda route: route.abort())
                page.goto(url, wait_until="commit", timeout=120_000)
                expect(page.locator(".widget-upload")).to_be_visible(timeout=120_000)
                page.locator(".rce-explain input").check()
                _upload(page, *pictures)
                expect(page.locator(".rce-card:not(.rce-error)")).to_have_count(len(pictures), timeout=120_000)
                expect(page.locator(".rce-card .rce-cam")).to_have_count(len(pictures), timeout=120_000)
                expect(page.locator(".rce-status")).to_contain_text("Ready", timeout=60_000)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out), full_page=True)
                if args.labelled: draw_labels(args.out, widget_boxes(page), args.labelled)
            finally: browser.close()
    finally: _stop(proc)
    print(f"wrote {args.out}" + (f" and {args.labelled}" if args.labelled else ""))

if __name__ == "__main__": main()
