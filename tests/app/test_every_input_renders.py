"""Every valid input renders (issue 12, item 2): each tab shows its charts, or a clear message in
place of the one view that cannot be drawn; never a traceback, never a spec that is not JSON.

The table holds the inputs a tester found breaking tabs, and their neighbours: a formula that is
not finite anywhere in its window (or only on a sliver of it), one step, every run diverged at
step 1, a sweep map without a diverged cell, huge weight decay and coefficients, gains near the
largest float, 1-D functions, twelve runs. A view that broke would now show the page guard's
short error instead of a traceback, so each case also asserts that no error shows at all (the
``view_failures`` fixture in conftest.py fails the test on any failure the guard logged).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lab import (
    charts,
    closeup,
    codecs,
    drawable,
    equations,
    figures,
    step_arrows,
    sweep_charts,
    sweeps,
)
from lab import views as lab_views
from lab.charts import to_spec
from lab.simulate import simulate
from lab.ui import guard, state

NOWHERE = "f is not finite anywhere in the window"
NO_STEP = "no run took a step"
ONLY_STEP = "the only step taken"

LOG_NEG = {"f": "formula", "expr": "log(-1-x^2-y^2)"}  # not finite anywhere in its window
LOG_NEG_1D = {"f": "formula", "expr": "log(-1-x^2)"}
SLIVER = {"f": "formula", "expr": "log(x-4.99)+y^2", "x0": "4.995,0"}  # finite for x > 4.99
DISC = {"f": "formula", "expr": "sqrt(0.01-x^2-y^2)"}  # finite on a small disc, not at the start
ONE_STEP = {"steps": "1"}
DIVERGED_AT_1 = {"run": ["sgd:lr=1e6", "momentum:lr=1e6"]}
ABS = {"f": "formula", "expr": "abs(x)+abs(y)"}  # no learning rate diverges: no dark red cell
WEIGHT_DECAY = {"run": "adam:lr=0.01,weight_decay=1e300"}
COEFFICIENT = {"f": "formula", "expr": "1e300*x^2+y^2"}
GAINS = {"run": "sgd:lr=0.7,weight_decay=1e308", "x0": "1.001,1"}  # −Δθ/g of ±1e308
TWELVE = {"run": [f"adam:lr={0.01 * (k + 1):g}" for k in range(12)]}
CONSTANT = {"f": "formula", "expr": "0*x*y+1"}
EXP_1D = {"f": "formula", "expr": "exp(x^2)", "box": "-30,30"}  # infinite at both ends
REFUSED = {"f": "formula", "expr": "1"}  # a constant without x: refused, the default instead

T, D3, LOSS, LR, STEP, EQ, SWEEP, SUMMARY = lab_views.TITLES


def case(query: dict, tab: str, **expected: Any) -> Any:
    name = "&".join(f"{k}={v if isinstance(v, str) else '+'.join(v)}" for k, v in query.items())
    return pytest.param(query, tab, expected, id=f"{tab}?{name}")


CASES = [
    # 1. a formula undefined on its whole window: a message in every tab that has no picture
    *(case(LOG_NEG, tab, info=NOWHERE) for tab in (T, D3)),
    *(case(LOG_NEG, tab, info=NO_STEP) for tab in (LOSS, LR, STEP)),
    case(LOG_NEG, EQ, latex=5),
    case(LOG_NEG, SWEEP, charts=3),
    case(LOG_NEG, SUMMARY, dataframe=True),
    case(LOG_NEG_1D, T, info=NOWHERE),
    case(LOG_NEG_1D, LOSS, info=NO_STEP),
    case(SLIVER, T, charts=1),  # runs on a sliver thinner than the picture's pixels still draw
    case(SLIVER, D3, plotly=1),
    case(DISC, T, charts=1),
    case(DISC, STEP, info=NO_STEP),
    # 2. one step, or every run diverged at step 1
    case(ONE_STEP, STEP, charts=2 + 4, text=ONLY_STEP),
    case(ONE_STEP, T, charts=1),
    case(ONE_STEP, D3, plotly=1),
    case(ONE_STEP, LR, charts=2),
    case(DIVERGED_AT_1, STEP, charts=2 + 2, text=ONLY_STEP),
    case(DIVERGED_AT_1, T, charts=1),
    case(DIVERGED_AT_1, D3, plotly=1),
    case(DIVERGED_AT_1, LOSS, charts=2),
    case(DIVERGED_AT_1, LR, charts=2),
    case({"f": "parabola", **ONE_STEP}, STEP, charts=1, text=ONLY_STEP),
    case({"f": "parabola", "run": "sgd:lr=1e6"}, T, charts=2),
    # 3. a sweep map with no diverged cell (both measures: tests below)
    # 4. huge weight decay, huge coefficient: the rules with their numbers
    case(WEIGHT_DECAY, EQ, latex=2),
    case(WEIGHT_DECAY, STEP, charts=2 + 1),
    case(COEFFICIENT, EQ, latex=5),
    case(COEFFICIENT, STEP, charts=2 + 4),
    # 5. realised gains near the largest float (their axis: test below)
    case(GAINS, LR, charts=2),
    # more of each kind
    case(TWELVE, T, charts=1),
    case(TWELVE, LOSS, charts=2),
    case(CONSTANT, T, charts=1),
    case(CONSTANT, LOSS, charts=2),
    case(REFUSED, T, charts=1, warning="formula refused"),
    case(EXP_1D, T, charts=2),
]


def strict_json(text: str) -> Any:
    """``text`` parsed as JSON proper: NaN and Infinity (which Python writes) refused."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def assert_renders(at: AppTest) -> None:
    """No traceback, no error (the guard's safety net included), every spec valid JSON."""
    assert not at.exception, [e.value for e in at.exception]
    assert not any(guard.SAFETY_NET in e.value for e in at.error)
    assert not at.error, [e.value for e in at.error]
    for chart in [*at.get("vega_lite_chart"), *at.get("plotly_chart")]:
        strict_json(chart.proto.spec)


