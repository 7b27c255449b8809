"""A tiny expression language for update rules: one tree gives both the LaTeX and the value.

An update rule written as ``m = b1 * m_prev + (1 - b1) * g`` with :class:`Sym` leaves is printed
as LaTeX (:func:`latex`), printed again with one step's numbers put in (``latex(e, values)``), and
evaluated (:func:`evaluate`), so the equation a student reads is the one that is checked against
the optimizer's computation. Trees are built with Python operators; nothing is parsed and nothing
is passed to ``eval``. (The surfaces package has a formula parser, but ``optimizers`` must not
depend on it, and rules need symbols that carry their own LaTeX.)

>>> g, b1, m0 = Sym("g_t", "g"), Sym(r"\\beta_1", "beta1"), Sym("m_{t-1}", "m_prev")
>>> m = b1 * m0 + (1 - b1) * g
>>> latex(m)
'\\\\beta_1\\\\,m_{t-1} + (1 - \\\\beta_1)\\\\,g_t'
>>> latex(m, {"g": -2.0, "beta1": 0.9, "m_prev": 1e-5})
'0.9\\\\cdot 1\\\\times 10^{-5} + (1 - 0.9)\\\\cdot (-2)'
>>> round(evaluate(m, {"g": -2.0, "beta1": 0.9, "m_prev": 1e-5}), 9)
-0.199991

Imports numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

import numpy as np

__all__ = [
    "Expr",
    "Num",
    "Sym",
    "abs_",
    "cases",
    "eq",
    "evaluate",
    "gt",
    "latex",
    "maximum",
    "minimum",
    "number",
    "sign",
    "sqrt",
]

Operand = Union["Expr", float, int]

# precedence: what binds tighter gets a higher number; operands looser than their slot need ()
_SUM, _NEG, _PRODUCT, _POWER, _ATOM = 1, 2, 3, 4, 5


class Expr:
    """A node of an expression tree; combine nodes and numbers with ``+ - * / **`` and ``-x``."""

    def __add__(self, other: Operand) -> Expr:
        return Op("+", self, wrap(other))

    def __radd__(self, other: Operand) -> Expr:
        return Op("+", wrap(other), self)

    def __sub__(self, other: Operand) -> Expr:
        return Op("-", self, wrap(other))

    def __rsub__(self, other: Operand) -> Expr:
        return Op("-", wrap(other), self)

    def __mul__(self, other: Operand) -> Expr:
        return Op("*", self, wrap(other))

    def __rmul__(self, other: Operand) -> Expr:
        return Op("*", wrap(other), self)

    def __truediv__(self, other: Operand) -> Expr:
        return Op("/", self, wrap(other))

    def __rtruediv__(self, other: Operand) -> Expr:
        return Op("/", wrap(other), self)

    def __pow__(self, other: Operand) -> Expr:
        return Op("^", self, wrap(other))

    def __rpow__(self, other: Operand) -> Expr:
        return Op("^", wrap(other), self)

    def __neg__(self) -> Expr:
        return Neg(self)


@dataclass(frozen=True, eq=False)
class Sym(Expr):
    """A named quantity: its LaTeX, and the key of its value in a step's values."""

    tex: str
    key: str


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A constant; ``tex`` overrides how the symbolic rule shows it (e.g. ``\\tfrac12``)."""

    value: float
    tex: str = ""


@dataclass(frozen=True, eq=False)
class Op(Expr):
    op: str  # one of + - * / ^
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    arg: Expr


@dataclass(frozen=True, eq=False)
class Call(Expr):
    fn: str  # sqrt, abs, max, min, sign
    args: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Compare(Expr):
    op: str  # ">" or "="
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Cases(Expr):
    """``then`` where ``cond`` holds, else ``otherwise``."""

    cond: Compare
    then: Expr
    otherwise: Expr


def wrap(x: Operand) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"expected an expression or a number; got {x!r}")
    return Num(float(x))


def sqrt(x: Operand) -> Expr:
    return Call("sqrt", (wrap(x),))


def abs_(x: Operand) -> Expr:
    return Call("abs", (wrap(x),))


def maximum(a: Operand, b: Operand) -> Expr:
    return Call("max", (wrap(a), wrap(b)))


def minimum(a: Operand, b: Operand) -> Expr:
    return Call("min", (wrap(a), wrap(b)))


def sign(x: Operand) -> Expr:
    return Call("sign", (wrap(x),))


def gt(a: Operand, b: Operand) -> Compare:
    return Compare(">", wrap(a), wrap(b))


def eq(a: Operand, b: Operand) -> Compare:
    return Compare("=", wrap(a), wrap(b))


def cases(cond: Compare, then: Operand, otherwise: Operand) -> Expr:
    return Cases(cond, wrap(then), wrap(otherwise))


# --- evaluation -----------------------------------------------------------------------------------

_CALLS = {
    "sqrt": np.sqrt,
    "abs": np.abs,
    "max": np.maximum,
    "min": np.minimum,
    "sign": np.sign,
}


def evaluate(e: Expr, values: Mapping[str, float]) -> float:
    """The value of ``e``, each symbol's number taken from ``values`` (``KeyError`` if absent)."""
    with np.errstate(all="ignore"):  # a non-finite value is reported by the caller's check
        return float(_value(e, values))


