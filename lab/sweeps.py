"""Hyperparameter sweeps: learning-rate sensitivity, 2-D hyperparameter maps, basins of attraction.

Every sweep is one batched call of :func:`optimizers.run` per run configuration: the swept
hyperparameters are arrays over the batch (and several seeds a further batch axis of replicated
starts), never a Python loop over values. Results are tidy DataFrames for the charts in
:mod:`lab.sweep_charts` and for CSV downloads.

Divergence is the run loop's (non-finite values, or parameters far outside the function's
window): a diverged run has ``diverged`` set and NaN in place of its final loss, so a chart can
draw it as divergence rather than as a huge loss.

>>> from lab.experiment import Experiment, run_config
>>> exp = Experiment(surface="parabola", runs=(run_config("sgd"),), steps=50)
>>> df = lr_sweep(exp, [0.5, 1.5, 2.5])
>>> df[["lr", "diverged"]].to_dict("list")
{'lr': [0.5, 1.5, 2.5], 'diverged': [False, False, True]}
>>> best_lrs(df)
{'SGD': 0.5}
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

import optimizers
import surfaces
from params import Param

from . import frames
from .experiment import Experiment, RunConfig, run_config

Metric = Literal["final", "steps_to_tol"]
METRICS = ("final", "steps_to_tol")
MAX_SEEDS = 64
# runs × steps of one batched call (a 100 × 100 map of 500 steps is 5M): it bounds the work; the
# memory is a few rows per run (the run loop's outcome record), whatever the steps
MAX_RUN_STEPS = 10_000_000
BASIN_RADIUS = 0.05  # of the window's diagonal: "reached a minimum" means ending this close to it
SWEEP_COLUMNS = ["run", "optimizer", "lr", "seed", "final", "steps_to_tol", "diverged"]
SWEEP_COLUMNS += ["diverged_at"]

_UNIT_TOP = 0.99  # default grids over [0, 1) stop here: 0.999 needs far more steps than a map has


class MapAxes(NamedTuple):
    """Suggested axes of a 2-D hyperparameter map: parameter names and value grids."""

    x_param: str
    x_values: np.ndarray
    y_param: str
    y_values: np.ndarray


# --- defaults -------------------------------------------------------------------------------------


def default_lrs(n: int = 25) -> np.ndarray:
    """``n`` learning rates evenly spaced on a log axis from 1e-5 to 10.

    >>> default_lrs(7)
    array([1.e-05, 1.e-04, 1.e-03, 1.e-02, 1.e-01, 1.e+00, 1.e+01])
    """
    n = _count(n, "n", low=2)
    return np.logspace(-5, 1, n)


def map_axes(optimizer: str, n: int = 40, y_param: str | None = None) -> MapAxes:
    """The learning rate against ``y_param``, by default the hyperparameter that most shapes
    ``optimizer``'s dynamics.

    Momentum for SGD, Momentum and Nesterov (Distill's phase diagram), α for RMSProp, ρ for
    Adadelta, ``lr_decay`` for Adagrad, β₁ for the Adam family and Lion; any other optimizer gets
    its first numeric hyperparameter after ``lr``. Grids span each parameter's slider range
    (``Hyperparam.ui_range``), clipped to its valid range: log-spaced where the parameter is
    log-scaled, else even; decay rates in [0, 1) stop at 0.99.

    >>> axes = map_axes("momentum", n=5)
    >>> axes.x_param, axes.y_param, axes.y_values.tolist()
    ('lr', 'momentum', [0.0, 0.2475, 0.495, 0.7425, 0.99])
    >>> map_axes("adam").y_param
    'beta1'
    """
    n = _count(n, "n", low=2)
    specs = {s.name: s for s in optimizers.hyperparams(optimizer)}
    numeric = [s.name for s in specs.values() if s.kind is float and s.name != "lr"]
    partner = y_param or optimizers.entry(optimizer).sweep_partner  # declared by the optimizer
    if partner is None:
        if not numeric:
            raise ValueError(f"{optimizer} has no numeric hyperparameter to pair with lr")
        partner = numeric[0]
    if partner not in numeric:
        raise ValueError(f"y_param must be one of {', '.join(numeric)}; got {partner!r}")
    y = _grid(specs[partner], n)
    if partner == "momentum" and optimizers.defaults(optimizer).get("nesterov") is True:
        y = np.linspace(y[-1] / n, y[-1], n)  # Nesterov needs momentum > 0
    return MapAxes("lr", _grid(specs["lr"], n), partner, y)


def _grid(spec: optimizers.Hyperparam, n: int) -> np.ndarray:
    low, high = spec.ui_range or (spec.low, spec.high if math.isfinite(spec.high) else 1.0)
    if spec.high == 1.0:
        high = min(high, _UNIT_TOP)
    if spec.log:
        low = max(low, 1e-12)
        return np.logspace(math.log10(low), math.log10(high), n)
    return np.linspace(low, high, n)


# --- learning-rate sweep ------------------------------------------------------------------------


def lr_sweep(exp: Experiment, lrs: ArrayLike | None = None, seeds: int = 1) -> pd.DataFrame:
    """Run every configuration of ``exp`` at each learning rate in ``lrs``, ``seeds`` times.

    One batched :func:`optimizers.run` call per configuration: ``lr`` is an array over the batch
    and, with ``seeds`` > 1, the start is replicated along a further batch axis. Every run of the
    batch (each rate and replica) draws its own gradient noise and mini-batches from the one
    generator seeded by ``exp.seed``, so the rates do not share noise draws.
    The other hyperparameters, the schedule, the start, the noise and the step count are the
    experiment's. Without noise and with a deterministic objective the replicas are identical.

    Args:
        exp: the experiment; its ``lr`` settings are replaced by the swept ones.
        lrs: learning rates, each in [0, inf) (default :func:`default_lrs`).
        seeds: replicas per learning rate, a whole number in [1, 64].

    Returns:
        One row per run × lr × seed: ``run`` (the experiment's label), ``optimizer``, ``lr``,
        ``seed`` (replica index), ``final`` (final f − f_min, floored at 1e-16, or f when the
        minimum is unknown; NaN when diverged), ``steps_to_tol`` (first step with
        f − f_min < ``exp.tolerance``; NaN if never, when diverged, or with no known minimum),
        ``diverged`` and ``diverged_at`` (the step, NaN when not). ``attrs["errors"]`` maps the
        label of each configuration that could not be built to its error.

    Raises:
        ValueError: an invalid learning rate (named, with its index) or seed count, or more
            than ``MAX_RUN_STEPS`` runs × steps per call.
    """
    lr_spec = {s.name: s for s in optimizers.hyperparams("sgd")}["lr"]  # [0, inf) for every one
    lrs = _values(lr_spec, default_lrs() if lrs is None else lrs)
    seeds = _count(seeds, "seeds", low=1, high=MAX_SEEDS)
    surface, start, kwargs = _setup(exp)
    _check_size(len(lrs) * seeds, exp.steps)
    x0 = _starts(exp, start, seeds, batch_ndim=1)
    lr_batch = lrs[:, None]  # (n_lr, 1): one learning rate per run of the batch
    frames_, errors = [], {}
    for label, config in zip(exp.labels(), exp.runs, strict=True):
        try:
            opt = _build(config, lr=lr_batch)
        except (ValueError, TypeError) as err:
            errors[label] = str(err)
            continue
        out = optimizers.run(opt, surface, x0, exp.steps, **kwargs)
        final, steps, diverged, at = _outcomes(out, surface)
        if seeds == 1:  # batch (n_lr,)  ->  rows lr-major
            final, steps, diverged, at = (a[:, None] for a in (final, steps, diverged, at))
        else:  # batch (seeds, n_lr)
            final, steps, diverged, at = (a.T for a in (final, steps, diverged, at))
        frames_.append(
            pd.DataFrame(
                {
                    "run": label,
                    "optimizer": config.optimizer,
                    "lr": np.repeat(lrs, seeds),
                    "seed": np.tile(np.arange(seeds), len(lrs)),
                    "final": final.ravel(),
                    "steps_to_tol": steps.ravel(),
                    "diverged": diverged.ravel(),
                    "diverged_at": at.ravel(),
                }
            )
        )
    df = _concat(frames_, SWEEP_COLUMNS)
    df.attrs.update(
        kind="lr_sweep",
        surface=exp.surface,
        model=exp.is_model,
        has_minimum=exp.objective().f_min is not None,
        tolerance=exp.tolerance,
        errors=errors,
    )
    df.attrs["seeds"] = seeds
    return df


def summarise_lr_sweep(df: pd.DataFrame) -> pd.DataFrame:
    """Aggregate an :func:`lr_sweep` over seeds: one row per run × lr, for lines and bands.

    Final losses and step counts are taken over the seeds that did not diverge.

    Returns:
        Columns ``run``, ``optimizer``, ``lr``, ``seeds`` (replicas), ``final_median``,
        ``final_lo``, ``final_hi`` (min and max), ``steps_median``, ``steps_lo``, ``steps_hi``,
        ``reached_frac`` (fraction of seeds reaching the tolerance), ``diverged_frac``,
        ``diverged_at`` (median step of the seeds that diverged, NaN if none).

    >>> raw = pd.DataFrame({"run": "A", "optimizer": "sgd", "lr": 0.1, "seed": [0, 1, 2],
    ...     "final": [1.0, 3.0, np.nan], "steps_to_tol": [5.0, np.nan, np.nan],
    ...     "diverged": [False, False, True], "diverged_at": [np.nan, np.nan, 7.0]})
    >>> row = summarise_lr_sweep(raw).iloc[0]
    >>> float(row.final_median), float(row.final_hi), round(float(row.diverged_frac), 3)
    (2.0, 3.0, 0.333)
    """
    columns = ["run", "optimizer", "lr", "seeds", "final_median", "final_lo", "final_hi"]
    columns += ["steps_median", "steps_lo", "steps_hi", "reached_frac", "diverged_frac"]
    columns += ["diverged_at"]
    if df.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        return empty.astype({"run": object, "optimizer": object, "seeds": int})
    data = df.assign(
        reached=df["steps_to_tol"].notna().astype(float),
        diverged=df["diverged"].astype(float),
    )
    grouped = data.groupby(["run", "lr"], sort=False)
    out = grouped.agg(
        optimizer=("optimizer", "first"),
        seeds=("seed", "size"),
        final_median=("final", "median"),
        final_lo=("final", "min"),
        final_hi=("final", "max"),
        steps_median=("steps_to_tol", "median"),
        steps_lo=("steps_to_tol", "min"),
        steps_hi=("steps_to_tol", "max"),
        reached_frac=("reached", "mean"),
        diverged_frac=("diverged", "mean"),
        diverged_at=("diverged_at", "median"),
    ).reset_index()
    order = {label: i for i, label in enumerate(pd.unique(df["run"]))}
    out = out.sort_values(["run", "lr"], key=lambda s: s.map(order) if s.name == "run" else s)
    out = out.reset_index(drop=True)[columns]
    out.attrs = dict(df.attrs)
    return out


def best_lrs(df: pd.DataFrame, metric: Metric = "final") -> dict[str, float | None]:
    """The best learning rate of each run: lowest median ``metric`` where no seed diverged.

    Ties (several rates reaching the same floor) go to the lower median of the other metric.
    A run whose every rate diverged, or (for ``steps_to_tol``) whose no rate reached the
    tolerance, gets None.

    Args:
        df: an :func:`lr_sweep` result or its :func:`summarise_lr_sweep`.
        metric: ``"final"`` (final f − f_min) or ``"steps_to_tol"``.
    """
    _check_metric(metric)
    summary = df if "diverged_frac" in df.columns else summarise_lr_sweep(df)
    key, other = ("final_median", "steps_median")
    if metric == "steps_to_tol":
        key, other = other, key
    best: dict[str, float | None] = {}
    for label, rows in summary.groupby("run", sort=False):
        ok = rows[(rows["diverged_frac"] == 0) & rows[key].notna()]
        if ok.empty:
            best[str(label)] = None
            continue
        ranked = ok.sort_values([key, other, "lr"], na_position="last", kind="stable")
        best[str(label)] = float(ranked["lr"].iloc[0])
    return best


def fair_runs(exp: Experiment, best: Mapping[str, float | None]) -> tuple[RunConfig, ...]:
    """The experiment's runs, each at its best learning rate (unchanged where None or absent).

    >>> from lab.experiment import Experiment, run_config
    >>> exp = Experiment(runs=(run_config("sgd", lr=1e-3), run_config("adam", lr=0.05)))
    >>> [r.value("lr") for r in fair_runs(exp, {"SGD lr=0.001": 0.002, "Adam lr=0.05": None})]
    [0.002, 0.05]
    """
    runs = []
    for label, config in zip(exp.labels(), exp.runs, strict=True):
        lr = best.get(label)
        if lr is None:
            runs.append(config)
            continue
        runs.append(run_config(config.optimizer, **{**dict(config.hyperparams), "lr": float(lr)}))
    return tuple(runs)


# --- 2-D hyperparameter map ---------------------------------------------------------------------


def hyper_map(
    exp: Experiment,
    run_index: int,
    x_param: str,
    x_values: ArrayLike,
    y_param: str,
    y_values: ArrayLike,
    seeds: int = 1,
) -> pd.DataFrame:
    """Final loss and steps to tolerance over a grid of two hyperparameters of one run.

    One batched call: ``x_param`` varies along the batch's last axis, ``y_param`` along the one
    before, and seeds (replicated starts) along a further leading axis. The run's other
    settings, and the experiment's start, schedule, noise, seed and steps, are kept.

    Args:
        exp: the experiment.
        run_index: which of ``exp.runs`` to map.
        x_param, y_param: two different numeric hyperparameters of that optimizer.
        x_values, y_values: their values (1-D), each inside the parameter's valid range.
        seeds: replicas per cell, a whole number in [1, 64].

    Returns:
        One row per cell, y-major: ``x``, ``y`` (the two values), ``final`` (median final
        f − f_min over the seeds that did not diverge, NaN if all did), ``steps_to_tol`` (their
        median), ``diverged`` (True when any seed diverged) and ``diverged_frac``.
        ``attrs`` holds ``x_param``, ``y_param``, ``x_log``, ``y_log`` (whether the grid is
        log-spaced), ``optimizer``, ``run`` (label), ``seeds``, ``tolerance``, ``surface``.

    Raises:
        ValueError: unknown or non-numeric parameters, equal parameters, a value outside its
            valid range (named, with its index), an invalid combination (the optimizer's own
            check, e.g. Nesterov with momentum 0), more than ``MAX_RUN_STEPS`` cells × seeds ×
            steps; all before anything runs.
    """
    config, label = _pick(exp, run_index)
    specs = {s.name: s for s in optimizers.hyperparams(config.optimizer)}
    for name in (x_param, y_param):
        if name not in specs or specs[name].kind is not float:
            choices = ", ".join(n for n, s in specs.items() if s.kind is float)
            raise ValueError(
                f"{config.optimizer} has no numeric hyperparameter {name!r}; choose from: {choices}"
            )
    if x_param == y_param:
        raise ValueError(f"x_param and y_param must differ; got {x_param!r} twice")
    xs, ys = _values(specs[x_param], x_values), _values(specs[y_param], y_values)
    seeds = _count(seeds, "seeds", low=1, high=MAX_SEEDS)
    _check_size(len(xs) * len(ys) * seeds, exp.steps)
    opt = _build(config, **{x_param: xs[None, :, None], y_param: ys[:, None, None]})
    surface, start, kwargs = _setup(exp)
    x0 = _starts(exp, start, seeds, batch_ndim=2)
    out = optimizers.run(opt, surface, x0, exp.steps, **kwargs)
    final, steps, diverged, _ = _outcomes(out, surface)
    if seeds == 1:
        final, steps, diverged = final[None], steps[None], diverged[None]
    final_med, steps_med = _median_over_seeds(final), _median_over_seeds(steps)
    ny, nx = len(ys), len(xs)
    df = pd.DataFrame(
        {
            "x": np.tile(xs, ny),
            "y": np.repeat(ys, nx),
            "final": final_med.ravel(),
            "steps_to_tol": steps_med.ravel(),
            "diverged": diverged.any(axis=0).ravel(),
            "diverged_frac": diverged.mean(axis=0).ravel(),
        }
    )
    df.attrs.update(
        kind="hyper_map",
        x_param=x_param,
        y_param=y_param,
        x_log=_log_spaced(xs, specs[x_param].log),
        y_log=_log_spaced(ys, specs[y_param].log),
        model=exp.is_model,
        has_minimum=exp.objective().f_min is not None,
        optimizer=config.optimizer,
        run=label,
        seeds=seeds,
        tolerance=exp.tolerance,
        surface=exp.surface,
    )
    return df


# --- basins of attraction -----------------------------------------------------------------------


def basins(exp: Experiment, run_index: int, n: int = 40) -> pd.DataFrame:
    """Which known minimum each start on an n × n grid reaches, and in how many steps.

    The starts are the centres of an n × n tiling of the function's window; all run in one
    batched call with run ``run_index``'s settings and the experiment's schedule, noise, seed
    and steps. A run has reached minimum i when its final point lies within a radius of it: 5%
    of the window's diagonal, shrunk to 0.4× the closest distance between two minima so that
    the radii never overlap.

    Returns:
        One row per start, y-major: ``x``, ``y`` (the start), ``minimum`` (index into
        ``surface.minima``, -1 when none was reached or the run diverged), ``label`` (the
        minimum as text, e.g. ``"(3, 2)"``, or ``"none"`` or ``"diverged"``), ``steps`` (first
        step within the radius of the minimum it reached; NaN otherwise) and ``diverged``.
        ``attrs`` holds ``radius``, ``n``, ``labels`` (the label of each minimum, in order),
        ``optimizer``, ``run`` and ``surface``.

    Raises:
        ValueError: a 1-D function, n outside [2, 400], or more than ``MAX_RUN_STEPS`` n² × steps.
    """
    config, label = _pick(exp, run_index)
    surface = exp.objective()
    if surface.dim != 2:
        raise ValueError(
            f"basins of attraction need a 2-D function; {surface.name!r} is {surface.dim}-D"
        )
    n = _count(n, "n", low=2, high=400)
    _check_size(n * n, exp.steps)
    opt = _build(config)
    (x0, x1), (y0, y1) = surface.bounds
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    starts = np.stack(np.meshgrid(xs, ys), axis=-1)  # (n, n, 2), y-major
    _, _, kwargs = _setup(exp)
    radius = basin_radius(surface)
    minima = surface.minima
    kwargs["watch"] = _near(minima, radius) if len(minima) else {}
    out = optimizers.run(opt, surface, starts, exp.steps, **kwargs)
    diverged = out.diverged
    index = np.full((n, n), -1)
    steps = np.full((n, n), np.nan)
    if len(minima):
        with np.errstate(invalid="ignore", over="ignore"):  # far-off ends: inf distances
            dist = np.linalg.norm(out.final_params[..., None, :] - minima, axis=-1)  # (n, n, k)
            nearest = np.argmin(np.where(np.isnan(dist), np.inf, dist), axis=-1)
            reached = (np.take_along_axis(dist, nearest[..., None], -1)[..., 0] < radius) & (
                ~diverged
            )
            index = np.where(reached, nearest, -1)
            first = np.take_along_axis(out.first_step["near"], nearest[..., None], -1)[..., 0]
            steps = np.where(reached, first, np.nan)
    names = minimum_labels(surface)
    text = np.array([*names, "none"], dtype=object)[np.where(index >= 0, index, len(names))]
    text = np.where(diverged, "diverged", text)
    df = pd.DataFrame(
        {
            "x": np.tile(xs, n),
            "y": np.repeat(ys, n),
            "minimum": index.ravel(),
            "label": pd.Series(text.ravel(), dtype=object),
            "steps": steps.ravel(),
            "diverged": diverged.ravel(),
        }
    )
    df.attrs.update(
        kind="basins",
        radius=radius,
        n=n,
        labels=names,
        optimizer=config.optimizer,
        run=label,
        surface=exp.surface,
    )
    return df


def basin_radius(surface: surfaces.Surface) -> float:
    """How close a final point must be to a minimum to count as having reached it.

    >>> round(basin_radius(surfaces.get("himmelblau")), 4)  # 5% of the diagonal of [-5, 5]²
    0.7071
    """
    width = np.array([hi - lo for lo, hi in surface.bounds])
    radius = BASIN_RADIUS * float(np.linalg.norm(width))
    minima = surface.minima
    if len(minima) > 1:
        gaps = np.linalg.norm(minima[:, None] - minima[None], axis=-1)
        closest = float(gaps[~np.eye(len(minima), dtype=bool)].min())
        radius = min(radius, 0.4 * closest)
    return radius


def minimum_labels(surface: surfaces.Surface) -> list[str]:
    """Each known minimum as short text, e.g. ``"(3, 2)"``; unique.

    >>> minimum_labels(surfaces.get("himmelblau"))
    ['(3, 2)', '(-2.81, 3.13)', '(-3.78, -3.28)', '(3.58, -1.85)']
    """
    labels: list[str] = []
    for i, point in enumerate(surface.minima):
        text = "(" + ", ".join(f"{float(v):.3g}" for v in point) + ")"
        labels.append(text if text not in labels else f"{text} #{i + 1}")
    return labels


# --- downloads ----------------------------------------------------------------------------------


def sweep_csv(df: pd.DataFrame) -> bytes:
    """A sweep result as UTF-8 CSV; a map's ``x``/``y`` columns take the hyperparameters' names.

    >>> sweep_csv(pd.DataFrame({"x": [0.1], "y": [0.9], "final": [1e-3]})).decode()
    'x,y,final\\n0.1,0.9,0.001\\n'
    """
    out = df
    x_name, y_name = df.attrs.get("x_param"), df.attrs.get("y_param")
    if x_name and y_name and df.attrs.get("kind") == "hyper_map":
        out = df.rename(columns={"x": x_name, "y": y_name})
    return out.to_csv(index=False).encode("utf-8")


# --- helpers ------------------------------------------------------------------------------------


def _setup(exp: Experiment) -> tuple[surfaces.Surface, np.ndarray, dict[str, Any]]:
    """The surface, the start and the run loop's arguments: a sweep reads each run's outcome
    (final loss, divergence, steps to the tolerance), never every step's values."""
    surface = exp.objective()
    kwargs = {
        "schedule": exp.lr_schedule(),
        "noise": exp.noise,
        "seed": exp.seed,
        "record": "outcome",
        "watch": _within_tolerance(surface, exp.tolerance),
    }
    return surface, np.asarray(exp.start_point(), dtype=float), kwargs


def _within_tolerance(surface: surfaces.Surface, tolerance: float) -> dict[str, Any]:
    """The run loop's condition for "reached the tolerance", f − f_min < tolerance (none when
    the minimum is unknown)."""
    f_min = surface.f_min
    if f_min is None:
        return {}
    return {"tol": lambda params, loss: loss - f_min < tolerance}


def _near(minima: np.ndarray, radius: float) -> dict[str, Any]:
    """The run loop's condition for "within ``radius`` of each minimum" (one trailing axis).

    The distance is written out a minimum and a coordinate at a time: the squares added in
    coordinate order, as ``np.linalg.norm`` adds a 2-D point's (the same bits), each operation
    over whole rows of runs. ``norm`` over a (..., minima, 2) array runs its inner loops over
    the short last axes and took most of a basin map's time (14× slower on a 40 × 40 map)."""

    def near(params: np.ndarray, loss: np.ndarray) -> np.ndarray:
        inside = []
        for point in minima:
            gap = params[..., 0] - point[0]
            square = gap * gap
            for i in range(1, len(point)):
                gap = params[..., i] - point[i]
                square = square + gap * gap
            inside.append(np.sqrt(square) < radius)
        return np.stack(inside, axis=-1)

    return {"near": near}


def _starts(exp: Experiment, start: np.ndarray, seeds: int, batch_ndim: int) -> np.ndarray:
    """The batch's starts: the start replicated (:func:`_replicas`), or for a model one
    initialisation per seed, ``init_seed``, ``init_seed + 1``, … (every run of a batch sees the
    same mini-batches in the same order, so on a model the seeds vary the initialisation)."""
    if not exp.is_model or seeds == 1:
        return _replicas(start, seeds, batch_ndim)
    obj = exp.objective()
    inits = np.stack([obj.network.init(obj.init_seed + k) for k in range(seeds)])
    return inits.reshape((seeds,) + (1,) * batch_ndim + start.shape)


def _replicas(start: np.ndarray, seeds: int, batch_ndim: int) -> np.ndarray:
    """The start, with a leading axis of ``seeds`` copies when seeds > 1, shaped to broadcast
    against ``batch_ndim`` hyperparameter axes."""
    if seeds == 1:
        return start
    return np.broadcast_to(start, (seeds,) + (1,) * batch_ndim + start.shape)


def _median_over_seeds(values: np.ndarray) -> np.ndarray:
    """The median of the finite values along axis 0; NaN where a cell has none (every seed
    diverged, or never reached the tolerance). Unlike np.nanmedian it warns of nothing, and
    it changes no process-wide warning filter (sessions run in threads)."""
    if values.shape[0] == 1:
        return values[0].astype(float)
    ordered = np.sort(values, axis=0)  # NaN sorts last
    count = np.sum(~np.isnan(values), axis=0)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[None], axis=0)[0]
    high = np.take_along_axis(ordered, np.maximum(count // 2, 0)[None], axis=0)[0]
    return np.where(count > 0, (low + high) / 2, np.nan)


def _check_size(runs: int, steps: int) -> None:
    if runs * steps > MAX_RUN_STEPS:
        raise ValueError(
            f"runs × steps must stay below {MAX_RUN_STEPS:,} in one sweep; got "
            f"{runs:,} × {steps:,} = {runs * steps:,} (use fewer values, seeds or steps)"
        )


def _build(config: RunConfig, **arrays: np.ndarray) -> optimizers.Optimizer:
    return optimizers.get(config.optimizer, **{**dict(config.hyperparams), **arrays})


def _outcomes(
    out: optimizers.Outcome, surface: surfaces.Surface
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per run of the batch: final gap (NaN if diverged), steps to the tolerance (watched
    during the run, see :func:`_setup`), diverged, divergence step."""
    diverged = np.asarray(out.diverged)
    with np.errstate(invalid="ignore"):
        final = np.where(diverged, np.nan, frames.gap(surface, out.final_loss))
        if surface.f_min is None:
            steps = np.full(diverged.shape, np.nan)
        else:
            first = out.first_step["tol"]
            steps = np.where((first >= 0) & ~diverged, first, np.nan)
    at = np.where(diverged, out.divergence_step, np.nan).astype(float)
    return final, steps.astype(float), diverged, at


def _values(spec: optimizers.Hyperparam, values: ArrayLike) -> np.ndarray:
    """Validated 1-D float values of a hyperparameter (errors name it and the bad index)."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{spec.name} values must be numbers; got {values!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{spec.name} values must be a non-empty 1-D list of numbers; got shape {arr.shape}"
        )
    return np.array(spec.validate(arr), dtype=float)


def _count(value: Any, name: str, low: int, high: float = math.inf) -> int:
    return Param(name, name, kind=int, low=low, high=high, high_inclusive=True).validate(value)


def _pick(exp: Experiment, run_index: int) -> tuple[RunConfig, str]:
    if not isinstance(run_index, numbers.Integral) or not 0 <= run_index < len(exp.runs):
        raise ValueError(f"run_index must be in [0, {len(exp.runs) - 1}]; got {run_index!r}")
    return exp.runs[run_index], exp.labels()[run_index]


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")


def _log_spaced(values: np.ndarray, spec_log: bool) -> bool:
    """Whether a grid reads best on a log axis: positive, and more even in log than linearly."""
    if len(values) < 2 or (values <= 0).any():
        return False
    if len(values) == 2:
        return spec_log
    lin, log = np.diff(values), np.diff(np.log(values))
    if not lin.all():
        return spec_log
    return bool(np.std(log) / abs(np.mean(log)) < np.std(lin) / abs(np.mean(lin)))


def _concat(parts: Sequence[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
