"""The page's state: every ``st.session_state`` key, and the one way an experiment gets into it.

Widgets keep their values under the keys built here. :func:`load` writes a whole experiment into
them (a link, a lesson, the sweep's fair comparison, the default page); :func:`set_start`,
:func:`open_view` and the run-list functions make the smaller changes. The sidebar, the views,
the links and the sweep view import this module; none of them spells a key itself, and tests use
these functions instead of literal strings.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

import streamlit as st

import optimizers
from lab import experiment as ex
from lab import lessons
from lab.views import View
from optimizers import schedules

# --- keys ----------------------------------------------------------------------------------------

SURFACE = "surface"
KIND = "kind"  # what the runs optimize: FUNCTION or MODEL
FUNCTION, MODEL = "function", "model"
MODEL_NAME = "model_name"  # the model picker
FORMULA = "formula"  # the text box of a typed formula
OWN_WINDOW = "own_window"  # the user sets the formula's window (else it is chosen for them)
FORMULA_OK = "formula_ok"  # the last formula that was accepted (shown while the box has an error)
STEPS, NOISE, SEED, TOLERANCE = "steps", "noise", "seed", "tolerance"
SCHEDULE = "schedule"
LESSON = "lesson"
NO_LESSON = "none"  # the lesson selector's value when the setup is not a lesson's
TAB = "tab"  # the open view: st.tabs keeps it, bound to the URL
BASE = "base"  # the experiment the session opened with (hidden control groups keep its values)
HIDDEN = "hidden"  # control groups a lesson link hides
RUN_IDS = "run_ids"  # the runs in the sidebar, in order: stable ids, so removing one keeps keys
NEXT_RUN_ID = "next_run_id"
MAP = "trajectory_map"  # the map's selection (a click moves the start), see map_key()
MAP_VIEWS = "map_views"  # how many times the map was reset to its whole window
INSPECT_STEP, INSPECT_AXIS = "inspect_step", "inspect_axis"
SWEEP_FULL_RERUN = "sweep_full_rerun"  # the sweep fragment asks for a whole-page rerun
SWEEP_LOW, SWEEP_HIGH, SWEEP_N = "sweep_low", "sweep_high", "sweep_n"
SWEEP_METRIC, SWEEP_SEEDS = "sweep_metric", "sweep_seeds"
MAP_RUN, MAP_N, BASIN_RUN, BASIN_N = "map_run", "map_n", "basin_run", "basin_n"
RACE_FORMAT, RACE_FRAMES = "race_format", "race_frames"  # the race as a file (lab/ui/animation.py)
RACE_RENDER = "race_render"  # its Render button
RACE_MADE = "race_made"  # (experiment, format, frames) of the file this session last rendered
CODE_RUN, CODE_FRAMEWORK = "code_run", "code_framework"  # the run shown as code, and in what
UPLOAD = "upload"  # the setup file picker, see upload_key()
UPLOADS = "uploads"  # how many setups were opened from a file (each gives the picker a new key)
UPLOAD_NOTES = "upload_notes"  # what the last file opened: (kind, message) pairs to show


def surface_param(surface: str, name: str) -> str:
    return f"sp.{surface}.{name}"


def model_param(model: str, name: str) -> str:
    """A model's control: ``hidden`` holds its widths as text ("16, 16"), ``full`` whether
    the batch is the whole training set."""
    return f"mp.{model}.{name}"


def hidden_text(widths: Iterable[int]) -> str:
    """Hidden widths as the text box shows them: ``16, 16`` (empty: no hidden layer)."""
    return ", ".join(str(int(w)) for w in widths)


def window(i: int) -> str:
    """The formula window's i-th bound: x from, x to, y from, y to."""
    return f"fbox.{i}"


def start(surface: str, params: ex.Params, i: int) -> str:
    """The start input of coordinate ``i``: per function (a typed formula: per formula and
    window), so each function starts from its own default inside its own window."""
    if surface != ex.FORMULA:
        return f"x0.{surface}.{i}"
    return f"x0.{surface}.{zlib.crc32(repr(params).encode())}.{i}"


def schedule_param(schedule: str, name: str) -> str:
    return f"sch.{schedule}.{name}"


def optimizer(run_id: int) -> str:
    return f"run.{run_id}.optimizer"


def hyperparam(run_id: int, optimizer_name: str, name: str) -> str:
    return f"run.{run_id}.{optimizer_name}.{name}"


def map_param(optimizer_name: str) -> str:
    """The sweep map's second hyperparameter, remembered per optimizer."""
    return f"map_param.{optimizer_name}"


def map_key() -> str:
    """The map's widget key: a new one after each :func:`whole_window`, so the browser draws a
    fresh chart (zoom and pan live in the browser; the server cannot undo them otherwise)."""
    count = st.session_state.get(MAP_VIEWS, 0)
    return MAP if not count else f"{MAP}.{count}"


