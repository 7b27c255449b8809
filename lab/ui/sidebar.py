"""The sidebar: widgets that build an :class:`~lab.experiment.Experiment`.

Every widget keeps its value under a key in ``st.session_state``; :func:`load` writes an
experiment into those keys (on a first visit from a link, or when a lesson is picked), and
:func:`render` reads them back. Hyperparameter widgets are generated from the optimizer
registry, so a new optimizer needs no code here.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import replace
from functools import cache
from typing import Any

import streamlit as st

import optimizers
import surfaces
from lab import experiment as ex
from lab import lessons
from optimizers import schedules
from optimizers.base import Hyperparam

from .text import plain as text_plain

LR_GRID = sorted({round(m * 10.0**e, 12) for e in range(-6, 2) for m in (1, 2, 5)})
SMALL_GRID = [10.0**e for e in range(-16, 0)]
SURFACE_CONTROLS: dict[str, dict[str, Any]] = {
    "kappa": {"label": "Condition number κ (kappa)", "min_value": 1.0, "max_value": 1e4},
    "n_samples": {"label": "Data points n (n_samples)", "min_value": 2, "max_value": 100_000},
    "batch_size": {"label": "Mini-batch size B (batch_size)", "min_value": 1, "max_value": 100_000},
    "noise": {"label": "Noise in the data σ (noise)", "min_value": 0.0, "max_value": 10.0},
    "data_seed": {"label": "Data seed (data_seed)", "min_value": 0, "max_value": 2**31 - 1},
}
CUSTOM = "custom"
RUN_HELP = "Any number of optimizer configurations; the same optimizer may appear twice."


@cache
def surface_label(name: str) -> str:
    if name == ex.CUSTOM:
        return "Your formula…"
    s = surfaces.get(name)
    group = "Stochastic" if s.stochastic else f"{s.dim}-D"
    return f"{group} · {s.title}"


def _key_run(run_id: int, optimizer: str, param: str) -> str:
    return f"run.{run_id}.{optimizer}.{param}"


def load(exp: ex.Experiment) -> None:
    """Write an experiment into the widgets' state (a link, a lesson, a JSON upload)."""
    state = st.session_state
    state["surface"] = exp.surface
    for key, value in exp.objective().params.items():  # defaults resolved (batch_size)
        state[f"sp.{exp.surface}.{key}"] = value
    for i, value in enumerate(exp.start_point()):
        state[start_key(exp.surface, exp.surface_params, i)] = float(value)
    if exp.surface == ex.CUSTOM:
        given = dict(exp.surface_params)
        state["formula"] = given["text"]
        for i, value in enumerate(v for pair in given["bounds"] for v in pair):
            state[f"fbox.{i}"] = float(value)
    state["steps"], state["noise"], state["seed"] = exp.steps, float(exp.noise), exp.seed
    state["tolerance"] = float(exp.tolerance)
    state["schedule"] = exp.schedule
    for key, value in {**schedules.defaults(exp.schedule), **dict(exp.schedule_params)}.items():
        state[f"sch.{exp.schedule}.{key}"] = float(value)
    state["run_ids"] = list(range(len(exp.runs)))
    state["next_run_id"] = len(exp.runs)
    for run_id, config in enumerate(exp.runs):
        _load_run(run_id, config)


def _load_run(run_id: int, config: ex.RunConfig) -> None:
    st.session_state[f"run.{run_id}.optimizer"] = config.optimizer
    for spec in optimizers.hyperparams(config.optimizer):
        value = config.value(spec.name)
        st.session_state[_key_run(run_id, config.optimizer, spec.name)] = (
            value if spec.kind is bool else float(value)
        )


