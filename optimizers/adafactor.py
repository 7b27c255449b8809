"""Adafactor, as ``torch.optim.Adafactor`` (torch 2.5 and later)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import lerp
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, maximum, minimum, sqrt

MACHINE_EPS = float(np.finfo(np.float64).eps)  # torch's eps1=None: the dtype's machine epsilon

HYPERPARAMS = (
    hp.lr((1e-5, 1.0)),
    Hyperparam(
        "beta2_decay",
        "Second-moment decay power τ (beta2_decay)",
        low=-np.inf,
        low_inclusive=False,  # reads (-inf, 0]
        high=0.0,
        high_inclusive=True,
        ui_range=(-1.0, 0.0),
        help="β̂₂ at step t is 1 − t^τ: the average of g² forgets more slowly as t grows.",
        symbol=r"\tau",
    ),
    Hyperparam(
        "eps1",
        "Denominator floor ε₁ (eps1)",
        log=True,
        ui_range=(1e-30, 1e-2),
        help="√v̂ is floored at ε₁ (torch's eps[0]; its default None is the float64 machine "
        "epsilon, 2.2e-16).",
        symbol=r"\varepsilon_1",
    ),
    Hyperparam(
        "eps2",
        "Parameter-scale floor ε₂ (eps2)",
        log=True,
        ui_range=(1e-8, 1.0),
        help="The relative step is scaled by max(ε₂, RMS(θ)) (torch's eps[1]).",
        symbol=r"\varepsilon_2",
    ),
    Hyperparam(
        "d",
        "Clipping threshold d (d)",
        low=1.0,
        ui_range=(1.0, 10.0),
        help="The update U is scaled down when its RMS exceeds d.",
        symbol="d",
    ),
    Hyperparam(
        "weight_decay",
        "Weight decay λ (weight_decay)",
        ui_range=(0.0, 1.0),
        help="Decoupled: θ ← θ·(1 − η·λ) before the step.",
        symbol=r"\lambda",
    ),
    hp.MAXIMIZE,
)


STATE = (
    StateField("variance", r"\hat v", "v̂ (variance)"),
    StateField("param_rms", r"\sigma", "σ = RMS(θ before the step)", given=True),
    StateField("update_rms", r"\omega", "ω = RMS(U)", given=True),
)
SWEEP_PARTNER = "beta2_decay"
NOTES = (
    "As `torch.optim.Adafactor` (torch ≥ 2.5). Every run here is one parameter vector, so the "
    "second moment is kept whole (`variance`), as torch does for vectors: the row/column "
    "factoring applies to matrices only. The step is relative: α_t = max(ε₂, RMS(θ_{t−1}))·ρ_t "
    "with ρ_t = min(η, 1/√t), so η caps the relative step instead of scaling it, and the "
    "update is clipped to RMS ≤ d. Weight decay is decoupled (θ·(1 − η·λ)). torch's "
    "`eps=(None, 1e-3)` is split into `eps1` (None means the float64 machine epsilon, our "
    "default) and `eps2`; its `foreach` switch only changes the order of roundings and is not "
    "a hyperparameter here (both agree with this code to ~1e-15). The paper and optax "
    "(`optax.adafactor`) add ε₁ = 1e-30 to g² instead, use no η cap, and optax defaults to "
    "momentum off and a fixed 0.8 decay; Keras' Adafactor follows the paper's ε placement."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    names = ("beta2_decay", "eps1", "eps2", "d", "weight_decay")
    tau, eps1, eps2, d, lam = r.symbols(HYPERPARAMS, *names)
    v, sigma, omega = STATE
    rho, alpha = Sym(r"\rho_t", "rho_t"), Sym(r"\alpha_t", "alpha_t")
    b2, u = Sym(r"\hat\beta_{2,t}", "beta2_t"), Sym("U_t", "U_t")
    theta = r.THETA_PREV * (1 - r.ETA * lam) if h["weight_decay"] else r.THETA_PREV
    return [
        r.gradient(h, HYPERPARAMS, coupled=False),
        Line(b2, 1 - r.T**tau),
        Line(rho, minimum(r.ETA, 1 / sqrt(r.T))),
        Line(alpha, maximum(eps2, sigma.now) * rho),
        v.line(b2 * v.prev + (1 - b2) * r.G**2),
        Line(u, r.G / maximum(sqrt(v.now), eps1)),
        r.theta(theta - alpha * u / maximum(1, omega.now / d)),
    ]


class AdafactorState(NamedTuple):
    variance: Array  # v̂, the moving average of g² (a vector's full second moment)
    param_rms: Array  # σ_t = RMS(θ_{t−1}) of each run, per coordinate (for the rule and charts)
    update_rms: Array  # ω_t = RMS(U_t) of each run, per coordinate
    step: int


def adafactor(
    lr: Scalar = 1e-2,
    beta2_decay: Scalar = -0.8,
    eps1: Scalar = MACHINE_EPS,
    eps2: Scalar = 1e-3,
    d: Scalar = 1.0,
    weight_decay: Scalar = 0.0,
    maximize: bool = False,
) -> Optimizer:
    r"""Adafactor: a relative step, scaled by the parameters' RMS, on a clipped RMSProp update.

    .. math::
        \hat\beta_{2,t} = 1 - t^{\tau},\quad \rho_t = \min(\eta, 1/\sqrt t),\quad
        \alpha_t = \max(\varepsilon_2, \mathrm{RMS}(\theta_{t-1}))\,\rho_t,\\
        \hat v_t = \hat\beta_{2,t}\hat v_{t-1} + (1 - \hat\beta_{2,t}) g_t^2,\quad
        U_t = \frac{g_t}{\max(\sqrt{\hat v_t}, \varepsilon_1)},\quad
        \theta_t = \theta_{t-1}(1 - \eta\lambda) - \frac{\alpha_t U_t}{\max(1, \mathrm{RMS}(U_t)/d)}

    RMS is over the coordinates of a run (its parameter vector). For a vector torch keeps the
    whole second moment v̂ (the row/column factoring is for matrices), and so does this code.

    Effective learning rate: ``α_t / (max(1, RMS(U_t)/d) · max(√v̂_t, ε₁))`` per parameter,
    the factor multiplying g_t (decoupled weight decay not included).

    Args:
        lr: η in [0, inf): caps the relative step ρ_t and scales the weight decay.
        beta2_decay: τ in (-inf, 0].
        eps1: ε₁ in [0, inf) (torch's eps[0]; None there means this default, 2.2e-16).
        eps2: ε₂ in [0, inf) (torch's eps[1]).
        d: clipping threshold in [1, inf).
        weight_decay: decoupled λ in [0, inf).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = adafactor()
    >>> updates, state = opt.update(np.array([3.0, -4.0]), opt.init(np.ones(2)), np.ones(2))
    >>> updates  # step 1: v̂ = g², U = sign(g), α = RMS(θ)·min(η, 1) = 0.01
    array([-0.01,  0.01])

    References:
        Shazeer & Stern, "Adafactor: adaptive learning rates with sublinear memory cost",
        ICML 2018.
    """
    h = validate(HYPERPARAMS, locals())
    tau, eps1, eps2, clip = h["beta2_decay"], h["eps1"], h["eps2"], h["d"]
    wd = h["weight_decay"]

    def init(params: Array) -> AdafactorState:
        zeros = np.zeros(np.shape(params))
        return AdafactorState(zeros, zeros, zeros, 0)

    def step(grads: Array, state: AdafactorState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = -grads if h["maximize"] else grads
        n = np.shape(params)[-1]
        one_minus_beta2 = float(t) ** tau
        rho = np.minimum(lr, 1 / float(t) ** 0.5)
        param_rms = _norm(params) / n**0.5
        alpha = np.maximum(eps2, param_rms) * rho
        decayed = params if not np.any(wd) else params * (1 - lr * wd)
        v = lerp(state.variance, g * g, one_minus_beta2)
        scale = 1 / np.sqrt(np.maximum(v, eps1 * eps1))  # torch: clamp_(min=eps1²).rsqrt_()
        u = scale * g
        u_norm = _norm(u)
        denom = np.maximum(1.0, u_norm / (n**0.5 * clip))  # torch's order of operations
        step_size = alpha / denom
        new = decayed + u * -step_size
        shape = np.shape(u)
        state = AdafactorState(
            v,
            np.broadcast_to(param_rms, shape).copy(),
            np.broadcast_to(u_norm / n**0.5, shape).copy(),
            t,
        )
        return Step(new - params, state, step_size * scale)

    return Optimizer("adafactor", h, init, step)


def _norm(x: Array) -> Array:
    """The Euclidean norm over the coordinates of each run, shape (..., 1)."""
    return np.sqrt(np.sum(x * x, axis=-1, keepdims=True))
