"""The tabs: cached computations, then charts and tables placed on the page."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from lab import (
    budget,
    charts,
    closeup,
    codecs,
    figures,
    frames,
    lessons,
    race_charts,
    step_arrows,
    surface3d,
    views,
)
from lab import experiment as ex
from lab.views import View

from . import animation, code_export, guard, inspector, model_view, state, sweep_view
from .arrow import arrow_datasets
from .tables import landscape, tables


@st.cache_data(max_entries=128, show_spinner=False)
def chart_specs(exp: ex.Experiment, title: str) -> list[dict]:
    """The view's charts as specs with Arrow data, built once per setup and view."""
    land = landscape((exp.surface, exp.surface_params))
    built = views.BY_TITLE[title].charts(exp, tables(exp), land)
    return [arrow_datasets(spec) for spec in built]


@st.cache_data(max_entries=16, show_spinner=False)
def per_step_csv(exp: ex.Experiment) -> bytes:
    return frames.per_step(inspector.results(exp), exp.objective()).to_csv(index=False).encode()


def render(exp: ex.Experiment) -> None:
    if lesson := lessons.find(exp):
        # folded: on a projector the map and its play control must fit under it
        with st.expander(f"**Lesson: {lesson.title}** · what to notice", icon=":material/school:"):
            st.markdown(lesson.text)
    if refusal := budget.check_page(exp):
        st.error(refusal, icon=":material/speed:")
        return
    data = tables(exp)
    for label, error in data["errors"]:
        st.error(f"**{label}** cannot run: {error}")
    _divergence_warning(data["divergences"])
    # bound to the URL: a link reopens the same tab, and only the open tab is computed
    tabs = st.tabs(views.TITLES, key=state.TAB, bind="query-params")
    for tab, view in zip(tabs, views.ALL, strict=True):
        if tab.open:
            with tab, guard.view(view.title):  # one view that cannot draw never takes the page
                draw = model_view.draw if exp.is_model else DRAW.get(view, _charts)
                draw(exp, view)


def _divergence_warning(divergences: Any) -> None:
    """One warning for the runs that diverged, and for those that could not start at all (f is
    not finite at the start: a step 0 "divergence")."""
    rows = list(divergences.itertuples())
    stuck = [f"**{row.run}**" for row in rows if row.step == 0]
    later = [f"**{row.run}** at step {row.step}" for row in rows if row.step > 0]
    parts = []
    if later:
        parts.append(
            f"Diverged: {'; '.join(later)}. Each was stopped there; its path is drawn up to "
            "that step."
        )
    if stuck:
        parts.append(
            f"Could not start: {', '.join(stuck)}: f or its gradient is not finite at the start "
            "point. Pick another start (click the map or set x₀) or another window."
        )
    if parts:
        st.warning(" ".join(parts), icon=":material/warning:")


PLAY_HELP = (
    "▶ Play races every run together in your browser (pick a speed, loop, or drag the step slider)."
)


def _charts(exp: ex.Experiment, view: View) -> None:
    """The plain way to draw a view: its caption, then its charts."""
    if view.caption:
        st.markdown(view.caption)
    for spec in chart_specs(exp, view.title):
        st.vega_lite_chart(spec, width="stretch")


def _trajectories(exp: ex.Experiment, view: View) -> None:
    surface = exp.objective()
    if surface.dim != 2:
        specs = chart_specs(exp, view.title)
        st.vega_lite_chart(specs[0], width="stretch")
        st.caption(f"{PLAY_HELP} Ring: start. Star: a known minimum. Diamond: each run now.")
        for spec in specs[1:]:
            st.vega_lite_chart(spec, width="stretch")
    else:
        (spec,) = chart_specs(exp, view.title)
        key = state.map_key()  # a new key draws a new chart: zoom and pan start afresh
        st.vega_lite_chart(
            spec,
            width="stretch",
            key=key,
            selection_mode=race_charts.PICK,
            on_select=functools.partial(_move_start, exp, key),
        )
        st.button(
            "Whole window",
            icon=":material/fit_screen:",
            on_click=state.whole_window,
            help="Undo zooming and panning: the function's whole window again.",
        )
        st.caption(
            f"{PLAY_HELP} Click the map to start there; scroll to zoom, shift-drag to pan, "
            "**Whole window** to undo both. Ring: start. Star: a known "
            "minimum. Diamond: each run now. Arrows at the step shown: black −η·g (the plain "
            "gradient step), "
            "purple −η·m (the momentum), the run's colour Δθ (the step taken), drawn to one "
            "scale per step. One unit of x is as long as one of y."
        )
    for below, above in tables(exp)["hidden"]:  # (below, above) pairs of covered runs
        st.caption(
            f"**{below}** runs under **{above}** for most of the race: {above} is dashed so "
            f"both show; hover a run in the legend to bring it forward."
        )
    animation.downloads(exp)  # the race as a GIF or video for slides
    st.latex(surface.formula)


