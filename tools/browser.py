"""Headless Chromium and a local Voilà server, shared by the browser tests (tests/test_app_browser.py, tests/test_docs.py)
and tools/demo_screenshot.py, so that the screenshot shows the page the tests check, launched the same way.

Importable as `browser`: the tools run from this folder, and pytest adds it to the path (`pythonpath` in pyproject.toml)."""
import signal, socket, subprocess, sys
from pathlib import Path

BIN = Path(sys.executable).parent  # the venv's scripts (voila, jupyter, ...)
CHROMIUM = next((p for p in map(Path, ("/usr/bin/chromium", "/snap/bin/chromium")) if p.exists()),  # Debian's package, or
                Path("/usr/bin/chromium"))  # Ubuntu's snap (`make browser-deps`)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

def launch(pw):
    "A headless Chromium from Playwright's `pw`, with the settings every check here uses."
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)

def free_port() -> int:
    "A TCP port on 127.0.0.1 that nothing listens on now."
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def stop(proc, timeout=20):
    "SIGTERM a server (Voilà then shuts its kernels down); SIGKILL whatever it started that is still alive."
    import psutil
    try: family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess: family = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try: proc.wait(timeout)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait(10)
    for child in family:  # kernels run in sessions of their own, so they are tracked by PID
        try: child.wait(5)
        except psutil.TimeoutExpired: child.kill()
        except psutil.NoSuchProcess: pass

def upload(page, *paths):
    "ipywidgets 8 keeps the FileUpload's <input type=file> out of the page: click its button and answer the chooser."
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.locator(".widget-upload").click()
    chooser.value.set_files([str(p) for p in paths])
