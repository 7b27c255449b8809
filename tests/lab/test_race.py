"""The race charts as data: playback parameters, true proportions, arrows and hidden runs."""

import json
import math

import numpy as np
import pandas as pd
import pytest

import surfaces
from lab import experiment as ex
from lab import figures, lessons, model_figures, overlap, playback, race_charts, step_arrows, views
from lab.run_style import SOLID, RunStyle


def _map_spec(exp: ex.Experiment) -> dict:
    (spec,) = views.TRAJECTORIES.charts(exp, figures.tables(exp), figures.landscape(exp))
    return spec


def _params(spec: dict) -> dict[str, dict]:
    return {p["name"]: p for p in spec.get("params", [])}


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_the_map_carries_its_own_play_controls_and_clock():
    spec = _map_spec(ex.Experiment(steps=300))
    params = _params(spec)
    assert (
        params[playback.PLAY]["bind"]["input"] == "checkbox"
        and params[playback.PLAY]["value"] is False
    )
    assert params[playback.SPEED]["value"] == playback.default_speed(300)
    assert params[playback.SCRUB]["bind"] == {
        "input": "range", "min": 0, "max": 300, "step": 1, "name": "step "
    }  # fmt: skip
    assert params[playback.SHOWN]["expr"].startswith("isObject(anim)")
    selections = [p for node in _walk(spec) for p in node.get("params", []) if "select" in p]
    clock = next(p for p in selections if p["name"] == playback.CLOCK)
    assert clock["select"]["on"] == {"merge": [{"type": "timer", "throttle": playback.TIMER_MS}]}
    filters = [n["filter"] for n in _walk(spec) if isinstance(n.get("filter"), str)]
    assert f"datum.step <= {playback.SHOWN}" in filters  # trails grow with the step on screen


def test_a_one_d_race_plays_too():
    exp = lessons.BY_KEY["too_high"].experiment
    charts = views.TRAJECTORIES.charts(exp, figures.tables(exp), figures.landscape(exp))
    assert playback.PLAY in _params(charts[0])


@pytest.mark.parametrize("name", ["quadratic", "ravine", "rosenbrock", "least_squares"])
def test_map_scales_keep_one_unit_of_x_as_long_as_one_of_y(name):
    surface = surfaces.get(name)
    x_scale, y_scale = race_charts.true_scales(surface)
    x_expr, y_expr = x_scale.to_dict()["domain"]["expr"], y_scale.to_dict()["domain"]["expr"]
    (x0, x1), (y0, y1) = surface.bounds
    for width, height in [(900, 430), (500, 430), (300, 430), (1600, 430)]:
        xs = _evaluate(x_expr, width, height)
        ys = _evaluate(y_expr, width, height)
        assert (xs[1] - xs[0]) / width == pytest.approx((ys[1] - ys[0]) / height)
        assert xs[0] <= x0 + 1e-9 and xs[1] >= x1 - 1e-9  # the whole window shows
        assert ys[0] <= y0 + 1e-9 and ys[1] >= y1 - 1e-9


def _evaluate(expr: str, width: float, height: float) -> list[float]:
    """The domain expression with the plot's size put in (it uses only max, + − × ÷)."""
    python = expr.replace("width", repr(float(width))).replace("height", repr(float(height)))
    return eval(python, {"__builtins__": {}, "max": max})


def test_arrows_are_in_parameter_units_drawn_to_one_scale_per_step():
    exp = lessons.BY_KEY["ravine_zigzag"].experiment
    results = figures.simulate(exp)
    arrows = step_arrows.arrows(results, exp.objective())
    momentum = arrows[(arrows["run"] == exp.labels()[1]) & (arrows["step"] == 3)]
    assert set(momentum["kind"]) == set(step_arrows.KINDS)
    traj = results[1].trajectory
    step = momentum.set_index("kind")
    assert step.loc[step_arrows.STEP, "length"] == pytest.approx(np.hypot(*traj.updates[2]))
    (x0, x1), (y0, y1) = exp.objective().bounds
    longest = step_arrows.LENGTH * math.hypot(x1 - x0, y1 - y0)
    drawn = np.hypot(step["x2"] - step["x"], step["y2"] - step["y"])
    assert drawn.max() == pytest.approx(longest)  # the longest spans LENGTH of the diagonal
    assert (step["scale"] == step["scale"].iloc[0]).all()  # one factor for the step's arrows
    assert (step["x"] == traj.params[2, 0]).all()  # from θ_{t−1}
    plain = arrows[arrows["run"] == exp.labels()[0]]
    assert step_arrows.MOMENTUM not in set(plain["kind"])  # SGD without momentum has none
    # heavy ball: the step taken is −η·b, the momentum arrow
    np.testing.assert_allclose(step.loc[step_arrows.MOMENTUM, ["x2", "y2"]].astype(float),
                               step.loc[step_arrows.STEP, ["x2", "y2"]].astype(float))  # fmt: skip


def test_arrow_heads_point_along_the_arrow():
    rows = step_arrows.arrows(figures.simulate(ex.Experiment(steps=20)), surfaces.get("rosenbrock"))
    dx, dy = rows["x2"] - rows["x"], rows["y2"] - rows["y"]
    angle = np.radians(rows["angle"])
    np.testing.assert_allclose(np.sin(angle) * np.hypot(dx, dy), dx, atol=1e-9)
    np.testing.assert_allclose(np.cos(angle) * np.hypot(dx, dy), dy, atol=1e-9)


def test_a_run_hidden_under_another_is_found_and_the_top_one_dashed():
    exp = lessons.BY_KEY["slope_turns"].experiment
    pairs = figures.tables(exp)["hidden"]
    labels = exp.labels()
    assert pairs == [(labels[4], labels[7])]  # RMSProp with momentum under Adam
    plain = figures.run_style(exp)
    runs = overlap.uncovered(plain, pairs)
    assert plain.dashes[7] == SOLID and runs.dashes[7] == overlap.COVER_DASH  # Adam, on top
    assert runs.dashes[:7] == plain.dashes[:7]  # the others keep their dashes


def test_runs_resting_at_one_minimum_do_not_hide_each_other():
    s = surfaces.get("quadratic")
    far = pd.DataFrame(
        {"run": ["a"] * 4, "step": range(4), "x": [4.0, 0, 0, 0], "y": [4.0, 0, 0, 0]}
    )
    near = far.assign(run="b", x=[-4.0, 0, 0, 0])
    assert overlap.hidden_pairs(pd.concat([far, near]), s, ["a", "b"]) == []


def test_every_lesson_map_serialises_as_strict_json():
    """The function map of each lesson, and for a model lesson its plane and decision boundary
    (its Trajectories tab): JSON without NaN or infinity outside the data."""
    for lesson in lessons.LESSONS:
        exp = lesson.experiment
        if exp.is_model:
            tables = figures.tables(exp)
            specs = [
                *model_figures.plane_charts(exp, tables),
                *model_figures.boundary_charts(exp, tables),
            ]
        else:
            specs = views.TRAJECTORIES.charts(exp, figures.tables(exp), figures.landscape(exp))
        assert specs, lesson.key
        for spec in specs:
            plain = {k: v for k, v in spec.items() if k != "datasets"}
            json.dumps(plain, allow_nan=False)


def test_repeats_of_an_optimizer_in_a_lesson_are_told_apart():
    exp = lessons.BY_KEY["too_high"].experiment  # three SGD runs
    runs = figures.run_style(exp)
    assert len(set(runs.colours)) == 3 and len(set(runs.dashes)) == 3
    assert isinstance(runs, RunStyle)
