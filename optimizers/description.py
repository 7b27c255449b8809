"""How an optimizer describes itself: its state fields and its update rule as display lines.

Each optimizer module declares ``STATE`` (a :class:`StateField` per ``torch.optim`` state key),
``rule(h) -> list[Line]`` (its update rule for hyperparameter values ``h``, in the order it is
computed), ``NOTES`` (how torch, Keras and optax differ) and ``SWEEP_PARTNER`` (the
hyperparameter a 2-D sweep map pairs with the learning rate). A :class:`Line`'s LaTeX and value
come from one :mod:`~optimizers.symbolic` expression, and :func:`check` compares every line that
names a recorded quantity against what a run recorded, so a displayed rule that disagrees with
the computation fails.

Imports numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .symbolic import Expr, Sym, evaluate, latex
from .trajectory import Trajectory

Values = dict[str, float]


@dataclass(frozen=True)
class StateField:
    """One field of an optimizer's state, named as ``torch.optim`` names it.

    Attributes:
        name: the state key, e.g. ``"exp_avg"``.
        symbol: LaTeX of its symbol without the step index, e.g. ``"m"`` or ``r"\\bar g"``.
        label: plain words for tables and legends, e.g. ``"m (exp_avg)"``.
        initial: its value before step 1: a number, or the name of the hyperparameter giving it.
        velocity: whether the step follows this field's direction (a momentum buffer, a first
            moment): the map draws it as an arrow beside the gradient and the step.
        given: a quantity of the whole run computed across its coordinates (a norm, as
            Adafactor's RMS of θ): a rule line computes one coordinate at a time and cannot
            compute it, so the step records it and the rule reads this step's value as an input
            (``symbol_t``) instead of checking a line against it.
    """

    name: str
    symbol: str
    label: str
    initial: float | str = 0.0
    velocity: bool = False
    given: bool = False

    @property
    def now(self) -> Sym:
        """The field after this step (``m_t``): the quantity its rule line defines."""
        return Sym(f"{self.symbol}_t", f"{self.name}:t")

    @property
    def prev(self) -> Sym:
        """The field before this step (``m_{t-1}``), read from the recorded state."""
        return Sym(f"{self.symbol}_{{t-1}}", f"{self.name}_prev")

    def line(self, expr: Expr) -> Line:
        """The line ``symbol_t = expr``, checked against the recorded field."""
        return Line(self.now, expr, check=self.name)


@dataclass(frozen=True)
class Line:
    """``lhs = expr``. ``check`` names the recorded quantity the value must equal (a state
    field, or ``"theta"`` for the parameters after the step); None for an intermediate."""

    lhs: Sym
    expr: Expr
    check: str | None = None

    def latex(self, values: Mapping[str, float] | None = None) -> str:
        return latex(self.expr, values)


class Mismatch(NamedTuple):
    """A line whose value differs from the recorded quantity it names."""

    lhs: str
    check: str
    shown: float
    recorded: float


def inputs(
    hyperparams: Mapping[str, Any], state: Sequence[StateField], traj: Trajectory, t: int, i: int
) -> Values:
    """What step ``t`` (1-based) of coordinate ``i`` starts from: the numeric hyperparameters,
    ``t``, the learning rate in force (``eta``), the raw gradient, θ_{t−1}, each recorded state
    field before the step (``<name>_prev``) and, for the fields declared ``given`` (quantities of
    the whole run, such as a norm), their value at this step (``<name>:t``)."""
    v: Values = {k: float(x) for k, x in hyperparams.items() if not isinstance(x, bool)}
    v |= {
        "t": t,
        "eta": float(np.ravel(traj.lr[t - 1])[0]),
        "grad": float(traj.grads[t - 1, i]),
        "theta_prev": float(traj.params[t - 1, i]),
    }
    initial = {f.name: f.initial for f in state}
    given = {f.name for f in state if f.given}
    for name, series in traj.state.items():
        if name in given:
            v[f"{name}:t"] = _pick(series, t - 1, i)
        if t > 1:
            v[f"{name}_prev"] = _pick(series, t - 2, i)
        else:
            start = initial.get(name, 0.0)
            v[f"{name}_prev"] = float(hyperparams[start] if isinstance(start, str) else start)
    return v


def recorded(traj: Trajectory, t: int, i: int) -> Values:
    """What step ``t`` of coordinate ``i`` produced: each state field, θ_t, Δθ and lr_eff."""
    v = {name: _pick(series, t - 1, i) for name, series in traj.state.items()}
    v |= {
        "theta": float(traj.params[t, i]),
        "update": float(traj.updates[t - 1, i]),
        "lr_eff": float(traj.lr_eff[t - 1, i]),
    }
    return v


def _pick(series: np.ndarray, k: int, i: int) -> float:
    return float(series[k, i] if series.ndim > 1 else series[k])


def evaluate_lines(lines: Sequence[Line], start: Mapping[str, float]) -> Values:
    """``start`` plus the value of every line, under its left-hand side's key, in order (later
    lines may use earlier lines' quantities)."""
    values = dict(start)
    for line in lines:
        if line.lhs.key in start:
            raise ValueError(f"line {line.lhs.tex} would overwrite the input {line.lhs.key!r}")
        values[line.lhs.key] = evaluate(line.expr, values)
    return values


def check(
    lines: Sequence[Line],
    start: Mapping[str, float],
    record: Mapping[str, float],
    rel: float = 1e-9,
    abs_tol: float = 1e-12,
) -> list[Mismatch]:
    """Every line naming a recorded quantity whose value differs from it (or is not finite)."""
    values = evaluate_lines(lines, start)
    bad = []
    for line in lines:
        if line.check is None:
            continue
        got, want = values[line.lhs.key], record[line.check]
        if not (math.isfinite(got) and math.isclose(got, want, rel_tol=rel, abs_tol=abs_tol)):
            bad.append(Mismatch(line.lhs.tex, line.check, got, want))
    return bad
