"""Hyperparameter sweeps: stability boundaries where theory puts them, one batched call per
configuration, seeds and spread, basins of attraction, fair comparisons, downloads and charts."""

import io
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import optimizers
import surfaces
from lab import charts, figures, sweep_charts, sweeps
from lab import experiment as ex
from lab.run_style import RunStyle

SGD = (ex.run_config("sgd"),)

SGD_ONLY = RunStyle.of(["SGD"], ["sgd"])


def ravine(kappa: float, runs=SGD, steps: int = 500) -> ex.Experiment:
    return ex.Experiment(
        surface="ravine", surface_params=(("kappa", kappa),), runs=runs, steps=steps
    )


@pytest.fixture
def run_calls(monkeypatch):
    """Count calls of the run loop (the sweeps reach it as ``optimizers.run``)."""
    calls = []
    real = optimizers.run

    def counting(*args, **kwargs):
        calls.append(np.shape(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(optimizers, "run", counting)
    return calls


# --- stability boundaries -----------------------------------------------------------------------


@pytest.mark.parametrize("kappa", [10.0, 40.0])
def test_gradient_descent_diverges_just_past_two_over_l_on_the_ravine(kappa):
    """GD on ½(x² + κy²) multiplies y by (1 − lr·κ) each step: stable iff lr < 2/L with L = κ."""
    edge = 2 / kappa
    lrs = np.geomspace(0.25 * edge, 2 * edge, 301)
    df = sweeps.lr_sweep(ravine(kappa), lrs)
    first = df.loc[df["diverged"], "lr"].min()
    assert edge <= first <= 1.03 * edge
    assert not df.loc[df["lr"] < edge, "diverged"].any()
    assert df.loc[df["lr"] > 1.03 * edge, "diverged"].all()
    converging = df[(df["lr"] > 0.5 * edge) & (df["lr"] < 0.9 * edge)]
    assert (converging["final"] < 1e-6).all()
    assert df.loc[df["diverged"], "final"].isna().all()
    assert df.loc[df["diverged"], "diverged_at"].notna().all()
    assert df.loc[~df["diverged"], "diverged_at"].isna().all()


def test_heavy_ball_on_the_parabola_diverges_exactly_past_two_times_one_plus_mu():
    """Heavy ball on ½x² is stable iff 0 < lr < 2(1 + μ) (Polyak 1964; Goh, Distill 2017)."""
    exp = ex.Experiment(surface="parabola", runs=(ex.run_config("momentum"),), steps=300)
    lrs, mus = np.linspace(0.05, 4.0, 80), np.linspace(0.0, 0.98, 50)
    grid = sweeps.hyper_map(exp, 0, "lr", lrs, "momentum", mus)
    assert len(grid) == 80 * 50 and grid.attrs["x_param"] == "lr"
    assert grid.attrs["y_param"] == "momentum"
    edge = 2 * (1 + grid["y"])
    near = (grid["x"] / edge - 1).abs() < 0.02
    theory = grid["x"] > edge
    assert (grid["diverged"] == theory)[~near].all()
    assert theory[~near].sum() > 500 and (~theory)[~near].sum() > 1500  # both sides are tested
    assert grid.loc[~grid["diverged"], "final"].notna().all()


# --- the learning-rate sweep --------------------------------------------------------------------


def test_a_sweep_is_one_batched_run_per_configuration(run_calls):
    exp = ex.Experiment(steps=50)
    df = sweeps.lr_sweep(exp, sweeps.default_lrs(), seeds=3)
    assert len(run_calls) == len(exp.runs)
    assert len(df) == len(exp.runs) * 25 * 3
    assert list(df.columns) == sweeps.SWEEP_COLUMNS
    assert list(pd.unique(df["run"])) == exp.labels()
    run_calls.clear()
    sweeps.hyper_map(exp, 1, "lr", [1e-3, 1e-2], "momentum", [0.0, 0.5, 0.9], seeds=2)
    sweeps.basins(exp, 0, n=8)
    assert len(run_calls) == 2


def test_best_lrs_picks_the_lowest_final_loss_among_lrs_that_never_diverged():
    exp = ex.Experiment(steps=300)
    df = sweeps.lr_sweep(exp)
    best = sweeps.best_lrs(df)
    assert set(best) == set(exp.labels())
    for label, lr in best.items():
        rows = df[df["run"] == label]
        assert lr is not None
        assert not rows.loc[rows["lr"] == lr, "diverged"].any()
        assert rows.loc[rows["lr"] == lr, "final"].iloc[0] == rows["final"].min()
    assert sweeps.best_lrs(sweeps.summarise_lr_sweep(df)) == best
    by_steps = sweeps.best_lrs(df, "steps_to_tol")
    for label, lr in by_steps.items():
        rows = df[(df["run"] == label) & df["steps_to_tol"].notna()]
        assert lr is None or rows.loc[rows["lr"] == lr, "steps_to_tol"].iloc[0] == (
            rows["steps_to_tol"].min()
        )


def test_a_run_whose_every_lr_diverged_has_no_best_lr():
    df = sweeps.lr_sweep(ravine(10.0, steps=100), [1.0, 2.0, 5.0])
    assert df["diverged"].all()
    assert sweeps.best_lrs(df) == {"SGD": None}
    with pytest.raises(ValueError, match="metric"):
        sweeps.best_lrs(df, "loss")


def test_steps_to_tolerance_counts_from_the_start():
    # from (−4, 3) GD with lr 0.5 halves the point: f = 12.5·4^−t < 1e−3 from t = 7
    exp = ex.Experiment(surface="quadratic", runs=(ex.run_config("sgd"),), steps=40)
    row = sweeps.lr_sweep(exp, [0.5]).iloc[0]
    assert row["steps_to_tol"] == 7 and row["final"] == pytest.approx(12.5 * 4.0**-40)


def test_seeds_spread_with_noise_and_coincide_without():
    lrs = np.geomspace(1e-3, 0.1, 6)
    quiet = sweeps.summarise_lr_sweep(sweeps.lr_sweep(ravine(10.0, steps=100), lrs, seeds=4))
    assert (quiet["seeds"] == 4).all()
    assert (quiet["final_hi"] == quiet["final_lo"]).all()
    noisy_exp = ex.Experiment(
        surface="ravine", runs=(ex.run_config("sgd"), ex.run_config("adam")), steps=100, noise=0.5
    )
    noisy = sweeps.summarise_lr_sweep(sweeps.lr_sweep(noisy_exp, lrs, seeds=4))
    assert (noisy["final_hi"] > noisy["final_lo"]).all()
    assert noisy["final_lo"].le(noisy["final_median"]).all()
    assert noisy["final_median"].le(noisy["final_hi"]).all()
    # the mini-batch objective: each replica draws its own batches from the one generator
    sampled = ex.Experiment(surface="least_squares", runs=(ex.run_config("sgd"),), steps=100)
    batches = sweeps.summarise_lr_sweep(sweeps.lr_sweep(sampled, [0.02, 0.05], seeds=3))
    assert (batches["final_hi"] > batches["final_lo"]).all()


def test_partial_divergence_over_seeds_is_counted():
    raw = pd.DataFrame(
        {
            "run": "A",
            "optimizer": "sgd",
            "lr": [0.1, 0.1, 0.2, 0.2],
            "seed": [0, 1, 0, 1],
            "final": [1.0, np.nan, 0.5, 0.25],
            "steps_to_tol": [np.nan, np.nan, 9.0, 7.0],
            "diverged": [False, True, False, False],
            "diverged_at": [np.nan, 12.0, np.nan, np.nan],
        }
    )
    summary = sweeps.summarise_lr_sweep(raw)
    assert summary["diverged_frac"].tolist() == [0.5, 0.0]
    assert summary["final_median"].tolist() == [1.0, 0.375]
    assert summary["diverged_at"].iloc[0] == 12.0
    assert summary["reached_frac"].tolist() == [0.0, 1.0]
    assert sweeps.best_lrs(raw) == {"A": 0.2}  # 0.1 is cheaper on paper, but a seed diverged


def test_bad_sweep_inputs_name_the_problem():
    exp = ex.Experiment(steps=10)
    with pytest.raises(ValueError, match=r"lr must be in \[0, inf\); got -0.1 \(at index \[1\]\)"):
        sweeps.lr_sweep(exp, [0.1, -0.1])
    with pytest.raises(ValueError, match="seeds must be a whole number"):
        sweeps.lr_sweep(exp, [0.1], seeds=0)
    with pytest.raises(ValueError, match="lr values must be a non-empty"):
        sweeps.lr_sweep(exp, [])


def test_a_configuration_that_cannot_be_built_is_reported_and_the_rest_run():
    exp = ex.Experiment(
        runs=(ex.run_config("nesterov", momentum=0.0), ex.run_config("adam")),
        surface="quadratic",
        steps=20,
    )
    df = sweeps.lr_sweep(exp, [0.01, 0.1])
    assert set(df["run"]) == {"Adam"}
    assert "nesterov=True requires momentum > 0" in df.attrs["errors"][exp.labels()[0]]


# --- the 2-D map --------------------------------------------------------------------------------


def test_invalid_map_values_raise_before_anything_runs(run_calls):
    exp = ex.Experiment(runs=(ex.run_config("adam"),), steps=10)
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\); got 1"):
        sweeps.hyper_map(exp, 0, "lr", [0.01, 0.1], "beta1", [0.5, 0.9, 1.0])
    with pytest.raises(ValueError, match="adam has no numeric hyperparameter 'momentum'"):
        sweeps.hyper_map(exp, 0, "lr", [0.01], "momentum", [0.5])
    with pytest.raises(ValueError, match="no numeric hyperparameter 'amsgrad'"):
        sweeps.hyper_map(exp, 0, "lr", [0.01], "amsgrad", [0.0])
    with pytest.raises(ValueError, match="must differ"):
        sweeps.hyper_map(exp, 0, "lr", [0.01], "lr", [0.1])
    with pytest.raises(ValueError, match="run_index"):
        sweeps.hyper_map(exp, 3, "lr", [0.01], "beta1", [0.5])
    nesterov = ex.Experiment(runs=(ex.run_config("nesterov"),), steps=10)
    with pytest.raises(ValueError, match="momentum > 0"):
        sweeps.hyper_map(nesterov, 0, "lr", [0.01], "momentum", [0.0, 0.5])
    assert run_calls == []


@pytest.mark.parametrize("name", optimizers.names())
def test_every_optimizer_has_default_map_axes_that_run(name):
    axes = sweeps.map_axes(name, n=5)
    assert axes.x_param == "lr" and axes.y_param != "lr"
    exp = ex.Experiment(surface="quadratic", runs=(ex.run_config(name),), steps=20)
    grid = sweeps.hyper_map(exp, 0, *axes)
    assert len(grid) == 25 and grid["final"].notna().any()
    partner = next(p for p in optimizers.hyperparams(name) if p.name == axes.y_param)
    assert grid.attrs["x_log"] and grid.attrs["y_log"] == partner.log  # L-BFGS: a tolerance


def test_map_axes_pair_each_optimizer_with_its_characteristic_hyperparameter():
    pairs = {name: sweeps.map_axes(name).y_param for name in optimizers.names()}
    assert pairs["sgd"] == pairs["momentum"] == pairs["nesterov"] == "momentum"
    assert (pairs["rmsprop"], pairs["adadelta"], pairs["adagrad"]) == ("alpha", "rho", "lr_decay")
    for name in ("adam", "adamw", "adamax", "nadam", "radam", "lion", "adabelief"):
        assert pairs[name] == "beta1"
    assert sweeps.map_axes("nesterov").y_values.min() > 0
    assert sweeps.default_lrs()[[0, -1]].tolist() == pytest.approx([1e-5, 10.0])


def test_map_seeds_take_the_median_and_count_divergence():
    exp = ex.Experiment(surface="quadratic", runs=(ex.run_config("sgd"),), steps=60, noise=1.0)
    grid = sweeps.hyper_map(exp, 0, "lr", [0.05, 1.9, 2.5], "momentum", [0.0, 0.5], seeds=5)
    assert grid.attrs["seeds"] == 5 and len(grid) == 6
    assert set(grid["diverged_frac"]) <= {i / 5 for i in range(6)}
    assert grid.loc[grid["x"] == 0.05, "diverged"].eq(False).all()


# --- basins of attraction -----------------------------------------------------------------------


def test_starts_near_each_himmelblau_minimum_reach_it():
    exp = ex.Experiment(surface="himmelblau", runs=(ex.run_config("adam", lr=0.05),), steps=300)
    surface = exp.objective()
    grid = sweeps.basins(exp, 0, n=40)
    assert len(grid) == 1600 and not grid["diverged"].any()
    assert grid.attrs["labels"] == ["(3, 2)", "(-2.81, 3.13)", "(-3.78, -3.28)", "(3.58, -1.85)"]
    for i, point in enumerate(surface.minima):
        distance = np.hypot(grid["x"] - point[0], grid["y"] - point[1])
        near = grid[distance < 0.6]
        assert len(near) >= 4
        assert (near["minimum"] == i).all()
        assert (near["label"] == grid.attrs["labels"][i]).all()
        assert (near["steps"] < 60).all()
    assert set(grid["minimum"]) == {0, 1, 2, 3}


def test_diverged_and_stranded_starts_are_labelled():
    exp = ex.Experiment(surface="himmelblau", runs=(ex.run_config("sgd", lr=0.03),), steps=300)
    grid = sweeps.basins(exp, 0, n=20)
    diverged = grid[grid["diverged"]]
    assert len(diverged) > 0 and (diverged["label"] == "diverged").all()
    assert (diverged["minimum"] == -1).all() and diverged["steps"].isna().all()
    none = grid[grid["label"] == "none"]
    assert len(none) > 0 and (none["minimum"] == -1).all() and none["steps"].isna().all()
    reached = grid[grid["minimum"] >= 0]
    assert reached["steps"].notna().all()


def test_basins_need_a_two_dimensional_function():
    exp = ex.Experiment(surface="parabola", runs=(ex.run_config("sgd"),), steps=10)
    with pytest.raises(ValueError, match="2-D function; 'parabola' is 1-D"):
        sweeps.basins(exp, 0)


def test_a_surface_without_minima_reaches_none():
    exp = ex.Experiment(surface="saddle", runs=(ex.run_config("sgd", lr=0.01),), steps=50)
    grid = sweeps.basins(exp, 0, n=6)
    assert set(grid["label"]) <= {"none", "diverged"} and (grid["minimum"] == -1).all()


# --- fair comparison and downloads --------------------------------------------------------------


def test_fair_runs_put_each_run_at_its_best_lr():
    exp = ex.Experiment(
        runs=(
            ex.run_config("sgd", lr=1e-3),
            ex.run_config("adam", lr=0.05, beta1=0.8),
            ex.run_config("rmsprop"),
        )
    )
    labels = exp.labels()
    fair = sweeps.fair_runs(exp, {labels[0]: np.float64(3e-3), labels[1]: 0.2, labels[2]: None})
    assert [r.value("lr") for r in fair] == [3e-3, 0.2, 0.01]
    assert type(fair[0].value("lr")) is float
    assert fair[1].value("beta1") == 0.8 and fair[1].hyperparams[0] == ("lr", 0.2)
    assert fair[2] == exp.runs[2]
    hash(ex.Experiment(runs=fair))  # still a cache key


def test_csv_downloads_name_the_hyperparameters():
    exp = ex.Experiment(surface="quadratic", runs=(ex.run_config("momentum"),), steps=20)
    grid = sweeps.hyper_map(exp, 0, "lr", [0.1, 1.0], "momentum", [0.0, 0.9])
    table = pd.read_csv(io.BytesIO(sweeps.sweep_csv(grid)))
    assert list(table.columns[:2]) == ["lr", "momentum"] and len(table) == 4
    lr_table = pd.read_csv(io.BytesIO(sweeps.sweep_csv(sweeps.lr_sweep(exp, [0.1, 1.0]))))
    assert list(lr_table.columns) == sweeps.SWEEP_COLUMNS


# --- charts -------------------------------------------------------------------------------------


def _spec(chart) -> dict:
    chart.to_dict()  # validates against the Vega-Lite schema
    spec = charts.to_spec(chart)
    assert spec["datasets"]
    return spec


@pytest.mark.parametrize("metric", ["final", "steps_to_tol"])
def test_lr_sensitivity_chart_builds_with_diverged_markers_and_best_lrs(metric):
    exp = ex.Experiment(steps=200, noise=0.5)
    df = sweeps.lr_sweep(exp, np.geomspace(1e-4, 3.0, 9), seeds=2)
    summary = sweeps.summarise_lr_sweep(df)
    best = sweeps.best_lrs(df, metric)
    spec = _spec(sweep_charts.lr_sensitivity_chart(summary, best, figures.run_style(exp), metric))
    tables = list(spec["datasets"].values())
    flags = next(t for t in tables if "marker" in t and "share" in t)
    assert "diverged" in set(flags["marker"])
    rings = next(t for t in tables if "marker" in t and "share" not in t)
    assert set(rings["marker"]) <= {"best lr"}
    assert len(rings) == sum(v is not None for v in best.values())


def test_lr_sensitivity_chart_copes_with_every_lr_diverged_and_an_empty_sweep():
    df = sweeps.lr_sweep(ravine(10.0, steps=50), [1.0, 2.0])
    summary = sweeps.summarise_lr_sweep(df)
    _spec(sweep_charts.lr_sensitivity_chart(summary, sweeps.best_lrs(df), SGD_ONLY, "final"))
    empty = sweeps.summarise_lr_sweep(df.iloc[:0])
    _spec(sweep_charts.lr_sensitivity_chart(empty, {}, SGD_ONLY, "steps_to_tol"))


@pytest.mark.parametrize("metric", ["final", "steps_to_tol"])
def test_hyper_map_chart_builds_with_log_axes_and_a_diverged_legend(metric):
    exp = ex.Experiment(runs=(ex.run_config("adam"),), steps=100)
    grid = sweeps.hyper_map(exp, 0, "lr", np.geomspace(1e-3, 10, 6), "beta1", [0.0, 0.5, 0.9])
    chart = sweep_charts.hyper_map_chart(grid, metric)
    spec = _spec(chart)
    cells = spec["layer"][0]["encoding"]
    assert cells["x"]["scale"]["type"] == "log" and cells["y"]["scale"]["type"] == "linear"
    assert cells["x"]["title"] == "Learning rate η (lr)"
    flat = spec["layer"][1]["encoding"]["color"]["scale"]
    assert flat["domain"][0] == "diverged" and flat["range"][0] == sweep_charts.DIVERGED


def test_cell_edges_tile_log_and_linear_grids():
    lo, hi = sweep_charts._cell_edges(np.array([1.0, 10.0, 100.0]), log=True)
    assert lo.tolist() == pytest.approx([10**-0.5, 10**0.5, 10**1.5])
    assert hi.tolist() == pytest.approx([10**0.5, 10**1.5, 10**2.5])
    lo, hi = sweep_charts._cell_edges(np.array([0.5]), log=False)
    assert (lo[0], hi[0]) == (0.0, 1.0)


def test_basins_chart_builds_with_minima_none_and_diverged():
    exp = ex.Experiment(surface="himmelblau", runs=(ex.run_config("sgd", lr=0.03),), steps=200)
    grid = sweeps.basins(exp, 0, n=12)
    spec = _spec(sweep_charts.basins_chart(grid, exp.objective()))
    colour = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colour["domain"][-2:] == ["none", "diverged"] and len(colour["domain"]) == 6
    saddle = ex.Experiment(surface="saddle", runs=(ex.run_config("sgd", lr=0.01),), steps=20)
    _spec(sweep_charts.basins_chart(sweeps.basins(saddle, 0, n=5), surfaces.get("saddle")))


def test_sweeps_never_import_streamlit():
    code = (
        "import sys, lab.sweeps, lab.sweep_charts; "
        "assert 'streamlit' not in sys.modules, 'streamlit imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_oversized_sweeps_are_refused_before_running(run_calls):
    exp = ex.Experiment(steps=5000)
    with pytest.raises(ValueError, match=r"runs × steps must stay below"):
        sweeps.hyper_map(exp, 0, "lr", np.geomspace(1e-4, 1, 100), "momentum", [0.0, 0.5], 20)
    with pytest.raises(ValueError, match=r"runs × steps"):
        sweeps.basins(exp, 0, n=400)
    assert run_calls == []


def test_the_median_over_seeds_is_nanmedian_without_its_warning():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5, 7, 3))
    values[rng.random(values.shape) < 0.4] = np.nan
    values[:, 0, 0] = np.nan  # a cell where every seed diverged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(values, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sweeps._median_over_seeds(values)
    np.testing.assert_allclose(got, expected, equal_nan=True)


