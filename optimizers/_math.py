"""Maths shared by the optimizers, written once (as optax's tree_math) and in torch's operation
order, so that trajectories agree with ``torch.optim`` to the last bits."""

from __future__ import annotations

import numpy as np

from .base import Array, Scalar, is_zero


def lerp(a: Array, b: Array, w: Scalar) -> Array:
    """``a + w·(b − a)`` computed as torch's ``lerp`` does (two formulas, switching at w = 0.5)."""
    if np.ndim(w) == 0:
        return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def ema_sq(v: Array, g: Array, beta: Scalar) -> Array:
    """Exponential moving average of squares: ``β·v + (1 − β)·g²``."""
    return v * beta + (1 - beta) * (g * g)


def debias(beta: Scalar, t: int) -> Scalar:
    """``1 − βᵗ``: the weight an exponential moving average started at zero has after t steps."""
    return 1 - beta**t


def prepare_grad(grads: Array, params: Array, weight_decay: Scalar, maximize: bool) -> Array:
    """Sign for ``maximize`` and coupled (L2) weight decay ``g + λ·θ``, as torch does first."""
    g = -grads if maximize else grads
    return g if is_zero(weight_decay) else g + weight_decay * params


def decoupled_decay(params: Array, lr: Scalar, weight_decay: Scalar) -> Array | float:
    """The decoupled (AdamW) part of an update: ``θ·(1 − lr·λ) − θ``; 0 when λ = 0."""
    if is_zero(weight_decay):
        return 0.0
    return params * (1 - lr * weight_decay) - params