@pytest.mark.parametrize(("query", "tab", "expected"), CASES)
def test_every_case_renders_its_view_or_says_why_not(app, query, tab, expected):
    at = app(tab=tab, **query)
    assert_renders(at)
    infos = [i.value for i in at.info]
    if "info" in expected:
        assert any(expected["info"] in i for i in infos), infos
        assert not at.get("vega_lite_chart") and not at.get("plotly_chart")
    else:
        assert not any(NOWHERE in i or NO_STEP in i for i in infos), infos
    assert len(at.get("vega_lite_chart")) == expected.get("charts", 0)
    assert len(at.get("plotly_chart")) == expected.get("plotly", 0)
    if "latex" in expected:
        assert len(at.main.get("latex")) == expected["latex"]  # f and each optimizer's rule
    if "text" in expected:
        assert any(expected["text"] in m.value for m in at.markdown)
    if expected.get("dataframe"):
        assert len(at.dataframe) == 1
    if "warning" in expected:
        assert any(expected["warning"] in w.value for w in at.warning)


@pytest.mark.parametrize("query", [ABS, {"f": "formula", "expr": "abs(x)"}])
def test_the_sweep_draws_without_a_diverged_cell_in_both_measures(app, query):
    count = 3 if "y" in query["expr"] else 2  # a 1-D function has no basin map
    at = app(tab=SWEEP, **query)
    for metric, flat in (("final", None), ("steps_to_tol", ["not reached"])):
        at.radio(key=state.SWEEP_METRIC).set_value(metric).run()
        assert_renders(at)
        specs = [strict_json(c.proto.spec) for c in at.get("vega_lite_chart")]
        assert len(specs) == count
        # the map: no diverged cell, so its flat colours' legend lists only what is there
        # (f has no known minimum here: no cell reaches a tolerance)
        legend = specs[1]["layer"][1]["encoding"]["color"]["legend"]
        assert (legend and legend["values"]) == flat


def test_the_gain_axis_spans_gains_near_the_largest_float(app):
    at = app(tab=LR, **GAINS)
    assert_renders(at)
    gain_spec = strict_json(at.get("vega_lite_chart")[1].proto.spec)
    low, high = gain_spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    gains = drawable.finite_values(figures.tables(experiment(GAINS))["rates"]["gain"])
    assert len(gains) == 2 and gains.min() < -1e308 and gains.max() > 1e307
    assert low <= gains.min() and gains.max() <= high


# --- the safety net: a view that breaks shows a short error, logged, and the page goes on -------


def test_a_broken_view_shows_the_safety_net_not_a_traceback(app, monkeypatch, view_failures):
    def broken(*args: Any) -> None:
        raise RuntimeError("a bug in a chart builder")

    monkeypatch.setattr(charts, "loss_chart", broken)
    at = app(tab=LOSS, seed="4242")  # a setup no other test caches
    assert not at.exception
    (error,) = at.error
    assert guard.SAFETY_NET in error.value and "a bug in a chart builder" not in error.value
    assert [r.exc_info[0] for r in view_failures] == [RuntimeError]  # logged, with traceback
    assert at.tabs and at.sidebar  # the rest of the page is there
    view_failures.clear()


def test_a_spec_that_is_not_json_is_refused_with_a_clear_error(app, monkeypatch, view_failures):
    drawn = charts.grad_norm_chart

    def not_json(losses: Any, runs: Any, decades: bool) -> Any:
        chart = drawn(losses, runs, decades)
        return chart.encode(y=chart.encoding.y.copy().scale(domain=[float("nan"), 1.0]))

    monkeypatch.setattr(charts, "grad_norm_chart", not_json)
    at = app(tab=LOSS, seed="4343")
    assert not at.exception
    (error,) = at.error
    assert "specification holds nan at `encoding.y.scale.domain.0`" in error.value
    assert guard.SAFETY_NET not in error.value
    assert not at.get("vega_lite_chart")  # the view's specs are checked before any is drawn
    assert len(view_failures) == 1
    view_failures.clear()