def render(base: ex.Experiment, hidden: frozenset[str] = frozenset()) -> ex.Experiment:
    """Draw the sidebar and return the experiment it describes.

    ``hidden`` control groups (a lesson link's ``hide=``) are not drawn; their values come from
    ``base``, the experiment the link opened.
    """
    if "sidebar" in hidden:
        return base
    with st.sidebar:
        lesson_slot = st.container()  # drawn last, shown first: it reflects every other control
        fields = {}
        if "function" not in hidden:
            fields.update(_function())
        if "start" not in hidden:
            objective = ex.Experiment(
                fields.get("surface", base.surface),
                fields.get("surface_params", base.surface_params),
            ).objective()
            start = tuple(_start(objective))
            fields["start"] = None if start == tuple(objective.start) else start
        if "run" not in hidden:
            fields.update(_run_settings())
        if "optimizers" not in hidden:
            st.subheader("Optimizers", help=RUN_HELP)
            fields["runs"] = _runs()
        exp = replace(base, **fields).canonical()
        with lesson_slot:
            _lesson_picker(exp)
    return exp


def _function() -> dict[str, Any]:
    st.subheader("Function")
    name = st.selectbox(
        "Test function", ex.surface_names(), key="surface", format_func=surface_label
    )
    if name == ex.CUSTOM:
        return {"surface": name, "surface_params": _formula()}
    objective = _surface(name)
    st.caption(objective.lesson)
    return {"surface": name, "surface_params": objective_params(name, objective)}


def _formula() -> ex.Params:
    """The formula box: the text, its window, the rendered formula and gradient, or the error
    in place (the last accepted formula stays in use)."""
    _init("formula", ex.DEFAULT_FORMULA)
    text = st.text_input(
        "f(x) or f(x, y) =",
        key="formula",
        max_chars=500,
        help="Numbers, x and y, + − * / ** (or ^), parentheses, sin cos tan exp "
        "log sqrt abs tanh sinh cosh arctan, min(a, b), max(a, b), pi, e.",
    )
    two_d = "y" in text  # no whitelisted function name contains a y
    labels = ("x from", "x to", "y from", "y to")[: 4 if two_d else 2]
    box = []
    for i, (col, label) in enumerate(zip(st.columns(4), labels, strict=False)):
        _init(f"fbox.{i}", -5.0 if i % 2 == 0 else 5.0)
        box.append(col.number_input(label, key=f"fbox.{i}", step=1.0, format="%g"))
    try:
        params = ex.formula_params(text, [tuple(box[i : i + 2]) for i in range(0, len(box), 2)])
    except ValueError as err:
        st.error(text_plain(str(err)), icon=":material/block:")
        params = st.session_state.get("formula_ok") or ex.formula_params(ex.DEFAULT_FORMULA)
        st.caption("Still showing the last formula that was accepted.")
    else:
        st.session_state["formula_ok"] = params
    objective = ex.build_surface(ex.CUSTOM, params)
    st.latex(objective.formula)
    for line in surfaces.gradient_latex(objective):
        st.latex(line)
    with_grid = _window_points(objective)
    if message := surfaces.check_domain(objective, with_grid):
        st.warning(message)
    return params


def _window_points(objective: surfaces.Surface, n: int = 60) -> Any:
    import numpy as np

    axes = [np.linspace(lo, hi, n) for lo, hi in objective.bounds]
    if objective.dim == 1:
        return axes[0][:, None]
    gx, gy = np.meshgrid(*axes)
    return np.stack([gx, gy], axis=-1).reshape(-1, 2)


def start_key(surface: str, params: ex.Params, i: int) -> str:
    """The session key of the start input: per formula for a typed one, so a new formula starts
    from its own default inside its own window."""
    if surface != ex.CUSTOM:
        return f"x0.{surface}.{i}"
    return f"x0.custom.{zlib.crc32(repr(params).encode())}.{i}"


def _run_settings() -> dict[str, Any]:
    st.subheader("Run")
    _init("steps", 500)
    steps = st.number_input("Steps", min_value=1, max_value=ex.MAX_STEPS, step=50, key="steps")
    schedule = _schedule()
    with st.expander("Gradient noise and tolerance"):
        _init("noise", 0.0)
        _init("seed", 0)
        _init("tolerance", 1e-3)
        noise = st.number_input(
            "Gradient noise σ",
            min_value=0.0,
            max_value=ex.MAX_NOISE,
            step=0.1,
            key="noise",
            format="%g",
            help="Adds N(0, σ²) to every gradient component.",
        )
        seed = st.number_input(
            "Random seed",
            min_value=0,
            max_value=2**32 - 1,
            key="seed",
            help="Seeds the noise and mini-batches: the same seed, the same run.",
        )
        tolerance = st.select_slider(
            "Tolerance on f − f_min",
            options=SMALL_GRID,
            key="tolerance",
            format_func=_fmt,
            help="The summary counts steps until f − f_min is below this.",
        )
    return {
        "steps": int(steps),
        "noise": float(noise),
        "seed": int(seed),
        "schedule": schedule.name,
        "schedule_params": schedule.params,
        "tolerance": float(tolerance),
    }


