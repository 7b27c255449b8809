"""Lion, as ``optax.lion`` (torch.optim has none)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import nonzero
from .base import Array, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, sign

HYPERPARAMS = (
    hp.lr(),
    hp.beta("beta1", "Interpolation", "β₁", r"\beta_1"),
    hp.beta("beta2", "Momentum decay", "β₂", r"\beta_2"),
    hp.WEIGHT_DECAY,
    hp.MAXIMIZE,
)


STATE = (StateField("exp_avg", "m", "m (exp_avg)", velocity=True),)
SWEEP_PARTNER = "beta1"
NOTES = (
    "As `optax.lion` (torch has no Lion): a sign step, with decoupled weight decay "
    "λ = 0.001 by default."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    b1, b2, lam = r.symbols(HYPERPARAMS, "beta1", "beta2", "weight_decay")
    (m,) = STATE
    c = Sym("c_t", "c_t")
    direction = c + lam * r.THETA_PREV if h["weight_decay"] else c
    return [
        r.gradient(h, HYPERPARAMS, coupled=False),
        Line(c, sign(b1 * m.prev + (1 - b1) * r.G)),
        r.ema(m, b2, r.G),
        r.theta(r.THETA_PREV - r.ETA * direction),
    ]


class LionState(NamedTuple):
    exp_avg: Array  # m, the momentum (updated with β₂)
    step: int


def lion(
    lr: Scalar = 1e-4,
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.99,
    weight_decay: Scalar = 1e-3,
    maximize: bool = False,
) -> Optimizer:
    r"""Lion: a step of fixed size η per coordinate, in the sign of a momentum interpolation.

    .. math::
        c_t = \operatorname{sign}(\beta_1 m_{t-1} + (1-\beta_1) g_t),\quad
        m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t,\quad
        \theta_t = \theta_{t-1} - \eta\,(c_t + \lambda\theta_{t-1})

    optax's rule and defaults, including its decoupled weight decay λ = 0.001 (pass 0 for pure
    Lion).

    Effective learning rate: ``η`` per parameter, the step size multiplying the sign c_t (its
    gain with respect to the gradient is η/|g|).

    Args:
        lr: η in [0, inf).
        beta1: interpolation β₁ in [0, 1).
        beta2: momentum decay β₂ in [0, 1).
        weight_decay: decoupled λ in [0, inf).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = lion(lr=0.1, weight_decay=0.0)
    >>> updates, _ = opt.update(np.array([-3.0, 0.5]), opt.init(np.zeros(2)), np.zeros(2))
    >>> updates
    array([ 0.1, -0.1])

    References:
        Chen et al., "Symbolic discovery of optimization algorithms", arXiv:2302.06675, 2023.
    """
    h = validate(HYPERPARAMS, locals())
    b1, b2, wd = h["beta1"], h["beta2"], nonzero(h["weight_decay"])

    def init(params: Array) -> LionState:
        return LionState(np.zeros(np.shape(params)), 0)

    def step(grads: Array, state: LionState, params: Array, lr: Scalar) -> Step:
        g = -grads if h["maximize"] else grads
        c = np.sign((1.0 - b1) * g + b1 * state.exp_avg)
        m = (1 - b2) * g + b2 * state.exp_avg
        direction = c if wd is None else c + wd * params
        lr_eff = np.broadcast_to(lr, np.broadcast_shapes(np.shape(lr), c.shape))
        return Step(-lr * direction, LionState(m, state.step + 1), lr_eff)

    return Optimizer("lion", h, init, step)
