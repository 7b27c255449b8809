"""Typing a formula in the dashboard: exact gradients, errors in place, shareable links."""

from pathlib import Path

import numpy as np
import pytest

import optimizers
import surfaces
from lab.ui import state


def test_a_student_races_optimizers_on_their_own_rosenbrock(app):
    at = app()
    at.selectbox(key=state.SURFACE).set_value("formula").run()
    at.text_input(key=state.FORMULA).set_value("(1 - x)**2 + 100*(y - x**2)**2").run()
    at.checkbox(key=state.OWN_WINDOW).check().run()
    for i, value in enumerate((-2.0, 2.0, -1.0, 3.0)):
        at.number_input(key=state.window(i)).set_value(value)
    at.run()
    assert not at.exception and not at.error
    assert at.query_params["expr"] == "(1-x)^2+100*(y-x^2)^2"
    assert at.query_params["box"] == "-2,2,-1,3"
    latex = [element.value for element in at.latex]
    assert any(r"\frac{\partial f}{\partial x}" in value for value in latex)
    assert len(at.get("vega_lite_chart")) == 1
    # the typed function's runs equal the built-in Rosenbrock's, exact gradients and all
    start = tuple(float(v) for v in at.query_params.get("x0", "0.4,1.4").split(","))
    typed = surfaces.from_expression("(1 - x)**2 + 100*(y - x**2)**2", [(-2, 2), (-1, 3)])
    opt = optimizers.get("adam", lr=0.05)
    np.testing.assert_allclose(
        optimizers.run(opt, typed, start, 100).params,
        optimizers.run(opt, surfaces.get("rosenbrock"), start, 100).params,
        rtol=1e-10,
    )


def test_a_typed_formula_opens_on_a_window_around_its_critical_points(app):
    at = app()
    at.selectbox(key=state.SURFACE).set_value("formula").run()
    at.text_input(key=state.FORMULA).set_value("x**4 - 3*x**2 + x").run()
    assert not at.exception and not at.error
    assert at.query_params["box"] == "-2.5,2.5"  # both wells, not (-5, 5) where they are flat
    assert not at.checkbox(key=state.OWN_WINDOW).value
    assert any("around the formula's critical points" in c.value for c in at.sidebar.caption)
    at.checkbox(key=state.OWN_WINDOW).check().run()  # the boxes start from the chosen window
    assert [at.number_input(key=state.window(i)).value for i in (0, 1)] == [-2.5, 2.5]


def test_a_one_dimensional_formula(app):
    at = app(f="formula", expr="x**4 - 3*x**2 + x", box="-2.5,2.5")
    assert not at.exception and not at.warning
    assert len(at.get("vega_lite_chart")) == 2  # x against step, and the curve
    assert any("f'(x)" in element.value for element in at.latex)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('touch /tmp/pwned')", "underscores are not allowed"),
        ("x.real", "column 2"),
        ("sin(x, y)", "sin"),
        ("9**9**9**9", ""),
        ("x +", "an operand is missing"),
    ],
)
def test_a_refused_formula_is_explained_in_place_and_the_last_one_stays(app, text, message):
    at = app(f="formula", expr="x^2 + y^2")
    at.text_input(key=state.FORMULA).set_value(text).run()
    assert not at.exception
    assert len(at.error) == 1 and message in at.error[0].value
    assert at.query_params["expr"] == "x^2+y^2"  # the accepted formula is still the one shown
    assert len(at.get("vega_lite_chart")) == 1
    assert not Path("/tmp/pwned").exists()


def test_undefined_regions_are_reported(app):
    at = app(f="formula", expr="log(x) + y^2")
    assert not at.exception
    assert any("undefined" in w.value for w in at.warning)
