"""The experiment model and its codecs: round trips, and untrusted input refused field by field."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optimizers
import surfaces
from lab import codecs
from lab import experiment as ex


def query_of(exp: ex.Experiment) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in codecs.to_query(exp).items()}


RICH = ex.Experiment(
    surface="ravine",
    surface_params=(("kappa", 40.0),),
    start=(-3.5, 1.25),
    steps=321,
    runs=(
        ex.run_config("adam", lr=0.00123456789, amsgrad=True, beta1=0.8),
        ex.run_config("rmsprop", lr=0.01, centered=True, momentum=0.5),
        ex.run_config("adam", lr=0.00123456789, amsgrad=True, beta1=0.8),
    ),
    noise=0.25,
    seed=17,
    schedule="step",
    schedule_params=(("step_size", 30.0), ("gamma", 0.5)),
    tolerance=1e-6,
)


@pytest.mark.parametrize("exp", [ex.Experiment(), RICH], ids=["default", "rich"])
def test_round_trips_through_the_url_and_json(exp):
    assert codecs.from_query(query_of(exp)) == (exp, [])
    assert codecs.from_json(codecs.to_json(exp)) == (exp, [])
    assert hash(exp) == hash(codecs.from_query(query_of(exp))[0])


def test_default_start_is_not_written_to_the_link():
    exp = ex.Experiment(surface="beale", start=tuple(surfaces.get("beale").start))
    parsed, _ = codecs.from_query(query_of(ex.Experiment(surface="beale")))
    assert "x0" not in codecs.to_query(ex.Experiment(surface="beale"))
    assert codecs.from_dict(codecs.to_dict(exp))[0] == parsed


def test_labels_are_unique_and_name_the_changes():
    assert RICH.labels() == [
        "Adam lr=0.001235 beta1=0.8 amsgrad=True",
        "RMSProp lr=0.01 momentum=0.5 centered=True",
        "Adam lr=0.001235 beta1=0.8 amsgrad=True #2",
    ]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"f": ["nope"]}, "surface", "unknown function 'nope'; choose from: quadratic"),
        ({"steps": ["0"]}, "steps", "steps must be a whole number in [1, 5000]; got '0'"),
        ({"steps": ["2.5"]}, "steps", "steps must be a whole number"),
        ({"noise": ["-1"]}, "noise", "noise must be a number in [0, 1000]"),
        ({"noise": ["nan"]}, "noise", "noise must be a number"),
        ({"seed": ["x"]}, "seed", "seed must be a whole number"),
        ({"x0": ["9,9"]}, "start", "start must be 2 number(s) inside [-2, 2] × [-1, 3]"),
        ({"x0": ["1"]}, "start", "start must be 2 number(s)"),
        ({"f": ["ravine"], "fp": ["kappa=0.5"]}, "surface_params", "kappa"),
        ({"fp": ["kappa=3"]}, "surface_params", "refused"),
        ({"lrs": ["warp:speed=9"]}, "schedule", "learning-rate schedule"),
        ({"run": ["adam:lr=-1"]}, "runs", "adam: lr must be in [0, inf); got -1"),
        ({"run": ["adam:gamma=1"]}, "runs", "adam has no hyperparameter 'gamma'"),
        ({"run": ["sgd:nesterov=1"]}, "runs", "sgd: nesterov=True requires momentum > 0"),
        ({"run": ["sgd:nesterov=maybe"]}, "runs", "nesterov must be True or False"),
        ({"run": ["adam:lr"]}, "runs", "'lr' is not name=value"),
    ],
)
def test_bad_values_fall_back_to_defaults_with_a_warning(query, field, message):
    exp, warnings = codecs.from_query(query)
    assert any(message in w for w in warnings), warnings
    default = ex.Experiment(surface=exp.surface)
    if field == "runs":
        assert all(run.build() for run in exp.runs)
    else:
        assert getattr(exp, field) == getattr(default, field)


def test_too_many_or_too_long_values_are_cut():
    exp, warnings = codecs.from_query({"run": [f"sgd:lr=0.00{i}" for i in range(1, 30)]})
    assert len(exp.runs) == ex.MAX_RUNS
    assert any("only the first 12" in w for w in warnings)
    exp, warnings = codecs.from_query({"f": ["x" * 1000]})
    assert exp.surface == "rosenbrock" and "too long" in warnings[0]


def test_json_that_is_not_a_setup_is_refused():
    for text in ("[1, 2]", "{", '"adam"', "null", json.dumps({"runs": "all"})):
        exp, warnings = codecs.from_json(text)
        assert exp.runs == ex.DEFAULT_RUNS and warnings


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["f", "fp", "x0", "steps", "noise", "seed", "lrs", "tol",
                                        "run", "tab"]),
                       st.lists(st.text(max_size=80), max_size=4)))  # fmt: skip
def test_any_query_gives_a_valid_experiment(query):
    exp, warnings = codecs.from_query(query)
    objective = exp.objective()
    assert objective.dim == len(exp.start_point())
    assert 1 <= exp.steps <= ex.STEPS.high and math.isfinite(exp.noise)
    assert 1 <= len(exp.runs) <= ex.MAX_RUNS
    for run in exp.runs:
        assert run.build().name == run.optimizer
    exp.lr_schedule()
    assert all(isinstance(w, str) for w in warnings)


def test_every_optimizer_default_round_trips():
    runs = tuple(
        ex.run_config(name, lr=optimizers.defaults(name)["lr"]) for name in optimizers.names()
    )
    exp = ex.Experiment(runs=runs[: ex.MAX_RUNS])
    assert codecs.from_query(query_of(exp)) == (exp, [])


def test_a_typed_formula_round_trips_and_is_checked():
    params = codecs.formula_params("(1 - x)**2 + 100*(y - x**2)**2", [(-2, 2), (-1, 3)])
    exp = ex.Experiment(surface=ex.FORMULA, surface_params=params, start=(-1.2, 1.0))
    assert codecs.from_query(query_of(exp)) == (exp, [])
    assert codecs.from_json(codecs.to_json(exp)) == (exp, [])
    rosen = surfaces.get("rosenbrock")
    points = np.array([[-1.2, 1.0], [0.3, 0.7]])
    np.testing.assert_allclose(exp.objective().grad(points), rosen.grad(points), rtol=1e-12)


@pytest.mark.parametrize(
    "expr", ["__import__('os').system('x')", "x.__class__", "9**9**9**9", "x" * 600, "lambda: 1"]
)
def test_a_hostile_formula_in_a_link_falls_back_with_a_warning(expr):
    exp, warnings = codecs.from_query({"f": ["custom"], "expr": [expr]})
    assert exp.surface == "rosenbrock"
    assert any("formula refused" in w or "too long" in w for w in warnings), warnings


def test_a_label_never_rounds_a_value_to_a_whole_number_it_is_not():
    config = ex.run_config("adam", lr=0.01, beta1=0.9999999999999999)
    assert "beta1=0.9999999999999999" in config.label
    assert ex.run_config("adam", lr=0.0123456).label == "Adam lr=0.01235"
