"""Adadelta, as ``torch.optim.Adadelta``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import ema_sq, nonzero, prepare_grad
from .base import Array, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, sqrt

HYPERPARAMS = (
    hp.lr(ui_range=(1e-3, 10.0)),
    hp.beta("rho", "Decay rate", "ρ", r"\rho"),
    hp.eps(),
    hp.WEIGHT_DECAY,
    hp.MAXIMIZE,
)


STATE = (
    StateField("square_avg", "E[g^2]", "E[g²] (square_avg)"),
    StateField("acc_delta", r"E[\Delta^2]", "E[Δ²] (acc_delta)"),
)
SWEEP_PARTNER = "rho"
NOTES = (
    "As `torch.optim.Adadelta` (and Zeiler's paper with η = 1): ε inside both roots. "
    "Zeiler used ρ = 0.95; torch defaults to 0.9. Keras's default η = 0.001 moves 1000× slower."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    rho, eps = r.symbols(HYPERPARAMS, "rho", "eps")
    square_avg, acc_delta = STATE
    delta = Sym(r"\Delta_t", "delta_t")
    return [
        r.gradient(h, HYPERPARAMS),
        r.ema(square_avg, rho, r.G**2),
        Line(delta, sqrt(acc_delta.prev + eps) / sqrt(square_avg.now + eps) * r.G),
        r.ema(acc_delta, rho, delta**2),
        r.theta(r.THETA_PREV - r.ETA * delta),
    ]


class AdadeltaState(NamedTuple):
    square_avg: Array  # E[g²]
    acc_delta: Array  # E[Δx²]
    step: int


def adadelta(
    lr: Scalar = 1.0,
    rho: Scalar = 0.9,
    eps: Scalar = 1e-6,
    weight_decay: Scalar = 0.0,
    maximize: bool = False,
) -> Optimizer:
    r"""Adadelta: the step's units come from a moving RMS of past steps over the gradient's RMS.

    .. math::
        E[g^2]_t = \rho E[g^2]_{t-1} + (1-\rho) g_t^2,\quad
        \Delta_t = \frac{\sqrt{E[\Delta^2]_{t-1} + \varepsilon}}{\sqrt{E[g^2]_t + \varepsilon}} g_t,
        \quad E[\Delta^2]_t = \rho E[\Delta^2]_{t-1} + (1-\rho)\Delta_t^2,\quad
        \theta_t = \theta_{t-1} - \eta\,\Delta_t

    Zeiler's paper has no learning rate (η = 1, torch's default) and uses ρ = 0.95.

    Effective learning rate: ``η·√(E[Δ²]_{t−1} + ε) / √(E[g²]_t + ε)`` per parameter (Zeiler's
    per-dimension rate times η).

    Args:
        lr: η in [0, inf), a multiplier on Δ.
        rho: decay rate ρ in [0, 1).
        eps: ε in [0, inf).
        weight_decay: coupled L2 coefficient in [0, inf).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = adadelta()
    >>> updates, _ = opt.update(np.array([1.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> updates.round(6)  # a tiny first step: sqrt(eps) / sqrt(0.1 + eps)
    array([-0.003162])

    References:
        Zeiler, "ADADELTA: An adaptive learning rate method", arXiv:1212.5701, 2012.
    """
    h = validate(HYPERPARAMS, locals())
    l2 = nonzero(h["weight_decay"])
    rho, eps = h["rho"], h["eps"]

    def init(params: Array) -> AdadeltaState:
        zeros = np.zeros(np.shape(params))
        return AdadeltaState(zeros, zeros, 0)

    def step(grads: Array, state: AdadeltaState, params: Array, lr: Scalar) -> Step:
        g = prepare_grad(grads, params, l2, h["maximize"])
        square_avg = ema_sq(state.square_avg, g, rho)
        rate = np.sqrt(state.acc_delta + eps) / np.sqrt(square_avg + eps)
        delta = rate * g
        acc_delta = ema_sq(state.acc_delta, delta, rho)
        return Step(-lr * delta, AdadeltaState(square_avg, acc_delta, state.step + 1), lr * rate)

    return Optimizer("adadelta", h, init, step)
