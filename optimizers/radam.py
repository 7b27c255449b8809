"""RAdam, as ``torch.optim.RAdam``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import debias, decoupled_decay, ema_sq, lerp, prepare_grad, weight_decay_terms
from .base import Array, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, cases, gt, sqrt

HYPERPARAMS = (hp.lr(), hp.BETA1, hp.BETA2, hp.eps(), hp.WEIGHT_DECAY, hp.DECOUPLED, hp.MAXIMIZE)


STATE = (
    StateField("exp_avg", "m", "m (exp_avg)", velocity=True),
    StateField("exp_avg_sq", "v", "v (exp_avg_sq)"),
    StateField("rect", "r", "r (rect)"),
)
SWEEP_PARTNER = "beta1"
NOTES = (
    "As `torch.optim.RAdam`: the first steps (while ρ_t ≤ 5) are momentum SGD on the "
    "bias-corrected m; ε is added to the raw √v. The paper rectifies from ρ_t > 4."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    b1, b2, eps = r.symbols(HYPERPARAMS, "beta1", "beta2", "eps")
    m, v, rect = STATE
    rho_inf, rho = Sym(r"\rho_\infty", "rho_inf"), Sym(r"\rho_t", "rho_t")
    m_hat, a = Sym(r"\hat m_t", "m_hat"), Sym("a_t", "a_t")
    tractable = gt(rho, 5)
    r_t = sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return [
        r.gradient(h, HYPERPARAMS),
        r.ema(m, b1, r.G),
        r.ema(v, b2, r.G**2),
        Line(rho_inf, 2 / (1 - b2) - 1),
        Line(rho, rho_inf - 2 * r.T * b2**r.T / (1 - b2**r.T)),
        rect.line(cases(tractable, r_t, 0)),
        r.debiased(m_hat, m.now, b1),
        Line(a, cases(tractable, rect.now * sqrt(1 - b2**r.T) / (sqrt(v.now) + eps), 1)),
        r.theta(r.decayed_theta(h, HYPERPARAMS) - r.ETA * a * m_hat),
    ]


class RAdamState(NamedTuple):
    exp_avg: Array  # m, first moment
    exp_avg_sq: Array  # v, second moment
    rect: Scalar  # r_t, the variance rectification factor (0 while unrectified)
    step: int


def radam(
    lr: Scalar = 1e-3,
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> Optimizer:
    r"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable.

    .. math::
        \rho_\infty = \frac{2}{1-\beta_2} - 1,\quad
        \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t},\quad
        \theta_t = \theta_{t-1} - \eta\,\hat m_t \cdot
        \begin{cases} r_t\,\sqrt{1-\beta_2^t}/(\sqrt{v_t} + \varepsilon) & \rho_t > 5\\
        1 & \text{otherwise}\end{cases}

    with ``r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t))`` and m̂ = m/(1 − β₁ᵗ). With β₂ = 0.999
    the first five steps are momentum SGD. ε is added to the raw √v, as torch does.

    Effective learning rate: ``η·a_t`` with ``a_t = r_t·√(1 − β₂ᵗ) / (√v_t + ε)`` when rectified,
    else ``η`` (the momentum-SGD phase), per parameter, multiplying the bias-corrected first
    moment m̂_t (as for Adam).

    Args:
        lr: η in [0, inf).
        beta1: β₁ in [0, 1).
        beta2: β₂ in [0, 1).
        eps: ε in [0, inf).
        weight_decay: λ in [0, inf), coupled unless ``decoupled_weight_decay``.
        decoupled_weight_decay: θ ← θ·(1 − η·λ) before the step.
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = radam(lr=0.1)
    >>> updates, _ = opt.update(np.array([7.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> updates.round(9)  # unrectified first step: -lr·m̂ = -lr·g
    array([-0.7])

    References:
        Liu et al., "On the variance of the adaptive learning rate and beyond", ICLR 2020.
    """
    h = validate(HYPERPARAMS, locals())
    b1, b2, eps, wd = h["beta1"], h["beta2"], h["eps"], h["weight_decay"]
    l2, decay = weight_decay_terms(wd, h["decoupled_weight_decay"])
    rho_inf = 2 / (1 - b2) - 1

    def init(params: Array) -> RAdamState:
        zeros = np.zeros(np.shape(params))
        return RAdamState(zeros, zeros, 0.0, 0)

    def step(grads: Array, state: RAdamState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = prepare_grad(grads, params, l2, h["maximize"])
        m = lerp(state.exp_avg, g, 1 - b1)
        v = ema_sq(state.exp_avg_sq, g, b2)
        bc1, bc2 = debias(b1, t), debias(b2, t)
        rho_t = rho_inf - 2 * t * (b2**t) / bc2
        rectified = rho_t > 5.0
        with np.errstate(invalid="ignore", divide="ignore"):  # r_t is unused where unrectified
            rect = np.where(
                rectified,
                np.sqrt(
                    np.abs(
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    )
                ),
                0.0,
            )
        adaptive = np.sqrt(bc2) / (np.sqrt(v) + eps)
        factor = np.where(rectified, adaptive * rect, 1.0)
        updates = -(m / bc1 * lr * factor)
        if decay is not None:
            updates = updates + decoupled_decay(params, lr, decay)
        rect = float(rect) if np.ndim(rect) == 0 else rect
        return Step(updates, RAdamState(m, v, rect, t), lr * factor)

    return Optimizer("radam", h, init, step)
