"""The 3-D tab in a real browser: Plotly draws the surface with WebGL, and Play advances the race.

Also: the default page never fetches Streamlit's Plotly bundle (4.7 MB of JavaScript), so the
3-D view costs nothing until its tab is opened.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

PLOT = '[data-testid="stTabPanel"]:visible .js-plotly-plot'
PLOTLY_BUNDLE = "PlotlyChart"  # Streamlit's lazily loaded chunk: static/js/PlotlyChart.<hash>.js

# The graph's playback state: the slider's active step index and the label it shows, the
# number of frames, and whether the scene has a WebGL context.
_STATE_JS = """
plot => {
  const layout = plot._fullLayout;
  const slider = layout.sliders && layout.sliders[0];
  const canvas = plot.querySelector('.gl-container canvas');
  const gl = canvas && (canvas.getContext('webgl') || canvas.getContext('experimental-webgl'));
  return {
    active: slider ? slider.active : null,
    label: slider ? slider.steps[slider.active].label : null,
    frames: (plot._transitionData && plot._transitionData._frames || []).length,
    traces: plot.data.length,
    webgl: !!gl,
    canvas: canvas ? [canvas.width, canvas.height] : null,
  };
}
"""


def plot_state(page: Page) -> dict:
    return page.locator(PLOT).evaluate(_STATE_JS)


def scripts(page: Page) -> list[str]:
    return page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(name => name.endsWith('.js'))"
    )


def test_default_page_does_not_load_plotly(page, app_url, wait_for_app, assert_no_exception):
    page.goto(app_url)
    wait_for_app(page)
    assert_no_exception(page)
    assert scripts(page), "no scripts recorded: the check below would prove nothing"
    assert not [s for s in scripts(page) if PLOTLY_BUNDLE in s]
    assert page.locator(".js-plotly-plot").count() == 0


def test_3d_tab_draws_and_plays(page, app_url, wait_for_app, assert_no_exception, screenshot):
    page.goto(app_url + "/?tab=3-D")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_role("tab", name="3-D", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator(PLOT)).to_have_count(1)
    page.wait_for_function(
        "sel => { const p = document.querySelector(sel);"
        " return p && p._fullLayout && p.querySelector('.gl-container canvas'); }",
        arg='[data-testid="stTabPanel"] .js-plotly-plot',
    )
    assert [s for s in scripts(page) if PLOTLY_BUNDLE in s]
    state = plot_state(page)
    assert state["webgl"], state
    assert state["canvas"][0] > 600 and state["canvas"][1] > 400, state
    # surface + 4 paths + 4 heads + start + minimum; the figure opens at the end of the race
    assert state["traces"] == 11, state
    assert 2 <= state["frames"] <= 121, state
    assert state["active"] == state["frames"] - 1 and state["label"] == "500", state
    page.wait_for_timeout(500)  # WebGL paints on the next animation frames
    screenshot(page, "surface3d")

    panel = page.locator('[data-testid="stTabPanel"]:visible')
    panel.locator(".updatemenu-button").filter(has_text="Play").click()
    # from the end, Play starts again at step 0 and moves forward
    page.wait_for_function(
        "sel => { const s = document.querySelector(sel)._fullLayout.sliders[0];"
        " return s.active > 0 && s.active < s.steps.length - 1; }",
        arg='[data-testid="stTabPanel"] .js-plotly-plot',
        timeout=15_000,
    )
    first = plot_state(page)["active"]
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel)._fullLayout.sliders[0].active > before",
        arg=['[data-testid="stTabPanel"] .js-plotly-plot', first],
        timeout=15_000,
    )
    panel.locator(".updatemenu-button").filter(has_text="Pause").click()
    page.wait_for_timeout(400)
    paused = plot_state(page)
    page.wait_for_timeout(600)
    assert plot_state(page)["active"] == paused["active"], "Pause did not stop the playback"
    assert 0 < paused["active"] < paused["frames"] - 1, paused
    # the slider's readout follows the frame
    readout = panel.locator(".slider-container text").filter(has_text="Playback: step")
    assert readout.text_content() == f"Playback: step {paused['label']}"
    assert_no_exception(page)
    screenshot(page, "surface3d_paused")

    # on a 1280×720 projector the scene and its Play control fit on the screen together
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(PLOT).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = page.locator(PLOT).bounding_box()
    play = panel.locator(".updatemenu-button").filter(has_text="Play").bounding_box()
    assert box is not None and play is not None
    assert box["height"] <= 720 and play["y"] + play["height"] <= 720, (box, play)
    screenshot(page, "surface3d_1280x720")


def test_3d_tab_of_a_1d_function_explains_itself(page, app_url, wait_for_app, assert_no_exception):
    page.goto(app_url + "/?f=parabola&tab=3-D")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_text("A 3-D view needs a function of two parameters")).to_be_visible()
    assert page.locator(".js-plotly-plot").count() == 0
