"""Maths shared by the optimizers, written once (as optax's tree_math) and in torch's operation
order, so that trajectories agree with ``torch.optim`` to the last bits."""

from __future__ import annotations

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
