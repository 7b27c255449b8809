"""AdaBelief, as ``optax.adabelief`` (torch.optim has none)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import nonzero
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, sqrt

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
        symbol=r"\varepsilon_{root}",
    ),
    hp.WEIGHT_DECAY,
    hp.MAXIMIZE,
)


STATE = (
    StateField("exp_avg", "m", "m (exp_avg)", velocity=True),
    StateField("exp_avg_var", "s", "s (exp_avg_var)"),
)
SWEEP_PARTNER = "beta1"
NOTES = "As `optax.adabelief` (torch has no AdaBelief): ε_root is added to s every step."


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    b1, b2, eps, eps_root, lam = r.symbols(
        HYPERPARAMS, "beta1", "beta2", "eps", "eps_root", "weight_decay"
    )
    m, s = STATE
    m_hat, s_hat = Sym(r"\hat m_t", "m_hat"), Sym(r"\hat s_t", "s_hat")
    direction = m_hat / (sqrt(s_hat) + eps)
    if h["weight_decay"]:
        direction = direction + lam * r.THETA_PREV
    return [
        r.gradient(h, HYPERPARAMS, coupled=False),
        r.ema(m, b1, r.G),
        s.line(b2 * s.prev + (1 - b2) * (r.G - m.now) ** 2 + eps_root),
        r.debiased(m_hat, m.now, b1),
        r.debiased(s_hat, s.now, b2),
        r.theta(r.THETA_PREV - r.ETA * direction),
    ]


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

    Effective learning rate: ``η / (√ŝ_t + ε)`` per parameter, with ŝ_t = s_t / (1 − β₂ᵗ),
    multiplying the bias-corrected first moment m̂_t (as for Adam).

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
        return Step(-lr * direction, AdaBeliefState(m, s, t), lr / den)

    return Optimizer("adabelief", h, init, step)
