"""Classroom features in a real browser: click the map to move the start, replay the race, open
a lesson link, run a sweep."""

import re

from playwright.sync_api import expect

MAP = '[data-testid="stVegaLiteChart"]'


def test_a_click_on_the_map_moves_the_start(
    page, app_url, wait_for_app, assert_no_exception, screenshot
):
    page.goto(f"{app_url}/?f=himmelblau&steps=150&run=adam:lr=0.1&run=sgd:lr=0.01")
    wait_for_app(page)
    chart = page.locator(MAP).first
    box = chart.bounding_box()
    assert box is not None
    # the plot area spans most of the chart: click up and to the right of its middle
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.2)
    page.wait_for_url(re.compile(r"x0=[-0-9.]+%2C[-0-9.]+"), timeout=30_000)
    wait_for_app(page)
    x0 = re.search(r"x0=([-0-9.]+)%2C([-0-9.]+)", page.url)
    x, y = float(x0[1]), float(x0[2])
    assert -5 < x < 5 and 0 < y < 5  # the upper part of the window, away from the old start
    start_inputs = page.locator('[data-testid="stNumberInput"] input')
    assert float(start_inputs.nth(0).input_value()) == x
    assert_no_exception(page)
    screenshot(page, "click_moved_start")


def test_playback_replays_the_race_without_a_rerun(
    page, app_url, wait_for_app, assert_no_exception, screenshot
):
    page.goto(f"{app_url}/?lesson=ravine_zigzag")
    wait_for_app(page)
    slider = page.locator(f'{MAP} input[type="range"]')
    expect(slider).to_have_value("60")
    diamonds_before = _diamond_positions(page)
    slider.fill("8")
    page.wait_for_timeout(500)
    assert _diamond_positions(page) != diamonds_before  # each run's marker moved back to step 8
    screenshot(page, "playback_step_8")
    slider.fill("30")
    page.wait_for_timeout(500)
    screenshot(page, "playback_step_30")
    assert_no_exception(page)


def _diamond_positions(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] path.mark-symbol,'
                + '[data-testid=stVegaLiteChart] .mark-symbol path')]
               .map(p => p.getAttribute('transform')).filter(Boolean)"""
    )


def test_a_lesson_link_with_hidden_controls(
    page, app_url, wait_for_app, assert_no_exception, screenshot
):
    page.goto(f"{app_url}/?lesson=one_lr_for_all&hide=optimizers,run")
    wait_for_app(page)
    page.get_by_text("Lesson: One learning rate for every parameter").click()  # unfold the text
    expect(page.get_by_text("the y-direction is a hundred times steeper")).to_be_visible()
    expect(page.get_by_text("Add an optimizer")).to_have_count(0)
    expect(page.get_by_label("Steps", exact=True)).to_have_count(0)
    assert_no_exception(page)
    screenshot(page, "lesson_hidden_controls")


def test_the_sweep_view(page, app_url, wait_for_app, assert_no_exception, screenshot):
    page.goto(f"{app_url}/?f=ravine&steps=200&tab=Sweep")
    wait_for_app(page, timeout_ms=90_000)
    expect(page.locator(MAP)).to_have_count(3)
    assert_no_exception(page)
    screenshot(page, "sweep")
    page.get_by_role("button", name=re.compile("Fair comparison")).click()
    wait_for_app(page, timeout_ms=90_000)
    expect(page.get_by_role("tab", name="Trajectories", selected=True)).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "fair_comparison")


def test_typing_a_formula(page, app_url, wait_for_app, assert_no_exception, screenshot):
    page.goto(f"{app_url}/?f=custom&expr=x%5E2%2By%5E2")
    wait_for_app(page)
    box = page.locator(".st-key-formula input")
    box.fill("x**4 - 3*x**2 + x")
    box.press("Enter")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('expr') === 'x^4-3*x^2+x'", timeout=30_000
    )
    wait_for_app(page)
    expect(page.locator(MAP)).to_have_count(2)  # 1-D: x against step, and the curve
    assert_no_exception(page)
    screenshot(page, "formula_1d")
    box.fill("__import__('os')")
    box.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text("underscores are not allowed")).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "formula_refused")
