"""The "Inside a step" and "Equations" views: the update rule with one step's numbers in it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

import optimizers
from lab import drawable, equations, views
from lab import experiment as ex
from lab.simulate import RunResult, run_one, simulate

from . import guard, state


@st.cache_data(max_entries=32, show_spinner=False)
def results(exp: ex.Experiment) -> list[RunResult]:
    return simulate(exp, one=_run)


@st.cache_data(max_entries=256, show_spinner=False)
def _run(solo: ex.Experiment, label: str) -> RunResult:
    """One run, cached on its own: changing one run's learning rate reruns only that run."""
    return run_one(solo, label)


@st.fragment
@guard.guarded(views.INSIDE_A_STEP.title)  # a fragment's reruns skip the page's guard
def inside_a_step(
    exp: ex.Experiment, state_specs: list[dict], closeup: Callable[[int, int], dict | None]
) -> None:
    """A step slider and, for each run, that step's arrows on the map (``closeup(run, step)``,
    a spec or None), its numbers as a table and in the equations.

    A fragment: moving the slider reruns only this view.
    """
    every = results(exp)
    runs = [r for r in every if r.ok]
    if not runs:
        st.info("No run to inspect.")
        return
    surface = exp.objective()
    last = max(
        r.trajectory.steps if r.trajectory.diverged_at is None else r.trajectory.diverged_at
        for r in runs
    )
    if last == 0:
        st.info(str(drawable.no_steps(len(every), len(every) - len(runs))), icon=":material/info:")
        return
    left, right = st.columns([3, 1])
    if last == 1:  # a slider needs two values to choose from
        step = 1
        left.markdown("**Step t = 1**, the only step taken.")
    else:
        step = left.slider("Step t", min_value=1, max_value=last, value=1, key=state.INSPECT_STEP)
    axes = list(surface.axis_names)
    axis = (
        right.radio("Parameter", axes, horizontal=True, key=state.INSPECT_AXIS)
        if len(axes) > 1
        else axes[0]
    )
    i = axes.index(axis)
    columns = st.columns(2)
    for k, r in enumerate(runs):
        index = every.index(r)
        with columns[k % 2], st.container(border=True):
            st.markdown(f"**{r.label}**")
            traj = r.trajectory
            stop = traj.steps if traj.diverged_at is None else traj.diverged_at
            if step > stop:
                st.caption(f"Stopped at step {stop} (diverged).")
                continue
            if spec := closeup(index, step):
                st.vega_lite_chart(spec, width="content")
                st.caption(
                    "From θ before the step: black −η·g (the plain gradient step), purple −η·m "
                    "(the momentum), the run's colour Δθ (the step taken), to one scale."
                )
            values = equations.step_values(r.config, traj, step, i)
            labels = optimizers.state_labels(r.config.optimizer)
            table = _table(values, list(traj.state), labels)
            st.dataframe(table, hide_index=True, width="stretch")
            st.latex(equations.step_latex(r.config, values))
    st.markdown("**Internal state over time**, one chart per parameter, |value| on a log axis.")
    for spec in state_specs:
        st.vega_lite_chart(spec, width="stretch")


def _table(
    values: equations.Values, state_names: list[str], labels: dict[str, str]
) -> pd.DataFrame:
    rows = [("gradient g_t", values["g"]), ("θ before", values["theta_prev"])]
    for name in state_names:
        label = labels.get(name, name)
        rows.append((f"{label} before", values[f"{name}_prev"]))
        rows.append((f"{label} after", values[name]))
    rows += [
        ("effective learning rate", values["lr_eff"]),
        ("update Δθ", values["update"]),
        ("θ after", values["theta"]),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])


def equations_view(exp: ex.Experiment) -> None:
    """Each optimizer's rule with its hyperparameters, and what the library follows."""
    if exp.is_model:
        st.markdown(
            f"**The model**: {ex.model_title(exp)}, its mean training loss over "
            f"{exp.objective().dim} parameters θ. Every optimizer applies its rule to each "
            "parameter, with the gradient from backpropagation."
        )
    else:
        surface = exp.objective()
        st.markdown(f"**The function**: {surface.title}. {surface.lesson}")
        st.latex(surface.formula)
    seen = set()
    for label, config in zip(exp.labels(), exp.runs, strict=True):
        if config in seen:
            continue
        seen.add(config)
        with st.container(border=True):
            st.markdown(f"#### {label}")
            st.latex(equations.rule_latex(config))
            header = "| symbol | hyperparameter | value | meaning |\n|---|---|---|---|\n"
            rows = [_row(r) for r in equations.hyperparameter_rows(config)]
            table = header + "\n".join(rows)
            st.markdown(table)
            st.caption(equations.notes(config))


def _row(row: dict) -> str:
    symbol = "$" + row["symbol"] + "$" if row["symbol"] else "—"
    meaning = str(row["meaning"]).replace("|", "\\|")  # a bar would end the table's cell
    return f"| {symbol} | `{row['name']}` | {row['value']} | {meaning} |"
