"""Adamax, as ``torch.optim.Adamax``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import debias, lerp, nonzero, prepare_grad
from .base import Array, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, abs_, maximum

HYPERPARAMS = (hp.lr(), hp.BETA1, hp.BETA2, hp.eps(), hp.WEIGHT_DECAY, hp.MAXIMIZE)


STATE = (
    StateField("exp_avg", "m", "m (exp_avg)", velocity=True),
    StateField("exp_inf", "u", "u (exp_inf)"),
)
SWEEP_PARTNER = "beta1"
NOTES = "As `torch.optim.Adamax`: ε inside the maximum. Keras adds ε after it."


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    b1, b2, eps = r.symbols(HYPERPARAMS, "beta1", "beta2", "eps")
    m, u = STATE
    m_hat = Sym(r"\hat m_t", "m_hat")
    return [
        r.gradient(h, HYPERPARAMS),
        r.ema(m, b1, r.G),
        u.line(maximum(b2 * u.prev, abs_(r.G) + eps)),
        r.debiased(m_hat, m.now, b1),
        r.theta(r.THETA_PREV - r.ETA * (m_hat / u.now)),
    ]


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

    Effective learning rate: ``η / u_t`` per parameter, multiplying the bias-corrected first
    moment m̂_t = m_t / (1 − β₁ᵗ) (as for Adam).

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
        return Step(-clr * (m / u), AdamaxState(m, u, t), lr / u)

    return Optimizer("adamax", h, init, step)
