"""What each view shows, as data: the tidy frames of an experiment and the chart specs of a tab.

Pure functions (no Streamlit), so the UI only caches and places them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import charts, frames
from .experiment import Experiment
from .simulate import RunResult, simulate

VIEWS = (
    "Trajectories",
    "Loss",
    "Effective learning rate",
    "Inside a step",
    "Equations",
    "Sweep",
    "Summary",
)


def tables(exp: Experiment, results: list[RunResult] | None = None) -> dict[str, Any]:
    """Every frame the views draw from, for the experiment's results (run here if not given)."""
    results = simulate(exp) if results is None else results
    surface = exp.objective()
    return {
        "paths": frames.paths(results, surface),
        "losses": frames.losses(results, surface),
        "rates": frames.learning_rates(results, surface),
        "summary": frames.summary(results, surface, exp.tolerance),
        "divergences": frames.divergences(results, surface),
        "states": [frames.states(results, surface, i) for i in range(surface.dim)],
        "errors": [(r.label, r.error) for r in results if not r.ok],
    }


def landscape(exp: Experiment) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The function's clickable cells, heatmap image and iso-lines (2-D), or its graph (1-D)."""
    surface = exp.objective()
    if surface.dim == 1:
        return frames.curve(surface), pd.DataFrame(), pd.DataFrame()
    return frames.surface_grid(surface), frames.surface_picture(surface), frames.contours(surface)


def chart_objects(exp: Experiment, data: dict[str, Any], land: tuple, view: str) -> list:
    """The Altair charts of one view, in page order."""
    surface = exp.objective()
    labels = exp.labels()  # every run keeps its colour slot, even one that cannot run
    if view == "Trajectories":
        grid, picture, lines = land
        start = exp.start_point()
        if surface.dim == 2:
            return [
                charts.trajectory_map(grid, picture, lines, data["paths"], surface, labels, start)
            ]
        return [
            charts.parameter_vs_step(data["paths"], surface, labels),
            charts.function_curve(grid, data["paths"], surface, labels, start),
        ]
    if view == "Loss":
        return [
            charts.loss_chart(data["losses"], data["divergences"], surface, labels),
            charts.grad_norm_chart(data["losses"], labels),
        ]
    if view == "Effective learning rate":
        return [charts.lr_chart(data["rates"], labels), charts.gain_chart(data["rates"], labels)]
    if view == "Inside a step":
        return [
            charts.state_chart(states, labels, f"Parameter {name}")
            for name, states in zip(surface.axis_names, data["states"], strict=True)
        ]
    return []


def chart_specs(exp: Experiment, data: dict[str, Any], land: tuple, view: str) -> list[dict]:
    """The Vega-Lite specs of one view's charts, styled, ready to cache and send."""
    return [charts.to_spec(charts.styled(c)) for c in chart_objects(exp, data, land, view)]