@st.cache_resource(max_entries=16, show_spinner=False)
def surface_3d(exp: ex.Experiment) -> Any:
    """The 3-D view's Plotly figure, built and validated once per setup.

    A resource cache, not ``st.cache_data``: a data cache hands out unpickled copies, and
    unpickling a Plotly figure validates it again (0.35 s for the default race, on every rerun
    of the tab), while ``st.plotly_chart`` only reads the figure (it copies it with
    ``to_dict``). Plotly is imported here, so the default page never loads it.
    """
    import plotly.graph_objects as go

    spec = surface3d.figure(
        exp.objective(), tables(exp)["paths"], figures.run_style(exp), exp.start_point()
    )
    return go.Figure(spec)


def _surface_3d(exp: ex.Experiment, view: View) -> None:
    surface = exp.objective()
    if surface.dim != 2:
        st.info(
            f"A 3-D view needs a function of two parameters; {surface.title} has one. Its graph, "
            f"with every run on it, is under **{views.TRAJECTORIES.title}**.",
            icon=":material/info:",
        )
        return
    st.plotly_chart(surface_3d(exp), theme="streamlit", config={"displaylogo": False})
    st.caption(view.caption)  # under the scene: on a projector the scene and Play come first


def _inside_a_step(exp: ex.Experiment, view: View) -> None:
    up_close = functools.partial(closeup_spec, exp)
    inspector.inside_a_step(exp, chart_specs(exp, view.title), up_close)


@st.cache_data(max_entries=64, show_spinner=False)
def closeup_spec(exp: ex.Experiment, run: int, step: int) -> dict | None:
    """Run ``run``'s step ``step`` up close with its arrows (None on a 1-D function)."""
    surface = exp.objective()
    result = inspector.results(exp)[run]
    if surface.dim != 2 or not result.ok:
        return None
    rows = step_arrows.at_steps(result, surface, [step])
    if not len(rows):
        return None
    _, picture, lines = landscape((exp.surface, exp.surface_params))
    chart = closeup.step_closeup(picture, lines, rows, figures.run_style(exp))
    return arrow_datasets(charts.to_spec(chart))


def _summary(exp: ex.Experiment, view: View) -> None:
    _summary_table(exp, tables(exp))


def _move_start(exp: ex.Experiment, key: str) -> None:
    """A click on the map: start from the clicked cell's centre (rounded to 3 digits)."""
    picked = st.session_state[key].selection.get(race_charts.PICK) or []
    if picked and {"cx", "cy"} <= picked[0].keys():
        state.set_start(exp, (float(f"{picked[0][key]:.3g}") for key in ("cx", "cy")))


def _summary_table(exp: ex.Experiment, data: dict) -> None:
    summary = data["summary"]
    # one number format in every cell (the browser's %g would write 0.000004071 next to
    # 4.421e-8); the CSV keeps the full numbers, empty where there is none
    numbers = [c for c in summary.columns if summary[c].dtype.kind in "fiu"]
    shown = summary.style.format(frames.number_text, subset=numbers)
    st.dataframe(shown, hide_index=True, width="stretch")
    downloads = (
        ("Every step (CSV)", lambda: per_step_csv(exp), "steps.csv", "text/csv"),
        ("Summary (CSV)", summary.to_csv(index=False), "summary.csv", "text/csv"),
        ("Setup (JSON)", codecs.to_json(exp), "setup.json", "application/json"),
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
    code_export.render(exp, exp.surface)


# How each view is drawn where it is more than its caption and charts.
DRAW = {
    views.TRAJECTORIES: _trajectories,
    views.SURFACE_3D: _surface_3d,
    views.INSIDE_A_STEP: _inside_a_step,
    views.EQUATIONS: lambda exp, view: inspector.equations_view(exp),
    views.SWEEP: lambda exp, view: sweep_view.render(exp),
    views.SUMMARY: _summary,
}
