"""Bad inputs: a table of what must be refused, with the message a person reads."""

import numpy as np
import pytest

import optimizers
import surfaces

BAD_HYPERPARAMETERS = [
    ("sgd", {"lr": -0.1}, r"lr must be in \[0, inf\); got -0\.1$"),
    ("adam", {"lr": float("nan")}, r"lr must be in \[0, inf\); got nan$"),
    ("adam", {"lr": float("inf")}, r"lr must be in \[0, inf\); got inf$"),
    ("adam", {"lr": "fast"}, r"lr must be a number in \[0, inf\); got 'fast'"),
    ("adam", {"lr": None}, r"lr must be a number"),
    ("adam", {"beta1": 1.0}, r"beta1 must be in \[0, 1\); got 1$"),
    ("adam", {"beta2": -0.1}, r"beta2 must be in \[0, 1\); got -0\.1$"),
    ("nadam", {"beta1": 1.5}, r"beta1 must be in \[0, 1\)"),
    ("rmsprop", {"alpha": 1.0}, r"alpha must be in \[0, 1\); got 1$"),
    ("adadelta", {"rho": 2.0}, r"rho must be in \[0, 1\); got 2$"),
    ("adam", {"eps": -1e-8}, r"eps must be in \[0, inf\); got -1e-08$"),
    ("sgd", {"weight_decay": -0.01}, r"weight_decay must be in \[0, inf\)"),
    ("sgd", {"momentum": -0.5}, r"momentum must be in \[0, 1\); got -0\.5$"),
    ("rmsprop", {"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
    ("sgd", {"dampening": 1.5}, r"dampening must be in \[0, 1\]; got 1\.5$"),
    ("adagrad", {"lr_decay": -1}, r"lr_decay must be in \[0, inf\); got -1$"),
    ("adagrad", {"initial_accumulator_value": -0.1}, r"initial_accumulator_value must be"),
    ("nadam", {"momentum_decay": -4e-3}, r"momentum_decay must be in \[0, inf\)"),
    ("lion", {"beta2": 1.0}, r"beta2 must be in \[0, 1\)"),
    ("adabelief", {"eps_root": -1.0}, r"eps_root must be in \[0, inf\)"),
    ("adam", {"amsgrad": "yes"}, r"amsgrad must be True or False; got 'yes'"),
    ("sgd", {"nesterov": True}, r"nesterov=True requires momentum > 0 and dampening = 0"),
    ("nesterov", {"momentum": 0.0}, r"nesterov=True requires momentum > 0"),
    ("nesterov", {"dampening": 0.1}, r"requires momentum > 0 and dampening = 0.*dampening=0\.1"),
    ("rmsprop", {"nesterov": True}, r"nesterov=True requires momentum > 0; got momentum=0"),
    (
        "adam",
        {"lr": np.array([[0.1], [-1.0]])},
        r"lr must be in \[0, inf\); got -1 \(at index \[1, 0\]\)",
    ),
    (
        "adam",
        {"beta1": np.array([0.5, np.nan])},
        r"beta1 must be in \[0, 1\); got nan \(at index \[1\]\)",
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "message"), BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_raise_value_error_naming_them(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.get(name, **kwargs)


def test_unknown_keyword_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="learning_rate"):
        optimizers.get("adam", learning_rate=0.1)


@pytest.mark.parametrize("name", ["adamm", "", "ADAM", None, 3])
def test_unknown_optimizer_is_a_key_error_listing_the_choices(name):
    with pytest.raises(KeyError, match=r"unknown optimizer .*choose from: adabelief, adadelta"):
        optimizers.get(name)


GOOD = optimizers.get("sgd", lr=0.1)
PLANE = surfaces.get("quadratic")
BAD_RUNS = [
    ({"steps": -1}, r"steps must be a whole number in \[0, inf\); got -1"),
    ({"steps": 2.5}, r"steps must be a whole number.*got 2\.5"),
    ({"steps": True}, r"steps must be a whole number.*got True"),
    ({"steps": "10"}, r"steps must be a whole number"),
    ({"x0": [1.0]}, r"x0 must have 2 coordinate\(s\) in its last axis.*got shape \(1,\)"),
    ({"x0": [[1.0, 2.0, 3.0]]}, r"x0 must have 2 coordinate"),
    ({"x0": [np.nan, 1.0]}, r"x0 must be finite"),
    ({"x0": [np.inf, 1.0]}, r"x0 must be finite"),
    ({"x0": ["a", "b"]}, r"x0 must be an array of numbers"),
    ({"noise": -0.1}, r"noise must be in \[0, inf\); got -0\.1"),
    ({"noise": float("nan")}, r"noise must be in \[0, inf\); got nan"),
    ({"bounds_margin": -1.0}, r"bounds_margin must be a number in \[0, inf\) or None"),
    ({"steps": 10**9}, r"steps × runs × dimension must stay below"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_RUNS)
def test_bad_run_arguments_raise_value_error_naming_them(kwargs, message):
    args = {"x0": [1.0, 2.0], "steps": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        optimizers.run(GOOD, PLANE, **args)
