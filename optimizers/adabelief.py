"""AdaBelief, as ``optax.adabelief`` (torch.optim has none)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import hyperparams as hp
from ._math import nonzero
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate

HYPERPARAMS = (
    hp.lr(),
    hp.BETA1,
    hp.BETA2,
    hp.eps(),
    Hyperparam(
        "eps_root",
        "Stabiliser inside the root (eps_root)",
        log=True,
        ui_range=(1e-16, 1e-2),
        help="Added to the belief s every step.",
    ),
    hp.WEIGHT_DECAY,
    hp.MAXIMIZE,
)


class AdaBeliefState(NamedTuple):
    exp_avg: Array  # m, first moment
    exp_avg_var: Array  # s, moving mean of (g − m)², the "belief"
    step: int


def adabelief(
    lr: Scalar = 1e-3,
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-16,
    eps_root: Scalar = 1e-16,
    weight_decay: Scalar = 0.0,
    maximize: bool = False,
) -> Optimizer:
    r"""AdaBelief: Adam whose denominator tracks how far g strays from its prediction m.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        s_t = \beta_2 s_{t-1} + (1-\beta_2)(g_t - m_t)^2 + \varepsilon_{root},\quad
        \theta_t = \theta_{t-1} - \eta\,\frac{m_t/(1-\beta_1^t)}{\sqrt{s_t/(1-\beta_2^t)}
                   + \varepsilon}

    optax's rule and defaults; ``weight_decay`` is decoupled as in optax's newer versions.

    Effective learning rate: ``η / (1 − β₁ᵗ) / (√(s_t / (1 − β₂ᵗ)) + ε)`` per parameter,
    multiplying the raw first moment m_t.

    Args:
        lr: η in [0, inf).
        beta1: β₁ in [0, 1).
        beta2: β₂ in [0, 1).
        eps: ε in [0, inf).
        eps_root: ε added to s each step, in [0, inf).
        weight_decay: decoupled λ in [0, inf).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = adabelief(lr=0.1)
    >>> updates, _ = opt.update(np.array([2.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> updates.round(6)  # first step: m̂ = g and √ŝ = |g − m| = 0.9·|g|, so |Δ| = lr / 0.9
    array([-0.111111])

    References:
        Zhuang et al., "AdaBelief optimizer: adapting stepsizes by the belief in observed
        gradients", NeurIPS 2020.
    """
    h = validate(HYPERPARAMS, locals())
    b1, b2, eps, eps_root, wd = (
        h[k] for k in ("beta1", "beta2", "eps", "eps_root", "weight_decay")
    )
    wd = nonzero(wd)

    def init(params: Array) -> AdaBeliefState:
        zeros = np.zeros(np.shape(params))
        return AdaBeliefState(zeros, zeros, 0)

    def step(grads: Array, state: AdaBeliefState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = -grads if h["maximize"] else grads
        m = (1 - b1) * g + b1 * state.exp_avg
        error = g - m
        s = (1 - b2) * (error * error) + b2 * state.exp_avg_var + eps_root
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        den = np.sqrt(s / bc2) + eps
        direction = (m / bc1) / den
        if wd is not None:
            direction = direction + wd * params
        return Step(-lr * direction, AdaBeliefState(m, s, t), lr / bc1 / den)

    return Optimizer("adabelief", h, init, step)
