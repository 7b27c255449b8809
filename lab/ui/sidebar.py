"""The sidebar: widgets that build an :class:`~lab.experiment.Experiment`.

Every control is drawn from a declaration: a surface's, a schedule's or an optimizer's
``params.Param``s, and the setup's own (``lab.experiment.STEPS`` …). A control offers the
declared range, so a value a link may carry the widget accepts too. Widget keys and the loading
of an experiment into them belong to :mod:`lab.ui.state`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
import streamlit as st

import optimizers
import surfaces
from lab import codecs, lessons
from lab import experiment as ex
from optimizers import schedules
from params import Param

from . import model_sidebar, state
from .text import plain as text_plain

RUN_HELP = "Any number of optimizer configurations; the same optimizer may appear twice."
FINE_DECADES = 8  # a log control spanning at most this many decades offers 1, 2, 5 per decade


@cache
def surface_label(name: str) -> str:
    if name == ex.FORMULA:
        return "Your formula…"
    s = surfaces.get(name)
    group = "Stochastic" if s.stochastic else f"{s.dim}-D"
    return f"{group} · {s.title}"


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
        if "start" not in hidden and not fields.get("model", base.model):
            objective = ex.build_surface(
                fields.get("surface", base.surface),
                fields.get("surface_params", base.surface_params),
            )
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


# --- the function ------------------------------------------------------------------------------


def _function() -> dict[str, Any]:
    if model_sidebar.kind() == state.MODEL:
        return model_sidebar.controls()
    st.subheader("Function")
    name = st.selectbox(
        "Test function", surfaces.names(), key=state.SURFACE, format_func=surface_label
    )
    if name == ex.FORMULA:
        return {"surface": name, "surface_params": _formula(), "model": "", "model_params": ()}
    objective = _surface(name)
    st.caption(objective.lesson)
    fields = {"surface": name, "surface_params": ex.surface_params(objective)}
    return {**fields, "model": "", "model_params": ()}


def _surface(name: str) -> surfaces.Surface:
    """The surface with the values of its declared parameters' controls."""
    defaults = ex.build_surface(name, ()).params  # defaults resolved (batch_size); memoised
    values = {}
    for spec in surfaces.parameters(name):
        key = state.surface_param(name, spec.name)
        state.init(key, defaults[spec.name])
        values[spec.name] = control(spec, key)
    try:
        given = tuple((spec.name, values[spec.name]) for spec in surfaces.parameters(name))
        return ex.build_surface(name, given)
    except (ValueError, TypeError) as err:
        st.error(f"{surface_label(name)}: {err}. Using its default parameters.")
        return ex.build_surface(name, ())


def _formula() -> ex.Params:
    """The formula box: the text, its window, the rendered formula and gradient, or the error
    in place (the last accepted formula stays in use)."""
    state.init(state.FORMULA, surfaces.expression.DEFAULT_TEXT)
    text = st.text_input(
        "f(x) or f(x, y) =",
        key=state.FORMULA,
        max_chars=surfaces.expression.MAX_LENGTH,
        help="Numbers, x and y, + − * / ** (or ^), parentheses, sin cos tan exp "
        "log sqrt abs tanh sinh cosh arctan, min(a, b), max(a, b), pi, e.",
    )
    state.init(state.OWN_WINDOW, False)
    own = st.checkbox(
        "Set the window myself",
        key=state.OWN_WINDOW,
        help="Otherwise the window is chosen around the formula's critical points.",
    )
    bounds = None
    if own:
        two_d = "y" in text  # no whitelisted function name contains a y
        labels = ("x from", "x to", "y from", "y to")[: 4 if two_d else 2]
        box = []
        for i, (col, label) in enumerate(zip(st.columns(4), labels, strict=False)):
            state.init(state.window(i), -5.0 if i % 2 == 0 else 5.0)
            box.append(col.number_input(label, key=state.window(i), step=1.0, format="%g"))
        bounds = [tuple(box[i : i + 2]) for i in range(0, len(box), 2)]
    try:
        params = codecs.formula_params(text, bounds)
    except ValueError as err:
        st.error(text_plain(str(err)), icon=":material/block:")
        params = st.session_state.get(state.FORMULA_OK) or codecs.formula_params(
            surfaces.expression.DEFAULT_TEXT
        )
        st.caption("Still showing the last formula that was accepted.")
    else:
        st.session_state[state.FORMULA_OK] = params
    objective = ex.build_surface(ex.FORMULA, params)
    if not own:
        for i, value in enumerate(v for pair in objective.bounds for v in pair):
            st.session_state[state.window(i)] = float(value)  # ticking the box starts from it
        window = " × ".join(f"[{lo:g}, {hi:g}]" for lo, hi in objective.bounds)
        st.caption(f"Window {window}, around the formula's critical points.")
    st.latex(objective.formula)
    for line in surfaces.gradient_latex(objective):
        st.latex(line)
    if message := surfaces.check_domain(objective, _window_points(objective)):
        st.warning(message)
    return params


