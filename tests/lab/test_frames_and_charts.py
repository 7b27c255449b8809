"""Frames (downsampling, summary, downloads) and chart specs built from an experiment."""

import subprocess
import sys

import numpy as np
import pytest

import optimizers
import surfaces
from lab import charts, figures, frames, views
from lab import experiment as ex
from lab.run_style import RunStyle, optimizer_colour
from lab.simulate import simulate


def test_sample_steps_keeps_the_start_the_end_and_every_early_step():
    rows = frames.sample_steps(5000)
    assert rows[0] == 0 and rows[-1] == 5000 and len(rows) <= frames.MAX_POINTS + 1
    assert list(rows[: frames.EARLY_STEPS]) == list(range(frames.EARLY_STEPS))
    assert (np.diff(rows) > 0).all()


def test_a_diverged_run_is_plotted_up_to_its_divergence():
    exp = ex.Experiment(
        runs=(ex.run_config("sgd", lr=0.01), ex.run_config("adam", lr=0.01)), steps=300
    )
    results = simulate(exp)
    surface = exp.objective()
    step = results[0].trajectory.diverged_at
    assert step is not None
    paths = frames.paths(results, surface)
    sgd = paths[paths["run"] == "SGD lr=0.01"]
    assert sgd["step"].max() == step and len(paths[paths["run"] == "Adam lr=0.01"]) == 301
    div = frames.divergences(results, surface)
    assert list(div["run"]) == ["SGD lr=0.01"] and int(div["step"].iloc[0]) == step
    summary = frames.summary(results, surface, 1e-3)
    assert list(summary["status"]) == ["diverged", "ok"]
    # numbers only in number columns (empty where none); the note says why
    assert summary["diverged at step"].iloc[0] == step and summary["diverged at step"].isna()[1]


def test_summary_counts_steps_to_tolerance_and_distance_to_the_minimum():
    exp = ex.Experiment(surface="quadratic", runs=(ex.run_config("sgd", lr=0.5),), steps=40)
    results = simulate(exp)
    row = frames.summary(results, exp.objective(), 1e-3).iloc[0]
    # from (−4, 3) GD with lr 0.5 halves the point: f = 12.5·4^−t < 1e−3 from t = 7
    assert row["steps to f − f_min < 0.001"] == 7
    assert row["distance to nearest minimum"] == pytest.approx(5 * 0.5**40)


def test_per_step_download_has_every_step_and_the_state():
    exp = ex.Experiment(runs=(ex.run_config("adam", lr=0.01),), steps=30)
    table = frames.per_step(simulate(exp), exp.objective())
    assert len(table) == 31
    for column in ("x", "y", "loss", "grad_x", "update_y", "lr_eff_x", "exp_avg_y", "exp_avg_sq_x"):
        assert column in table
    assert np.isnan(table["grad_x"].iloc[0]) and np.isfinite(table["grad_x"].iloc[1:]).all()


def test_clickable_cells_cover_the_window_and_contours_the_plane_a_map_may_show():
    rosen = surfaces.get("rosenbrock")
    grid = frames.surface_grid(rosen)
    assert len(grid) == frames.PICK_GRID**2
    assert grid["x"].min() == -2 and grid["y"].min() == -1
    (x0, x1), (y0, y1) = frames.picture_region(rosen)
    assert x0 < -2 and x1 > 2 and y0 <= -1 and y1 >= 3  # wider than the window, same centre
    assert (x0 + x1) / 2 == 0 and (y0 + y1) / 2 == 1
    lines = frames.contours(rosen)
    assert lines["line"].nunique() > 5
    assert lines["x"].between(x0 - 1e-9, x1 + 1e-9).all()
    assert lines["y"].between(y0 - 1e-9, y1 + 1e-9).all()
    assert (lines["x"] < -2).any()  # the iso-lines go on beyond the window


@pytest.mark.parametrize("surface", ["rosenbrock", "parabola", "saddle", "least_squares"])
@pytest.mark.parametrize("view", views.ALL, ids=lambda v: v.title)
def test_every_view_builds_specs_with_their_data(surface, view):
    exp = ex.Experiment(surface=surface, steps=100)
    specs = view.charts(exp, figures.tables(exp), figures.landscape(exp))
    dim = exp.objective().dim
    expected = {
        views.TRAJECTORIES: 3 - dim,
        views.SURFACE_3D: 0,  # drawn by Plotly (lab/surface3d.py), not Altair
        views.INSIDE_A_STEP: dim,
        views.EQUATIONS: 0,
        views.SWEEP: 0,
        views.SUMMARY: 0,
    }
    assert len(specs) == expected.get(view, 2)
    for spec in specs:
        names = set(spec["datasets"])
        assert names and all(len(spec["datasets"][n]) >= 0 for n in names)
        assert "config" in spec  # projector-sized fonts


def test_each_run_keeps_its_colour_in_every_chart():
    runs = RunStyle.of(["a", "b", "c"], ["sgd", "adam", "sgd"])
    scale = charts.run_colours(runs).to_dict()
    assert scale["domain"] == ["a", "b", "c"] and scale["range"] == list(runs.colours)


def test_an_optimizer_keeps_its_colour_whatever_its_slot():
    one = RunStyle.of(["RMSProp", "Adam"], ["rmsprop", "adam"])
    other = RunStyle.of(["Adam", "SGD", "RMSProp"], ["adam", "sgd", "rmsprop"])
    assert one.colour("RMSProp") == other.colour("RMSProp") == optimizer_colour("rmsprop")
    assert one.colour("Adam") == other.colour("Adam")
    every = [optimizer_colour(name) for name in optimizers.names()]
    assert len(set(every)) == len(every)  # no two optimizers share a colour


def test_repeats_of_an_optimizer_differ_by_shade_and_dash():
    runs = RunStyle.of(["a", "b", "c"], ["rmsprop", "rmsprop", "rmsprop"])
    assert len(set(runs.colours)) == 3 and len(set(runs.dashes)) == 3
    assert runs.colours[0] == optimizer_colour("rmsprop") and runs.dashes[0] == (1, 0)


def test_lab_below_the_ui_imports_no_streamlit():
    code = "import sys, lab.figures, lab.experiment; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_heatmap_picture_is_a_png_over_the_window_with_gaps_for_nan():
    import base64

    rosen = surfaces.get("rosenbrock")
    picture = frames.surface_picture(rosen, n=32).iloc[0]
    (x0, x1), (y0, y1) = frames.picture_region(rosen)
    assert (picture["x"], picture["x2"], picture["y"], picture["y2"]) == (x0, x1, y0, y1)
    inside = frames.surface_grid(rosen, n=32)["colour"]  # the colours span the window's values
    assert picture["low"] == pytest.approx(inside.min(), abs=0.3)
    assert picture["high"] == pytest.approx(inside.max(), abs=0.3)
    data = base64.b64decode(picture["url"].split(",", 1)[1])
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and picture["low"] < picture["high"]
    from lab import raster

    rgba = raster.colourise(np.array([[0.0, 1.0, np.nan]]), 0.0, 1.0)
    assert tuple(rgba[0, 0]) == (0xF2, 0xF7, 0xF5, 255) and rgba[0, 2, 3] == 0