def upload_key() -> str:
    """The setup picker's key: a new one after each file is opened, so the picker is empty
    again and the same file can be opened twice."""
    return f"{UPLOAD}.{st.session_state.get(UPLOADS, 0)}"


def whole_window() -> None:
    st.session_state[MAP_VIEWS] = st.session_state.get(MAP_VIEWS, 0) + 1


def duplicate_button(run_id: int) -> str:
    return f"dup.{run_id}"


def remove_button(run_id: int) -> str:
    return f"del.{run_id}"


# --- reading ------------------------------------------------------------------------------------


def init(key: str, default: Any) -> None:
    """Give a widget its first value (its own ``value=`` would fight a later :func:`load`)."""
    if key not in st.session_state:
        st.session_state[key] = default


def run_ids() -> list[int]:
    if RUN_IDS not in st.session_state:
        load(ex.Experiment())
    return list(st.session_state[RUN_IDS])


def optimizer_of(run_id: int) -> str:
    return st.session_state.get(optimizer(run_id), "adam")


# --- writing ------------------------------------------------------------------------------------


def load(exp: ex.Experiment) -> None:
    """Write an experiment into every widget's state."""
    state = st.session_state
    if exp.model:
        _load_model(exp)
    else:
        state[KIND] = FUNCTION
        _load_function(exp)
    state[STEPS], state[NOISE], state[SEED] = exp.steps, float(exp.noise), exp.seed
    state[TOLERANCE] = float(exp.tolerance)
    state[SCHEDULE] = exp.schedule
    for key, value in {**schedules.defaults(exp.schedule), **dict(exp.schedule_params)}.items():
        state[schedule_param(exp.schedule, key)] = float(value)
    state[RUN_IDS] = list(range(len(exp.runs)))
    state[NEXT_RUN_ID] = len(exp.runs)
    for run_id, config in enumerate(exp.runs):
        _load_run(run_id, config)


def _load_model(exp: ex.Experiment) -> None:
    state = st.session_state
    state[KIND], state[MODEL_NAME] = MODEL, exp.model
    for name, value in exp.objective().params.items():
        key = model_param(exp.model, name)
        if name == "hidden":
            state[key] = hidden_text(value)
        elif name == "batch_size":
            state[model_param(exp.model, "full")] = value is None
            if value is not None:
                state[key] = int(value)
        else:
            state[key] = float(value) if isinstance(value, float) else value


def _load_function(exp: ex.Experiment) -> None:
    state = st.session_state
    state[SURFACE] = exp.surface
    objective = exp.objective()
    for name, value in objective.params.items():  # defaults resolved (batch_size)
        if name not in ("text", "bounds"):
            state[surface_param(exp.surface, name)] = value
    if exp.surface == ex.FORMULA:
        state[FORMULA] = objective.params["text"]
        state[OWN_WINDOW] = True  # a link or an upload carries the exact window
        for i, value in enumerate(v for pair in objective.params["bounds"] for v in pair):
            state[window(i)] = float(value)
    set_start(exp, exp.start_point())


def set_start(exp: ex.Experiment, point: Iterable[float]) -> None:
    """Start ``exp``'s runs from ``point`` (a click on the map, a link, a lesson); a model's
    runs start from its shared initialisation, which has no control."""
    if exp.model:
        return
    for i, value in enumerate(point):
        st.session_state[start(exp.surface, exp.surface_params, i)] = float(value)


def open_view(view: View) -> None:
    st.session_state[TAB] = view.title


def open_lesson(lesson: lessons.Lesson) -> None:
    load(lesson.experiment)
    open_view(lesson.view)


def add_run(config: ex.RunConfig) -> None:
    run_id = _new_run_id()
    st.session_state[RUN_IDS] = [*run_ids(), run_id]
    _load_run(run_id, config)


def duplicate_run(run_id: int) -> None:
    state = st.session_state
    name = optimizer_of(run_id)
    new_id = _new_run_id()
    ids = run_ids()
    ids.insert(ids.index(run_id) + 1, new_id)
    state[RUN_IDS] = ids
    state[optimizer(new_id)] = name
    for spec in optimizers.hyperparams(name):
        source = hyperparam(run_id, name, spec.name)
        if source in state:
            state[hyperparam(new_id, name, spec.name)] = state[source]


def remove_run(run_id: int) -> None:
    st.session_state[RUN_IDS] = [i for i in run_ids() if i != run_id]


def _new_run_id() -> int:
    run_id = st.session_state[NEXT_RUN_ID]
    st.session_state[NEXT_RUN_ID] = run_id + 1
    return run_id


def _load_run(run_id: int, config: ex.RunConfig) -> None:
    st.session_state[optimizer(run_id)] = config.optimizer
    for spec in optimizers.hyperparams(config.optimizer):
        value = config.value(spec.name)
        st.session_state[hyperparam(run_id, config.optimizer, spec.name)] = (
            value if spec.kind is bool else float(value)
        )