def _lesson_picker(exp: ex.Experiment) -> None:
    """The lesson selector: picking one loads it; touching any control turns it to Custom."""
    current = lessons.find(exp)
    st.session_state["lesson"] = current.key if current else CUSTOM
    st.selectbox(
        "Lesson",
        [CUSTOM, *lessons.BY_KEY],
        key="lesson",
        format_func=_lesson_title,
        on_change=_pick_lesson,
        help="A ready-made setup with a short text on what to notice.",
    )


def _lesson_title(key: str) -> str:
    return "Custom" if key == CUSTOM else lessons.BY_KEY[key].title


def _pick_lesson() -> None:
    key = st.session_state["lesson"]
    if key in lessons.BY_KEY:
        lesson = lessons.BY_KEY[key]
        load(lesson.experiment)
        st.session_state["tab"] = lesson.view


def _params_of(objective: surfaces.Surface) -> ex.Params:
    if objective.name == ex.CUSTOM:
        return (("text", objective.params["text"]), ("bounds", objective.params["bounds"]))
    return objective_params(objective.name, objective)


def objective_params(name: str, objective: surfaces.Surface) -> ex.Params:
    defaults = surfaces.defaults(name)
    return tuple((k, v) for k, v in objective.params.items() if v != defaults.get(k))


