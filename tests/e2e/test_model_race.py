""" "MLP on spiral" in a real browser: SGD, momentum, RMSProp and Adam race on the loss
landscape's principal plane and on the feature plane; screenshots at a wide screen and a
projector go to ``tests/artifacts/screenshots/model-*.png``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

QUERY = (
    "m=mlp&mp=n=200&steps=150&run=sgd:lr=0.3&run=momentum:lr=0.1"
    "&run=rmsprop:lr=0.01&run=adam:lr=0.01"
)
_COUNTERS_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
  .map(t => t.textContent).filter(t => /^step \\d+ of \\d+$/.test(t))
"""


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)], ids=["1600x1000", "1280x720"])
def test_mlp_on_spiral_races_on_the_plane_and_the_feature_plane(
    page: Page, app_url, wait_for_app, assert_no_exception, open_tab, screenshot, size
):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/?{QUERY}")
    wait_for_app(page)
    assert_no_exception(page)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg', timeout=60_000)
    assert page.locator('[data-testid="stAlert"]').filter(has_text="error").count() == 0
    counters = page.evaluate(_COUNTERS_JS)
    assert counters and all(c == "step 150 of 150" for c in counters)
    plays = page.locator("input[name=play]")
    assert plays.count() >= 1  # the plane's race (and the decision boundary's)
    plays.first.check()
    page.wait_for_timeout(1500)
    plays.first.uncheck()
    shown = page.evaluate(_COUNTERS_JS)[0]
    step = int(re.match(r"step (\d+)", shown).group(1))
    assert 0 < step < 150 or step == 150  # it moved, in the browser
    page.screenshot(path=str(screenshot(page, f"model-race-{width}x{height}")), full_page=False)
    text = page.inner_text("body")
    assert "principal directions" in text and "What it is not" in text
    for tab in ("Loss", "Effective learning rate", "Sweep"):
        open_tab(page, tab)
        page.wait_for_selector('[data-testid="stVegaLiteChart"] svg', timeout=60_000)
        name = tab.lower().replace(" ", "-")
        page.screenshot(path=str(screenshot(page, f"model-{name}-{width}x{height}")))
