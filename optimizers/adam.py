"""Adam, AMSGrad and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import debias, decoupled_decay, ema_sq, lerp, prepare_grad, weight_decay_terms
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, maximum, sqrt

HYPERPARAMS = (
    hp.lr(),
    hp.BETA1,
    hp.BETA2,
    hp.eps(),
    hp.WEIGHT_DECAY,
    Hyperparam("amsgrad", "AMSGrad: never let the second moment shrink (amsgrad)", kind=bool),
    hp.DECOUPLED,
    Hyperparam(
        "bias_correction",
        "Bias correction of the moments",
        kind=bool,
        help="Divide the moments by 1 − βᵗ (off in some course notes).",
    ),
    hp.EPS_INSIDE_SQRT,
    hp.MAXIMIZE,
)


STATE = (
    StateField("exp_avg", "m", "m (exp_avg)", velocity=True),
    StateField("exp_avg_sq", "v", "v (exp_avg_sq)"),
    StateField("max_exp_avg_sq", "v^{max}", "v_max (max_exp_avg_sq)"),
)
SWEEP_PARTNER = "beta1"
NOTES = (
    "As `torch.optim.Adam` and Kingma & Ba's Algorithm 1: ε added after bias "
    "correction. Keras adds ε to the raw √v (its 'ε hat'), which acts like a larger ε early on. "
    "AMSGrad takes the maximum of the raw v, as torch does (optax: of the corrected one). "
    "Course notes often drop the bias correction or put ε inside the root: both are options."
)
ADAMW_NOTES = (
    "As `torch.optim.AdamW`: θ ← θ·(1 − ηλ) before the Adam step (decoupled decay, "
    "λ = 0.01 by default). " + NOTES
)
M_HAT = Sym(r"\hat m_t", "m_hat")
V_HAT = Sym(r"\hat v_t", "v_hat")


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines (Adam and AdamW)."""
    b1, b2, eps = r.symbols(HYPERPARAMS, "beta1", "beta2", "eps")
    m, v, v_max = STATE
    lines = [r.gradient(h, HYPERPARAMS), r.ema(m, b1, r.G), r.ema(v, b2, r.G**2)]
    v_used = v.now
    if h["amsgrad"]:
        lines.append(v_max.line(maximum(v_max.prev, v.now)))
        v_used = v_max.now
    m_hat, v_hat = m.now, v_used
    if h["bias_correction"]:
        lines += [r.debiased(M_HAT, m.now, b1), r.debiased(V_HAT, v_used, b2)]
        m_hat, v_hat = M_HAT, V_HAT
    den = sqrt(v_hat + eps) if h["eps_inside_sqrt"] else sqrt(v_hat) + eps
    return [*lines, r.theta(r.decayed_theta(h, HYPERPARAMS) - r.ETA * (m_hat / den))]


class AdamState(NamedTuple):
    exp_avg: Array  # m, first moment
    exp_avg_sq: Array  # v, second moment
    max_exp_avg_sq: Array | None  # running max of v (AMSGrad only)
    step: int


