"""The dashboard driven headless with Streamlit's AppTest: every tab, every choice, bad links."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import optimizers
import surfaces
from lab import experiment as ex
from lab import views
from lab.ui import state


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def run_legend(spec: dict) -> list[str]:
    """The runs named by a chart's colour scale (searched through its layers)."""
    colour = spec.get("encoding", {}).get("color", {})
    if colour.get("field") == "run" and "domain" in colour.get("scale", {}):
        return colour["scale"]["domain"]
    for layer in spec.get("layer", []):
        if found := run_legend(layer):
            return found
    return []


def qp(at: AppTest, key: str) -> list[str]:
    """A query parameter's values as a list (AppTest gives one value as a plain string)."""
    value = at.query_params[key]
    return value if isinstance(value, list) else [value]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_default_page_compares_four_optimizers_on_rosenbrock(app):
    at = app()
    assert_clean(at)
    assert at.title[0].value == "Optimizer Lab"
    assert [t.label for t in at.tabs] == list(views.TITLES)
    assert at.selectbox(key=state.SURFACE).value == "rosenbrock"
    (spec,) = charts(at)
    assert run_legend(spec) == [
        "SGD lr=0.001",
        "Momentum lr=0.001",
        "RMSProp lr=0.01",
        "Adam lr=0.05",
    ]
    assert not at.error and not at.warning
    assert qp(at, "f") == ["rosenbrock"]
    assert qp(at, "run") == ["sgd:lr=0.001", "momentum:lr=0.001", "rmsprop:lr=0.01", "adam:lr=0.05"]


@pytest.mark.parametrize("view", views.TITLES)
def test_every_tab_renders(app, view):
    at = app(tab=view)
    assert_clean(at)
    expected_charts = {
        "Trajectories": 1,
        "3-D": 0,  # one Plotly chart (tests/app/test_surface3d.py)
        "Loss": 2,
        "Effective learning rate": 2,
        "Inside a step": 2 + 4,  # a state chart per parameter, a close-up of the step per run
        "Equations": 0,
        "Sweep": 3,
        "Summary": 0,
    }
    assert len(at.get("vega_lite_chart")) == expected_charts[view]
    if view == "Equations":
        assert len(at.latex) == 1 + 4  # the function and each optimizer's rule
        assert any(r"\hat m_t" in latex.value for latex in at.latex)  # Adam's bias correction
    if view == "Summary":
        table = at.dataframe[0].value
        assert list(table["run"]) == [
            "SGD lr=0.001",
            "Momentum lr=0.001",
            "RMSProp lr=0.01",
            "Adam lr=0.05",
        ]
        downloads = [b.label for b in at.get("download_button")]
        assert downloads == [
            "Every step (CSV)",
            "Summary (CSV)",
            "Setup (JSON)",
            "Setup as a PyTorch script",
        ]


@pytest.mark.parametrize("name", surfaces.names())
def test_every_surface_can_be_chosen(app, name):
    at = app()
    at.selectbox(key=state.SURFACE).set_value(name).run()
    assert_clean(at)
    assert not at.error
    assert qp(at, "f") == [name]
    assert len(at.get("vega_lite_chart")) == (1 if surfaces.get(name).dim == 2 else 2)


@pytest.mark.parametrize("name", optimizers.names())
def test_every_optimizer_can_be_chosen(app, name):
    at = app()
    at.selectbox(key=state.optimizer(0)).set_value(name).run()
    assert_clean(at)
    assert not at.error
    assert qp(at, "run")[0].split(":")[0] == name
    titles = [e.label for e in at.expander if e.label[:1].isdigit()]
    assert titles[0] == f"1. {optimizers.title(name)} · lr {optimizers.defaults(name)['lr']:g}"


def test_runs_can_be_added_duplicated_and_removed(app):
    at = app()
    at.button(key="dup.3").click().run()  # duplicate Adam
    assert_clean(at)
    assert [e.label for e in at.expander if e.label[0].isdigit()] == [
        "1. SGD · lr 0.001",
        "2. Momentum · lr 0.001",
        "3. RMSProp · lr 0.01",
        "4. Adam · lr 0.05",
        "5. Adam · lr 0.05",
    ]
    assert qp(at, "run")[-2:] == ["adam:lr=0.05", "adam:lr=0.05"]
    at.button[-1].click().run()  # "Add an optimizer"
    assert len(qp(at, "run")) == 6
    at.button(key=state.remove_button(0)).click().run()
    assert qp(at, "run")[0] == "momentum:lr=0.001"
    assert_clean(at)


def test_an_invalid_combination_is_an_error_and_the_others_still_run(app):
    at = app(run=["sgd:lr=0.001", "adam:lr=0.01"])
    at.checkbox(key=state.hyperparam(0, "sgd", "nesterov")).check().run()
    assert_clean(at)
    assert len(at.error) == 1
    assert "nesterov=True requires momentum > 0" in at.error[0].value
    (spec,) = charts(at)
    # the failed run keeps its colour slot, so Adam's colour does not change
    assert run_legend(spec) == ["SGD lr=0.001 nesterov=True", "Adam lr=0.01"]


def test_a_diverging_run_is_flagged_and_still_drawn(app):
    at = app(run=["sgd:lr=0.01", "adam:lr=0.01"], tab="Summary")
    assert_clean(at)
    assert len(at.warning) == 1  # one box for every diverged run
    assert re.match(r"Diverged: \*\*SGD lr=0.01\*\* at step \d+\.", at.warning[0].value)
    table = at.dataframe[0].value
    assert list(table["status"]) == ["diverged", "ok"]
    assert table["diverged at step"].iloc[0] > 0  # a number, not text


