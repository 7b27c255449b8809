"""The tabs: cached computations, then charts and tables placed on the page."""

from __future__ import annotations

import functools

import streamlit as st

from lab import charts, figures, frames, lessons
from lab import experiment as ex

from . import inspector, sidebar, sweep_view
from .arrow import arrow_datasets

TAB_KEY = "tab"
MAP_KEY = "trajectory_map"
CAPTIONS = {
    "Loss": "**f − f_min** (or f where there is no minimum) against step, one line per run "
    "(drawn down to 10⁻¹⁶, the limit of double precision); below it, the **norm of the "
    "gradient each step used** (with gradient noise or mini-batches, the noisy one).",
    "Effective learning rate": "**Effective learning rate**: the factor each parameter's step "
    "applies to its gradient (for Adam-like methods, to the first moment m). Solid and dashed "
    "lines are the two parameters; the dotted line is the learning rate η you set, with its "
    "schedule. Below: the **realised gain −Δθ / g**, how far each parameter actually moved per "
    "unit of gradient (above 0 downhill, below 0 carried uphill by momentum).",
}


@st.cache_data(max_entries=64, show_spinner=False)
def tables(exp: ex.Experiment) -> dict:
    return figures.tables(exp, inspector.results(exp))  # the runs, simulated once per setup


@st.cache_data(max_entries=32, show_spinner=False)
def landscape(exp_surface: tuple) -> tuple:
    name, params = exp_surface
    return figures.landscape(ex.Experiment(surface=name, surface_params=params))


@st.cache_data(max_entries=128, show_spinner=False)
def chart_specs(exp: ex.Experiment, view: str) -> list[dict]:
    land = landscape((exp.surface, exp.surface_params))
    return [arrow_datasets(spec) for spec in figures.chart_specs(exp, tables(exp), land, view)]


@st.cache_data(max_entries=16, show_spinner=False)
def per_step_csv(exp: ex.Experiment) -> bytes:
    return frames.per_step(inspector.results(exp), exp.objective()).to_csv(index=False).encode()


def render(exp: ex.Experiment) -> None:
    if lesson := lessons.find(exp):
        st.info(f"**{lesson.title}.** {lesson.text}", icon=":material/school:")
    data = tables(exp)
    for label, error in data["errors"]:
        st.error(f"**{label}** cannot run: {error}")
    for row in data["divergences"].itertuples():
        st.warning(
            f"**{row.run}** diverged at step {row.step}: it was stopped there, and its path is "
            "drawn up to that step."
        )
    # bound to the URL: a link reopens the same tab, and only the open tab is computed
    tabs = st.tabs(figures.VIEWS, key=TAB_KEY, bind="query-params")
    for tab, view in zip(tabs, figures.VIEWS, strict=True):
        if not tab.open:
            continue
        with tab:
            if view == "Inside a step":
                inspector.inside_a_step(exp, chart_specs(exp, view))
                continue
            if view == "Equations":
                inspector.equations_view(exp)
                continue
            if view == "Sweep":
                sweep_view.render(exp)
                continue
            if view == "Trajectories":
                st.latex(exp.objective().formula)
            if view in CAPTIONS:
                st.markdown(CAPTIONS[view])
            if view == "Trajectories" and exp.objective().dim == 2:
                (spec,) = chart_specs(exp, view)
                st.vega_lite_chart(
                    spec,
                    width="stretch",
                    key=MAP_KEY,
                    selection_mode=charts.PICK,
                    on_select=functools.partial(_move_start, exp),
                )
                st.caption(
                    "Click the map to start there. Drag the playback slider to replay the race. "
                    "Ring: start. Star: a known minimum. Diamond: each run's position."
                )
                continue
            for spec in chart_specs(exp, view):
                st.vega_lite_chart(spec, width="stretch")
            if view == "Summary":
                _summary(exp, data)


def _move_start(exp: ex.Experiment) -> None:
    """A click on the map: start from the clicked cell's centre (rounded to 3 digits)."""
    picked = st.session_state[MAP_KEY].selection.get(charts.PICK) or []
    if picked and {"cx", "cy"} <= picked[0].keys():
        for i, key in enumerate(("cx", "cy")):
            key_i = sidebar.start_key(exp.surface, exp.surface_params, i)
            st.session_state[key_i] = float(f"{picked[0][key]:.3g}")


def _summary(exp: ex.Experiment, data: dict) -> None:
    summary = data["summary"]
    numbers = {
        column: st.column_config.NumberColumn(format="%.4g")
        for column in summary.columns
        if summary[column].dtype.kind == "f"
    }
    st.dataframe(summary, hide_index=True, width="stretch", column_config=numbers)
    downloads = (
        ("Every step (CSV)", lambda: per_step_csv(exp), "steps.csv", "text/csv"),
        ("Summary (CSV)", summary.to_csv(index=False), "summary.csv", "text/csv"),
        ("Setup (JSON)", ex.to_json(exp), "setup.json", "application/json"),
    )
    for column, (label, payload, suffix, mime) in zip(st.columns(3), downloads, strict=True):
        column.download_button(
            label,
            data=payload,
            file_name=f"optimizer-lab-{exp.surface}-{suffix}",
            mime=mime,
            width="stretch",
            on_click="ignore",
        )
