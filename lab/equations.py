"""Renders each optimizer's update rule in LaTeX, and the same rule with one step's numbers in.

The rules themselves live in the optimizer modules (``optimizers.entry(name).rule``), one
expression per line giving both the LaTeX and the value, so the equations a student reads are
the ones tests check against the run. This module only lays them out.
"""

from __future__ import annotations

from typing import Any

import optimizers
from optimizers import Trajectory
from optimizers.description import Line, check, evaluate_lines, inputs, recorded
from optimizers.symbolic import number

from .experiment import RunConfig

Values = dict[str, float]

__all__ = [
    "Values",
    "check_step",
    "hyperparameter_rows",
    "notes",
    "num",
    "rule",
    "rule_latex",
    "step_latex",
    "step_values",
]


def _hyperparams(config: RunConfig) -> dict[str, Any]:
    return {spec.name: config.value(spec.name) for spec in optimizers.hyperparams(config.optimizer)}


def rule(config: RunConfig) -> list[Line]:
    """The update rule of a configuration, variants included, in the order it is computed."""
    return optimizers.entry(config.optimizer).rule(_hyperparams(config))


def rule_latex(config: RunConfig) -> str:
    """The symbolic update rule as one aligned LaTeX block."""
    body = r" \\ ".join(f"{line.lhs.tex} &= {line.latex()}" for line in rule(config))
    return r"\begin{aligned}" + body + r"\end{aligned}"


def step_values(config: RunConfig, traj: Trajectory, t: int, i: int) -> Values:
    """The numbers of step ``t`` (1-based) for coordinate ``i`` of a single run's trajectory:
    what the step starts from (hyperparameters, ``grad``, ``theta_prev``, ``<state>_prev``), what
    it recorded (``<state>``, ``theta``, ``update``, ``lr_eff``) and every rule line's value
    (``g`` is the gradient the rule uses, after maximize and coupled weight decay)."""
    start = inputs(_hyperparams(config), optimizers.entry(config.optimizer).state, traj, t, i)
    return evaluate_lines(rule(config), start) | recorded(traj, t, i)


def step_latex(config: RunConfig, values: Values) -> str:
    """The rule with one step's numbers: each line, then its numbers and value. Quantities of
    earlier lines (m̂_t, d_t, Δ_t…) appear as their numbers where later lines use them."""
    rows = []
    for line in rule(config):
        rows.append(f"{line.lhs.tex} &= {line.latex()}")
        rows.append(f"&= {line.latex(values)} = {num(values[line.lhs.key])}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def check_step(config: RunConfig, traj: Trajectory, t: int, i: int) -> list:
    """Lines of the displayed rule whose value differs from what the run recorded at step t."""
    start = inputs(_hyperparams(config), optimizers.entry(config.optimizer).state, traj, t, i)
    return check(rule(config), start, recorded(traj, t, i))


def hyperparameter_rows(config: RunConfig) -> list[dict[str, Any]]:
    """Symbol, value and meaning of each hyperparameter (for a table next to the rule)."""
    rows = []
    for spec in optimizers.hyperparams(config.optimizer):
        value = config.value(spec.name)
        rows.append(
            {
                "symbol": spec.symbol,
                "name": spec.name,
                "value": value if isinstance(value, bool) else num(value, latex=False),
                "meaning": spec.label.split(" (")[0] + (f": {spec.help}" if spec.help else ""),
            }
        )
    return rows


def notes(config: RunConfig) -> str:
    """How torch, Keras and optax differ for this optimizer, and which one it follows."""
    return optimizers.entry(config.optimizer).notes


def num(x: float, latex: bool = True) -> str:
    """A number to 4 significant digits; powers of ten in LaTeX."""
    return number(x, latex)
