"""Stochastic gradient descent, with heavy-ball or Nesterov momentum, as ``torch.optim.SGD``."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import nonzero, prepare_grad
from .base import Array, Hyperparam, Optimizer, Scalar, Step, is_zero, validate
from .description import Line, StateField
from .symbolic import cases, eq

HYPERPARAMS = (
    hp.lr(),
    hp.MOMENTUM,
    Hyperparam(
        "dampening",
        "Dampening τ (dampening)",
        high=1.0,
        high_inclusive=True,
        ui_range=(0.0, 1.0),
        help="Shrinks each new gradient's share of the momentum.",
        symbol=r"\tau",
    ),
    hp.WEIGHT_DECAY,
    Hyperparam(
        "nesterov",
        "Nesterov momentum (nesterov)",
        kind=bool,
        help="Step along g + μ·b, a look-ahead past the heavy-ball step.",
    ),
    hp.MAXIMIZE,
)


STATE = (StateField("momentum_buffer", "b", "b (momentum_buffer)", velocity=True),)
SWEEP_PARTNER = "momentum"  # Distill's phase diagram: lr against momentum
NOTES = (
    "As `torch.optim.SGD`: the momentum buffer starts at the first gradient (so dampening "
    "applies from step 2), and Nesterov is the Bengio et al. reformulation evaluated at the "
    "stored parameters. Keras folds η into its velocity; with a constant η the paths agree."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    mu, tau = r.symbols(HYPERPARAMS, "momentum", "dampening")
    lines = [r.gradient(h, HYPERPARAMS)]
    if not h["momentum"]:
        return [*lines, r.theta(r.THETA_PREV - r.ETA * r.G)]
    (b,) = STATE
    lines.append(b.line(cases(eq(r.T, 1), r.G, mu * b.prev + (1 - tau) * r.G)))
    direction = r.G + mu * b.now if h["nesterov"] else b.now
    return [*lines, r.theta(r.THETA_PREV - r.ETA * direction)]


class SGDState(NamedTuple):
    momentum_buffer: Array | None  # b; None when momentum is 0 (torch keeps no buffer then)
    step: int


def sgd(
    lr: Scalar = 1e-3,
    momentum: Scalar = 0.0,
    dampening: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> Optimizer:
    r"""Gradient descent with optional heavy-ball or Nesterov momentum (``torch.optim.SGD``).

    .. math::
        g_t \leftarrow \nabla f(\theta_{t-1}) + \lambda\theta_{t-1},\quad
        b_t = \mu b_{t-1} + (1-\tau) g_t \;(b_1 = g_1),\quad
        \theta_t = \theta_{t-1} - \eta\,(g_t + \mu b_t \text{ if Nesterov else } b_t)

    With μ = 0 the step is ``−η·g``. torch starts the buffer at the first gradient, so dampening
    only applies from step 2 on; Nesterov is the reformulation of Bengio et al. (2012), evaluated
    at the stored parameters.

    Effective learning rate: ``η`` for every parameter (the factor multiplying g, b or g + μ·b).

    Args:
        lr: learning rate η in [0, inf).
        momentum: μ in [0, 1).
        dampening: τ in [0, 1].
        weight_decay: coupled L2 coefficient λ in [0, inf).
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0, as torch requires).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = sgd(lr=0.1)
    >>> updates, _ = opt.update(np.array([2.0]), opt.init(np.array([1.0])), np.array([1.0]))
    >>> updates
    array([-0.2])

    References:
        Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
        Sutskever et al., "On the importance of initialization and momentum", ICML 2013.
    """
    h = validate(HYPERPARAMS, locals())
    mu, tau, wd = h["momentum"], h["dampening"], h["weight_decay"]
    if h["nesterov"] and (np.any(np.asarray(mu) <= 0) or not is_zero(tau)):
        raise ValueError(
            "nesterov=True requires momentum > 0 and dampening = 0; "
            f"got momentum={mu}, dampening={tau}"
        )
    use_buffer = not is_zero(mu)
    l2 = nonzero(wd)

    def init(params: Array) -> SGDState:
        return SGDState(momentum_buffer=None, step=0)

    def step(grads: Array, state: SGDState, params: Array, lr: Scalar) -> Step:
        g = prepare_grad(grads, params, l2, h["maximize"])
        buf = None
        d = g
        if use_buffer:
            buf = (
                g if state.momentum_buffer is None else (state.momentum_buffer * mu + (1 - tau) * g)
            )
            d = g + mu * buf if h["nesterov"] else buf
            if np.ndim(mu):  # a batch mixing μ = 0 with μ > 0: torch ignores the buffer at μ = 0
                d = np.where(mu == 0, g, d)
        lr_eff = np.broadcast_to(lr, np.broadcast_shapes(np.shape(lr), d.shape))
        return Step(-lr * d, SGDState(buf, state.step + 1), lr_eff)

    return Optimizer("sgd", h, init, step)


def momentum(
    lr: Scalar = 1e-3,
    momentum: Scalar = 0.9,
    dampening: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> Optimizer:
    """Heavy-ball momentum: :func:`sgd` with μ = 0.9 by default (``SGD(momentum=0.9)``).

    Effective learning rate: ``η``, the factor multiplying the buffer b_t.

    >>> momentum().hyperparams["momentum"]
    0.9
    """
    return replace(sgd(lr, momentum, dampening, weight_decay, nesterov, maximize), name="momentum")


def nesterov(
    lr: Scalar = 1e-3,
    momentum: Scalar = 0.9,
    dampening: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
    nesterov: bool = True,
    maximize: bool = False,
) -> Optimizer:
    """Nesterov momentum: :func:`sgd` with μ = 0.9 and ``nesterov=True`` by default.

    Effective learning rate: ``η``, the factor multiplying g_t + μ·b_t.

    >>> nesterov().hyperparams["nesterov"]
    True
    """
    return replace(sgd(lr, momentum, dampening, weight_decay, nesterov, maximize), name="nesterov")