def adam(
    lr: Scalar = 1e-3,
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    amsgrad: bool = False,
    decoupled_weight_decay: bool = False,
    bias_correction: bool = True,
    eps_inside_sqrt: bool = False,
    maximize: bool = False,
) -> Optimizer:
    r"""Adam: momentum on the gradient, divided by the root of a moving mean of its square.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \eta\,\frac{m_t / (1-\beta_1^t)}
                   {\sqrt{v_t / (1-\beta_2^t)} + \varepsilon}

    As Kingma & Ba's Algorithm 1 and torch: ε is added after bias correction. AMSGrad divides by
    the running maximum of the raw v (torch's choice). Variants: ``bias_correction=False`` (no
    division by 1 − βᵗ), ``eps_inside_sqrt`` (√(v̂ + ε)), ``decoupled_weight_decay`` (AdamW).

    Effective learning rate: ``η / (√v̂_t + ε)`` per parameter (``η / √(v̂_t + ε)`` with
    ``eps_inside_sqrt``; v̂ = v without bias correction), the factor multiplying the
    bias-corrected first moment m̂_t as Kingma & Ba §2.1 write the step; on the raw m_t it would
    read 1/(1 − β₁) = 10 times η at step 1.

    Args:
        lr: η in [0, inf).
        beta1: first-moment decay β₁ in [0, 1).
        beta2: second-moment decay β₂ in [0, 1).
        eps: ε in [0, inf).
        weight_decay: λ in [0, inf), coupled (L2) unless ``decoupled_weight_decay``.
        amsgrad: use the running maximum of v.
        decoupled_weight_decay: θ ← θ·(1 − η·λ) before the step, as AdamW.
        bias_correction: divide m and v by 1 − βᵗ.
        eps_inside_sqrt: use √(v̂ + ε) instead of √v̂ + ε.
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = adam(lr=0.1)
    >>> updates, _ = opt.update(np.array([-40.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> updates.round(9)  # the first step is lr·sign(g), whatever |g|
    array([0.1])

    References:
        Kingma & Ba, "Adam: A method for stochastic optimization", arXiv:1412.6980, 2014.
        Reddi, Kale & Kumar, "On the convergence of Adam and beyond", ICLR 2018.
    """
    h = validate(HYPERPARAMS, locals())
    b1, b2, eps, wd = h["beta1"], h["beta2"], h["eps"], h["weight_decay"]
    l2, decay = weight_decay_terms(wd, h["decoupled_weight_decay"])
    corrected = h["bias_correction"]

    def init(params: Array) -> AdamState:
        zeros = np.zeros(np.shape(params))
        return AdamState(zeros, zeros, zeros if h["amsgrad"] else None, 0)

    def step(grads: Array, state: AdamState, params: Array, lr: Scalar) -> Step:
        t = state.step + 1
        g = prepare_grad(grads, params, l2, h["maximize"])
        m = lerp(state.exp_avg, g, 1 - b1)
        v = ema_sq(state.exp_avg_sq, g, b2)
        v_max = np.maximum(state.max_exp_avg_sq, v) if h["amsgrad"] else None
        bc1, bc2 = (debias(b1, t), debias(b2, t)) if corrected else (1.0, 1.0)
        step_size = lr / bc1
        v_used = v if v_max is None else v_max
        if h["eps_inside_sqrt"]:
            den = np.sqrt(v_used / bc2 + eps)
        else:
            den = np.sqrt(v_used) / bc2**0.5 + eps
        lr_eff = lr / den  # on m̂ = m / bc1
        updates = -step_size * (m / den)
        if decay is not None:
            updates = updates + decoupled_decay(params, lr, decay)
        return Step(updates, AdamState(m, v, v_max, t), lr_eff)

    return Optimizer("adam", h, init, step)


def adamw(
    lr: Scalar = 1e-3,
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 1e-2,
    amsgrad: bool = False,
    decoupled_weight_decay: bool = True,
    bias_correction: bool = True,
    eps_inside_sqrt: bool = False,
    maximize: bool = False,
) -> Optimizer:
    """AdamW: :func:`adam` with decoupled weight decay λ = 0.01 by default (``torch.optim.AdamW``).

    ``θ ← θ·(1 − η·λ)`` is applied before the Adam step, so the decay does not pass through the
    moments. Effective learning rate: Adam's, ``η / (√v̂_t + ε)`` on the bias-corrected m̂_t.

    >>> adamw().hyperparams["weight_decay"]
    0.01

    References:
        Loshchilov & Hutter, "Decoupled weight decay regularization", arXiv:1711.05101, 2017.
    """
    return replace(
        adam(
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            decoupled_weight_decay,
            bias_correction,
            eps_inside_sqrt,
            maximize,
        ),
        name="adamw",
    )
