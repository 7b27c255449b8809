"""The tabs for a model: the same tabs as for a function, each showing what it means for a
training run, or saying in one line why it has nothing to show."""

from __future__ import annotations

import streamlit as st

from lab import codecs, model_figures, model_frames, views
from lab import experiment as ex
from lab.views import View

from . import animation, code_export, inspector, sweep_view
from .arrow import arrow_datasets
from .tables import tables

SPECS = {
    "curves": model_figures.curve_charts,
    "plane": model_figures.plane_charts,
    "boundary": model_figures.boundary_charts,
    "layers": model_figures.layer_charts,
}
PLAY = "▶ Play races every run together in your browser (pick a speed, loop, or drag the step)."


@st.cache_data(max_entries=128, show_spinner=False)
def specs(exp: ex.Experiment, name: str) -> list[dict]:
    """A model view's charts as specs with Arrow data, built once per setup."""
    return [arrow_datasets(spec) for spec in SPECS[name](exp, tables(exp))]


def _charts(exp: ex.Experiment, name: str) -> None:
    for spec in specs(exp, name):
        st.vega_lite_chart(spec, width="stretch")


def draw(exp: ex.Experiment, view: View) -> None:
    """Draw ``view`` for a model's runs."""
    obj = exp.objective()
    if view is views.TRAJECTORIES:
        st.markdown(f"**{ex.model_title(exp)}** · {obj.dim} parameters")
        _charts(exp, "plane")
        st.caption(
            f"{PLAY} Ring: the shared start. Diamond: each run now. Scroll to zoom (a short "
            "path near the start shows up close), shift-drag to pan, double-click for the "
            "whole plane."
        )
        data = tables(exp)
        for below, above in data["model_plane"]["hidden"]:
            st.caption(
                f"**{below}** runs under **{above}** in this plane for most of the race: {above} "
                "is dashed so both show; hover a run in the legend to bring it forward."
            )
        animation.downloads(exp)  # the race (in the plane) as a GIF or video for slides
        st.markdown(model_figures.plane_caption(exp, data))
        st.markdown(model_figures.boundary_caption(exp))
        _charts(exp, "boundary")
    elif view is views.SURFACE_3D:
        st.info(
            f"A 3-D surface needs a function of two parameters; this model has {obj.dim}. Its "
            "loss landscape in the plane of the runs' paths is under "
            f"**{views.TRAJECTORIES.title}**.",
            icon=":material/info:",
        )
    elif view is views.LOSS:
        st.markdown(model_figures.CURVES_CAPTION)
        _charts(exp, "curves")
    elif view is views.LEARNING_RATE:
        st.markdown(model_figures.LAYER_CAPTION)
        _charts(exp, "layers")
    elif view is views.INSIDE_A_STEP:
        st.info(
            f"Inside a step shows one step's numbers per parameter, which for {obj.dim} parameters "
            f"says little; see each layer's spread under **{views.LEARNING_RATE.title}**.",
            icon=":material/info:",
        )
    elif view is views.EQUATIONS:
        inspector.equations_view(exp)
    elif view is views.SWEEP:
        sweep_view.render(exp)
    elif view is views.SUMMARY:
        _summary(exp)


def _summary(exp: ex.Experiment) -> None:
    results = inspector.results(exp)
    obj = exp.objective()
    table = model_frames.summary(results, obj)
    st.dataframe(table, hide_index=True, width="stretch")
    downloads = (
        (
            "Every step's loss (CSV)",
            model_frames.per_step(results, obj).to_csv(index=False),
            "steps.csv",
            "text/csv",
        ),
        ("Summary (CSV)", table.to_csv(index=False), "summary.csv", "text/csv"),
        ("Setup (JSON)", codecs.to_json(exp), "setup.json", "application/json"),
    )
    for column, (label, payload, suffix, mime) in zip(st.columns(3), downloads, strict=True):
        column.download_button(
            label,
            data=payload,
            file_name=f"optimizer-lab-{exp.model}-{suffix}",
            mime=mime,
            width="stretch",
            on_click="ignore",
        )
    code_export.render(exp, exp.model)
