"""The equations shown for a step compute exactly what the run recorded."""

import math

import numpy as np
import pytest

import optimizers
import surfaces
from lab import equations
from lab import experiment as ex

VARIANTS = [
    ex.run_config("sgd", lr=0.01),
    ex.run_config("sgd", lr=0.01, weight_decay=0.1, maximize=True),
    ex.run_config("momentum", lr=0.01, dampening=0.3),
    ex.run_config("nesterov", lr=0.01, weight_decay=0.05),
    ex.run_config("adagrad", lr=0.5, lr_decay=0.1, initial_accumulator_value=0.2),
    ex.run_config("adagrad", lr=0.5, eps_inside_sqrt=True, eps=1e-3),
    ex.run_config("rmsprop", lr=0.01),
    ex.run_config("rmsprop", lr=0.01, centered=True, momentum=0.5),
    ex.run_config("rmsprop", lr=0.01, momentum=0.5, nesterov=True, eps_inside_sqrt=True),
    ex.run_config("adadelta", weight_decay=0.01),
    ex.run_config("adam", lr=0.05),
    ex.run_config("adam", lr=0.05, amsgrad=True, weight_decay=0.1),
    ex.run_config("adam", lr=0.05, bias_correction=False, eps_inside_sqrt=True, eps=1e-4),
    ex.run_config("adamw", lr=0.05),
    ex.run_config("adamax", lr=0.05),
    ex.run_config("nadam", lr=0.05),
    ex.run_config("nadam", lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
    ex.run_config("radam", lr=0.05),
    ex.run_config("lion", lr=0.01),
    ex.run_config("adabelief", lr=0.05, weight_decay=0.01),
]


def test_every_optimizer_has_a_rule_and_a_library_note():
    for name in optimizers.names():
        assert equations.rule(ex.run_config(name)), name
        assert name in equations.LIBRARY_NOTES


@pytest.mark.parametrize("config", VARIANTS, ids=lambda c: " ".join(map(str, c.hyperparams)))
def test_each_line_computes_the_recorded_value(config):
    surface = surfaces.get("himmelblau")
    traj = optimizers.run(config.build(), surface, (0.5, -1.5), 12)
    for t in (1, 2, 7, 12):  # radam: unrectified until t = 6, rectified after
        for i in (0, 1):
            values = equations.step_values(config, traj, t, i)
            for line in equations.rule(config):
                got = line.value(values)
                assert math.isfinite(got)
                if line.check:
                    expected = values[line.check]
                    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (line.lhs, t, i)
            latex = equations.step_latex(config, values)
            assert latex.startswith(r"\begin{aligned}") and "{" not in latex.split("&=")[-1][:1]


def test_adam_step_three_by_hand():
    """The inspector's numbers for Adam at step 3, against Kingma & Ba written out here."""
    config = ex.run_config("adam", lr=0.1)
    surface = surfaces.get("quadratic")
    traj = optimizers.run(config.build(), surface, (2.0, -1.0), 3)
    m = v = 0.0
    x = 2.0
    for t in (1, 2, 3):
        g = x  # ∇½x² = x
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        step = 0.1 * (m / (1 - 0.9**t)) / (math.sqrt(v / (1 - 0.999**t)) + 1e-8)
        x_prev, x = x, x - step
    values = equations.step_values(config, traj, 3, 0)
    assert values["exp_avg"] == pytest.approx(m, rel=1e-12)
    assert values["exp_avg_sq"] == pytest.approx(v, rel=1e-12)
    assert values["theta_prev"] == pytest.approx(x_prev, rel=1e-12)
    assert values["theta"] == pytest.approx(x, rel=1e-12)
    assert values["g"] == pytest.approx(x_prev, rel=1e-12)
    assert values["lr_eff"] == pytest.approx(
        0.1 / (1 - 0.9**3) / (math.sqrt(v / (1 - 0.999**3)) + 1e-8)
    )
    assert "0.1" in equations.step_latex(config, values)


def test_numbers_are_typeset_readably():
    assert equations.num(1.23456e-7) == r"1.235\times 10^{-7}"
    assert equations.num(0.5) == "0.5"
    assert equations.num(float("inf")) == r"\infty"
    assert np.isfinite(1.0)


def test_hyperparameter_rows_name_symbol_value_and_meaning():
    rows = equations.hyperparameter_rows(ex.run_config("rmsprop", lr=0.01, alpha=0.9))
    alpha = next(r for r in rows if r["name"] == "alpha")
    assert (
        alpha["symbol"] == r"\gamma"
        and alpha["value"] == "0.9"
        and "Decay rate" in alpha["meaning"]
    )
