"""Rule lines shared by several optimizers, written once (as ``_math.py`` is for the maths):
the gradient with maximize and coupled weight decay, moving averages, bias correction, the
decoupled-decay part of θ_t, and the symbols every rule uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Hyperparam
from .description import Line, StateField
from .symbolic import Expr, Sym

T = Sym("t", "t")
ETA = Sym(r"\eta", "eta")  # the learning rate in force at this step (after any schedule)
GRAD = Sym(r"\nabla f(\theta_{t-1})", "grad")
THETA_PREV = Sym(r"\theta_{t-1}", "theta_prev")
G = Sym("g_t", "g")
THETA = Sym(r"\theta_t", "theta_t")


def symbols(specs: tuple[Hyperparam, ...], *names: str) -> tuple[Sym, ...]:
    """The symbols of hyperparameters, with the LaTeX their specs declare (``lr`` is η)."""
    by_name = {s.name: s for s in specs}
    return tuple(ETA if n == "lr" else Sym(by_name[n].symbol, n) for n in names)


def gradient(h: Mapping[str, Any], specs: tuple[Hyperparam, ...], coupled: bool = True) -> Line:
    """``g_t``: the gradient, negated to maximise, plus λθ for coupled (L2) weight decay."""
    g: Expr = -GRAD if h.get("maximize") else GRAD  # torch's LBFGS and Muon have no maximize
    if coupled and h.get("weight_decay") and not h.get("decoupled_weight_decay"):
        (lam,) = symbols(specs, "weight_decay")
        g = g + lam * THETA_PREV
    return Line(G, g)


def ema(field: StateField, decay: Sym, x: Expr) -> Line:
    """``field_t = β·field_{t−1} + (1 − β)·x``, an exponential moving average."""
    return field.line(decay * field.prev + (1 - decay) * x)


def debiased(lhs: Sym, x: Expr, beta: Sym) -> Line:
    """``lhs = x / (1 − βᵗ)``, a moving average's bias correction."""
    return Line(lhs, x / (1 - beta**T))


def decayed_theta(h: Mapping[str, Any], specs: tuple[Hyperparam, ...]) -> Expr:
    """θ_{t−1}, shrunk by (1 − ηλ) under decoupled (AdamW-style) weight decay."""
    if h.get("decoupled_weight_decay") and h.get("weight_decay"):
        (lam,) = symbols(specs, "weight_decay")
        return THETA_PREV * (1 - ETA * lam)
    return THETA_PREV


def theta(expr: Expr) -> Line:
    """``θ_t = expr``, checked against the recorded parameters."""
    return Line(THETA, expr, check="theta")
