"""The 3-D view's Plotly figure (lab/surface3d.py): traces, colours, playback frames, heights."""

import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest

import surfaces
from lab import experiment as ex
from lab import figures, surface3d
from lab.simulate import simulate


def build(exp: ex.Experiment, **options) -> dict:
    data = figures.tables(exp)
    return surface3d.figure(
        exp.objective(), data["paths"], figures.run_style(exp), exp.start_point(), **options
    )


def traces(spec: dict, meta: str) -> list[dict]:
    return [trace for trace in spec["data"] if trace.get("meta") == meta]


def xyz(trace: dict) -> np.ndarray:
    return np.stack([surface3d.values(trace[c]) for c in "xyz"], axis=-1)


def test_one_surface_and_one_path_per_run_in_the_runs_colours():
    exp = ex.Experiment(steps=200)
    spec = build(exp)
    assert [t["type"] for t in spec["data"]].count("surface") == 1
    assert spec["data"][0]["type"] == "surface"
    runs = figures.run_style(exp)
    paths = traces(spec, surface3d.PATH)
    assert [t["name"] for t in paths] == list(runs.labels)
    assert [t["line"]["color"] for t in paths] == list(runs.colours)
    heads = traces(spec, surface3d.HEAD)
    assert [t["marker"]["color"] for t in heads] == list(runs.colours)
    assert [t["name"] for t in spec["data"][-2:]] == ["start", "known minimum"]


def test_repeats_of_an_optimizer_are_dashed_as_on_the_map():
    exp = ex.Experiment(runs=(ex.run_config("adam", lr=0.05), ex.run_config("adam", lr=0.01)))
    paths = traces(build(exp), surface3d.PATH)
    assert [t["line"]["dash"] for t in paths] == ["solid", "dash"]
    assert paths[0]["line"]["color"] != paths[1]["line"]["color"]


@pytest.mark.parametrize("steps", [1, 30, 500, 5000])
def test_frames_are_at_most_the_limit_and_end_at_the_last_step(steps):
    spec = build(ex.Experiment(steps=steps))
    shown = spec["frames"]
    assert 2 <= len(shown) <= surface3d.MAX_FRAMES
    assert shown[0]["name"] == "0" and shown[-1]["name"] == str(steps)
    slider = spec["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == [f["name"] for f in shown]
    assert slider["active"] == len(shown) - 1  # opens at the end of the race, as the map does
    assert len(build(ex.Experiment(steps=steps), max_frames=10)["frames"]) <= 10


def test_every_run_advances_together_and_its_head_ends_on_its_last_point():
    spec = build(ex.Experiment(steps=300))
    lines = {t["name"]: xyz(t) for t in traces(spec, surface3d.PATH)}
    heads = surface3d.head_positions(spec)
    assert heads.keys() == lines.keys()
    for label, points in lines.items():
        np.testing.assert_allclose(heads[label], points[-1])
    frame = spec["frames"][40]
    step = int(frame["name"])
    for i, update in zip(frame["traces"], frame["data"], strict=True):
        original = spec["data"][i]
        if original.get("meta") == surface3d.PATH:
            steps = surface3d.values(original["customdata"])[:, 0]
            n = len(surface3d.values(update["x"]))
            assert steps[n - 1] == step  # every run is drawn up to the frame's step
            np.testing.assert_array_equal(xyz(update), xyz(original)[:n])
    assert frame["traces"] == list(range(1, 1 + 2 * len(lines)))


def test_paths_float_above_the_drawn_surface():
    spec = build(ex.Experiment(surface="rosenbrock", steps=300))
    grid = spec["data"][0]
    gx, gy, gz = (surface3d.values(grid[c]) for c in "xyz")
    for trace in traces(spec, surface3d.PATH):
        points = xyz(trace)
        below = surface3d._bilinear(gx, gy, gz, points[:, 0], points[:, 1])
        assert (points[:, 2] > below).all(), trace["name"]


@pytest.mark.parametrize("name", [n for n in surfaces.names() if surfaces.get(n).log_scale])
def test_log_scaled_surfaces_have_finite_heights(name):
    spec = build(ex.Experiment(surface=name, steps=100))
    z = surface3d.values(spec["data"][0]["z"])
    assert z.shape == (surface3d.GRID, surface3d.GRID) and np.isfinite(z).all()
    assert "log₁₀" in spec["layout"]["scene"]["zaxis"]["title"]["text"]
    for trace in spec["data"][1:]:
        # NaN only as a gap (a run off the window or diverged), never a point without a height
        points = xyz(trace)
        assert (np.isfinite(points[:, 2]) == np.isfinite(points[:, 0])).all(), trace["name"]
        assert np.isfinite(points[0]).all(), trace["name"]  # the start, or the marker
    low, high = spec["data"][0]["cmin"], spec["data"][0]["cmax"]
    # clipped to the window's quantiles (so one wall does not flatten the rest); float32 in JSON
    assert z.min() == pytest.approx(low, rel=1e-6) and z.max() == pytest.approx(high, rel=1e-6)


def test_a_diverged_run_is_drawn_up_to_its_divergence():
    exp = ex.Experiment(
        runs=(ex.run_config("sgd", lr=0.01), ex.run_config("adam", lr=0.01)), steps=300
    )
    diverged_at = simulate(exp)[0].trajectory.diverged_at
    assert diverged_at is not None
    spec = build(exp)
    sgd, adam = traces(spec, surface3d.PATH)
    steps = surface3d.values(sgd["customdata"])[:, 0]
    assert steps[-1] == diverged_at and surface3d.values(adam["customdata"])[-1, 0] == 300
    points = xyz(sgd)
    drawn = np.isfinite(points).all(axis=1)
    assert drawn[0] and drawn.sum() >= 2  # the start and the steps before it went off
    # its head stays on its last drawable point, also in frames after it stopped
    last = points[np.flatnonzero(drawn)[-1]]
    np.testing.assert_allclose(surface3d.head_positions(spec)[sgd["name"]], last)


def test_a_run_that_could_not_run_is_left_out():
    exp = ex.Experiment(
        runs=(ex.run_config("sgd", lr=0.01, nesterov=True), ex.run_config("adam", lr=0.01))
    )
    spec = build(exp)
    assert [t["name"] for t in traces(spec, surface3d.PATH)] == ["Adam lr=0.01"]


def test_a_function_of_one_parameter_has_no_3d_view():
    with pytest.raises(surface3d.NeedsTwoParameters, match="two parameters; Parabola has 1"):
        build(ex.Experiment(surface="parabola"))


@pytest.mark.parametrize("name", ["rosenbrock", "saddle", "six_hump_camel", "formula"])
def test_the_spec_is_a_valid_plotly_figure(name):
    spec = build(ex.Experiment(surface=name, steps=80))
    fig = go.Figure(spec)  # validates every property
    assert len(fig.frames) == len(spec["frames"])
    assert fig.layout.paper_bgcolor == "rgba(0,0,0,0)"  # reads on light and dark themes


def test_building_the_figure_does_not_import_plotly_or_streamlit():
    code = (
        "import sys\n"
        "from lab import experiment as ex, figures, surface3d, views\n"
        "exp = ex.Experiment(steps=20)\n"
        "surface3d.figure(exp.objective(), figures.tables(exp)['paths'],"
        " figures.run_style(exp), exp.start_point())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', 'streamlit')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
