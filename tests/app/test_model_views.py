"""A model setup opened by link: every tab draws, a model control changes, nothing fails."""

import pytest

import models
from lab import views
from lab.ui import state

MLP_SPIRAL = {
    "m": "mlp",
    "mp": "n=200",
    "steps": "150",
    "run": ["sgd:lr=0.3", "momentum:lr=0.1", "rmsprop:lr=0.01", "adam:lr=0.01"],
}


def _clean(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_every_tab_of_a_model_link_draws(app):
    at = app(**MLP_SPIRAL)
    _clean(at)
    assert at.session_state[state.KIND] == state.MODEL
    assert at.session_state[state.MODEL_NAME] == "mlp"
    for title in views.TITLES:
        at.session_state[state.TAB] = title
        at.run()
        _clean(at)
    infos = " ".join(i.value for i in at.info)
    assert "3-D" not in infos or "parameters" in infos


def test_changing_a_model_control_reruns_cleanly(app):
    at = app(**MLP_SPIRAL)
    at.selectbox(key=state.model_param("mlp", "dataset")).set_value("moons").run()
    _clean(at)
    at.text_input(key=state.model_param("mlp", "hidden")).set_value("8").run()
    _clean(at)
    assert at.query_params["mp"] in (
        "dataset=moons,hidden=8,n=200",
        ["dataset=moons,hidden=8,n=200"],
    )
    at.text_input(key=state.model_param("mlp", "hidden")).set_value("8, x").run()
    assert not at.exception
    assert any("hidden" in e.value for e in at.error)  # named, and the default used


def test_a_bad_model_value_in_a_link_is_named_in_a_warning(app):
    at = app(m="logistic", mp="dataset=spiral,batch_size=5000")
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "batch\\_size" in text and "5000" in text  # markdown-escaped


def test_the_toggle_switches_between_function_and_model(app):
    at = app()
    at.radio(key=state.KIND).set_value(state.MODEL).run()
    _clean(at)
    assert at.query_params["m"] in ("mlp", ["mlp"])
    at.radio(key=state.KIND).set_value(state.FUNCTION).run()
    _clean(at)
    assert "m" not in at.query_params


@pytest.mark.parametrize("name", models.names())
def test_every_model_opens_from_a_link_with_its_default_data(app, name):
    at = app(m=name, steps="20")
    _clean(at)
    assert at.session_state[state.MODEL_NAME] == name


def test_a_real_data_set_has_no_size_or_noise_control(app):
    """Iris is loaded, not generated: its page has no "points" or "noise" inputs to set."""
    at = app(m="mlp", mp="dataset=iris", steps="20")
    _clean(at)
    keys = {w.key for w in at.number_input} | {w.key for w in at.slider}
    assert state.model_param("mlp", "n") not in keys
    assert state.model_param("mlp", "noise") not in keys
    assert state.model_param("mlp", "data_seed") in keys  # the split is still seeded