def _window_points(objective: surfaces.Surface, n: int = 60) -> np.ndarray:
    axes = [np.linspace(lo, hi, n) for lo, hi in objective.bounds]
    if objective.dim == 1:
        return axes[0][:, None]
    gx, gy = np.meshgrid(*axes)
    return np.stack([gx, gy], axis=-1).reshape(-1, 2)


def _start(objective: surfaces.Surface) -> list[float]:
    cols = st.columns(objective.dim)
    params = ex.surface_params(objective)
    start = []
    for i, (col, axis) in enumerate(zip(cols, objective.axis_names, strict=True)):
        lo, hi = objective.bounds[i]
        key = state.start(objective.name, params, i)
        state.init(key, float(objective.start[i]))
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


# --- steps, schedule, noise ----------------------------------------------------------------------


def _run_settings() -> dict[str, Any]:
    st.subheader("Run")
    base = ex.Experiment()
    state.init(state.STEPS, base.steps)
    steps = control(ex.STEPS, state.STEPS, step=50)
    schedule = _schedule()
    with st.expander("Gradient noise and tolerance"):
        state.init(state.NOISE, base.noise)
        state.init(state.SEED, base.seed)
        state.init(state.TOLERANCE, base.tolerance)
        noise = control(ex.NOISE, state.NOISE, step=0.1)
        seed = control(ex.SEED, state.SEED)
        tolerance = control(ex.TOLERANCE, state.TOLERANCE)
    return {
        "steps": int(steps),
        "noise": float(noise),
        "seed": int(seed),
        "schedule": schedule.name,
        "schedule_params": schedule.params,
        "tolerance": float(tolerance),
    }


def _schedule() -> schedules.Schedule:
    state.init(state.SCHEDULE, "constant")
    name = st.selectbox(
        "Learning-rate schedule",
        schedules.names(),
        key=state.SCHEDULE,
        format_func=lambda n: schedules.get(n).title,
    )
    values = {}
    for spec in schedules.hyperparams(name):
        key = state.schedule_param(name, spec.name)
        state.init(key, float(schedules.defaults(name)[spec.name]))
        values[spec.name] = control(spec, key)
    try:
        return schedules.get(name, **values)
    except ValueError as err:
        st.error(f"Schedule: {err}. Using a constant learning rate.")
        return schedules.get("constant")


# --- lessons -------------------------------------------------------------------------------------


def _lesson_picker(exp: ex.Experiment) -> None:
    """The lesson selector: picking one loads it; touching any control turns it to Custom."""
    current = lessons.find(exp)
    st.session_state[state.LESSON] = current.key if current else state.NO_LESSON
    st.selectbox(
        "Lesson",
        [state.NO_LESSON, *lessons.BY_KEY],
        key=state.LESSON,
        format_func=_lesson_title,
        on_change=_pick_lesson,
        help="A ready-made setup with a short text on what to notice.",
    )


def _lesson_title(key: str) -> str:
    return "Custom" if key == state.NO_LESSON else lessons.BY_KEY[key].title


def _pick_lesson() -> None:
    if lesson := lessons.BY_KEY.get(st.session_state[state.LESSON]):
        state.open_lesson(lesson)


# --- optimizers ----------------------------------------------------------------------------------


def _runs() -> tuple[ex.RunConfig, ...]:
    configs = []
    ids = state.run_ids()
    for position, run_id in enumerate(ids):
        title = f"{position + 1}. {run_title(run_id)}"
        with st.expander(title, expanded=len(ids) <= 2 or position == len(ids) - 1):
            configs.append(_run(run_id))
            left, right = st.columns(2)
            left.button(
                "Duplicate",
                key=state.duplicate_button(run_id),
                on_click=state.duplicate_run,
                args=(run_id,),
                disabled=len(ids) >= ex.MAX_RUNS,
                width="stretch",
            )
            right.button(
                "Remove",
                key=state.remove_button(run_id),
                on_click=state.remove_run,
                args=(run_id,),
                disabled=len(ids) <= 1,
                width="stretch",
            )
    st.button(
        "Add an optimizer",
        on_click=state.add_run,
        args=(ex.run_config("adam", lr=1e-2),),
        disabled=len(ids) >= ex.MAX_RUNS,
        width="stretch",
        type="primary",
    )
    return tuple(configs)


