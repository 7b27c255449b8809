"""The sidebar's choice between a test function and a model, and a model's controls.

Every number is drawn from the model's declared ``params.Param`` (``models.parameters``), the
same range a link or an upload is checked against (:mod:`lab.codecs`); the text choices (data
set, activation, loss) from ``models.choices``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import models
from lab import experiment as ex

from . import state

KIND_LABELS = {state.FUNCTION: "A test function", state.MODEL: "Train a model"}
CHOICE_LABELS = {"dataset": "Data set", "activation": "Activation", "loss": "Loss"}
WORDS = {
    "cross_entropy": "cross-entropy",
    "squared": "squared error",
    "tanh": "tanh",
    "relu": "ReLU",
    "gaussians": "two Gaussians",
    "xor": "XOR",
    "sine": "noisy sine (regression)",
    "iris": "iris (real, 4 features, 3 classes)",
}
ORDER = ("n", "noise", "test_fraction", "data_seed", "init_seed")


def kind() -> str:
    """The toggle at the top: optimize a test function or train a model. Switching loads the
    other kind's default setup (its learning rates suit it)."""
    state.init(state.KIND, state.FUNCTION)
    return st.radio(
        "Optimize",
        list(KIND_LABELS),
        format_func=KIND_LABELS.get,
        key=state.KIND,
        horizontal=True,
        label_visibility="collapsed",
        on_change=_switch,
    )


def _switch() -> None:
    wanted = st.session_state[state.KIND]
    state.load(ex.MODEL_DEFAULT if wanted == state.MODEL else ex.Experiment())


def controls() -> dict[str, Any]:
    """The model, its data and its settings; returns the experiment's model fields.

    A combination the model refuses (a batch larger than the training set, a bad width) is
    named in an error and replaced by the model's defaults for that field.
    """
    st.subheader("Model")
    state.init(state.MODEL_NAME, ex.MODEL_DEFAULT.model)
    name = st.selectbox(
        "Model", models.names(), key=state.MODEL_NAME, format_func=models.TITLES.get
    )
    defaults = ex.build_model(name, ()).params
    given: dict[str, Any] = {}
    for key, options in models.choices(name).items():
        widget = state.model_param(name, key)
        default = defaults[key]
        state.init(widget, default)
        if st.session_state[widget] not in options:
            st.session_state[widget] = default
        given[key] = st.selectbox(
            CHOICE_LABELS[key], options, key=widget, format_func=lambda v: WORDS.get(v, v)
        )
        if key == "dataset" and name == "mlp":
            given.update(_network(name, defaults))
    specs = {p.name: p for p in models.parameters(name)}
    from .sidebar import control  # the sidebar imports this module

    given.update(_batch(name, defaults, specs["batch_size"], control))
    # a real data set (iris) has no size or noise to set: only the generated ones do
    takes = ex.build_model(name, (("dataset", given.get("dataset", defaults["dataset"])),)).params
    with st.expander("Data and initialisation"):
        for key in ORDER:
            if key not in takes:
                continue
            widget = state.model_param(name, key)
            state.init(widget, takes[key])
            given[key] = control(specs[key], widget)
    try:
        objective = models.get(name, **given)
    except (ValueError, TypeError) as err:
        st.error(f"{models.TITLES[name]}: {err}. Using the full batch.")
        given["batch_size"] = None
        try:
            objective = models.get(name, **given)
        except (ValueError, TypeError) as again:
            st.error(f"{models.TITLES[name]}: {again}. Using its defaults.")
            given = {}
            objective = ex.build_model(name, ())
    data = objective.data
    per = objective.steps_per_epoch
    st.caption(
        f"{data.n_train} training and {data.n_test} held-out points, {objective.dim} parameters"
        + (f"; {per} steps make an epoch." if per > 1 else "; every step sees the whole set.")
        + " Every run starts from the same seeded initialisation (as torch.nn.Linear)."
    )
    return {"model": name, "model_params": ex.model_params(name, given)}


def _network(name: str, defaults: dict[str, Any]) -> dict[str, Any]:
    widget = state.model_param(name, "hidden")
    state.init(widget, state.hidden_text(defaults["hidden"]))
    text = st.text_input(
        "Hidden widths",
        key=widget,
        max_chars=60,
        help=f"Comma-separated widths, one per hidden layer, at most "
        f"{models.registry.MAX_HIDDEN_LAYERS} layers; empty: no hidden layer.",
    )
    try:
        widths = tuple(int(p) for p in text.replace(" ", "").split(",") if p)
        models.get(name, hidden=widths)
    except ValueError as err:
        message = str(err) if "hidden" in str(err) else "hidden widths must be whole numbers"
        st.error(f"{message}; got {text!r}. Using {state.hidden_text(defaults['hidden'])}.")
        return {"hidden": defaults["hidden"]}
    return {"hidden": widths}


def _batch(name: str, defaults: dict[str, Any], spec: Any, control: Any) -> dict[str, Any]:
    full_key = state.model_param(name, "full")
    size_key = state.model_param(name, "batch_size")
    state.init(full_key, defaults["batch_size"] is None)
    state.init(size_key, 32)
    full = st.checkbox(
        "Full batch",
        key=full_key,
        help="Every step's gradient on the whole training set; untick for mini-batches "
        "(reshuffled every epoch), whose gradient noise is the real thing.",
    )
    if full:
        return {"batch_size": None}
    return {"batch_size": int(control(spec, size_key))}
