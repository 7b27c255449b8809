"""The page's cached data: a setup's tables, one by one, and a function's landscape."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from lab import experiment as ex
from lab import figures

from . import inspector


@st.cache_data(max_entries=256, show_spinner=False)
def table(exp: ex.Experiment, name: str) -> Any:
    """One of the frames the views draw from (:data:`lab.figures.BUILD`), made once per setup
    from the runs (simulated once per setup)."""
    return figures.BUILD[name](exp, inspector.results(exp), tables(exp))


def tables(exp: ex.Experiment) -> figures.Tables:
    """The setup's frames, each made (and cached) when a view first reads it."""
    return figures.Tables(exp, compute=functools.partial(table, exp))


@st.cache_resource(max_entries=32, show_spinner=False)
def landscape(exp_surface: tuple) -> tuple:
    """A function's clickable cells, heatmap and iso-lines, made once per surface and shared by
    every session (a resource: the same frames, never copied; nothing writes to them), so their
    Arrow bytes are made once too (:func:`lab.ui.arrow.arrow_datasets`)."""
    name, params = exp_surface
    return figures.landscape(ex.Experiment(surface=name, surface_params=params))
