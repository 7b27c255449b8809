"""What the views show, as data: an experiment's tidy frames, and the charts each view builds.

Pure functions (no Streamlit), so the UI only caches and places them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pandas as pd

from . import (
    charts,
    drawable,
    frames,
    model_frames,
    overlap,
    playback,
    race_charts,
    step_arrows,
    templates,
)
from .experiment import Experiment
from .run_style import RunStyle
from .simulate import RunResult, simulate


def _states(exp: Experiment, results: list[RunResult], read: Mapping) -> list[pd.DataFrame]:
    return [frames.states(results, exp.objective(), i) for i in range(exp.objective().dim)]


# Every frame the views draw from: (experiment, its results, the tables read so far) -> frame
BUILD: dict[str, Callable[[Experiment, list[RunResult], Mapping], Any]] = {
    "paths": lambda exp, results, read: frames.paths(results, exp.objective()),
    "hidden": lambda exp, results, read: overlap.hidden_pairs(
        read["paths"], exp.objective(), exp.labels()
    ),
    "losses": lambda exp, results, read: frames.losses(results, exp.objective()),
    "rates": lambda exp, results, read: frames.learning_rates(results, exp.objective()),
    "summary": lambda exp, results, read: frames.summary(results, exp.objective(), exp.tolerance),
    "divergences": lambda exp, results, read: frames.divergences(results, exp.objective()),
    "arrows": lambda exp, results, read: step_arrows.arrows(results, exp.objective()),
    "states": _states,
    "errors": lambda exp, results, read: [(r.label, r.error) for r in results if not r.ok],
    **model_frames.BUILD,  # a model's tables (lab.model_frames)
}


class Tables(Mapping[str, Any]):
    """The frames the views draw from (:data:`BUILD`), each made when first read: a view that
    shows the map never pays for the loss or state tables.

    Args:
        exp: the experiment.
        results: its results (simulated on first need if None).
        compute: how a table is made, ``compute(name)`` (the UI passes a cached one); by
            default ``BUILD[name]`` on these results.
    """

    def __init__(
        self,
        exp: Experiment,
        results: list[RunResult] | None = None,
        compute: Callable[[str], Any] | None = None,
    ) -> None:
        self._exp, self._results, self._made = exp, results, {}
        self._compute = compute or self._build

    def _build(self, name: str) -> Any:
        if self._results is None:
            self._results = simulate(self._exp)
        return BUILD[name](self._exp, self._results, self)

    def __getitem__(self, name: str) -> Any:
        if name not in BUILD:
            raise KeyError(f"no table {name!r}; tables: {', '.join(BUILD)}")
        if name not in self._made:
            self._made[name] = self._compute(name)
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(BUILD)

    def __len__(self) -> int:
        return len(BUILD)


def tables(exp: Experiment, results: list[RunResult] | None = None) -> Tables:
    """Every frame the views draw from, for the experiment's results (run here if not given),
    each made when first read."""
    return Tables(exp, results)


def landscape(exp: Experiment) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The function's clickable cells, heatmap image and iso-lines (2-D), or its graph (1-D)."""
    surface = exp.objective()
    if surface.dim == 1:
        return frames.curve(surface), pd.DataFrame(), pd.DataFrame()
    return frames.surface_grid(surface), frames.surface_picture(surface), frames.contours(surface)


def trajectory_charts(exp: Experiment, data: dict[str, Any], land: tuple) -> list[dict]:
    """The path over the function: a map (2-D), or x against step and the curve (1-D), as
    specs made from templates (:mod:`lab.templates`): Altair runs once per shape of setup."""
    surface = exp.objective()
    runs = overlap.uncovered(run_style(exp), data["hidden"])
    grid, picture, lines = land
    paths = data["paths"]
    if surface.dim == 2:
        sampled = int(picture["finite"].iloc[0])
    else:
        sampled = drawable.finite_values(grid["f"]).size
    # a formula finite on a sliver thinner than the picture's pixels can still have runs on it
    if not sampled and not drawable.finite_values(paths["loss"]).size:
        raise drawable.no_finite_values(surface)
    places = frames.places(surface, exp.start_point())
    last = int(paths["step"].max()) if len(paths) else 0
    speed = playback.default_speed(last)
    shown = templates.Hole(last)  # a race of another length fills the same template
    if surface.dim == 2:
        arrows = race_charts.inked(data["arrows"], runs)
        return [
            templates.spec(
                race_charts.trajectory_map,
                *(grid, picture, lines, paths, arrows, places, surface, runs, shown, speed),
            )
        ]
    f_range = race_charts.f_range(grid, paths, surface)
    return [
        templates.spec(
            race_charts.function_curve, *(grid, paths, places, surface, runs, shown, speed, f_range)
        ),
        templates.spec(race_charts.parameter_vs_step, paths, surface, runs),
    ]


def loss_charts(exp: Experiment, data: dict[str, Any], land: tuple) -> list[dict]:
    _some_steps(exp, data)
    surface, runs, losses = exp.objective(), run_style(exp), data["losses"]
    ticks = charts.loss_ticks(losses, surface)
    decades = charts.spans_decades(losses["grad_norm"])
    return [
        templates.spec(charts.loss_chart, losses, data["divergences"], surface, runs, ticks),
        templates.spec(charts.grad_norm_chart, losses, runs, decades),
    ]


def learning_rate_charts(exp: Experiment, data: dict[str, Any], land: tuple) -> list[dict]:
    _some_steps(exp, data)
    runs, rates = run_style(exp), data["rates"]
    gains = charts.gains(rates)
    domain, outside = charts.gain_axis(gains)
    parameters = exp.objective().axis_names
    decades = charts.spans_decades(rates["lr_eff"])
    return [
        templates.spec(charts.lr_chart, rates, runs, parameters, decades),
        templates.spec(charts.gain_chart, gains, runs, domain, outside),
    ]


def state_charts(exp: Experiment, data: dict[str, Any], land: tuple) -> list[dict]:
    """Every run's internal state over time, one chart per parameter."""
    _some_steps(exp, data)
    names, runs = exp.objective().axis_names, run_style(exp)
    return [
        templates.spec(
            charts.state_chart,
            states,
            runs,
            f"Parameter {name}",
            charts.spans_decades(states["value"].abs()),
        )
        for name, states in zip(names, data["states"], strict=True)
    ]


def _some_steps(exp: Experiment, data: dict[str, Any]) -> None:
    """Charts over steps need a step: :class:`~lab.drawable.CannotDraw` where no run took one."""
    if not len(data["rates"]):  # a row per run, step and parameter
        raise drawable.no_steps(len(exp.runs), len(data["errors"]))


def run_style(exp: Experiment) -> RunStyle:
    """How the experiment's runs are drawn: each in its optimizer's colour."""
    return RunStyle.of(exp.labels(), [config.optimizer for config in exp.runs])


def no_charts(exp: Experiment, data: dict[str, Any], land: tuple) -> list:
    return []
