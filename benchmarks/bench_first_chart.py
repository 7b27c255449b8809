"""How long until a student sees the first chart? The dashboard against a one-chart Streamlit app.

Both apps are started with ``streamlit run`` on free localhost ports (headless, no file watcher,
the repository's ``.streamlit/config.toml``). Each is then opened ``--runs`` times, alternating
between the apps, each time in a fresh Chromium context (no HTTP cache, a new Streamlit session)
from Debian's ``/usr/bin/chromium``. A run's figure is the time from navigation start to the
first animation frame in which a Vega-Lite chart has drawn marks (SVG mark groups with content,
or a canvas with a painted pixel), taken in the page by a ``requestAnimationFrame`` probe.

Before the timed runs each app is opened once: that cold load (server imports, empty
``st.cache_data``) is printed separately and not counted. The goal: the dashboard's median at
most 1.5 times the one-chart app's.

    python benchmarks/bench_first_chart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
APPS = {
    "dashboard": REPO_ROOT / "dashboard.py",
    "one chart": REPO_ROOT / "benchmarks" / "one_chart_app.py",
}
CHROMIUM = "/usr/bin/chromium"
# The browser tests' flags (tests/e2e/conftest.py): no sandbox in containers, no GPU, no calls
# to Google services, no reliance on a small /dev/shm.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1600, "height": 1000}
SERVER_START_TIMEOUT_S = 60.0
CHART_TIMEOUT_MS = 60_000
GOAL = 1.5

# Runs in every page before its own scripts. Each animation frame, until a chart is drawn:
# is there a Vega-Lite chart with drawn marks? The time (ms since navigation start) of the
# first frame that has one goes to window.__firstChart.
PROBE_JS = """
(() => {
  const charts = '[data-testid="stVegaLiteChart"]';
  const painted = canvas => {
    if (!canvas.width || !canvas.height) return false;
    const ctx = canvas.getContext('2d');
    if (!ctx) return false;
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) return true;
    return false;
  };
  const drawn = () => {
    for (const chart of document.querySelectorAll(charts)) {
      for (const mark of chart.querySelectorAll('svg .role-mark')) {
        if (mark.firstElementChild) return true;
      }
      const canvas = chart.querySelector('canvas');
      if (canvas && painted(canvas)) return true;
    }
    return false;
  };
  const probe = () => {
    if (drawn()) window.__firstChart = performance.now();
    else requestAnimationFrame(probe);
  };
  requestAnimationFrame(probe);
})();
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app: Path, log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    tail = log_path.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"streamlit at {url} did not come up (exit code {proc.poll()}):\n{tail}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def report_dead(servers: dict[str, tuple[subprocess.Popen, str]], logs: dict) -> None:
    """After a failed page load: say which server has gone, and show the end of its log."""
    for name, (proc, url) in servers.items():
        if proc.poll() is not None:
            logs[name].flush()
            tail = Path(logs[name].name).read_text(errors="replace")[-2000:]
            print(f"{name} server ({url}) exited with code {proc.returncode}:\n{tail}")


def first_chart_ms(browser, url: str) -> float:
    """Open ``url`` in a fresh context; ms from navigation start to the first drawn chart."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    try:
        page = context.new_page()
        page.add_init_script(PROBE_JS)
        page.goto(url, wait_until="commit", timeout=CHART_TIMEOUT_MS)
        page.wait_for_function("() => window.__firstChart !== undefined", timeout=CHART_TIMEOUT_MS)
        return float(page.evaluate("() => window.__firstChart"))
    finally:
        context.close()


def measure(urls: dict[str, str], runs: int) -> tuple[str, dict[str, float], dict[str, list]]:
    """Chromium's version, each app's cold load and its ``runs`` timed loads (interleaved)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            cold = {name: first_chart_ms(browser, url) for name, url in urls.items()}
            times: dict[str, list[float]] = {name: [] for name in urls}
            for _ in range(runs):
                for name, url in urls.items():
                    times[name].append(first_chart_ms(browser, url))
            return browser.version, cold, times
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed page loads per app (1-50)")
    args = parser.parse_args()
    runs = min(max(args.runs, 1), 50)
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} not found: install Debian's chromium package")

    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-first-chart-") as tmp:
        logs = {}
        try:
            for name, app in APPS.items():
                logs[name] = (Path(tmp) / f"{app.stem}.log").open("w")
                servers[name] = start_server(app, logs[name])
            for name, (proc, url) in servers.items():
                wait_healthy(proc, url, Path(logs[name].name))
            try:
                version, cold, times = measure({n: url for n, (_, url) in servers.items()}, runs)
            except Exception:
                report_dead(servers, logs)
                raise
        finally:
            for proc, _ in servers.values():
                stop_server(proc)
            for log in logs.values():
                log.close()

    print(
        f"First Vega-Lite chart drawn, ms after navigation start "
        f"(Chromium {version}, {runs} fresh pages per app, after one cold load)"
    )
    print(f"{'app':<12}{'cold':>8}{'median':>9}{'min':>8}{'max':>8}   runs")
    medians = {}
    for name, values in times.items():
        medians[name] = statistics.median(values)
        each = " ".join(f"{v:.0f}" for v in values)
        print(
            f"{name:<12}{cold[name]:>8.0f}{medians[name]:>9.0f}{min(values):>8.0f}"
            f"{max(values):>8.0f}   {each}"
        )
    ratio = medians["dashboard"] / medians["one chart"]
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"ratio dashboard / one chart (medians): {ratio:.2f} (goal <= {GOAL}: {verdict})")


if __name__ == "__main__":
    main()
