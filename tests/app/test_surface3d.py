"""The 3-D tab driven headless with AppTest: it draws one Plotly chart, and only when open."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from lab import views


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_the_3d_tab_comes_right_after_the_map():
    assert views.TITLES[views.TITLES.index(views.TRAJECTORIES.title) + 1] == "3-D"
    assert views.BY_TITLE["3-D"] is views.SURFACE_3D


@pytest.mark.parametrize("surface", ["rosenbrock", "himmelblau", "least_squares"])
def test_3d_tab_draws_the_surface_and_every_run(app, surface):
    at = app(f=surface, tab="3-D")
    assert not at.exception, [e.value for e in at.exception]
    (spec,) = plotly_specs(at)
    assert spec["data"][0]["type"] == "surface"
    paths = [t["name"] for t in spec["data"] if t.get("meta") == "path"]
    assert paths == ["SGD lr=0.001", "Momentum lr=0.001", "RMSProp lr=0.01", "Adam lr=0.05"]
    assert spec["frames"] and spec["layout"]["sliders"][0]["steps"]
    assert not at.get("vega_lite_chart")  # the other tabs are not computed


def test_3d_tab_of_a_1d_function_says_why_there_is_nothing_to_rotate(app):
    at = app(f="parabola", tab="3-D")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("plotly_chart")
    assert any("needs a function of two parameters" in info.value for info in at.info)


def test_the_default_page_draws_no_plotly_chart(app):
    # Streamlit itself imports plotly when it is installed (to register its Plotly theme), so
    # "plotly" in sys.modules says nothing about this app; what the default page must not do is
    # send a Plotly chart (the browser then fetches Plotly's JavaScript: tests/e2e).
    at = app()
    assert not at.exception
    assert not at.get("plotly_chart")
    assert len(at.get("vega_lite_chart")) == 1
