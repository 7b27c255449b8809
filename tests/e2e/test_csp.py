"""The dashboard works under the proxy's content-security policy, in a real browser.

``deploy/serve.sh`` puts nginx in front of Streamlit with a ``Content-Security-Policy`` header
(``deploy/nginx.conf.template``). A policy that is too tight does not fail loudly: the browser
quietly refuses a script, a style, a websocket or an image and reports it in the console. So
these tests load the page through ``serve.sh`` (not the session's plain ``streamlit run``),
open every tab and a few lessons, check that the charts are drawn, the websocket is connected
and Plotly's PNG download works, and fail on any ``securitypolicyviolation`` event or CSP
console message. A last test proves the listener does catch a violation, so a silent pass
means something.

A missing nginx fails, like a missing Chromium (tests/e2e/conftest.py).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import stserver  # benchmarks/load/stserver.py, registered by tests/conftest.py
from playwright.sync_api import Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
PANEL = '[data-testid="stTabPanel"]:visible'
# Pages beyond the default one: a lesson (race and lesson text), a typed formula (KaTeX), the
# learning-rate sweep.
MORE_PAGES = (
    "?lesson=ravine_zigzag",
    "?f=custom&expr=x%5E2%2By%5E2",
    "?lesson=himmelblau&tab=Sweep",
)

# Every violation the page (or a frame) reports, kept on window for the test to read.
_RECORD_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push({
    directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample,
    source: e.sourceFile + ':' + e.lineNumber,
  });
});
"""
# For each visible Vega-Lite chart: has Vega drawn it (a canvas or an SVG inside)?
_CHARTS_DRAWN_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
  .filter(chart => chart.offsetParent !== null)
  .map(chart => !!chart.querySelector('canvas, svg'))
"""

# The race's step counter ("step N of M" drawn in the map), N as a number; -1 if none.
_COUNTER_JS = """
() => {
  const t = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
    .map(t => t.textContent).find(t => /^step \\d+ of \\d+$/.test(t));
  return t ? Number(t.split(' ')[1]) : -1;
}
"""


@pytest.fixture(scope="module")
def served_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``deploy/serve.sh -k 1`` as it runs in production: no debug header, default limits."""
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.fail("nginx is not installed (Debian: apt-get install -y nginx); it is required")
    log = tmp_path_factory.mktemp("serve-csp") / "serve.log"
    try:
        with stserver.ProxiedServers(1, log, debug_upstream=False) as servers:
            yield servers.url.rstrip("/")
    except (RuntimeError, OSError, subprocess.SubprocessError) as err:
        pytest.fail(f"deploy/serve.sh did not start: {err}\n{log.read_text(errors='replace')}")


class _Console:
    """The page's console messages that speak of the content-security policy."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._record)

    def _record(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.messages.append(f"{message.type}: {text}")


def _violations(page: Page) -> list[dict]:
    return page.evaluate("() => window.__cspViolations")


def _open(page: Page, url: str, wait_for_app) -> str:
    """Load ``url``, wait for the app to settle; return the page's CSP header."""
    page.add_init_script(_RECORD_VIOLATIONS_JS)
    response = page.goto(url)
    assert response is not None and response.ok, response
    wait_for_app(page)
    return response.headers.get("content-security-policy", "")


def test_every_tab_works_under_the_policy(
    page: Page, served_url: str, wait_for_app, assert_no_exception, open_tab, screenshot
) -> None:
    console = _Console(page)
    policy = _open(page, served_url, wait_for_app)
    # the page really is under the policy, and scripts get neither eval nor inline code
    assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy, policy
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-eval'" not in script_src, policy
    assert "'unsafe-inline'" not in script_src, policy

    assert_no_exception(page)
    expect(page.get_by_role("heading", name="Optimizer Lab", level=1)).to_be_visible()
    # connected over the websocket (connect-src; wait_for_app checks) and the trajectory map
    # drawn by Vega
    drawn = page.evaluate(_CHARTS_DRAWN_JS)
    assert drawn and all(drawn), f"Vega-Lite charts without a canvas or svg: {drawn}"
    # the race plays in the browser: Vega's timer and expressions, no server round trip
    page.locator("input[name=scrub]").fill("0")
    page.locator("input[name=play]").check()
    page.wait_for_function(f"() => ({_COUNTER_JS})() > 0")
    page.locator("input[name=play]").uncheck()
    screenshot(page, "csp-trajectories")

    names = page.get_by_role("tab").all_inner_texts()
    assert len(names) >= 4, names
    for name in names[1:]:
        open_tab(page, name)
        drawn = page.evaluate(_CHARTS_DRAWN_JS)
        assert all(drawn), f"{name}: Vega-Lite charts without a canvas or svg: {drawn}"
        if name == "3-D":  # Plotly, loaded when the tab opens, draws with WebGL
            plot = page.locator(f"{PANEL} .js-plotly-plot")
            expect(plot.locator(".gl-container canvas")).to_have_count(1)
            # its PNG export draws through a blob: image (img-src blob:)
            plot.hover()
            with page.expect_download() as download:
                plot.locator('.modebar-btn[data-title="Download plot as a PNG"]').click()
            assert download.value.suggested_filename.endswith(".png")
        assert not _violations(page), f"{name}: {_violations(page)}"
    screenshot(page, "csp-last-tab")

    for query in MORE_PAGES:
        page.goto(served_url + "/" + query)
        wait_for_app(page)
        assert_no_exception(page)
        drawn = page.evaluate(_CHARTS_DRAWN_JS)
        assert drawn and all(drawn), f"{query}: Vega-Lite charts without a canvas or svg: {drawn}"
        assert not _violations(page), f"{query}: {_violations(page)}"

    assert not console.messages, "\n".join(console.messages)


def test_a_violation_would_be_caught(page: Page, served_url: str, wait_for_app) -> None:
    """The listener works: an injected inline script is refused, reported, and seen here."""
    console = _Console(page)
    _open(page, served_url, wait_for_app)
    assert not _violations(page)
    page.evaluate(
        """() => {
          const s = document.createElement('script');
          s.textContent = 'window.__injected = true';
          document.body.appendChild(s);
        }"""
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.__injected") is None
    assert _violations(page)[0]["directive"].startswith("script-src"), _violations(page)
    page.wait_for_timeout(200)  # console events arrive asynchronously
    assert console.messages, "Chromium reported no CSP message in the console"
