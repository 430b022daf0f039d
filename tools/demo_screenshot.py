"""Screenshot of the web demo for the landing page: serve `voila nbs/classify.ipynb`, upload a few pictures in headless
Chromium, switch on Grad-CAM, and save the page.

usage: python tools/demo_screenshot.py [--out nbs/images/demo.png] [IMAGE ...]

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

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("images", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT/"nbs"/"images"/"demo.png")
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
            finally: browser.close()
    finally: _stop(proc)
    print(f"wrote {args.out}")

if __name__ == "__main__": main()
