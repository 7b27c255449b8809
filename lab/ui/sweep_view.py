"""The Sweep view: learning-rate sensitivity, a two-hyperparameter map and basins of attraction.

A fragment: its own controls rerun only this view. Every sweep is one batched run per
configuration, memoised across sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

import optimizers
from lab import budget, charts, figures, sweep_charts, sweeps, views
from lab import experiment as ex

from . import guard, sidebar, state
from .arrow import arrow_datasets

MAP_TEXT = (
    "**Map of two hyperparameters**: one optimizer over a grid of learning rate × a second "
    "hyperparameter, coloured by the measure; diverged cells are "
    f"{sweep_charts.COLOUR_NAMES[sweep_charts.DIVERGED]}, cells that never reached the tolerance "
    f"{sweep_charts.COLOUR_NAMES[sweep_charts.NOT_REACHED]}."
)
BASINS_TEXT = (
    "**Basins of attraction**: from every start on a grid, which minimum the optimizer "
    "reaches (one colour per minimum, fainter: more steps), or whether it got stuck "
    f"({sweep_charts.COLOUR_NAMES[sweep_charts.BASIN_NONE]}) or diverged "
    f"({sweep_charts.COLOUR_NAMES[sweep_charts.BASIN_DIVERGED]})."
)
METRIC_NAMES = {"final": "final f − f_min", "steps_to_tol": "steps to the tolerance"}
LR_CHOICES = sorted({*sidebar.log_grid(optimizers.hyperparams("sgd")[0]), 1e-6})
GRID_POINTS = (10, 15, 25, 40, 60, 100)
MAP_CELLS = (20, 30, 40, 60, 100)
# A model's runs cost a forward and backward pass over the data per step: smaller grids
MODEL_GRID_POINTS, MODEL_GRID_DEFAULT = (4, 6, 8, 10, 15, 25), 6
MODEL_MAP_CELLS, MODEL_MAP_DEFAULT = (3, 4, 6, 8, 10, 15, 20), 4
MODEL_METRICS = {"final": "final training loss"}
MODEL_SEEDS_HELP = (
    "Repeat every run from another initialisation (init_seed, init_seed + 1, …) and show the "
    "spread; the mini-batch order is the setup's seed, shared by every run."
)
BASIN_STARTS = (20, 30, 40, 60)

Budgeted = tuple[budget.Cost, list[budget.Knob], str]


def _lr_budget(exp: ex.Experiment, n: int, seeds: int) -> Budgeted:
    def price(exp: ex.Experiment, objective: object = None, n: int = n, seeds: int = seeds):
        return budget.batches(exp, lambda config: n * seeds, objective)

    points = MODEL_GRID_POINTS if exp.is_model else GRID_POINTS
    knobs = [
        budget.Knob("Grid points", n, 1, lambda v: price(exp, n=v), points),
        budget.Knob("Seeds", seeds, 1, lambda v: price(exp, seeds=v)),
        *budget.setup_knobs(exp, price),
    ]
    return price(exp), knobs, "This learning-rate sweep"


def _map_budget(exp: ex.Experiment, index: int, size: int, seeds: int) -> Budgeted:
    def price(exp: ex.Experiment, objective: object = None, size: int = size, seeds: int = seeds):
        return budget.one(exp, index, size * size * seeds, objective)

    cells = MODEL_MAP_CELLS if exp.is_model else MAP_CELLS
    knobs = [
        budget.Knob("Cells per side", size, 1, lambda v: price(exp, size=v), cells),
        budget.Knob("Seeds", seeds, 1, lambda v: price(exp, seeds=v)),
        *budget.setup_knobs(exp, price),
    ]
    return price(exp), knobs, "This map"


def _basins_budget(exp: ex.Experiment, index: int, size: int) -> Budgeted:
    def price(exp: ex.Experiment, objective: object = None, size: int = size):
        return budget.one(exp, index, size * size, objective)

    knobs = [
        budget.Knob("Starts per side", size, 1, lambda v: price(exp, size=v), BASIN_STARTS),
        *budget.setup_knobs(exp, price),
    ]
    return price(exp), knobs, "This basin map"


@st.cache_data(max_entries=32, show_spinner="Sweeping learning rates…")
def _lr_sweep(exp: ex.Experiment, low: float, high: float, n: int, seeds: int) -> pd.DataFrame:
    return sweeps.lr_sweep(exp, np.geomspace(low, high, n), seeds=seeds)


@st.cache_data(max_entries=16, show_spinner="Computing the map…")
def _map(exp: ex.Experiment, run_index: int, y_param: str, n: int, seeds: int) -> pd.DataFrame:
    axes = sweeps.map_axes(exp.runs[run_index].optimizer, n=n, y_param=y_param)
    return sweeps.hyper_map(
        exp, run_index, "lr", axes.x_values, y_param, axes.y_values, seeds=seeds
    )


@st.cache_data(max_entries=16, show_spinner="Mapping basins…")
def _basins(exp: ex.Experiment, run_index: int, n: int) -> pd.DataFrame:
    return sweeps.basins(exp, run_index, n=n)


@st.cache_data(max_entries=64, show_spinner=False)
def _lr_spec(exp: ex.Experiment, sweep: tuple, metric: str) -> dict:
    table = _lr_sweep(exp, *sweep)
    chart = sweep_charts.lr_sensitivity_chart(
        sweeps.summarise_lr_sweep(table),
        sweeps.best_lrs(table, metric),
        figures.run_style(exp),
        metric,
    )
    return arrow_datasets(charts.to_spec(chart))


@st.cache_data(max_entries=32, show_spinner=False)
def _map_spec(exp: ex.Experiment, grid: tuple, metric: str) -> dict:
    chart = sweep_charts.hyper_map_chart(_map(exp, *grid), metric)
    return arrow_datasets(charts.to_spec(chart))


@st.cache_data(max_entries=32, show_spinner=False)
def _basins_spec(exp: ex.Experiment, run_index: int, n: int) -> dict:
    chart = sweep_charts.basins_chart(_basins(exp, run_index, n), exp.objective())
    return arrow_datasets(charts.to_spec(chart))


@st.fragment
@guard.guarded(views.SWEEP.title)  # a fragment's reruns skip the page's guard
def render(exp: ex.Experiment) -> None:
    if st.session_state.pop(
        state.SWEEP_FULL_RERUN, False
    ):  # the fair comparison changed the whole page
        st.rerun(scope="app")
    labels = exp.labels()
    st.markdown(
        "**Which learning rate?** Each optimizer runs the current setup at every learning rate "
        "of the grid at once. Diverged runs are marked ✕, not drawn as a huge loss; a ring marks "
        "each optimizer's best rate."
    )
    if exp.is_model:
        st.caption(
            "On a model the measure is the **final training loss** (its minimum is unknown). "
            "With several seeds, each repeats the runs from another initialisation "
            "(init_seed, init_seed + 1, …): the band spans them. Every run of a sweep sees the "
            "same mini-batches in the same order (the setup's seed)."
        )
    cols = st.columns(5)
    low = cols[0].select_slider(
        "Smallest η", LR_CHOICES, value=1e-5, format_func=_fmt, key=state.SWEEP_LOW
    )
    high = cols[1].select_slider(
        "Largest η", LR_CHOICES, value=10.0, format_func=_fmt, key=state.SWEEP_HIGH
    )
    model = exp.is_model
    points, points_default = (MODEL_GRID_POINTS, MODEL_GRID_DEFAULT) if model else (GRID_POINTS, 25)
    if st.session_state.get(state.SWEEP_N) not in points:
        st.session_state.pop(state.SWEEP_N, None)
    n = cols[2].select_slider("Grid points", points, value=points_default, key=state.SWEEP_N)
    names = MODEL_METRICS if model else METRIC_NAMES
    if st.session_state.get(state.SWEEP_METRIC) not in names:
        st.session_state.pop(state.SWEEP_METRIC, None)
    metric = cols[3].radio("Measure", list(names), format_func=names.get, key=state.SWEEP_METRIC)
    seeds = cols[4].number_input(
        "Seeds",
        min_value=1,
        max_value=sweeps.MAX_SEEDS,
        value=1,
        key=state.SWEEP_SEEDS,
        help=MODEL_SEEDS_HELP
        if model
        else "Average over independent noise draws and show the "
        "spread (only differs with noise or mini-batches).",
    )
    ledger = budget.Ledger(budget.page(exp))  # the race under the tabs counts too
    if low >= high:
        st.error(f"The smallest learning rate ({low:g}) must be below the largest ({high:g}).")
    elif refusal := ledger.admit(*_lr_budget(exp, n, int(seeds))):
        st.error(refusal, icon=":material/speed:")
    else:
        _lr_section(exp, (low, high, n, int(seeds)), metric)

    st.divider()
    st.markdown(MAP_TEXT)
    cols = st.columns([3, 2, 2])  # the optimizer's whole label fits at 1280 px
    index = cols[0].selectbox(
        "Optimizer", range(len(exp.runs)), format_func=labels.__getitem__, key=state.MAP_RUN
    )
    name = exp.runs[index].optimizer
    numeric = [s.name for s in optimizers.hyperparams(name) if s.kind is float and s.name != "lr"]
    default = sweeps.map_axes(name, n=2).y_param
    y_param = cols[1].selectbox(
        "Against η", numeric, index=numeric.index(default), key=state.map_param(name)
    )
    cells, cells_default = (MODEL_MAP_CELLS, MODEL_MAP_DEFAULT) if model else (MAP_CELLS, 40)
    if st.session_state.get(state.MAP_N) not in cells:
        st.session_state.pop(state.MAP_N, None)
    size = cols[2].select_slider("Cells per side", cells, value=cells_default, key=state.MAP_N)
    grid_args = (index, y_param, size, int(seeds))
    if refusal := ledger.admit(*_map_budget(exp, index, size, int(seeds))):
        st.error(refusal, icon=":material/speed:")
    else:
        _drawn(lambda: _map(exp, *grid_args), lambda: _map_spec(exp, grid_args, metric), "map")

    if exp.objective().dim != 2:
        return
    st.divider()
    st.markdown(BASINS_TEXT)
    cols = st.columns([3, 2])
    index = cols[0].selectbox(
        "Optimizer ", range(len(exp.runs)), format_func=labels.__getitem__, key=state.BASIN_RUN
    )
    size = cols[1].select_slider("Starts per side", BASIN_STARTS, value=30, key=state.BASIN_N)
    if refusal := ledger.admit(*_basins_budget(exp, index, size)):
        st.error(refusal, icon=":material/speed:")
        return
    _drawn(lambda: _basins(exp, index, size), lambda: _basins_spec(exp, index, size), "basins")


def _lr_section(exp: ex.Experiment, sweep: tuple, metric: str) -> None:
    try:
        table = _lr_sweep(exp, *sweep)
    except ValueError as err:
        st.error(str(err))
        return
    best = sweeps.best_lrs(table, metric)
    st.vega_lite_chart(_lr_spec(exp, sweep, metric), width="stretch")
    left, middle, right = st.columns([2, 1, 1])
    left.markdown(
        "Best learning rate: "
        + "; ".join(
            f"**{optimizers.title(config.optimizer)}** ({i + 1}) η ≈ "
            + (f"{lr:.2g}" if lr else "none (every rate diverged)")
            for i, (config, lr) in enumerate(zip(exp.runs, best.values(), strict=True))
        )
    )
    middle.button(
        "Fair comparison: each at its best η",
        on_click=_fair,
        args=(exp, best),
        type="primary",
        width="stretch",
        help="Sets every optimizer to its best learning rate and opens Trajectories.",
    )
    right.download_button(
        "Sweep (CSV)",
        sweeps.sweep_csv(table),
        "optimizer-lab-lr-sweep.csv",
        mime="text/csv",
        on_click="ignore",
        width="stretch",
    )


def _drawn(table: Callable[[], pd.DataFrame], spec: Callable[[], dict], name: str) -> None:
    """A map of the Sweep view: its chart and its CSV, or the error that kept it from running."""
    try:
        data = table()
    except ValueError as err:
        st.error(str(err))
        return
    st.vega_lite_chart(spec(), width="stretch")
    st.download_button(
        f"{name.capitalize()} (CSV)",
        sweeps.sweep_csv(data),
        f"optimizer-lab-{name}.csv",
        mime="text/csv",
        on_click="ignore",
    )


def _fair(exp: ex.Experiment, best: dict[str, float | None]) -> None:
    state.load(replace(exp, runs=sweeps.fair_runs(exp, best)))
    state.open_view(views.TRAJECTORIES)
    st.session_state[state.SWEEP_FULL_RERUN] = (
        True  # a callback inside a fragment reruns only the fragment
    )


def _fmt(value: float) -> str:
    return f"{value:g}"
