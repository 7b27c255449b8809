"""Valid but extreme setups never show a JavaScript or Python error box in the browser.

Each link opens a setup that once broke a view (a formula undefined on its whole window, one
step, every run diverged at step 1, a huge weight decay, a sweep map with nothing diverged, a
link over the budget). The page must draw every chart (a Vega chart given a spec that is not
valid JSON stays empty and logs an error), raise nothing in the page's JavaScript, log no error
to the console and show no exception box. Screenshots: ``tests/artifacts/screenshots/
extreme-*.png``.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lab import views

UNDEFINED = "f=formula&expr=" + quote("log(-1-x^2-y^2)")
CASES = [
    *[(f"undefined-{i}", f"{UNDEFINED}&tab={quote(t)}") for i, t in enumerate(views.TITLES)],
    ("kinked-sweep", "f=formula&expr=" + quote("abs(x)+abs(y)") + "&tab=Sweep"),
    ("one-step", "steps=1&tab=" + quote(views.INSIDE_A_STEP.title)),
    ("all-diverged", "run=sgd:lr=1000000&tab=" + quote(views.INSIDE_A_STEP.title)),
    ("huge-decay", "run=adam:lr=0.01,weight_decay=1e300&tab=" + quote(views.EQUATIONS.title)),
    ("huge-coefficient", "f=formula&expr=" + quote("1e300*x^2+y^2") + "&tab=Equations"),
    ("over-budget", "steps=5000&run=sgd:lr=0.01&" + "&".join(["run=adam:lr=0.01"] * 11)),
]

_EMPTY_CHARTS_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .filter(chart => !chart.querySelector('canvas, svg')).length
"""


@pytest.mark.parametrize(("name", "query"), CASES, ids=[c[0] for c in CASES])
def test_an_extreme_setup_shows_no_error_box(
    page, app_url, wait_for_app, assert_no_exception, screenshot, name, query
):
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    page.goto(f"{app_url}?{query}")
    try:
        wait_for_app(page, timeout_ms=45_000)
    finally:
        screenshot(page, f"extreme-{name}")
    assert_no_exception(page)
    assert page.evaluate(_EMPTY_CHARTS_JS) == 0
    assert problems == []
