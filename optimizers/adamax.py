"""Adamax, as ``torch.optim.Adamax``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import hyperparams as hp
from ._math import debias, lerp, nonzero, prepare_grad
from .base import Array, Optimizer, Scalar, Step, validate

HYPERPARAMS = (hp.lr(), hp.BETA1, hp.BETA2, hp.eps(), hp.WEIGHT_DECAY, hp.MAXIMIZE)


class AdamaxState(NamedTuple):
    exp_avg: Array  # m, first moment
    exp_inf: Array  # u, exponentially weighted infinity norm
    step: int


def adamax(
    lr: Scalar = 2e-3,
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    maximize: bool = False,
) -> Optimizer:
    r"""Adamax: Adam with the second moment replaced by a decaying maximum of \|g\|.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \varepsilon),\quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}

    ε sits inside the maximum, as in torch and optax.

    Effective learning rate: ``η / ((1 − β₁ᵗ)·u_t)`` per parameter, multiplying the raw m_t.

    Args:
        lr: η in [0, inf).
        beta1: β₁ in [0, 1).
        beta2: β₂ in [0, 1).
        eps: ε in [0, inf).
        weight_decay: coupled L2 coefficient in [0, inf).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = adamax(lr=0.1)
    >>> updates, _ = opt.update(np.array([5.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> updates.round(9)
    array([-0.1])

    References:
        Kingma & Ba, "Adam: A method for stochastic optimization", arXiv:1412.6980, §7.1.
    """
    h = validate(HYPERPARAMS, locals())
    l2 = nonzero(h["weight_decay"])
    b1, b2, eps = h["beta1"], h["beta2"], h["eps"]

    def init(params: Array) -> AdamaxState:
        zeros = np.zeros(np.shape(params))
        return AdamaxState(zeros, zeros, 0)

    def step(grads: Array, state: AdamaxState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = prepare_grad(grads, params, l2, h["maximize"])
        m = lerp(state.exp_avg, g, 1 - b1)
        u = np.maximum(state.exp_inf * b2, np.abs(g) + eps)
        clr = lr / debias(b1, t)
        return Step(-clr * (m / u), AdamaxState(m, u, t), clr / u)

    return Optimizer("adamax", h, init, step)
