"""Adam, AMSGrad and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from . import hyperparams as hp
from ._math import debias, decoupled_decay, ema_sq, lerp, prepare_grad, weight_decay_terms
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate

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

    Effective learning rate: ``η / (1 − β₁ᵗ) / (√(v_t / (1 − β₂ᵗ)) + ε)`` per parameter, the factor
    multiplying the raw first moment m_t.

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
        lr_eff = step_size / den
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
    moments. Effective learning rate: Adam's, ``η / (1 − β₁ᵗ) / (√(v_t / (1 − β₂ᵗ)) + ε)``.

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
