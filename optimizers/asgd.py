"""Averaged SGD, as ``torch.optim.ASGD``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import nonzero, prepare_grad
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import cases, eq, maximum

HYPERPARAMS = (
    hp.lr(),
    Hyperparam(
        "lambd",
        "Decay term λ_d (lambd)",
        log=True,
        ui_range=(1e-8, 1.0),
        help="Shrinks θ by (1 − λ_d·η_t) every step and sets how fast η_t decays.",
        symbol=r"\lambda_d",
    ),
    Hyperparam(
        "alpha",
        "Decay power α (alpha)",
        ui_range=(0.0, 2.0),
        help="η_t = η / (1 + λ_d·η·t)^α.",
        symbol=r"\alpha",
    ),
    Hyperparam(
        "t0",
        "Averaging start t₀ (t0)",
        ui_range=(0.0, 1e6),
        help="The average θ̄ follows θ until step t₀ + 1, then averages the iterates since.",
        symbol="t_0",
    ),
    hp.WEIGHT_DECAY,
    hp.MAXIMIZE,
)


STATE = (
    StateField("eta", r"\eta", "η_t (eta)", initial="lr"),
    StateField("mu", r"\mu", "μ (mu)", initial=1.0),
    StateField("ax", r"\bar\theta", "θ̄ (ax, the averaged iterate)"),
)
SWEEP_PARTNER = "alpha"
NOTES = (
    "As `torch.optim.ASGD`: the run follows the SGD iterate θ (with step η_t and a shrink "
    "1 − λ_d·η_t); the Polyak–Juditsky average θ̄ is kept in the state (`ax`), as in torch, and "
    "is not the returned parameter: read it from the state chart. With t₀ = 10⁶ (the default) "
    "θ̄ simply equals θ over any run shown here; set t₀ low to see the average. η_t uses the "
    "learning rate of the step before, so a schedule acts one step late, as in torch. Keras and "
    "optax have no ASGD."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    lam, alpha, t0 = r.symbols(HYPERPARAMS, "lambd", "alpha", "t0")
    eta, mu, ax = STATE
    return [
        r.gradient(h, HYPERPARAMS),
        r.theta(r.THETA_PREV * (1 - lam * eta.prev) - eta.prev * r.G),
        ax.line(cases(eq(mu.prev, 1), r.THETA, ax.prev + (r.THETA - ax.prev) * mu.prev)),
        eta.line(r.ETA / (1 + lam * r.ETA * r.T) ** alpha),
        mu.line(1 / maximum(1, r.T - t0)),
    ]


class ASGDState(NamedTuple):
    eta: Scalar  # η_t, the step size of the next step
    mu: Scalar  # μ_t, the averaging weight of the next step
    ax: Array  # θ̄, the averaged iterate
    step: int


def asgd(
    lr: Scalar = 1e-2,
    lambd: Scalar = 1e-4,
    alpha: Scalar = 0.75,
    t0: Scalar = 1e6,
    weight_decay: Scalar = 0.0,
    maximize: bool = False,
) -> Optimizer:
    r"""Averaged SGD: SGD with a decaying step, plus a running average of the iterates.

    .. math::
        \theta_t = \theta_{t-1}(1 - \lambda_d\eta_{t-1}) - \eta_{t-1} g_t,\quad
        \bar\theta_t = \bar\theta_{t-1} + \mu_{t-1}(\theta_t - \bar\theta_{t-1}),\\
        \eta_t = \frac{\eta}{(1 + \lambda_d\,\eta\,t)^{\alpha}},\quad
        \mu_t = \frac{1}{\max(1,\ t - t_0)}

    with η₀ = η and μ₀ = 1 (so θ̄ equals θ until step t₀ + 1). The run follows θ; θ̄ is state,
    as in torch (``ax``).

    Effective learning rate: ``η_{t−1}``, the step size multiplying g_t in this step (the same
    for every parameter of a run; the shrink λ_d·η_{t−1}·θ is not included).

    Args:
        lr: η in [0, inf).
        lambd: decay term λ_d in [0, inf).
        alpha: decay power α in [0, inf).
        t0: averaging start t₀ in [0, inf).
        weight_decay: coupled L2 coefficient in [0, inf).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = asgd(lr=0.1, lambd=0.0)
    >>> updates, state = opt.update(np.array([2.0]), opt.init(np.ones(1)), np.ones(1))
    >>> updates, state.ax
    (array([-0.2]), array([0.8]))

    References:
        Polyak & Juditsky, "Acceleration of stochastic approximation by averaging", SIAM J.
        Control Optim. 30(4), 1992.
    """
    h = validate(HYPERPARAMS, locals())
    lam, alpha, t0 = h["lambd"], h["alpha"], h["t0"]
    l2 = nonzero(h["weight_decay"])

    def init(params: Array) -> ASGDState:
        return ASGDState(h["lr"], 1.0, np.zeros(np.shape(params)), 0)

    def step(grads: Array, state: ASGDState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = prepare_grad(grads, params, l2, h["maximize"])
        eta = lr if state.step == 0 else state.eta  # torch's state starts at the lr in force
        new = params * (1 - lam * eta) + g * -eta  # torch: mul_ then add_(grad, alpha=-eta)
        updates = new - params
        new = params + updates  # what the run loop will hold: average that
        ax = np.where(state.mu == 1, new, state.ax + (new - state.ax) * state.mu)
        with np.errstate(over="ignore"):  # a huge alpha: the step size underflows to 0
            eta_next = lr / np.power(np.float64(1 + lam * lr * t), alpha)
        mu_next = 1 / np.maximum(1.0, t - t0)
        if np.ndim(mu_next) == 0:
            mu_next = float(mu_next)
        lr_eff = np.zeros(np.shape(updates)) + eta
        return Step(updates, ASGDState(eta_next, mu_next, ax, t), lr_eff)

    return Optimizer("asgd", h, init, step)
