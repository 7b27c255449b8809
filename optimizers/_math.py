"""Maths shared by the optimizers, written once (as optax's tree_math) and in torch's operation
order, so that trajectories agree with ``torch.optim`` to the last bits."""

from __future__ import annotations

import math

import numpy as np

from .base import Array, Scalar, is_zero


def lerp(a: Array, b: Array, w: Scalar) -> Array:
    """``a + w·(b − a)`` computed as torch's ``lerp`` does (two formulas, switching at w = 0.5)."""
    if isinstance(w, float):
        return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def ema_sq(v: Array, g: Array, beta: Scalar) -> Array:
    """Exponential moving average of squares: ``β·v + (1 − β)·g²``."""
    return v * beta + (1 - beta) * (g * g)


def debias(beta: Scalar, t: int) -> Scalar:
    """``1 − βᵗ``: the weight an exponential moving average started at zero has after t steps."""
    return 1 - beta**t


def nonzero(x: Scalar) -> Scalar | None:
    """``x``, or None when it is zero everywhere (so a step can skip its term cheaply)."""
    return None if is_zero(x) else x


def weight_decay_terms(weight_decay: Scalar, decoupled: bool) -> tuple[Scalar | None, ...]:
    """``(l2, decoupled)`` coefficients, each None when that kind of decay is off."""
    wd = nonzero(weight_decay)
    return (None, wd) if decoupled else (wd, None)


def prepare_grad(grads: Array, params: Array, l2: Scalar | None, maximize: bool) -> Array:
    """Sign for ``maximize`` and coupled (L2) weight decay ``g + λ·θ``, as torch does first."""
    g = -grads if maximize else grads
    return g if l2 is None else g + l2 * params


def decoupled_decay(params: Array, lr: Scalar, weight_decay: Scalar) -> Array:
    """The decoupled (AdamW) part of an update: ``θ·(1 − lr·λ) − θ``."""
    return params * (1 - lr * weight_decay) - params


def fma(a: Scalar, b: Array, c: Array) -> Array:
    """``a·b + c`` rounded once, as torch's ``c.add_(b, alpha=a)`` computes it on CPU (a fused
    multiply-add): Dekker's exact product and Knuth's exact sum, whose sum of errors is added
    last (exact but for a rare tie). Falls back to ``a*b + c`` where a value is beyond 1e300.

    >>> a, b, c = 0.1, np.array([3.0]), np.array([-0.30000000000000004])
    >>> fma(a, b, c), a * b + c  # the product's rounding error, which a·b + c loses
    (array([-2.77555756e-17]), array([0.]))
    """
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    error = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    s = p + c
    bb = s - p
    sum_error = (p - (s - bb)) + (c - bb)
    out = s + (sum_error + error)
    return np.where(np.isfinite(out), out, p + c)


def fma_float(a: float, b: float, c: float) -> float:
    """:func:`fma` for Python floats (numpy's overhead on one number is ten times the
    arithmetic)."""
    p = a * b
    ca, cb = 134217729.0 * a, 134217729.0 * b
    a_hi, b_hi = ca - (ca - a), cb - (cb - b)
    a_lo, b_lo = a - a_hi, b - b_hi
    error = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    s = p + c
    bb = s - p
    out = s + (((p - (s - bb)) + (c - bb)) + error)
    return out if math.isfinite(out) else p + c


def _split(a: Scalar) -> tuple[Array, Array]:
    """Dekker's split of a float64 into two halves of 26 bits, exact."""
    c = 134217729.0 * np.asarray(a)  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi
