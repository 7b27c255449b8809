"""The race in a real browser: it plays without the server, keeps true proportions, fits a
projector with a lesson open, draws arrows on demand and reads in the dark theme.

Measurements come from the rendered SVG (Streamlit draws Vega-Lite charts with the SVG renderer):
axis labels give pixels per unit, the step counter gives the step on screen. Screenshots go to
``tests/artifacts/screenshots/race-*.png``.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from lab import lessons

MAP = '[data-testid="stVegaLiteChart"]'
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
LIGHT_DARK = ("light", "dark")

# Every axis of the first chart: its orientation and its labels' values and pixel positions.
_AXES_JS = """
index => {
  const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"] svg');
  const chart = charts[index < 0 ? charts.length + index : index];
  const axes = [...chart.querySelectorAll('g.role-axis')];
  return axes.map(axis => {
    const labels = [...axis.querySelectorAll('g.role-axis-label text')].map(t => {
      const box = t.getBoundingClientRect();
      return {text: t.textContent, x: box.x + box.width / 2, y: box.y + box.height / 2};
    });
    return {label: axis.getAttribute('aria-label') || '', labels: labels};
  });
}
"""
_COUNTER_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
  .map(t => t.textContent).find(t => /^step \\d+ of \\d+$/.test(t)) || null
"""
_LEGEND_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg g.role-legend')]
  .map(g => { const b = g.getBoundingClientRect(); return {top: b.top, left: b.left}; })
