"""Every optimizer describes itself, and its displayed rule computes what its code computes.

Registry-driven: each registered optimizer, in each variant its switches and numbers allow, is
run on Rosenbrock; every rule line that names a recorded quantity (a state field, or θ_t) must
reproduce it, step after step, for both coordinates.
"""

import numpy as np
import pytest

import optimizers
import surfaces
from optimizers import description as d
from optimizers.symbolic import Sym, latex

NAMES = optimizers.names()
ROSENBROCK = surfaces.get("rosenbrock")
X0 = (-1.2, 1.0)
STEPS = 12
TIMES = (1, 2, 5, 6, 7, 12)  # radam: unrectified until t = 6, rectified after
LR = {"sgd": 1e-4, "momentum": 1e-4, "nesterov": 1e-4, "radam": 1e-4, "adadelta": 1.0, "asgd": 1e-4}
LR["adagrad"] = 0.5
# a nonzero value for each numeric hyperparameter, so every term of every rule shows up
NONZERO = {
    "weight_decay": 0.1,
    "momentum": 0.5,
    "dampening": 0.3,
    "lr_decay": 0.1,
    "initial_accumulator_value": 0.2,
    "momentum_decay": 0.01,
}


def _builds(name, h):
    try:
        optimizers.get(name, **h)
    except ValueError:
        return False
    return True


def variants(name):
    """Defaults; each switch flipped; each number made nonzero; each switch flipped with every
    number nonzero. Combinations torch rejects (Nesterov without momentum, or with dampening)
    are repaired by setting momentum, or skipped."""
    specs = optimizers.hyperparams(name)
    defaults = optimizers.defaults(name)
    base = {"lr": LR.get(name, 1e-2)}
    loaded = base | {s.name: NONZERO[s.name] for s in specs if s.name in NONZERO}
    found = [base, loaded]
    for spec in specs:
        if spec.name in NONZERO:
            found.append(base | {spec.name: NONZERO[spec.name]})
        if spec.kind is bool:
            flip = {spec.name: not defaults[spec.name]}
            found += [base | flip, loaded | flip]
    repair = {k: v for k, v in {"momentum": 0.5, "dampening": 0.0}.items() if k in defaults}
    out = []
    for h in found:
        if not _builds(name, h) and _builds(name, h | repair):
            h = h | repair
        if _builds(name, h) and h not in out:
            out.append(h)
    return out


CASES = [(name, h) for name in NAMES for h in variants(name)]


def run(name, h):
    if h.get("maximize"):  # climbing Rosenbrock's walls: a smaller step stays finite for longer
        h = h | {"lr": h["lr"] / 10}
    opt = optimizers.get(name, **h)
    return opt, optimizers.run(opt, ROSENBROCK, X0, STEPS)


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_declares_rule_state_notes_and_symbols(name):
    e = optimizers.entry(name)
    assert e.rule(optimizers.defaults(name)), name
    assert e.state and all(f.name and f.symbol and f.label for f in e.state)
    assert len(e.notes) > 40
    assert e.sweep_partner is None or e.sweep_partner in {s.name for s in e.hyperparams}
    for spec in e.hyperparams:
        assert spec.kind is bool or spec.symbol, f"{name}.{spec.name} has no symbol"


@pytest.mark.parametrize(("name", "h"), CASES, ids=[f"{n}-{h}" for n, h in CASES])
def test_recorded_state_fields_are_declared(name, h):
    _, traj = run(name, h)
    declared = {f.name for f in optimizers.entry(name).state}
    assert set(traj.state) <= declared
    labels = optimizers.state_labels(name)
    assert all(labels[k] for k in (*traj.state, "lr_eff"))


@pytest.mark.parametrize(("name", "h"), CASES, ids=[f"{n}-{h}" for n, h in CASES])
def test_each_displayed_line_computes_the_recorded_value(name, h):
    opt, traj = run(name, h)
    assert traj.diverged_at is None
    e = optimizers.entry(name)
    lines = e.rule(dict(opt.hyperparams))
    checked = {line.check for line in lines if line.check}
    given = {f.name for f in e.state if f.given}  # a run's norms: inputs of the rule, not lines
    assert "theta" in checked and set(traj.state) <= checked | given  # every field is shown
    for t in TIMES:
        for i in (0, 1):
            start, record = d.inputs(opt.hyperparams, e.state, traj, t, i), d.recorded(traj, t, i)
            assert d.check(lines, start, record) == [], (t, i)
            values = d.evaluate_lines(lines, start)
            assert all(np.isfinite(values[line.lhs.key]) for line in lines)


@pytest.mark.parametrize("name", NAMES)
def test_the_rule_shows_every_declared_symbol(name):
    """Every numeric hyperparameter's symbol and every state field's symbol appears in the rule
    of some variant (a symbol declared but never displayed is a stale declaration)."""
    e = optimizers.entry(name)
    shown = " ".join(
        latex(line.expr) + " " + line.lhs.tex
        for h in variants(name)
        for line in e.rule(dict(optimizers.get(name, **h).hyperparams))
    )
    initial = {f.initial for f in e.state}  # shown as the state field at t − 1 = 0
    for spec in e.hyperparams:
        if spec.kind is not bool and spec.name not in initial | set(e.loop):
            assert spec.symbol in shown, (name, spec.name, spec.symbol)
    for field in e.state:
        if field.name not in e.loop:
            assert field.symbol in shown, (name, field.name)
    for loop in e.loop:  # an inner loop's controls and counters: the notes describe each
        assert f"`{loop}`" in e.notes, (name, loop)


def test_initial_state_values_come_from_the_declaration():
    opt = optimizers.get("adagrad", lr=0.5, initial_accumulator_value=0.2)
    traj = optimizers.run(opt, ROSENBROCK, X0, 2)
    start = d.inputs(opt.hyperparams, optimizers.entry("adagrad").state, traj, 1, 0)
    assert start["sum_prev"] == 0.2
    opt = optimizers.get("nadam")
    traj = optimizers.run(opt, ROSENBROCK, X0, 2)
    assert (
        d.inputs(opt.hyperparams, optimizers.entry("nadam").state, traj, 1, 0)["mu_product_prev"]
        == 1.0
    )


def test_a_line_may_not_overwrite_an_input():
    line = d.Line(Sym("g", "grad"), Sym("x", "x"))
    with pytest.raises(ValueError, match="overwrite"):
        d.evaluate_lines([line], {"grad": 1.0, "x": 2.0})
