"""The equations shown for a step compute exactly what the run recorded, and read right.

The exhaustive registry-driven check of every optimizer × variant is in
tests/optimizers/test_description.py; here the lab's rendering of the same descriptions.
"""

import math
import re

import numpy as np
import pytest

import optimizers
import surfaces
from lab import equations
from lab import experiment as ex
from optimizers import _rules as r
from optimizers import adam as adam_module
from optimizers.description import Line

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
        assert equations.notes(ex.run_config(name)) == optimizers.entry(name).notes != ""


@pytest.mark.parametrize("config", VARIANTS, ids=lambda c: " ".join(map(str, c.hyperparams)))
def test_each_line_computes_the_recorded_value(config):
    surface = surfaces.get("himmelblau")
    traj = optimizers.run(config.build(), surface, (0.5, -1.5), 12)
    for t in (1, 2, 7, 12):  # radam: unrectified until t = 6, rectified after
        for i in (0, 1):
            values = equations.step_values(config, traj, t, i)
            for line in equations.rule(config):
                got = values[line.lhs.key]
                assert math.isfinite(got)
                if line.check:
                    expected = values[line.check]
                    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (line.lhs, t, i)
            assert equations.check_step(config, traj, t, i) == []
            latex = equations.step_latex(config, values)
            assert latex.startswith(r"\begin{aligned}") and "{" not in latex.split("&=")[-1][:1]
            _assert_numbers_rows_have_only_numbers(latex, len(equations.rule(config)))


# LaTeX commands a row of numbers may hold: layout and operators, never a quantity's symbol
LAYOUT = {"frac", "sqrt", "cdot", "times", "left", "right", "max", "operatorname", "infty", "small"}


def _assert_numbers_rows_have_only_numbers(latex, lines):
    body = latex.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
    # a long line continues on rows starting with CONTINUE: read it as one line again
    body = body.replace(r" \\ " + equations.CONTINUE, " ")
    rows = [row for row in body.split(r" \\ ") if row.startswith("&= ")]  # numbers rows
    assert len(rows) == lines
    for numeric in rows:
        commands = set(re.findall(r"\\([A-Za-z]+)", numeric))
        assert commands <= LAYOUT, numeric
        assert not re.search(r"(?<![\\A-Za-z])[A-Za-z]_", numeric), numeric  # no m_t, g_t…
        value = numeric.rsplit(" = ", 1)[1]  # the value is one whole number
        assert re.fullmatch(r"-?[0-9.]+(\\times 10\^\{-?[0-9]+\})?|-?\\infty|nan", value)


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
    # lr_eff multiplies the bias-corrected m̂ (CONVENTIONS §2), not the raw m
    assert values["lr_eff"] == pytest.approx(0.1 / (math.sqrt(v / (1 - 0.999**3)) + 1e-8))
    assert values["m_hat"] == pytest.approx(m / (1 - 0.9**3), rel=1e-12)
    assert x == pytest.approx(x_prev - values["lr_eff"] * values["m_hat"], rel=1e-12)
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


def test_adam_shows_epsilon_where_the_code_puts_it():
    outside = equations.rule_latex(ex.run_config("adam"))
    inside = equations.rule_latex(ex.run_config("adam", eps_inside_sqrt=True))
    assert r"\sqrt{\hat v_t} + \varepsilon" in outside and r"\hat v_t + \varepsilon}" not in outside
    assert r"\sqrt{\hat v_t + \varepsilon}" in inside
    raw = equations.rule_latex(ex.run_config("adam", bias_correction=False, eps_inside_sqrt=True))
    assert r"\sqrt{v_t + \varepsilon}" in raw and r"\hat" not in raw
    amsgrad = equations.rule_latex(ex.run_config("adam", amsgrad=True))
    assert r"\max\left(v^{max}_{t-1},\ v_t\right)" in amsgrad
    assert r"\frac{v^{max}_t}{1 - \beta_2^{t}}" in amsgrad


@pytest.mark.parametrize(
    ("config", "shown"),
    [
        (ex.run_config("rmsprop", eps_inside_sqrt=True), r"d_t &= \sqrt{v_t + \varepsilon}"),
        (ex.run_config("rmsprop", centered=True), r"\sqrt{v_t - \bar g_t^{2}} + \varepsilon"),
        (ex.run_config("adagrad"), r"\frac{g_t}{\sqrt{G_t} + \varepsilon}"),
        (ex.run_config("adagrad", eps_inside_sqrt=True), r"\frac{g_t}{\sqrt{G_t + \varepsilon}}"),
        (
            ex.run_config("sgd", weight_decay=0.1, maximize=True),
            r"-\nabla f(\theta_{t-1}) + \lambda",
        ),
        (ex.run_config("adamw"), r"\theta_{t-1}\,(1 - \eta\,\lambda)"),
        (ex.run_config("nesterov"), r"\eta\,(g_t + \mu\,b_t)"),
        (ex.run_config("momentum", dampening=0.3), r"(1 - \tau)\,g_t"),
    ],
)
def test_variants_render_their_own_symbols(config, shown):
    assert shown in equations.rule_latex(config)


def _mutated(rule, lhs_key, make):
    """``rule`` with the line defining ``lhs_key`` replaced by ``make(h, line)``."""

    def mutated(h):
        lines = rule(h)
        return [make(h, line) if line.lhs.key == lhs_key else line for line in lines]

    return mutated


M = adam_module.STATE[0]
BETA1 = r.symbols(adam_module.HYPERPARAMS, "beta1")[0]
MUTATIONS = {
    # ε inside the root in the displayed rule, while the code keeps it outside
    "eps inside the root": (
        "theta_t",
        lambda h, line: adam_module.rule(h | {"eps_inside_sqrt": True})[-1],
    ),
    # the (1 − β₁) factor dropped from the first moment
    "no (1 - beta1)": ("exp_avg:t", lambda h, line: Line(line.lhs, BETA1 * M.prev + r.G, M.name)),
    # bias correction shown on the second moment only
    "m not corrected": ("m_hat", lambda h, line: Line(line.lhs, M.now)),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_displayed_rule_that_disagrees_with_the_code_fails(monkeypatch, mutation):
    key, make = MUTATIONS[mutation]
    config = ex.run_config("adam", lr=0.05, eps=0.1)  # an ε large enough for its place to matter
    traj = optimizers.run(config.build(), surfaces.get("rosenbrock"), (-1.2, 1.0), 5)
    assert all(equations.check_step(config, traj, t, 0) == [] for t in (1, 2, 5))
    entry = optimizers.entry("adam")
    monkeypatch.setitem(
        optimizers.registry._REGISTRY, "adam", entry._replace(rule=_mutated(entry.rule, key, make))
    )
    assert equations.rule_latex(config) != equations.rule_latex(
        ex.run_config("adamw")
    )  # it is used
    mismatches = [m for t in (1, 2, 5) for m in equations.check_step(config, traj, t, 0)]
    assert mismatches, mutation
    assert {m.check for m in mismatches} <= {"theta", "exp_avg"}