def _value(e: Expr, v: Mapping[str, float]) -> float:
    if isinstance(e, Sym):
        return v[e.key]
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Neg):
        return -_value(e.arg, v)
    if isinstance(e, Op):
        a, b = _value(e.left, v), _value(e.right, v)
        if e.op == "+":
            return a + b
        if e.op == "-":
            return a - b
        if e.op == "*":
            return a * b
        if e.op == "/":
            return np.float64(a) / b
        return np.float64(a) ** b
    if isinstance(e, Call):
        return _CALLS[e.fn](*(_value(x, v) for x in e.args))
    if isinstance(e, Compare):
        a, b = _value(e.left, v), _value(e.right, v)
        return a > b if e.op == ">" else a == b
    if isinstance(e, Cases):
        return _value(e.then if _value(e.cond, v) else e.otherwise, v)
    raise TypeError(f"not an expression: {e!r}")


# --- printing -------------------------------------------------------------------------------------


def number(x: float, latex: bool = True) -> str:
    """A number to 4 significant digits; powers of ten as ``×10^{k}`` in LaTeX.

    >>> number(1.23456e-7), number(0.5), number(float("inf"))
    ('1.235\\\\times 10^{-7}', '0.5', '\\\\infty')
    """
    if isinstance(x, bool):
        return str(x)
    x = float(x)
    if not math.isfinite(x):
        return (r"\infty" if x > 0 else r"-\infty") if latex and x == x else str(x)
    text = f"{x:.4g}"
    if "e" in text and latex:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def latex(e: Expr, values: Mapping[str, float] | None = None) -> str:
    """LaTeX of ``e``; with ``values``, each symbol found there is shown as its number (negative
    numbers in parentheses) and a case distinction shows only the branch taken."""
    return _tex(e, values)[0]


def _tex(e: Expr, v: Mapping[str, float] | None) -> tuple[str, int]:
    """LaTeX and precedence of ``e``."""
    if isinstance(e, Sym):
        if v is not None and e.key in v:
            return _num_tex(v[e.key])
        return e.tex, _ATOM
    if isinstance(e, Num):
        if e.tex and v is None:
            return e.tex, _ATOM
        return _num_tex(e.value)
    if isinstance(e, Neg):
        return "-" + _wrap(e.arg, v, _PRODUCT), _NEG
    if isinstance(e, Op):
        return _op_tex(e, v)
    if isinstance(e, Call):
        args = [_tex(x, v)[0] for x in e.args]
        if e.fn == "sqrt":
            return rf"\sqrt{{{args[0]}}}", _ATOM
        if e.fn == "abs":
            return rf"\left|{args[0]}\right|", _ATOM
        if e.fn in ("max", "min"):
            return rf"\{e.fn}\left({args[0]},\ {args[1]}\right)", _ATOM
        return rf"\operatorname{{sign}}\left({args[0]}\right)", _ATOM
    if isinstance(e, Compare):
        return f"{_tex(e.left, v)[0]} {e.op} {_tex(e.right, v)[0]}", 0
    if isinstance(e, Cases):
        if v is not None:
            try:
                taken = e.then if _value(e.cond, v) else e.otherwise
            except KeyError:
                taken = None
            if taken is not None:
                return _tex(taken, v)
        cond = _tex(e.cond, v)[0]
        body = rf"{_tex(e.then, v)[0]} & \text{{if }} {cond} \\ {_tex(e.otherwise, v)[0]}"
        return r"\begin{cases}" + body + r" & \text{otherwise}\end{cases}", _ATOM
    raise TypeError(f"not an expression: {e!r}")


def _num_tex(x: float) -> tuple[str, int]:
    text = number(x)
    if text.startswith("-"):
        return f"({text})", _ATOM
    return text, (_PRODUCT if r"\times" in text else _ATOM)


def _wrap(e: Expr, v: Mapping[str, float] | None, need: int) -> str:
    text, prec = _tex(e, v)
    return f"({text})" if prec < need else text


def _op_tex(e: Op, v: Mapping[str, float] | None) -> tuple[str, int]:
    if e.op in "+-":
        right = _wrap(e.right, v, _PRODUCT if e.op == "-" else _NEG + 1)
        return f"{_wrap(e.left, v, _SUM)} {e.op} {right}", _SUM
    if e.op == "*":
        joint = r"\cdot " if v is not None else r"\,"
        return _wrap(e.left, v, _PRODUCT) + joint + _wrap(e.right, v, _PRODUCT), _PRODUCT
    if e.op == "/":
        top, bottom = _tex(e.left, v)[0], _tex(e.right, v)[0]
        return rf"\frac{{{top}}}{{{bottom}}}", _POWER
    return f"{_wrap(e.left, v, _ATOM)}^{{{_tex(e.right, v)[0]}}}", _POWER