def test_a_shared_link_reopens_the_same_view(app):
    query = {
        "f": "ravine",
        "fp": "kappa=50",
        "x0": "-3,1.5",
        "steps": "120",
        "noise": "0.5",
        "seed": "4",
        "lrs": "cosine:min_factor=0.1",
        "run": ["nesterov:lr=0.01", "adam:lr=0.1,beta1=0.8"],
        "tab": "Loss",
    }
    at = app(**query)
    assert_clean(at)
    assert not at.warning
    assert at.selectbox(key=state.SURFACE).value == "ravine"
    assert at.number_input(key=state.surface_param("ravine", "kappa")).value == 50
    assert at.number_input(key=state.start("ravine", (), 0)).value == -3.0
    assert at.number_input(key=state.STEPS).value == 120
    assert at.selectbox(key=state.SCHEDULE).value == "cosine"
    assert at.select_slider(key=state.hyperparam(1, "adam", "lr")).value == 0.1
    assert at.number_input(key=state.hyperparam(1, "adam", "beta1")).value == 0.8
    for key, value in query.items():
        assert qp(at, key) == (value if isinstance(value, list) else [value]), key


HOSTILE = [
    {"f": "__import__('os').system('touch /tmp/pwned')"},
    {"f": "rosenbrock", "x0": "1e999,2"},
    {"x0": "nan,nan"},
    {"x0": "1,2,3,4"},
    {"steps": "-5"},
    {"steps": "99999999999999999999"},
    {"steps": "ten"},
    {"noise": "inf"},
    {"seed": "-1"},
    {"tol": "0"},
    {"fp": "kappa=0"},
    {"fp": "kappa"},
    {"f": "ravine", "fp": "kappa=1e400"},
    {"lrs": "step:step_size=0.5"},
    {"lrs": "exec:gamma=1"},
    {"run": ["adam:lr=nan"]},
    {"run": ["adam:lr=-1,beta1=1.5"]},
    {"run": ["adam:__class__=1"]},
    {"run": ["nesterov:momentum=0"]},
    {"run": ["eval"]},
    {"run": ["adam:lr=" + "9" * 500]},
    {"run": [f"sgd:lr=0.00{i}" for i in range(1, 40)]},
    {"run": ["sgd:amsgrad=yes,lr=0.1"]},
    {"tab": "<script>alert(1)</script>"},
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: str(q)[:40])
def test_hostile_links_fall_back_with_a_warning(app, query):
    at = app(**query)
    assert_clean(at)
    assert len(at.get("vega_lite_chart")) >= 1
    assert any(w.value.startswith("This link") for w in at.warning), query
    assert not Path("/tmp/pwned").exists()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    surface=st.sampled_from(surfaces.names()),
    optimizer=st.sampled_from(optimizers.names()),
    steps=st.integers(1, 400),
    lr_index=st.integers(0, 23),
    noise=st.floats(0, 50),
    fraction=st.floats(0, 1),
)
def test_no_widget_values_produce_a_traceback(
    app, surface, optimizer, steps, lr_index, noise, fraction
):
    at = app()
    at.selectbox(key=state.SURFACE).set_value(surface).run()
    at.selectbox(key=state.optimizer(3)).set_value(optimizer).run()
    lr = at.select_slider(key=state.hyperparam(3, optimizer, "lr"))
    lr.set_value(_option(lr, lr_index))
    at.number_input(key=state.STEPS).set_value(steps)
    at.number_input(key=state.NOISE).set_value(noise)
    objective = surfaces.get(surface)
    bounds = objective.bounds[0]
    at.number_input(key=state.start(surface, ex.surface_params(objective), 0)).set_value(
        bounds[0] + fraction * (bounds[1] - bounds[0])
    )
    at.run()
    assert_clean(at)


def _option(slider, index):
    options = [float(o) for o in slider.options]
    return options[index % len(options)]


def test_run_titles_name_what_sets_repeats_apart(app):
    at = app(run=["rmsprop:lr=0.01", "rmsprop:lr=0.01,momentum=0.9", "rmsprop:lr=0.01,centered=1"])
    assert_clean(at)
    assert [e.label for e in at.expander if e.label[:1].isdigit()] == [
        "1. RMSProp · lr 0.01",
        "2. RMSProp · lr 0.01 · momentum 0.9",
        "3. RMSProp · lr 0.01 · centered",
    ]


def test_a_run_hidden_under_another_is_named_on_the_page(app):
    at = app(lesson="slope_turns")
    assert_clean(at)
    (note,) = [c.value for c in at.caption if "runs under" in c.value]
    assert note.startswith("**RMSProp lr=0.001 alpha=0.9 eps=1e-10 momentum=0.9** runs under")
    assert "Adam lr=0.01 eps=1e-10 is dashed" in note


def test_changing_one_runs_learning_rate_reruns_only_that_run(app, monkeypatch):
    from lab.ui import inspector

    made = []
    real = inspector.run_one

    def counted(solo, label):
        made.append(label)
        return real(solo, label)

    monkeypatch.setattr(inspector, "run_one", counted)
    at = app(seed="5151")  # a setup no other test caches
    assert len(made) == 4
    slider = at.select_slider(key="run.3.adam.lr")
    slider.set_value(next(v for v in slider.options if float(v) != float(slider.value))).run()
    assert not at.exception
    assert made[4:] == [f"Adam lr={at.select_slider(key='run.3.adam.lr').value}"]