# --- outcomes: what the sweeps read is what the full trajectory holds ----------------------------


@pytest.mark.parametrize(
    ("surface", "noise"), [("himmelblau", 0.0), ("himmelblau", 2.0), ("least_squares", 0.0)]
)
def test_sweeps_read_outcomes_equal_to_the_full_trajectorys(monkeypatch, surface, noise):
    """The sweeps run the loop's outcome record (a few rows per run, not every step), and what
    they report is, bit for bit, what the full trajectory of the same call gives: final gap,
    steps to the tolerance, divergence step, the minimum reached and the first step near it."""
    exp = ex.Experiment(
        surface=surface, runs=(ex.run_config("momentum"),), steps=150, noise=noise, seed=3
    )
    s, records = exp.objective(), []
    real = optimizers.run

    def recording(*args, **kwargs):
        records.append(kwargs.get("record"))
        return real(*args, **kwargs)

    monkeypatch.setattr(optimizers, "run", recording)
    lrs = np.geomspace(1e-4, 3.0, 40)
    df = sweeps.lr_sweep(exp, lrs)
    basin = sweeps.basins(exp, 0, n=12)
    assert records == ["outcome", "outcome"]

    traj = real(
        optimizers.get("momentum", lr=lrs[:, None]), s, exp.start_point(), 150, noise=noise, seed=3
    )
    with np.errstate(invalid="ignore"):
        below = traj.loss - s.f_min < exp.tolerance
    ok = below.any(axis=0) & ~traj.diverged
    np.testing.assert_array_equal(
        df["steps_to_tol"], np.where(ok, np.argmax(below, axis=0), np.nan)
    )
    gap = np.maximum(traj.loss[-1] - s.f_min, 1e-16)
    np.testing.assert_array_equal(df["final"], np.where(traj.diverged, np.nan, gap))
    at = np.where(traj.diverged, traj.divergence_step, np.nan)
    np.testing.assert_array_equal(df["diverged_at"], at)
    assert df["diverged"].any() and df["steps_to_tol"].notna().any()

    (x0, x1), (y0, y1) = s.bounds
    xs, ys = (
        x0 + (np.arange(12) + 0.5) * (x1 - x0) / 12,
        y0 + (np.arange(12) + 0.5) * (y1 - y0) / 12,
    )
    starts = np.stack(np.meshgrid(xs, ys), axis=-1)
    traj = real(optimizers.get("momentum"), s, starts, 150, noise=noise, seed=3)
    radius = sweeps.basin_radius(s)
    dist = np.linalg.norm(traj.params[-1][..., None, :] - s.minima, axis=-1)
    nearest = np.argmin(np.where(np.isnan(dist), np.inf, dist), axis=-1)
    reached = (np.take_along_axis(dist, nearest[..., None], -1)[..., 0] < radius) & ~traj.diverged
    path = np.linalg.norm(traj.params - s.minima[nearest], axis=-1)
    steps = np.where(reached, np.argmax(path < radius, axis=0), np.nan)
    np.testing.assert_array_equal(basin["minimum"], np.where(reached, nearest, -1).ravel())
    np.testing.assert_array_equal(basin["steps"], steps.ravel())
    assert basin["diverged"].tolist() == traj.diverged.ravel().tolist()
    assert (basin["minimum"] >= 0).any()