"""
_RULES_JS = """
() => document.querySelectorAll('[data-testid="stVegaLiteChart"] svg g.mark-rule line').length
"""


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ""))


def _pixels_per_unit(page: Page, chart: int = 0) -> dict[str, float]:
    """Pixels per data unit along x and y of a chart (by index; -1 the last one on the page),
    from two labels far apart on each axis."""
    out = {}
    for axis in page.evaluate(_AXES_JS, chart):
        labels = [lab for lab in axis["labels"] if lab["text"].strip()]
        if not labels:  # a grid, not an axis
            continue
        name = "x" if axis["label"].startswith("X-axis") else "y"
        first, last = labels[1], labels[-2]  # the end labels are shifted flush with the edges
        span = abs(_number(last["text"]) - _number(first["text"]))
        coordinate = "x" if name == "x" else "y"
        out[name] = abs(last[coordinate] - first[coordinate]) / span
    assert set(out) == {"x", "y"}, out
    return out


def _counter(page: Page) -> tuple[int, int]:
    text = page.evaluate(_COUNTER_JS)
    assert text, "the map shows no step counter"
    shown, last = map(int, re.findall(r"\d+", text))
    return shown, last


def _open(page: Page, url: str, wait_for_app, assert_no_exception) -> None:
    page.goto(url)
    wait_for_app(page)
    page.locator(MAP).first.wait_for()
    assert_no_exception(page)


def test_play_runs_the_race_in_the_browser_without_a_rerun(
    page: Page, app_url, wait_for_app, assert_no_exception, screenshot
):
    sent: list = []  # every message the page sends to the server, from the first one on
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    _open(page, app_url + "/?steps=300", wait_for_app, assert_no_exception)
    assert _counter(page) == (300, 300)  # the whole race is shown until you play it
    page.locator("input[name=scrub]").fill("0")
    assert _counter(page)[0] == 0
    before_map = page.locator(MAP).first.screenshot()
    sent.clear()
    page.locator("input[name=play]").check()
    page.wait_for_timeout(1500)
    moving, last = _counter(page)
    assert 0 < moving <= last
    page.wait_for_timeout(500)
    assert _counter(page)[0] != moving  # still advancing
    assert page.locator(MAP).first.screenshot() != before_map
    page.locator("input[name=play]").uncheck()
    paused = _counter(page)[0]
    page.wait_for_timeout(600)
    assert _counter(page)[0] == paused  # pause holds the step
    state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
    assert state == "notRunning"
    assert not sent, f"playback sent {len(sent)} message(s) to the server"
    screenshot(page, "race-playing-paused")


@pytest.mark.parametrize("width", [1600, 1280])
def test_one_unit_of_x_is_as_long_as_one_unit_of_y(
    page: Page, app_url, wait_for_app, assert_no_exception, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 900})
    for query in ("f=quadratic", "f=ravine&fp=kappa=25", "f=rosenbrock"):
        _open(page, f"{app_url}/?{query}", wait_for_app, assert_no_exception)
        scale = _pixels_per_unit(page)
        assert scale["x"] == pytest.approx(scale["y"], rel=0.02), (query, width, scale)
    screenshot(page, f"race-proportions-{width}")


def test_the_basins_map_keeps_true_proportions_too(
    page: Page, app_url, wait_for_app, assert_no_exception, screenshot
):
    _open(page, app_url + "/?lesson=himmelblau&tab=Sweep", wait_for_app, assert_no_exception)
    basins = page.locator(MAP).last
    basins.scroll_into_view_if_needed()
    scale = _pixels_per_unit(page, -1)
    assert scale["x"] == pytest.approx(scale["y"], rel=0.02), scale
    screenshot(page, "race-basins")


def test_a_projector_shows_the_map_and_its_play_control_with_a_lesson_open(
    browser, app_url, wait_for_app, assert_no_exception, screenshot
):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        _open(page, app_url + "/?lesson=ravine_zigzag", wait_for_app, assert_no_exception)
        page.get_by_text("Lesson: Zig-zag in a ravine").click()  # open the lesson text
        page.wait_for_timeout(300)
        page.get_by_text("Lesson: Zig-zag in a ravine").click()  # and fold it again
        page.wait_for_timeout(300)
        plot = page.locator(f"{MAP} svg").first.bounding_box()
        play = page.locator("input[name=play]").bounding_box()
        assert plot["y"] >= 0 and plot["y"] + plot["height"] <= 720, plot
        assert play["y"] >= 0 and play["y"] + play["height"] <= 720, play
        screenshot(page, "race-projector-lesson")
    finally:
        context.close()


def test_arrows_appear_for_the_chosen_run(
    page: Page, app_url, wait_for_app, assert_no_exception, screenshot
):
    _open(page, app_url + "/?lesson=ravine_zigzag", wait_for_app, assert_no_exception)
    page.locator("input[name=scrub]").fill("3")
    without = page.evaluate(_RULES_JS)
    page.locator("select[name=arrows_for]").select_option("all runs")
    page.wait_for_timeout(300)
    with_all = page.evaluate(_RULES_JS)
    # every arrow is a halo and a shaft: SGD without momentum has two arrows (the gradient and
    # the step taken), Momentum three (and its momentum)
    assert with_all == without + 2 * 2 + 3 * 2
    page.locator("select[name=arrows_for]").select_option(index=3)  # the second run only
    page.wait_for_timeout(300)
    assert page.evaluate(_RULES_JS) == without + 3 * 2
    screenshot(page, "race-arrows")


def test_the_dark_theme_follows_the_viewer(
    browser, app_url, wait_for_app, assert_no_exception, screenshot
):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, color_scheme="dark")
    page = context.new_page()
    try:
        _open(page, app_url + "/?lesson=rosenbrock", wait_for_app, assert_no_exception)
        background = page.evaluate(
            "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]'))"
            ".backgroundColor"
        )
        red, green, blue = map(int, re.findall(r"\d+", background)[:3])
        assert red + green + blue < 3 * 60, background  # a dark page
        fill = page.evaluate(
            '() => document.querySelector(\'[data-testid="stVegaLiteChart"] svg '
            "g.role-axis-label text').getAttribute('fill')"
        )
        assert fill and _luminance(fill) > 0.5, fill  # light axis labels on it
        screenshot(page, "race-dark")
    finally:
        context.close()


def _luminance(colour: str) -> float:
    if colour.startswith("#"):
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = list(map(int, re.findall(r"\d+", colour)[:3]))
    return sum(rgb) / (3 * 255)


@pytest.mark.parametrize("key", [lesson.key for lesson in lessons.LESSONS])
def test_every_lesson_fits_a_projector_in_light_and_dark(
    browser, app_url, wait_for_app, assert_no_exception, key
):
    """Each lesson at 1600×1000 and on a 1280×720 projector, light and dark: its first chart
    and the play control are on screen without scrolling (screenshots race-lesson-*.png)."""
    for (width, height), scheme in itertools.product([(1600, 1000), (1280, 720)], LIGHT_DARK):
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=scheme
        )
        page = context.new_page()
        try:
            _open(
                page, f"{app_url}/?lesson={key}&tab=Trajectories", wait_for_app, assert_no_exception
            )
            plot = page.locator(f"{MAP} svg").first.bounding_box()
            play = page.locator("input[name=play]").first.bounding_box()
            assert plot["y"] >= 0 and plot["y"] + plot["height"] <= height, (key, width, plot)
            assert play["y"] + play["height"] <= height, (key, width, play)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"race-lesson-{key}-{width}-{scheme}.png"))
        finally:
            context.close()


def test_on_a_phone_the_legend_goes_under_the_map(
    browser, app_url, wait_for_app, assert_no_exception, screenshot
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _open(page, app_url + "/", wait_for_app, assert_no_exception)
        boxes = page.evaluate(_LEGEND_JS)
        plot = page.locator(f"{MAP} svg g.role-axis").first.bounding_box()
        assert boxes, "no legend drawn"
        assert all(box["top"] >= plot["y"] + plot["height"] - 1 for box in boxes), (boxes, plot)
        screenshot(page, "race-phone")
    finally:
        context.close()


def _x_labels(page: Page) -> list[float]:
    for axis in page.evaluate(_AXES_JS, 0):
        if axis["label"].startswith("X-axis"):
            return [_number(lab["text"]) for lab in axis["labels"] if lab["text"].strip()]
    raise AssertionError("no x axis")


def test_the_wheel_zooms_in_keeping_proportions_and_whole_window_returns(
    page: Page, app_url, wait_for_app, assert_no_exception, screenshot
):
    _open(page, app_url + "/?lesson=rosenbrock", wait_for_app, assert_no_exception)
    whole = _x_labels(page)
    box = page.locator(f"{MAP} svg").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.45)
    page.mouse.wheel(0, -400)  # zoom in around the pointer
    page.wait_for_timeout(500)
    zoomed = _x_labels(page)
    assert zoomed[-1] - zoomed[0] < 0.8 * (whole[-1] - whole[0]), (whole, zoomed)
    scale = _pixels_per_unit(page)
    assert scale["x"] == pytest.approx(scale["y"], rel=0.02), scale  # still true proportions
    screenshot(page, "race-zoomed")
    page.get_by_role("button", name="Whole window").click()
    wait_for_app(page)
    page.locator(f"{MAP} svg").first.wait_for()
    assert _x_labels(page) == whole
    assert "x0=" not in page.url  # the start stayed where the lesson put it
