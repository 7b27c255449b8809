"""Bad inputs: a table of what must be refused, with the message a person reads."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import optimizers
import surfaces
from optimizers import schedules

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
    ("rprop", {"etaminus": 1.0}, r"etaminus must be in \(0, 1\); got 1$"),
    ("rprop", {"etaminus": 0.0}, r"etaminus must be in \(0, 1\); got 0$"),
    ("rprop", {"etaplus": 1.0}, r"etaplus must be in \(1, inf\); got 1$"),
    ("rprop", {"step_size_min": -1e-6}, r"step_size_min must be in \[0, inf\); got -1e-06$"),
    ("asgd", {"lambd": -1.0}, r"lambd must be in \[0, inf\); got -1$"),
    ("asgd", {"t0": float("nan")}, r"t0 must be in \[0, inf\); got nan$"),
    ("adafactor", {"beta2_decay": 0.5}, r"beta2_decay must be in \(-inf, 0\]; got 0\.5$"),
    ("adafactor", {"d": 0.5}, r"d must be in \[1, inf\); got 0\.5$"),
    ("adafactor", {"eps1": None}, r"eps1 must be a number in \[0, inf\); got None$"),
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
        {"beta1": np.array([[0.5], [np.nan]])},
        r"beta1 must be in \[0, 1\); got nan \(at index \[1, 0\]\)",
    ),
    # a Python int too large for a float is a number out of range, shown in float notation
    ("adam", {"lr": 10**400}, r"lr must be in \[0, inf\); got 1e\+400$"),
    ("sgd", {"momentum": -(10**400)}, r"momentum must be in \[0, 1\); got -1e\+400$"),
    ("adam", {"lr": 12345 * 10**400}, r"lr must be in \[0, inf\); got 1\.2345e\+404$"),
    # array hyperparameters: shapes that cannot broadcast are named when the optimizer is built
    (
        "adam",
        {"lr": np.ones(3), "beta1": np.full(4, 0.9)},
        r"array hyperparameters must broadcast to one batch of runs; "
        r"got lr of shape \(3,\) and beta1 of shape \(4,\)$",
    ),
    (
        "rmsprop",
        {"lr": np.ones((3, 1)), "alpha": np.full((4, 1), 0.9)},
        r"got lr of shape \(3, 1\) and alpha of shape \(4, 1\)$",
    ),
    # one value per run, shape (..., 1): a 1-D array would silently act per coordinate
    (
        "sgd",
        {"lr": [0.1, 0.2]},
        r"lr must be a number or an array of shape \(\.\.\., 1\), one value per run .*"
        r"got an array of shape \(2,\): for 2 runs use shape \(2, 1\)$",
    ),
    (
        "adam",
        {"beta2": np.full((2, 3), 0.99)},
        r"beta2 must be a number or an array of shape \(\.\.\., 1\).*"
        r"got an array of shape \(2, 3\): for 2 × 3 runs use shape \(2, 3, 1\)$",
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
    ({"steps": 10**9}, r"would hold [\d.]+ GiB .*at most 4 GiB: lower steps \(now 1,000,000,000\)"),
    ({"steps": 10**400}, r"steps must be a whole number in \[0, inf\); got 1e\+400$"),
    ({"noise": 10**400}, r"noise must be in \[0, inf\); got 1e\+400$"),
    ({"x0": [10**400, 1]}, r"x0 must be finite; got \[1000"),
    ({"seed": -1}, r"seed must be None or a whole number in \[0, inf\); got -1$"),
    ({"seed": "x"}, r"seed must be None or a whole number in \[0, inf\); got 'x'$"),
    ({"seed": 1.5}, r"seed must be None or a whole number in \[0, inf\); got 1\.5$"),
    ({"seed": float("nan")}, r"seed must be None or a whole number in \[0, inf\); got nan$"),
    ({"seed": True}, r"seed must be None or a whole number in \[0, inf\); got True$"),
    ({"seed": [1, 2]}, r"seed must be None or a whole number in \[0, inf\); got \[1, 2\]$"),
    ({"seed": np.int64(-3)}, r"seed must be None or a whole number in \[0, inf\); got "),
    (
        {"schedule": "cosine"},
        r"schedule must be None or a Schedule, e\.g\. optimizers\.schedules\.get\('cosine'\); "
        r"got 'cosine'$",
    ),
    ({"schedule": 0.5}, r"schedule must be None or a Schedule, .*; got 0\.5$"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_RUNS)
def test_bad_run_arguments_raise_value_error_naming_them(kwargs, message):
    args = {"x0": [1.0, 2.0], "steps": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        optimizers.run(GOOD, PLANE, **args)


BAD_RUN_OBJECTS = [
    (
        ("adam", PLANE),
        r"optimizer must be an Optimizer, e\.g\. optimizers\.get\('adam'\); got 'adam'$",
    ),
    ((None, PLANE), r"optimizer must be an Optimizer, e\.g\. optimizers\.get\('adam'\); got None$"),
    ((optimizers.get, PLANE), r"optimizer must be an Optimizer.*; got <function get"),
    (
        (GOOD, "rosenbrock"),
        r"objective must have vectorised f and grad methods, e\.g\. a surface: "
        r"surfaces\.get\('rosenbrock'\); got 'rosenbrock'$",
    ),
    ((GOOD, None), r"objective must have vectorised f and grad methods.*; got None$"),
    ((GOOD, object()), r"objective must have vectorised f and grad methods.*; got <object"),
]


@pytest.mark.parametrize(("args", "message"), BAD_RUN_OBJECTS)
def test_a_string_or_other_object_for_the_optimizer_or_objective_is_named(args, message):
    with pytest.raises(ValueError, match=message):
        optimizers.run(*args, [1.0, 2.0], 10)


def test_start_and_array_hyperparameters_must_broadcast():
    opt = optimizers.get("sgd", lr=np.full((3, 1), 0.1), momentum=np.full((3, 1), 0.5))
    message = (
        r"x0's leading \(batch\) axes must broadcast against those of the optimizer's array "
        r"hyperparameters; got x0 of shape \(4, 2\) and lr of shape \(3, 1\), "
        r"momentum of shape \(3, 1\)$"
    )
    with pytest.raises(ValueError, match=message):
        optimizers.run(opt, PLANE, np.zeros((4, 2)), 5)
    assert optimizers.run(opt, PLANE, np.zeros((4, 1, 2)), 5).params.shape == (6, 4, 3, 2)


@pytest.mark.parametrize("seed", [None, 0, 3, np.int64(3), np.uint8(3), 3.0, 2**70])
def test_good_seeds_run(seed):
    traj = optimizers.run(GOOD, PLANE, [1.0, 2.0], 5, noise=1.0, seed=seed)
    assert traj.params.shape == (6, 2)


def test_a_whole_float_seed_is_that_seed_and_large_seeds_stay_exact():
    def grads(seed):
        return optimizers.run(GOOD, PLANE, [1.0, 2.0], 5, noise=1.0, seed=seed).grads

    np.testing.assert_array_equal(grads(3.0), grads(3))
    np.testing.assert_array_equal(grads(np.int64(3)), grads(3))
    assert not np.array_equal(grads(2**70), grads(2**70 + 1))  # as floats they would be equal


@given(seed=st.integers(-(10**40), -1) | st.floats().filter(lambda x: not x.is_integer()))
def test_any_negative_or_fractional_seed_is_refused_naming_it(seed):
    with pytest.raises(ValueError) as err:
        optimizers.run(GOOD, PLANE, [1.0, 2.0], 1, seed=seed)
    assert str(err.value) == f"seed must be None or a whole number in [0, inf); got {seed!r}"


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_an_array_hyperparameter_is_one_value_per_run(shape):
    lr = np.full(shape, 0.1)
    if shape[-1] == 1:
        traj = optimizers.run(optimizers.get("sgd", lr=lr), PLANE, [1.0, 2.0], 2)
        assert traj.params.shape == (3, *shape[:-1], 2)
        np.testing.assert_allclose(traj.params[1], np.broadcast_to([0.9, 1.8], (*shape[:-1], 2)))
    else:
        runs = " × ".join(map(str, shape))
        with pytest.raises(ValueError) as err:
            optimizers.get("sgd", lr=lr)
        assert str(err.value).startswith("lr must be a number or an array of shape (..., 1)")
        assert str(err.value).endswith(
            f"got an array of shape {shape}: for {runs} runs use shape {(*shape, 1)}"
        )


@given(
    a=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
    b=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
)
def test_array_hyperparameters_are_checked_for_broadcasting_when_built(a, b):
    a, b = (*a, 1), (*b, 1)  # one value per run
    lr, beta1 = np.full(a, 0.01), np.full(b, 0.9)
    try:
        batch = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(ValueError) as err:
            optimizers.get("adam", lr=lr, beta1=beta1)
        assert str(err.value) == (
            "array hyperparameters must broadcast to one batch of runs; "
            f"got lr of shape {a} and beta1 of shape {b}"
        )
    else:
        opt = optimizers.get("adam", lr=lr, beta1=beta1)
        assert opt.batch_shape == batch
        assert optimizers.run(opt, PLANE, [1.0, 2.0], 1).params.shape == (2, *batch[:-1], 2)


def test_schedules_refuse_bad_names_and_values_naming_them():
    for name in ("nope", [], None, 3):
        with pytest.raises(KeyError, match=r"unknown schedule .*; choose from: constant, step"):
            schedules.get(name)
    with pytest.raises(KeyError, match=r"unknown schedule 'nope'; choose from: constant"):
        schedules.Schedule("nope")  # built directly: refused at once, not when run
    with pytest.raises(ValueError, match=r"gamma must be a number in \(0, 1\]; got 'x'$"):
        schedules.get("step", gamma="x")
    with pytest.raises(
        ValueError,
        match=r"gamma must be a single number in \(0, 1\]; got an array of shape \(2,\)$",
    ):
        schedules.get("exponential", gamma=np.array([0.5, 0.9]))
    with pytest.raises(ValueError, match=r"decay must be in \[0, inf\); got 1e\+400$"):
        schedules.get("inverse_time", decay=10**400)
    message = re.escape(
        "warmup_steps must be a single number in [1, inf); got an array of shape (2,)"
    )
    with pytest.raises(ValueError, match=message):
        schedules.get("warmup", warmup_steps=[5, 10])


BAD_SCHEDULES = [
    ("onecycle", {"pct_start": 1.5}, r"pct_start must be in \[0, 1\]; got 1\.5$"),
    ("onecycle_linear", {"div_factor": 0.0}, r"div_factor must be in \(0, inf\); got 0$"),
    ("cyclic", {"base_factor": -0.1}, r"base_factor must be in \[0, 1\]; got -0\.1$"),
    ("cyclic", {"step_size_up": 0}, r"step_size_up must be in \[1, inf\); got 0$"),
    ("cyclic_exp_range", {"gamma": 0.0}, r"gamma must be in \(0, 1\]; got 0$"),
    ("cosine_warm_restarts", {"T_0": 2.5}, r"T_0 must be a whole number of steps; got 2\.5$"),
    ("cosine_warm_restarts", {"T_mult": 0}, r"T_mult must be in \[1, inf\); got 0$"),
    ("polynomial", {"power": -1.0}, r"power must be in \[0, inf\); got -1$"),
    ("linear", {"start_factor": 0.0}, r"start_factor must be in \(0, 1\]; got 0$"),
    ("linear", {"end_factor": 1.5}, r"end_factor must be in \[0, 1\]; got 1\.5$"),
    ("warmup_cosine", {"min_factor": 2.0}, r"min_factor must be in \[0, 1\]; got 2$"),
    ("plateau", {"factor": 1.0}, r"factor must be in \[0, 1\); got 1$"),
    ("plateau", {"patience": 1.5}, r"patience must be a whole number of steps; got 1\.5$"),
    ("plateau_abs", {"cooldown": -1}, r"cooldown must be in \[0, inf\); got -1$"),
    ("plateau", {"min_lr": float("inf")}, r"min_lr must be in \[0, inf\); got inf$"),
]


@pytest.mark.parametrize(("name", "params", "message"), BAD_SCHEDULES)
def test_new_schedules_refuse_bad_parameters_naming_them(name, params, message):
    with pytest.raises(ValueError, match=message):
        schedules.get(name, **params)