def _init(key: str, default: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = default


def _fmt(value: float) -> str:
    return f"{value:g}"


def _surface(name: str) -> surfaces.Surface:
    values = {}
    for key in surfaces.defaults(name):
        control = SURFACE_CONTROLS.get(key, {"label": key})
        integer = isinstance(control.get("min_value"), int)
        _init(f"sp.{name}.{key}", surfaces.get(name).params[key])
        values[key] = st.number_input(
            key=f"sp.{name}.{key}",
            step=1 if integer else None,
            format=None if integer else "%g",
            **control,
        )
    try:
        return surfaces.get(name, **values)
    except (ValueError, TypeError) as err:
        st.error(f"{surface_label(name)}: {err}. Using its default parameters.")
        return surfaces.get(name)


def _start(objective: surfaces.Surface) -> list[float]:
    cols = st.columns(objective.dim)
    start = []
    for i, (col, axis) in enumerate(zip(cols, objective.axis_names, strict=True)):
        lo, hi = objective.bounds[i]
        key = start_key(objective.name, _params_of(objective), i)
        _init(key, float(objective.start[i]))
        with col:
            start.append(
                st.number_input(
                    f"Start {axis}₀",
                    min_value=float(lo),
                    max_value=float(hi),
                    step=(hi - lo) / 100,
                    key=key,
                    format="%g",
                )
            )
    return start


def _schedule() -> schedules.Schedule:
    _init("schedule", "constant")
    name = st.selectbox(
        "Learning-rate schedule",
        schedules.names(),
        key="schedule",
        format_func=lambda n: schedules.get(n).title,
    )
    values = {}
    for spec in schedules.hyperparams(name):
        key = f"sch.{name}.{spec.name}"
        _init(key, float(schedules.defaults(name)[spec.name]))
        values[spec.name] = _number(spec, key)
    try:
        return schedules.get(name, **values)
    except ValueError as err:
        st.error(f"Schedule: {err}. Using a constant learning rate.")
        return schedules.get("constant")


def _runs() -> tuple[ex.RunConfig, ...]:
    state = st.session_state
    if "run_ids" not in state:
        load(ex.Experiment())
    configs = []
    ids = list(state["run_ids"])
    for position, run_id in enumerate(ids):
        optimizer = state.get(f"run.{run_id}.optimizer", "adam")
        title = f"{position + 1}. {optimizers.title(optimizer)}"
        with st.expander(title, expanded=len(ids) <= 2 or position == len(ids) - 1):
            configs.append(_run(run_id))
            left, right = st.columns(2)
            left.button(
                "Duplicate",
                key=f"dup.{run_id}",
                on_click=_duplicate,
                args=(run_id,),
                disabled=len(ids) >= ex.MAX_RUNS,
                width="stretch",
            )
            right.button(
                "Remove",
                key=f"del.{run_id}",
                on_click=_remove,
                args=(run_id,),
                disabled=len(ids) <= 1,
                width="stretch",
            )
    st.button(
        "Add an optimizer",
        on_click=_add,
        disabled=len(ids) >= ex.MAX_RUNS,
        width="stretch",
        type="primary",
    )
    return tuple(configs)


def _run(run_id: int) -> ex.RunConfig:
    key = f"run.{run_id}.optimizer"
    _init(key, "adam")
    optimizer = st.selectbox("Optimizer", optimizers.names(), key=key, format_func=optimizers.title)
    defaults = optimizers.defaults(optimizer)
    values = {}
    specs = optimizers.hyperparams(optimizer)
    for spec in (s for s in specs if s.kind is float):
        values[spec.name] = _hyperparam(
            spec, _key_run(run_id, optimizer, spec.name), defaults[spec.name]
        )
    for spec in (s for s in specs if s.kind is bool and s.name != "maximize"):
        k = _key_run(run_id, optimizer, spec.name)
        _init(k, defaults[spec.name])
        values[spec.name] = st.checkbox(_short_label(spec), key=k, help=spec.help or None)
    changed = {k: v for k, v in values.items() if k == "lr" or v != defaults[k]}
    return ex.run(optimizer, **changed)


def _hyperparam(spec: Hyperparam, key: str, default: float) -> float:
    _init(key, float(default))
    if spec.log:
        grid = LR_GRID if spec.name == "lr" else SMALL_GRID
        options = sorted(set(grid) | {float(st.session_state[key])})
        return st.select_slider(
            spec.label, options=options, key=key, format_func=_fmt, help=spec.help or None
        )
    return _number(spec, key)


def _number(spec: Hyperparam, key: str) -> float:
    lo, hi = spec.ui_range or (spec.low, spec.high if math.isfinite(spec.high) else 1e6)
    value = float(st.session_state[key])
    lo, hi = min(lo, value), max(hi, value)  # a value from a link stays as it is
    step = 0.01 if hi <= 1 else max((hi - lo) / 100, 1.0) if spec.low >= 1 else 0.01
    return float(
        st.number_input(
            spec.label,
            min_value=float(lo),
            max_value=float(hi),
            step=step,
            key=key,
            format="%g",
            help=spec.help or None,
        )
    )


def _short_label(spec: Hyperparam) -> str:
    return (
        spec.label.split(" (")[0] if "(" in spec.label and spec.label.endswith(")") else spec.label
    )


def _add() -> None:
    state = st.session_state
    run_id = state["next_run_id"]
    state["next_run_id"] += 1
    state["run_ids"] = [*state["run_ids"], run_id]
    _load_run(run_id, ex.run("adam", lr=1e-2))


def _duplicate(run_id: int) -> None:
    state = st.session_state
    optimizer = state[f"run.{run_id}.optimizer"]
    new_id = state["next_run_id"]
    state["next_run_id"] += 1
    ids = list(state["run_ids"])
    ids.insert(ids.index(run_id) + 1, new_id)
    state["run_ids"] = ids
    state[f"run.{new_id}.optimizer"] = optimizer
    for spec in optimizers.hyperparams(optimizer):
        source = _key_run(run_id, optimizer, spec.name)
        if source in state:
            state[_key_run(new_id, optimizer, spec.name)] = state[source]


def _remove(run_id: int) -> None:
    st.session_state["run_ids"] = [i for i in st.session_state["run_ids"] if i != run_id]
