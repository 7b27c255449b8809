"""Adagrad, as ``torch.optim.Adagrad``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import nonzero, prepare_grad
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, sqrt

HYPERPARAMS = (
    hp.lr(),
    Hyperparam(
        "lr_decay",
        "Learning-rate decay (lr_decay)",
        ui_range=(0.0, 1.0),
        help="Inverse-time decay: η / (1 + (t − 1)·lr_decay).",
        symbol="d",
    ),
    hp.WEIGHT_DECAY,
    Hyperparam(
        "initial_accumulator_value",
        "Initial accumulator G₀ (initial_accumulator_value)",
        ui_range=(0.0, 1.0),
        help="Starting value of the sum of squared gradients.",
        symbol="G_0",
    ),
    hp.eps(),
    hp.EPS_INSIDE_SQRT,
    hp.MAXIMIZE,
)


STATE = (StateField("sum", "G", "G (sum)", initial="initial_accumulator_value"),)
SWEEP_PARTNER = "lr_decay"
NOTES = (
    "As `torch.optim.Adagrad`: ε outside the root and the accumulator starting at 0. "
    "Keras and optax put ε inside the root and start the sum at 0.1 (tick 'ε inside the square "
    "root' and set G₀ for their form)."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    d, eps = r.symbols(HYPERPARAMS, "lr_decay", "eps")
    (total,) = STATE
    eta_t = Sym(r"\eta_t", "eta_t")
    den = sqrt(total.now + eps) if h["eps_inside_sqrt"] else sqrt(total.now) + eps
    return [
        r.gradient(h, HYPERPARAMS),
        total.line(total.prev + r.G**2),
        Line(eta_t, r.ETA / (1 + (r.T - 1) * d)),
        r.theta(r.THETA_PREV - eta_t * (r.G / den)),
    ]


class AdagradState(NamedTuple):
    sum: Array  # G, the running sum of squared gradients
    step: int


def adagrad(
    lr: Scalar = 1e-2,
    lr_decay: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
    initial_accumulator_value: Scalar = 0.0,
    eps: Scalar = 1e-10,
    eps_inside_sqrt: bool = False,
    maximize: bool = False,
) -> Optimizer:
    r"""Adagrad: per-parameter steps that shrink with the sum of squared gradients.

    .. math::
        G_t = G_{t-1} + g_t^2,\quad
        \theta_t = \theta_{t-1} - \frac{\eta_t}{\sqrt{G_t} + \varepsilon}\, g_t,\quad
        \eta_t = \frac{\eta}{1 + (t-1)\,\text{lr\_decay}}

    ε sits outside the square root as in torch (and Duchi et al.'s δ); ``eps_inside_sqrt`` gives
    the ``√(G + ε)`` form of Keras, optax and many tutorials.

    Effective learning rate: ``η_t / (√G_t + ε)`` per parameter (the factor multiplying g).

    Args:
        lr: η in [0, inf).
        lr_decay: inverse-time decay of η, in [0, inf).
        weight_decay: coupled L2 coefficient in [0, inf).
        initial_accumulator_value: G₀ in [0, inf).
        eps: ε in [0, inf).
        eps_inside_sqrt: use √(G + ε) instead of √G + ε.
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = adagrad(lr=1.0)
    >>> updates, _ = opt.update(np.array([-4.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> updates.round(12)
    array([1.])

    References:
        Duchi, Hazan & Singer, "Adaptive subgradient methods for online learning and stochastic
        optimization", JMLR 12, 2011.
    """
    h = validate(HYPERPARAMS, locals())
    l2 = nonzero(h["weight_decay"])
    eps, decay = h["eps"], h["lr_decay"]

    def init(params: Array) -> AdagradState:
        return AdagradState(np.full(np.shape(params), h["initial_accumulator_value"]), 0)

    def step(grads: Array, state: AdagradState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = prepare_grad(grads, params, l2, h["maximize"])
        clr = lr / (1 + (t - 1) * decay)
        total = state.sum + g * g
        std = np.sqrt(total + eps) if h["eps_inside_sqrt"] else np.sqrt(total) + eps
        lr_eff = clr / std
        return Step(-clr * (g / std), AdagradState(total, t), lr_eff)

    return Optimizer("adagrad", h, init, step)
