""" "MLP on spiral" in a real browser: SGD, momentum, RMSProp and Adam race on the loss
landscape's principal plane, and one run's decision boundary at a time plays on the feature
plane; screenshots at a wide screen and a projector go to
``tests/artifacts/screenshots/model-*.png``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

QUERY = (
    "m=mlp&mp=n=200&steps=150&run=sgd:lr=0.3&run=momentum:lr=0.1"
    "&run=rmsprop:lr=0.01&run=adam:lr=0.01"
)
CHART = '[data-testid="stVegaLiteChart"]'
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
_COUNTERS_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart =>
  [...chart.querySelectorAll('svg text')].map(t => t.textContent)
    .find(t => /^step \\d+ of \\d+$/.test(t)) || null)
"""
# the pictures drawn in each chart (the plane's loss, the boundary's frame): their hrefs
_IMAGES_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg')].map(svg =>
  [...svg.querySelectorAll('image')].map(i => i.getAttribute('href') || '')
    .filter(h => h.startsWith('data:image/png')))
"""


def _step(text: str) -> int:
    return int(re.match(r"step (\d+)", text).group(1))


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)], ids=["1600x1000", "1280x720"])
def test_mlp_on_spiral_races_on_the_plane_and_the_feature_plane(
    page: Page, app_url, wait_for_app, assert_no_exception, screenshot, size
):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/?{QUERY}")
    wait_for_app(page)
    assert_no_exception(page)
    page.wait_for_selector(f"{CHART} svg", timeout=60_000)
    assert page.locator('[data-testid="stAlert"]').filter(has_text="error").count() == 0
    assert page.evaluate(_COUNTERS_JS) == ["step 150 of 150", "step 150 of 150"]
    plane, boundary = page.locator(CHART).nth(0), page.locator(CHART).nth(1)

    # the plane: as wide as the page, and on a projector it and its play control fit the screen
    main = page.locator('[data-testid="stMain"]').bounding_box()
    box = plane.locator("svg").bounding_box()
    assert box["width"] > 0.6 * main["width"], (box, main)
    plays = page.locator("input[name=play]")
    assert plays.count() == 2  # the plane's race and the decision boundary's
    play = plays.nth(0).bounding_box()
    assert box["y"] + box["height"] <= height and play["y"] + play["height"] <= height

    # the plane plays in the browser
    plays.nth(0).check()
    page.wait_for_timeout(1500)
    plays.nth(0).uncheck()
    assert 0 <= _step(page.evaluate(_COUNTERS_JS)[0]) < 150
    page.screenshot(path=str(screenshot(page, f"model-race-{width}x{height}")), full_page=False)

    # the decision boundary draws a picture of the chosen run, and another for another run
    boundary.scroll_into_view_if_needed()
    images = page.evaluate(_IMAGES_JS)
    assert len(images[0]) == 1 and len(images[1]) == 1, [len(i) for i in images]
    first = images[1][0]
    choice = page.locator("select[name=boundary_of]")
    assert choice.input_value() == "Adam lr=0.01"  # the lowest training loss comes first
    choice.select_option("SGD lr=0.3")
    page.wait_for_timeout(300)
    assert page.evaluate(_IMAGES_JS)[1] not in ([first], [])
    labels = boundary.locator("svg text").all_text_contents()
    assert "SGD lr=0.3" in labels and "P(class 1)" in labels and "class 0" in labels
    # its own playback: step 0 shows another picture than the end
    late = page.evaluate(_IMAGES_JS)[1]
    boundary.locator("input[name=scrub]").fill("0")
    page.wait_for_timeout(300)
    assert page.evaluate(_COUNTERS_JS)[1] == "step 0 of 150"
    assert page.evaluate(_IMAGES_JS)[1] not in (late, [])
    boundary.locator("input[name=scrub]").fill("150")
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot(page, f"model-boundary-{width}x{height}")), full_page=False)
    text = page.inner_text("body")
    assert "principal directions" in text and "What it is not" in text


_CHART_BOXES_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg')].map(svg => {
  const b = svg.getBoundingClientRect();
  return {left: b.left, right: b.right, width: b.width, height: b.height};
})
"""
TABS = ("Trajectories", "Loss", "Effective learning rate", "Sweep")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)], ids=["1600x1000", "1280x720"])
def test_every_model_tab_fits_the_screen_in_light_and_dark(
    browser, app_url, wait_for_app, assert_no_exception, open_tab, size, scheme
):
    """The model tabs a teacher shows, at a wide screen and a projector, light and dark: every
    chart drawn, none wider than the page; each chart's screenshot in
    ``model-tab-<tab>-<n>-<size>-<scheme>.png``."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?{QUERY}")
        wait_for_app(page)
        assert_no_exception(page)
        for tab in TABS:
            if tab != "Trajectories":
                open_tab(page, tab)
            page.wait_for_selector(f"{CHART} svg", timeout=60_000)
            main = page.locator('[data-testid="stMain"]').bounding_box()
            boxes = page.evaluate(_CHART_BOXES_JS)
            assert boxes, tab
            for box in boxes:
                assert box["width"] > 200 and box["height"] > 100, (tab, box)
                assert box["right"] <= main["x"] + main["width"] + 1, (tab, box, main)
            name = tab.lower().replace(" ", "-")
            SHOTS.mkdir(parents=True, exist_ok=True)
            for i in range(len(boxes)):
                page.locator(CHART).nth(i).scroll_into_view_if_needed()
                page.wait_for_timeout(200)
                shot = SHOTS / f"model-tab-{name}-{i}-{width}x{height}-{scheme}.png"
                page.screenshot(path=str(shot))
    finally:
        context.close()
