"""Renders each optimizer's update rule in LaTeX, and the same rule with one step's numbers in.

The rules themselves live in the optimizer modules (``optimizers.entry(name).rule``), one
expression per line giving both the LaTeX and the value, so the equations a student reads are
the ones tests check against the run. This module only lays them out.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import optimizers
from optimizers import Trajectory
from optimizers.description import Line, check, evaluate_lines, inputs, recorded
from optimizers.symbolic import number

from .experiment import RunConfig

Values = dict[str, float]

# Widest row, in characters as rendered (see `width`): about what a KaTeX box shows in one of the
# Inside-a-step view's two columns at 1280 px. Longer rows break after a top-level +, − or =;
# a row that still does not fit (one long fraction) is set \small.
ROW_BUDGET = 46
SMALL = 0.85  # \small is 0.9 of the size; a little room for its wider spacing
CONTINUE = r"&\quad "  # the start of a continued row: under the right-hand side, indented

__all__ = [
    "ROW_BUDGET",
    "Values",
    "check_step",
    "hyperparameter_rows",
    "notes",
    "num",
    "rows",
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
    return _aligned([f"{line.lhs.tex} &= {line.latex()}" for line in rule(config)])


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
    lines = []
    for line in rule(config):
        lines.append(f"{line.lhs.tex} &= {line.latex()}")
        lines.append(f"&= {line.latex(values)} = {num(values[line.lhs.key])}")
    return _aligned(lines)


def _aligned(lines: list[str]) -> str:
    return (
        r"\begin{aligned}"
        + r" \\ ".join(r for line in lines for r in rows(line))
        + r"\end{aligned}"
    )


def rows(line: str, budget: int = ROW_BUDGET) -> list[str]:
    r"""One aligned line (``lhs &= rhs``) as rows no wider than ``budget`` rendered characters:
    broken before a top-level +, − or = (never inside a number, a bracket or a fraction), each
    continued row starting with ``CONTINUE``; a row still too wide is set ``\small``.

    >>> for row in rows(r"&= 0.9\cdot 37.65 + (1 - 0.9)\cdot (-213.6)^{2} + 1\times 10^{-16} = 67.48", 24):
    ...     print(row)
    &= 0.9\cdot 37.65
    &\quad + (1 - 0.9)\cdot (-213.6)^{2}
    &\quad + 1\times 10^{-16} = 67.48
    """
    head, sep, rhs = line.partition("&= ")
    if not sep or width(line) <= budget:
        return [line]
    pieces = _top_level_terms(rhs)
    out, current = [], head + sep + pieces[0]
    for piece in pieces[1:]:
        if width(current + piece) > budget:
            out.append(current)
            current = CONTINUE + piece.lstrip()
        else:
            current += piece
    out.append(current)
    return [_small(row, budget) for row in out]


def _small(row: str, budget: int) -> str:
    if width(row) <= budget:
        return row
    for start in (CONTINUE, "&= "):
        head, sep, rest = row.partition(start)
        if sep:
            return f"{head}{sep}{{\\small {rest}}}"
    return f"{{\\small {row}}}"


def _top_level_terms(tex: str) -> list[str]:
    """``tex`` cut before each " + ", " - " and " = " outside brackets and braces."""
    cuts, depth = [0], 0
    for i, c in enumerate(tex):
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        elif depth == 0 and c in "+-=" and tex[i - 1 : i] == " " and tex[i + 1 : i + 2] == " ":
            cuts.append(i - 1)
    cuts.append(len(tex))
    return [tex[a:b] for a, b in itertools.pairwise(cuts) if tex[a:b]]


_SPACES = {",", ";", ":", "!", "quad", "qquad", "left", "right", "small", "displaystyle"}
_ZERO = {"begin", "end", "operatorname"}


def width(tex: str) -> float:
    r"""About how many characters wide ``tex`` renders: a fraction as its wider part (a fraction
    within a fraction at 0.7), sub- and superscripts at 0.7, a symbol command (``\cdot``, ``\beta``) as one, spaces and layout
    commands as nothing; a ``\small`` group at ``SMALL``.

    >>> width(r"\frac{92.14}{1 - 0.999^{2}} = 4.609\times 10^{4}")
    17.4
    """
    return round(_width(tex, 0, False)[0], 6)


def _group(tex: str, i: int) -> tuple[str, int]:
    """The argument starting at ``tex[i]``: a braced group or one character."""
    if i < len(tex) and tex[i] == "{":
        depth = 0
        for j in range(i, len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if depth == 0:
                return tex[i + 1 : j], j + 1
        return tex[i + 1 :], len(tex)
    m = re.match(r"\\[A-Za-z]+", tex[i:])  # a command such as \beta
    end = i + (len(m.group(0)) if m else 1)
    return tex[i:end], end


def _width(tex: str, i: int, in_fraction: bool) -> tuple[float, int]:
    # a fraction inside a fraction is set in script style, 0.7 of the size
    def sub(part: str) -> float:
        return _width(part, 0, in_fraction)[0]

    total = 0.0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:], re.DOTALL)
            name, i = (m.group(1), i + len(m.group(0))) if m else ("", i + 1)
            if name in ("frac", "tfrac", "dfrac"):
                top, i = _group(tex, i)
                bottom, i = _group(tex, i)
                parts = max(_width(top, 0, True)[0], _width(bottom, 0, True)[0])
                total += parts * (0.7 if in_fraction or name == "tfrac" else 1)
            elif name == "sqrt":
                inner, i = _group(tex, i)
                total += 1 + sub(inner)
            elif name == "small":
                return total + SMALL * _width(tex, i, in_fraction)[0], len(tex)
            elif name in ("begin", "end"):
                _, i = _group(tex, i)
            elif name not in _SPACES and name not in _ZERO:
                total += 1
        elif c in "^_":
            inner, i = _group(tex, i + 1)
            total += 0.7 * sub(inner)
        elif c == "{":
            inner, i = _group(tex, i)
            total += sub(inner)
        else:
            total += 0 if c in " &}" else 1
            i += 1
    return total, i


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