def run_title(run_id: int) -> str:
    """The run's name and what sets it apart: ``RMSProp · lr 0.01 · momentum 0.9 · centered``.

    Read from the widgets' state before they are drawn (an expander's title comes first).
    """
    name = state.optimizer_of(run_id)
    defaults = optimizers.defaults(name)
    parts = [optimizers.title(name)]
    for spec in optimizers.hyperparams(name):
        value = st.session_state.get(state.hyperparam(run_id, name, spec.name), defaults[spec.name])
        if spec.name != "lr" and value == defaults[spec.name]:
            continue
        if isinstance(value, bool):
            parts.append(spec.name if value else f"no {spec.name}")
        else:
            parts.append(f"{spec.name} {value:g}")
    return " · ".join(parts)


def _run(run_id: int) -> ex.RunConfig:
    key = state.optimizer(run_id)
    state.init(key, "adam")
    name = st.selectbox("Optimizer", optimizers.names(), key=key, format_func=optimizers.title)
    defaults = optimizers.defaults(name)
    values = {}
    specs = optimizers.hyperparams(name)
    for spec in sorted(specs, key=lambda s: s.kind is bool):  # numbers first, then switches
        key = state.hyperparam(run_id, name, spec.name)
        state.init(key, defaults[spec.name] if spec.kind is bool else float(defaults[spec.name]))
        values[spec.name] = control(spec, key)
    changed = {k: v for k, v in values.items() if k == "lr" or v != defaults[k]}
    return ex.run_config(name, **changed)


# --- one control per declared number ------------------------------------------------------------


def control(spec: Param, key: str, step: float | None = None) -> Any:
    """The widget for a declared number: a checkbox, a log-scale slider or a number box.

    It offers the declared valid range (a slider: its span, plus the current value wherever it
    lies), so any value a link or an upload may carry is one the widget shows unchanged.
    """
    value = st.session_state[key]
    label, help_text = spec.label, spec.help or None
    if spec.kind is bool:
        return st.checkbox(spec.short_label, key=key, help=help_text)
    if spec.log:
        options = sorted({*log_grid(spec), float(value)})
        return st.select_slider(label, options=options, key=key, format_func=_fmt, help=help_text)
    lo, hi = _limits(spec)
    lo = None if lo is None else min(lo, value)
    hi = None if hi is None else max(hi, value)
    if spec.kind is int:
        return int(
            st.number_input(
                label,
                min_value=None if lo is None else int(lo),
                max_value=None if hi is None else int(hi),
                step=int(step or 1),
                key=key,
                help=help_text,
            )
        )
    span_lo, span_hi = spec.span()
    fine = span_hi <= 1 or spec.low < 1
    return float(
        st.number_input(
            label,
            # floats, all of them: a declared low of 1 (an int) next to a float step is
            # refused by Streamlit (StreamlitMixedNumericTypesError: step_size, T_0 ...)
            min_value=None if lo is None else float(lo),
            max_value=None if hi is None else float(hi),
            step=float(step or (0.01 if fine else max((span_hi - span_lo) / 100, 1.0))),
            key=key,
            format="%g",
            help=help_text,
        )
    )


def log_grid(spec: Param) -> list[float]:
    """The stops of a log-scale slider over the declared span: 1, 2, 5 per decade, or one per
    decade where the span is wider than ``FINE_DECADES``.

    >>> log_grid(Param("kappa", "κ", low=1.0, ui_range=(1.0, 100.0), log=True))
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
    """
    lo, hi = spec.span()
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mantissas = (1, 2, 5) if last - first <= FINE_DECADES else (1,)
    stops = {round(m * 10.0**e, 12) for e in range(first, last + 1) for m in mantissas}
    return sorted(x for x in stops if lo <= x <= hi and spec.contains(x))


def _limits(spec: Param) -> tuple[float | None, float | None]:
    """A number box's limits: the valid range where its ends are included, else the span."""
    span = spec.span()
    lo = spec.low if spec.low_inclusive and math.isfinite(spec.low) else span[0]
    hi = spec.high if spec.high_inclusive else span[1]
    return lo, hi if math.isfinite(spec.high) else None


def _fmt(value: float) -> str:
    return ex.short(float(value), digits=6)
