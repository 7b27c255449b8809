"""Browser end-to-end harness: a real ``streamlit run`` server driven by Debian's Chromium.

Fixtures
    ``app_url``  (session) base URL of ``streamlit run dashboard.py`` on a free localhost port.
    ``browser``  (session) Playwright (sync API) Chromium from ``/usr/bin/chromium``, headless.
    ``page``     a fresh 1600x1000 page per test; a screenshot is saved if the test fails.
    ``wait_for_app``, ``assert_no_exception``, ``open_tab``, ``screenshot``: the helpers below,
    as fixtures,
    because ``--import-mode=importlib`` gives test modules no import path to this file.

Every test collected in this folder is marked ``e2e`` (``python -m pytest -m "not e2e"`` skips
them on purpose). A missing Chromium is an error, never a skip: a skipped browser suite looks
green while testing nothing.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = REPO_ROOT / "dashboard.py"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SERVER_LOG = ARTIFACTS / "streamlit-server.log"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these three, Chromium keeps dialling Google services that the sandboxed network
    # refuses, and the log fills with connection errors.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often mount a tiny /dev/shm; Chromium then crashes rendering large pages.
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1600, "height": 1000}
SERVER_START_TIMEOUT_S = 60.0
# Playwright's default of 30 s is tight for a first chart render on a busy 2-core runner.
PAGE_TIMEOUT_MS = 60_000

# True when Streamlit has finished: connected, script not running, no spinner or lazy-loading
# skeleton left, and every Vega-Lite chart has drawn its canvas or SVG. The data-testids and the
# ``data-test-*`` attributes on ``stApp`` come from Streamlit 1.67's frontend bundle
# (streamlit/static/static/js); ``data-test-script-state`` is one of initial, running,
# rerunRequested, stopRequested, notRunning, compilationError.
_APP_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning' && state !== 'compilationError') return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  if (document.querySelector('[data-testid="stSpinner"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    if (!chart.querySelector('canvas, svg')) return false;
  }
  return true;
}
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    # Keep each phase's report on the item so the ``page`` fixture knows whether the test failed.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


# ---------------------------------------------------------------------------- helpers


def wait_for_app(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Block until Streamlit has finished running the script and rendering (see _APP_IDLE_JS).

    The idle state must hold twice, 200 ms apart: right after a click the frontend can still
    report ``notRunning`` for a moment before the rerun request is registered.
    """
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        page.wait_for_function(_APP_IDLE_JS, timeout=remaining_ms)
        page.wait_for_timeout(200)
        if page.evaluate(_APP_IDLE_JS):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"Streamlit app did not settle within {timeout_ms} ms")


def assert_no_exception(page) -> None:
    """Fail if the page shows a Streamlit exception box."""
    boxes = page.locator('[data-testid="stException"], .stException')
    count = boxes.count()
    if count:
        texts = "\n---\n".join(boxes.nth(i).inner_text() for i in range(count))
        raise AssertionError(f"{count} Streamlit exception(s) on the page:\n{texts}")


def open_tab(page, name: str) -> None:
    """Click the tab ``name`` and wait for its rerun (the tab is bound to the URL, so wait for
    the URL to name it, not just for the click), then for the page to settle, exception-free."""
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_function(
        "name => new URLSearchParams(location.search).get('tab') === name", arg=name
    )
    wait_for_app(page)
    assert_no_exception(page)


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG to tests/artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture():
    return wait_for_app


@pytest.fixture(name="assert_no_exception")
def _assert_no_exception_fixture():
    return assert_no_exception


@pytest.fixture(name="open_tab")
def _open_tab_fixture():
    return open_tab


@pytest.fixture(name="screenshot")
def _screenshot_fixture():
    return screenshot


# ---------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(max_chars: int = 6000) -> str:
    try:
        return SERVER_LOG.read_text(errors="replace")[-max_chars:]
    except OSError:
        return "(no server log)"


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Run ``streamlit run dashboard.py`` on a free port for the whole session."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(DASHBOARD),
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        # No file watcher: files edited during a test run must not trigger reruns.
        "--server.fileWatcherType", "none",
        # The classroom config hides tracebacks; tests want them in failure screenshots.
        "--client.showErrorDetails", "full",
    ]  # fmt: skip
    log = SERVER_LOG.open("w")
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before answering "
                    f"{base_url}/_stcore/health\ncommand: {' '.join(cmd)}\n"
                    f"--- server output ---\n{_log_tail()}",
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {base_url}/_stcore/health with 'ok' within "
                    f"{SERVER_START_TIMEOUT_S:.0f} s\ncommand: {' '.join(cmd)}\n"
                    f"--- server output ---\n{_log_tail()}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian's package; fails (never skips) when it is missing."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} not found: browser tests need Debian's Chromium. Install it with "
            "`sudo apt-get install -y chromium` (Playwright's own browser download is not used).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh 1600x1000 page; on failure its last state goes to screenshots/failed-<test>.png."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "_report_call", None)
        if report is not None and report.failed:
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            try:
                screenshot(page, f"failed-{safe}")
            except Exception as exc:  # a crashed page must not hide the real failure
                print(f"could not save failure screenshot: {exc}")
        context.close()