def test_a_fragment_rerun_is_guarded_too(app, monkeypatch, view_failures):
    at = app(tab=SWEEP, f="parabola", steps="70")
    assert_renders(at)
    monkeypatch.setattr(sweep_charts, "hyper_map_chart", lambda *a: 1 / 0)
    at.radio(key=state.SWEEP_METRIC).set_value("steps_to_tol").run()  # reruns the fragment
    assert not at.exception
    assert any(guard.SAFETY_NET in e.value for e in at.error)
    assert len(view_failures) == 1
    view_failures.clear()


# --- every chart spec of the cases, built without Streamlit, is JSON ------------------------------


def experiment(query: dict) -> Any:
    exp, warnings = codecs.from_query(
        {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    )
    assert not warnings
    return exp


def every_spec(query: dict) -> tuple[list[dict], list[str]]:
    """Every chart spec the views would send for this setup (sweeps on small grids, in both
    measures; each run's step 1 up close), and the reasons of the views that cannot draw."""
    exp = experiment(query)
    surface, results = exp.objective(), simulate(exp)
    data, land = figures.tables(exp, results), figures.landscape(exp)
    built, reasons = [], []
    for view in lab_views.ALL:
        try:
            built += view.charts(exp, data, land)
        except drawable.CannotDraw as why:
            reasons.append(str(why))
    if surface.dim == 2:
        for r in results:
            if r.ok and len(rows := step_arrows.at_steps(r, surface, [1])):
                built.append(
                    to_spec(closeup.step_closeup(land[1], land[2], rows, figures.run_style(exp)))
                )
    table = sweeps.lr_sweep(exp, np.geomspace(1e-5, 10, 8))
    axes = sweeps.map_axes(exp.runs[0].optimizer, n=6)
    grid = sweeps.hyper_map(exp, 0, "lr", axes.x_values, axes.y_param, axes.y_values)
    summary, runs = sweeps.summarise_lr_sweep(table), figures.run_style(exp)
    for metric in sweeps.METRICS:
        best = sweeps.best_lrs(table, metric)
        built.append(to_spec(sweep_charts.lr_sensitivity_chart(summary, best, runs, metric)))
        built.append(to_spec(sweep_charts.hyper_map_chart(grid, metric)))
    if surface.dim == 2:
        built.append(to_spec(sweep_charts.basins_chart(sweeps.basins(exp, 0, n=6), surface)))
    return built, reasons


SETUPS = [
    LOG_NEG,
    LOG_NEG_1D,
    SLIVER,
    DISC,
    ONE_STEP,
    DIVERGED_AT_1,
    ABS,
    WEIGHT_DECAY,
    COEFFICIENT,
    GAINS,
    CONSTANT,
    EXP_1D,
]


@pytest.mark.parametrize("query", SETUPS, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_every_chart_spec_of_the_cases_is_json(query):
    specs, reasons = every_spec(query)
    assert specs
    for spec in specs:
        inline = {k: v for k, v in spec.items() if k != "datasets"}  # datasets travel as Arrow
        json.dumps(inline, allow_nan=False)
        drawable.check_json(spec)
    expected = {
        json.dumps(LOG_NEG): 4,  # the map, loss, learning rates, inside a step
        json.dumps(LOG_NEG_1D): 4,
        json.dumps(DISC): 3,  # the map draws the disc
    }.get(json.dumps(query), 0)
    assert len(reasons) == expected, reasons


@pytest.mark.parametrize("query", [WEIGHT_DECAY, COEFFICIENT], ids=["weight_decay", "coefficient"])
def test_the_rules_with_numbers_render_at_every_step_of_huge_values(query):
    for optimizer in ("sgd", "adam", "adamw", "nadam", "radam", "lion", "adadelta", "rmsprop"):
        exp = experiment({**query, "run": f"{optimizer}:weight_decay=1e300", "steps": "40"})
        (result,) = simulate(exp)
        equations.rule_latex(result.config)
        equations.hyperparameter_rows(result.config)
        traj = result.trajectory
        last = traj.steps if traj.diverged_at is None else traj.diverged_at
        for t in range(1, last + 1):
            for i in range(exp.objective().dim):
                values = equations.step_values(result.config, traj, t, i)
                assert equations.step_latex(result.config, values)


def test_check_json_names_where_a_spec_is_not_json():
    drawable.check_json({"datasets": {"data-0": b"arrow"}, "mark": {"type": "line"}})
    with pytest.raises(drawable.InvalidSpec, match=r"holds inf at `layer\.1\.data\.values\.0\.y`"):
        drawable.check_json({"layer": [{}, {"data": {"values": [{"y": float("inf")}]}}]})
    with pytest.raises(drawable.InvalidSpec, match="holds nan"):
        drawable.check_json({"encoding": {"y": {"scale": {"domain": [np.float32("nan"), 1]}}}})
