"""The dashboard in a real browser: every tab draws, the sidebar drives the URL, a link reopens.

Each test opens its own page on the session's one ``streamlit run`` server (``app_url``), so
Streamlit sessions never share widget state. Screenshots go to ``tests/artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import Locator, Page, expect

CHART = '[data-testid="stVegaLiteChart"]'
TABS = ("Trajectories", "3-D", "Loss", "Effective learning rate", "Summary")
SHOTS = {"Loss": "loss", "Effective learning rate": "learning_rate", "Summary": "summary"}
DOWNLOADS = ("Every step (CSV)", "Summary (CSV)", "Setup (JSON)", "Setup as a PyTorch script")
# Charts per tab on the default 2-D function (Rosenbrock).
CHARTS_PER_TAB = {"Trajectories": 1, "Loss": 2, "Effective learning rate": 2, "Summary": 0}
SHARED_LINK = "?f=himmelblau&steps=200&run=adam:lr=0.05&run=sgd:lr=0.01&tab=Loss"
HOSTILE_QUERY = [
    ("f", "__import__('os')"),
    ("steps", "-5"),
    ("run", "adam:lr=nan"),
    ("x0", "1e999,2"),
]

# For every chart inside ``root``: was something drawn? With the SVG renderer, count mark paths
# that have real geometry; with the canvas renderer, count the painted (non-transparent) pixels.
_DRAWN_JS = """
root => [...root.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart => {
  const box = chart.getBoundingClientRect();
  const marks = [...chart.querySelectorAll('svg .role-mark path, svg .role-mark line')]
    .filter(el => el.tagName === 'line' || (el.getAttribute('d') || '').length > 10).length;
  let painted = 0;
  const canvas = chart.querySelector('canvas');
  if (canvas && canvas.width && canvas.height) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
  }
  return {width: box.width, height: box.height, marks: marks, painted: painted};
})
"""


# ---------------------------------------------------------------------------- helpers


def open_panel(page: Page) -> Locator:
    """The content of the open tab (the closed tabs' panels are hidden and empty)."""
    return page.locator('[data-testid="stTabPanel"]').filter(visible=True)


def expect_tab_selected(page: Page, name: str) -> None:
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute(
        "aria-selected", "true"
    )


def assert_charts_drawn(page: Page, expected: int) -> None:
    """The open tab shows ``expected`` Vega-Lite charts, each with drawn marks and a real size."""
    panel = open_panel(page)
    expect(panel).to_have_count(1)
    expect(panel.locator(CHART)).to_have_count(expected)
    for i, chart in enumerate(panel.evaluate(_DRAWN_JS)):
        assert chart["width"] > 300 and chart["height"] > 150, f"chart {i} is tiny: {chart}"
        assert chart["marks"] > 0 or chart["painted"] > 0, f"chart {i} has nothing drawn: {chart}"


def optimizer_titles(page: Page) -> list[str]:
    """The sidebar's optimizer expander titles ("1. SGD", ...), in order."""
    summaries = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary')
    # a summary's text is "<material icon name>\n\n<title>"
    titles = [text.strip().splitlines()[-1].strip() for text in summaries.all_inner_texts()]
    return [title for title in titles if re.match(r"\d+\. ", title)]


def query(page: Page) -> dict[str, list[str]]:
    """The page's URL query, decoded: key -> every value, in order."""
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def warnings(page: Page) -> Locator:
    return page.locator('[data-testid="stAlertContentWarning"]')


def full_screenshot(page: Page, screenshot, name: str) -> None:
    """Save the whole app, not just the viewport.

    Streamlit scrolls the main area and the sidebar inside their own containers, so a
    ``full_page`` screenshot stops at the window's bottom edge. The window is grown to the
    taller of the two contents for the shot, then restored.
    """
    size = page.viewport_size
    assert size is not None
    height = page.evaluate(
        """() => Math.max(...['stMain', 'stSidebarContent'].map(id => {
               const el = document.querySelector(`[data-testid="${id}"]`);
               return el ? el.scrollHeight : 0;
           }))"""
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    try:
        page.wait_for_timeout(300)  # let Vega re-layout after the resize
        screenshot(page, name)
    finally:
        page.set_viewport_size(size)


def load(page: Page, url: str, wait_for_app, assert_no_exception) -> None:
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)


# ---------------------------------------------------------------------------- tests


def test_default_page_draws_trajectories(
    page, app_url, wait_for_app, assert_no_exception, screenshot
):
    load(page, app_url, wait_for_app, assert_no_exception)

    expect(page.get_by_role("heading", name="Optimizer Lab", level=1)).to_be_visible()
    expect_tab_selected(page, "Trajectories")
    expect(page.get_by_role("combobox", name="Test function")).to_have_value("2-D · Rosenbrock")
    assert_charts_drawn(page, CHARTS_PER_TAB["Trajectories"])
    expect(warnings(page)).to_have_count(0)
    full_screenshot(page, screenshot, "trajectories")


def test_each_tab_draws(page, app_url, wait_for_app, assert_no_exception, open_tab, screenshot):
    load(page, app_url, wait_for_app, assert_no_exception)
    names = page.get_by_role("tab").all_inner_texts()
    assert names[: len(TABS) - 1] == list(TABS[:-1]) and names[-1] == TABS[-1], names

    for name in names[1:]:
        open_tab(page, name)
        expect_tab_selected(page, name)
        if name in CHARTS_PER_TAB:  # the tabs this file knows; newer ones only have to work
            assert_charts_drawn(page, CHARTS_PER_TAB[name])
        if name == "Summary":
            panel = open_panel(page)
            expect(panel.locator('[data-testid="stDataFrame"]')).to_have_count(1)
            expect(panel.locator('[data-testid="stDataFrame"]')).to_be_visible()
            for label in DOWNLOADS:
                expect(panel.get_by_role("button", name=label, exact=True)).to_be_visible()
        full_screenshot(page, screenshot, SHOTS.get(name) or re.sub(r"\W+", "_", name.lower()))


def test_choosing_a_function_updates_the_url(
    page, app_url, wait_for_app, assert_no_exception, screenshot
):
    load(page, app_url, wait_for_app, assert_no_exception)

    page.get_by_role("combobox", name="Test function").click()
    page.get_by_role("option", name="1-D · Parabola", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]f=parabola(&|$)"))
    wait_for_app(page)
    assert_no_exception(page)

    expect(page.get_by_role("combobox", name="Test function")).to_have_value("1-D · Parabola")
    # a 1-D function has two charts: x against step, and the curve with the iterates on it
    assert_charts_drawn(page, 2)
    full_screenshot(page, screenshot, "parabola")


def test_shared_link_reopens_its_view(page, app_url, wait_for_app, assert_no_exception, screenshot):
    load(page, app_url + "/" + SHARED_LINK, wait_for_app, assert_no_exception)

    expect_tab_selected(page, "Loss")
    expect(page.get_by_role("combobox", name="Test function")).to_have_value("2-D · Himmelblau")
    expect(page.get_by_label("Steps", exact=True)).to_have_value("200")
    assert optimizer_titles(page) == ["1. Adam · lr 0.05", "2. SGD · lr 0.01"]
    expect(warnings(page)).to_have_count(0)
    assert query(page)["run"] == ["adam:lr=0.05", "sgd:lr=0.01"]
    assert_charts_drawn(page, CHARTS_PER_TAB["Loss"])
    # the app writes the link back with the same function and tab
    assert query(page)["f"] == ["himmelblau"]
    assert query(page)["tab"] == ["Loss"]
    full_screenshot(page, screenshot, "shared_link")


def test_hostile_link_falls_back_with_warnings(
    page, app_url, wait_for_app, assert_no_exception, screenshot
):
    load(page, app_url + "/?" + urlencode(HOSTILE_QUERY), wait_for_app, assert_no_exception)

    # one box for the whole link, one item per bad key: f, steps, run's lr and x0
    link_warnings = warnings(page).filter(has_text="This link had values")
    expect(link_warnings).to_have_count(1)
    items = link_warnings.locator("li")
    expect(items).to_have_count(len(HOSTILE_QUERY))
    for what in ("unknown function", "steps must", "lr must", "start must"):
        expect(items.filter(has_text=what)).to_have_count(1)
    # every value fell back to a default, and the default view draws
    expect(page.get_by_role("combobox", name="Test function")).to_have_value("2-D · Rosenbrock")
    expect(page.get_by_label("Steps", exact=True)).to_have_value("500")
    expect_tab_selected(page, "Trajectories")
    assert_charts_drawn(page, CHARTS_PER_TAB["Trajectories"])
    assert optimizer_titles(page) == ["1. Adam · lr 0.001"]
    full_screenshot(page, screenshot, "hostile_link")


def test_link_warnings_show_values_verbatim(page, app_url, wait_for_app, assert_no_exception):
    phishing = "[Log in again](https://example.com/phish)"
    url = app_url + "/?" + urlencode([("f", phishing), ("steps", "__import__('os')")])
    load(page, url, wait_for_app, assert_no_exception)

    link_warnings = warnings(page).filter(has_text="This link had values")
    expect(link_warnings).to_have_count(1)
    expect(link_warnings.locator("li")).to_have_count(2)
    assert link_warnings.locator("a").count() == 0, "a link in the query became a link on the page"
    assert link_warnings.locator("li").filter(has_text="__import__('os')").count() == 1


def test_add_an_optimizer(page, app_url, wait_for_app, assert_no_exception, screenshot):
    load(page, app_url, wait_for_app, assert_no_exception)
    before = optimizer_titles(page)
    assert before, "no optimizer expanders in the sidebar"
    runs = query(page)["run"]

    page.get_by_role("button", name="Add an optimizer").click()
    new_title = f"{len(before) + 1}. Adam · lr 0.01"
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.locator("summary").filter(has_text=new_title)).to_be_visible()
    wait_for_app(page)
    assert_no_exception(page)

    assert optimizer_titles(page) == [*before, new_title]
    # the new run (Adam, lr 0.01) is appended to the link too
    page.wait_for_function(
        "n => new URLSearchParams(location.search).getAll('run').length === n", arg=len(runs) + 1
    )
    assert query(page)["run"] == [*runs, "adam:lr=0.01"]
    assert_charts_drawn(page, CHARTS_PER_TAB["Trajectories"])
    full_screenshot(page, screenshot, "add_optimizer")
