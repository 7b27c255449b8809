"""RMSProp, plain, with momentum, centered, and with Nesterov momentum (``torch.optim.RMSprop``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import ema_sq, lerp, nonzero, prepare_grad
from .base import Array, Hyperparam, Optimizer, Scalar, Step, is_zero, validate
from .description import Line, StateField
from .symbolic import Sym, sqrt

HYPERPARAMS = (
    hp.lr(),
    hp.beta("alpha", "Decay rate", "γ", r"\gamma"),
    hp.eps(),
    hp.WEIGHT_DECAY,
    hp.MOMENTUM,
    Hyperparam("centered", "Centered: divide by the gradient's variance (centered)", kind=bool),
    Hyperparam(
        "nesterov",
        "Nesterov momentum (beyond torch)",
        kind=bool,
        help="Step along g/(√v+ε) + μ·b instead of b.",
    ),
    hp.EPS_INSIDE_SQRT,
    hp.MAXIMIZE,
)


STATE = (
    StateField("square_avg", "v", "v (square_avg)"),
    StateField("grad_avg", r"\bar g", "ḡ (grad_avg)"),
    StateField("momentum_buffer", "b", "b (momentum_buffer)", velocity=True),
)
SWEEP_PARTNER = "alpha"
NOTES = (
    "As `torch.optim.RMSprop`: ε outside the root, decay γ = 0.99 by default, the "
    "momentum buffer without η. Keras and TensorFlow put ε inside the root (the textbook "
    "variant) and default to γ = 0.9; Nesterov momentum follows optax."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    alpha, eps, mu = r.symbols(HYPERPARAMS, "alpha", "eps", "momentum")
    v, grad_avg, b = STATE
    lines = [r.gradient(h, HYPERPARAMS), r.ema(v, alpha, r.G**2)]
    var = v.now
    if h["centered"]:
        lines.append(r.ema(grad_avg, alpha, r.G))
        var = v.now - grad_avg.now**2
    d = Sym("d_t", "d_t")
    lines.append(Line(d, sqrt(var + eps) if h["eps_inside_sqrt"] else sqrt(var) + eps))
    if not h["momentum"]:
        return [*lines, r.theta(r.THETA_PREV - r.ETA * (r.G / d))]
    lines.append(b.line(mu * b.prev + r.G / d))
    direction = r.G / d + mu * b.now if h["nesterov"] else b.now
    return [*lines, r.theta(r.THETA_PREV - r.ETA * direction)]


class RMSpropState(NamedTuple):
    square_avg: Array  # v, moving average of g²
    grad_avg: Array | None  # ḡ, moving average of g (centered only)
    momentum_buffer: Array | None  # b (momentum > 0 only)
    step: int


def rmsprop(
    lr: Scalar = 1e-2,
    alpha: Scalar = 0.99,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    momentum: Scalar = 0.0,
    centered: bool = False,
    nesterov: bool = False,
    eps_inside_sqrt: bool = False,
    maximize: bool = False,
) -> Optimizer:
    r"""RMSProp: divide each gradient by a moving root mean square of recent gradients.

    .. math::
        v_t = \gamma v_{t-1} + (1-\gamma) g_t^2,\quad
        d_t = \sqrt{v_t - \bar g_t^2 \,[\text{centered}]} + \varepsilon,\quad
        b_t = \mu b_{t-1} + g_t / d_t,\quad
        \theta_t = \theta_{t-1} - \eta\, b_t

    Without momentum the step is ``−η·g/d``. ``centered`` subtracts the square of the moving
    average of g (Graves 2013). ``nesterov`` (not in torch) steps along ``g/d + μ·b``. ε sits
    outside the root as in torch; ``eps_inside_sqrt`` gives Keras's and TensorFlow's √(v + ε).

    Effective learning rate: ``η / d_t`` per parameter (torch's documented "effective learning
    rate"; the factor multiplying g, or the one each new gradient enters the buffer with).

    Args:
        lr: η in [0, inf).
        alpha: decay rate γ in [0, 1).
        eps: ε in [0, inf).
        weight_decay: coupled L2 coefficient in [0, inf).
        momentum: μ in [0, 1).
        centered: use the variance estimate v − ḡ² instead of v.
        nesterov: Nesterov momentum (needs μ > 0).
        eps_inside_sqrt: use √(v + ε) instead of √v + ε.
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = rmsprop(lr=0.01, alpha=0.9)
    >>> updates, _ = opt.update(np.array([3.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> updates.round(6)  # the first step is lr / sqrt(1 - alpha) = 0.0316
    array([-0.031623])

    References:
        Hinton, Srivastava & Swersky, Neural Networks for Machine Learning, lecture 6e, 2012.
        Graves, "Generating sequences with recurrent neural networks", arXiv:1308.0850, 2013.
    """
    h = validate(HYPERPARAMS, locals())
    l2 = nonzero(h["weight_decay"])
    alpha, eps, mu = h["alpha"], h["eps"], h["momentum"]
    if h["nesterov"] and np.any(np.asarray(mu) <= 0):
        raise ValueError(f"nesterov=True requires momentum > 0; got momentum={mu}")
    use_buffer = not is_zero(mu)

    def init(params: Array) -> RMSpropState:
        zeros = np.zeros(np.shape(params))
        return RMSpropState(
            zeros, zeros if h["centered"] else None, zeros if use_buffer else None, 0
        )

    def step(grads: Array, state: RMSpropState, params: Array, lr: Scalar) -> Step:
        g = prepare_grad(grads, params, l2, h["maximize"])
        v = ema_sq(state.square_avg, g, alpha)
        grad_avg = None
        var = v
        if h["centered"]:
            grad_avg = lerp(state.grad_avg, g, 1 - alpha)
            var = v - grad_avg * grad_avg
        den = np.sqrt(var + eps) if h["eps_inside_sqrt"] else np.sqrt(var) + eps
        scaled = g / den
        buf = None
        direction = scaled
        if use_buffer:
            buf = state.momentum_buffer * mu + scaled
            direction = scaled + mu * buf if h["nesterov"] else buf
        return Step(-lr * direction, RMSpropState(v, grad_avg, buf, state.step + 1), lr / den)

    return Optimizer("rmsprop", h, init, step)
