"""NAdam, as ``torch.optim.NAdam`` (Dozat's momentum schedule)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import debias, decoupled_decay, ema_sq, lerp, prepare_grad, weight_decay_terms
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Num, Sym, sqrt

HYPERPARAMS = (
    hp.lr(),
    hp.BETA1,
    hp.BETA2,
    hp.eps(),
    hp.WEIGHT_DECAY,
    Hyperparam(
        "momentum_decay",
        "Momentum schedule ψ (momentum_decay)",
        ui_range=(0.0, 0.1),
        help="μ_t = β₁·(1 − ½·0.96^(t·ψ)): how fast the momentum warms up to β₁.",
        symbol=r"\psi",
    ),
    hp.DECOUPLED,
    hp.MAXIMIZE,
)


STATE = (
    StateField("exp_avg", "m", "m (exp_avg)", velocity=True),
    StateField("exp_avg_sq", "v", "v (exp_avg_sq)"),
    StateField("mu_product", r"\Pi", "Π (mu_product)", initial=1.0),
)
SWEEP_PARTNER = "beta1"
NOTES = (
    "As `torch.optim.NAdam`: Dozat's momentum schedule μ_t = β₁(1 − ½·0.96^{tψ}) with "
    "ψ = 0.004, which keeps μ near β₁/2 for thousands of steps. Keras drops ψ; optax has no "
    "schedule."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    b1, b2, eps, psi = r.symbols(HYPERPARAMS, "beta1", "beta2", "eps", "momentum_decay")
    m, v, product = STATE
    half = Num(0.5, r"\tfrac12")
    mu, mu_next, d = Sym(r"\mu_t", "mu_t"), Sym(r"\mu_{t+1}", "mu_next"), Sym("d_t", "d_t")
    step = (1 - mu) / (1 - product.now) * r.G + mu_next / (1 - product.now * mu_next) * m.now
    return [
        r.gradient(h, HYPERPARAMS),
        Line(mu, b1 * (1 - half * 0.96 ** (r.T * psi))),
        Line(mu_next, b1 * (1 - half * 0.96 ** ((r.T + 1) * psi))),
        product.line(product.prev * mu),
        r.ema(m, b1, r.G),
        r.ema(v, b2, r.G**2),
        Line(d, sqrt(v.now / (1 - b2**r.T)) + eps),
        r.theta(r.decayed_theta(h, HYPERPARAMS) - r.ETA * (step / d)),
    ]


class NAdamState(NamedTuple):
    exp_avg: Array  # m, first moment
    exp_avg_sq: Array  # v, second moment
    mu_product: Scalar  # Π μ_i, product of the momentum schedule so far
    step: int


def nadam(
    lr: Scalar = 2e-3,
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    momentum_decay: Scalar = 4e-3,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> Optimizer:
    r"""NAdam: Adam with Nesterov momentum and Dozat's warming-up momentum schedule.

    .. math::
        \mu_t = \beta_1\big(1 - \tfrac12 0.96^{t\psi}\big),\quad \Pi_t = \prod_{i\le t}\mu_i,\quad
        \theta_t = \theta_{t-1} - \eta\Big(\frac{1-\mu_t}{1-\Pi_t} g_t
          + \frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}} m_t\Big) \Big/ \Big(\sqrt{\tfrac{v_t}{1-\beta_2^t}}
          + \varepsilon\Big)

    with m and v as in Adam. torch's schedule uses ψ = 0.004, so μ stays near β₁/2 for thousands
    of steps (Keras drops ψ and reaches β₁ within ~100 steps).

    Effective learning rate: ``η / (√(v_t / (1 − β₂ᵗ)) + ε)`` per parameter, multiplying the
    Nesterov-weighted mix of g_t and m_t above.

    Args:
        lr: η in [0, inf).
        beta1: β₁ in [0, 1).
        beta2: β₂ in [0, 1).
        eps: ε in [0, inf).
        weight_decay: λ in [0, inf), coupled unless ``decoupled_weight_decay``.
        momentum_decay: ψ in [0, inf).
        decoupled_weight_decay: θ ← θ·(1 − η·λ) before the step.
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = nadam()
    >>> opt.hyperparams["momentum_decay"]
    0.004

    References:
        Dozat, "Incorporating Nesterov momentum into Adam", ICLR workshop, 2016.
    """
    h = validate(HYPERPARAMS, locals())
    b1, b2, eps, wd, psi = (
        h[k] for k in ("beta1", "beta2", "eps", "weight_decay", "momentum_decay")
    )
    l2, decay = weight_decay_terms(wd, h["decoupled_weight_decay"])

    def init(params: Array) -> NAdamState:
        zeros = np.zeros(np.shape(params))
        return NAdamState(zeros, zeros, 1.0, 0)

    def step(grads: Array, state: NAdamState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = prepare_grad(grads, params, l2, h["maximize"])
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product = state.mu_product * mu
        m = lerp(state.exp_avg, g, 1 - b1)
        v = ema_sq(state.exp_avg_sq, g, b2)
        den = np.sqrt(v / debias(b2, t)) + eps
        mu_product_next = mu_product * mu_next
        updates = (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / den) + (
            (-lr * mu_next) / (1.0 - mu_product_next)
        ) * (m / den)
        if decay is not None:
            updates = updates + decoupled_decay(params, lr, decay)
        return Step(updates, NAdamState(m, v, mu_product, t), lr / den)

    return Optimizer("nadam", h, init, step)
