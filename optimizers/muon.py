"""Muon, as ``torch.optim.Muon`` (torch 2.9 and later): momentum, orthogonalised per matrix.

Muon acts on matrices. A model's parameter vector says which of its coordinates form a matrix
(its weights, ``(fan_out, fan_in)``) through the objective's ``blocks``, which the run loop
hands over with :meth:`~optimizers.base.Optimizer.bind`. torch refuses parameters that are not
matrices; here a vector (a bias, or the two coordinates of a test function) is a 1 × n matrix,
as if it were passed to torch as ``p.view(1, -1)``. For such a row the Newton–Schulz iteration
returns the momentum's direction times a fixed factor (0.70 for the default coefficients and
five steps): Muon on a vector is normalised gradient descent with momentum.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import lerp
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym

Blocks = tuple[tuple[slice, tuple[int, ...]], ...]
NS_SPANS = (("a", (2.0, 4.0)), ("b", (-6.0, -3.0)), ("c", (1.0, 3.0)))  # sliders of a, b, c

HYPERPARAMS = (
    hp.lr((1e-4, 1.0)),
    Hyperparam(
        "weight_decay",
        "Weight decay λ (weight_decay)",
        ui_range=(0.0, 1.0),
        help="Decoupled: θ ← θ·(1 − η·λ) before the step.",
        symbol=r"\lambda",
    ),
    Hyperparam(
        "momentum",
        "Momentum μ (momentum)",
        high=1.0,
        ui_range=(0.0, 0.99),
        help="The buffer is the moving average μ·B + (1 − μ)·g.",
        symbol=r"\mu",
    ),
    Hyperparam(
        "nesterov",
        "Nesterov momentum (nesterov)",
        kind=bool,
        help="Orthogonalise (1 − μ)·g + μ·B instead of B.",
    ),
    *(
        Hyperparam(
            f"ns_{letter}",
            f"Newton–Schulz coefficient {letter} (ns_coefficients[{i}])",
            low=-np.inf,
            ui_range=span,
            help="X ← a·X + (b·A + c·A²)·X with A = X·Xᵀ.",
            symbol=letter,
        )
        for i, (letter, span) in enumerate(NS_SPANS)
    ),
    hp.eps((1e-12, 1e-3)),
    Hyperparam(
        "ns_steps",
        "Newton–Schulz steps (ns_steps)",
        kind=int,
        low=0,
        high=100,
        ui_range=(0, 10),
        help="Iterations of the orthogonalisation (torch allows fewer than 100).",
        symbol="k",
    ),
    Hyperparam(
        "match_rms_adamw",
        "Scale like AdamW (adjust_lr_fn='match_rms_adamw')",
        kind=bool,
        help="Scale the step by 0.2·√max(A, B) instead of √max(1, A/B) for an A × B matrix.",
    ),
)

STATE = (
    StateField("momentum_buffer", "B", "B (momentum_buffer)", velocity=True),
    StateField("ortho", "O", "O = NS(U), the orthogonalised update", given=True),
    StateField("scale", r"\rho", "ρ, the shape's step scale", given=True),
)
# what the Newton–Schulz iteration uses: no per-coordinate line shows it (NOTES describes it)
LOOP = ("ns_a", "ns_b", "ns_c", "eps", "ns_steps")
SWEEP_PARTNER = "momentum"
NOTES = (
    "As `torch.optim.Muon`, except in precision: torch runs the Newton–Schulz iteration in "
    "bfloat16 (3 significant digits), this code in float64, so the two agree to about 1e-2 "
    "and exactly when torch's iteration is run in float64. The update U (the buffer, or with "
    "Nesterov (1 − μ)·g + μ·B) of each matrix is scaled to unit Frobenius norm (at least "
    "`eps`) and iterated `ns_steps` (k) times, X ← a·X + (b·A + c·A²)·X with A = X·Xᵀ "
    "(`ns_coefficients` = (a, b, c), split into `ns_a`, `ns_b`, `ns_c`), which pushes every "
    "singular value towards 1: O ≈ U's polar factor. The step is η·ρ·O with ρ = √max(1, A/B) "
    "for an A × B matrix (`adjust_lr_fn='original'`) or 0.2·√max(A, B) with "
    "`match_rms_adamw`. torch accepts only matrices; a vector here is a 1 × n matrix (a bias, "
    "or a test function's point), for which O is U's direction times 0.70: normalised "
    "momentum descent. optax has `optax.contrib.muon` (AdamW on non-matrices), Keras has "
    "`keras.optimizers.Muon`."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    mu, lam = r.symbols(HYPERPARAMS, "momentum", "weight_decay")
    buf, ortho, scale = STATE
    u = Sym("U_t", "U_t")
    theta = r.THETA_PREV * (1 - r.ETA * lam) if h["weight_decay"] else r.THETA_PREV
    return [
        r.gradient(h, HYPERPARAMS, coupled=False),
        buf.line(mu * buf.prev + (1 - mu) * r.G),
        Line(u, (1 - mu) * r.G + mu * buf.now if h["nesterov"] else buf.now),
        r.theta(theta - r.ETA * scale.now * ortho.now),
    ]


class MuonState(NamedTuple):
    momentum_buffer: Array  # B
    ortho: Array  # O_t = NS(U_t) of each matrix, laid out as the parameters
    scale: Array  # ρ of each coordinate's matrix
    step: int


def muon(
    lr: Scalar = 1e-3,
    weight_decay: Scalar = 0.1,
    momentum: Scalar = 0.95,
    nesterov: bool = True,
    ns_a: float = 3.4445,
    ns_b: float = -4.7750,
    ns_c: float = 2.0315,
    eps: Scalar = 1e-7,
    ns_steps: int = 5,
    match_rms_adamw: bool = False,
) -> Optimizer:
    r"""Muon: the momentum of each weight matrix, orthogonalised by Newton–Schulz iterations.

    .. math::
        B_t = \mu B_{t-1} + (1 - \mu) g_t,\quad
        U_t = (1 - \mu) g_t + \mu B_t \text{ (Nesterov) or } B_t,\\
        O_t = \mathrm{NS}_k(U_t / \max(\lVert U_t\rVert_F, \varepsilon)),\quad
        \theta_t = \theta_{t-1}(1 - \eta\lambda) - \eta\,\rho\,O_t

    per matrix, with NS's step X ← aX + (bA + cA²)X, A = XXᵀ, and ρ = √max(1, A/B) for an
    A × B matrix (0.2·√max(A, B) with ``match_rms_adamw``).

    Effective learning rate: ``η·ρ·‖O_t‖_F/‖U_t‖_F`` per parameter, the same for every
    coordinate of a matrix: the factor from the update U to the step (its direction turned by
    the orthogonalisation).

    Args:
        lr: η in [0, inf).
        weight_decay: decoupled λ in [0, inf).
        momentum: μ in [0, 1).
        nesterov: orthogonalise the Nesterov combination.
        ns_a: Newton–Schulz coefficient a (torch's ns_coefficients[0]).
        ns_b: coefficient b.
        ns_c: coefficient c.
        eps: ε in [0, inf), the floor of ‖U‖_F.
        ns_steps: k, Newton–Schulz iterations, a whole number in [0, 100).
        match_rms_adamw: torch's ``adjust_lr_fn="match_rms_adamw"``.

    Returns:
        An :class:`Optimizer`; unbound it treats the parameters as one 1 × d matrix per run.

    >>> opt = muon(lr=0.1, weight_decay=0.0, nesterov=False)
    >>> updates, state = opt.update(np.array([3.0, -4.0]), opt.init(np.zeros(2)), np.zeros(2))
    >>> np.round(updates / np.linalg.norm(updates), 12), round(float(np.linalg.norm(updates)), 4)
    (array([-0.6,  0.8]), 0.0696)

    References:
        Jordan et al., "Muon: an optimizer for hidden layers in neural networks", 2024;
        Liu et al., "Muon is scalable for LLM training", 2025.
    """
    h = validate(HYPERPARAMS, locals())
    mu, wd = h["momentum"], h["weight_decay"]
    coefficients = (h["ns_a"], h["ns_b"], h["ns_c"])

    def init(params: Array) -> MuonState:
        zeros = np.zeros(np.shape(params))
        return MuonState(zeros, zeros, zeros, 0)

    def stepper(blocks: Blocks | None) -> Optimizer:
        def step(grads: Array, state: MuonState, params: Array, lr: Scalar) -> Step:
            buf = lerp(state.momentum_buffer, grads, 1 - mu)
            u = lerp(grads, buf, mu) if h["nesterov"] else buf
            ortho, scale, gain = (np.empty(np.shape(u)) for _ in range(3))
            for where, shape in blocks or ((slice(None), (1, np.shape(u)[-1])),):
                o, rho, ratio = _block(u[..., where], shape, coefficients, h)
                ortho[..., where], scale[..., where], gain[..., where] = o, rho, ratio
            decayed = params if not np.any(wd) else params * (1 - lr * wd)
            new = decayed - lr * scale * ortho
            return Step(new - params, MuonState(buf, ortho, scale, state.step + 1), lr * gain)

        return Optimizer("muon", h, init, step, lambda oracle: stepper(oracle.blocks))

    return stepper(None)


def _block(
    u: Array, shape: tuple[int, ...], coefficients: tuple[float, float, float], h: dict
) -> tuple[Array, float, Array]:
    """One matrix's part of the step, for every run: (O flattened as ``u``, ρ, ‖O‖/‖U‖)."""
    matrix = shape if len(shape) == 2 else (1, math.prod(shape))
    lead = np.shape(u)[:-1]
    x = newton_schulz(u.reshape(*lead, *matrix), coefficients, h["ns_steps"], h["eps"])
    o = x.reshape(np.shape(u))
    a, b = matrix
    rho = 0.2 * math.sqrt(max(a, b)) if h["match_rms_adamw"] else math.sqrt(max(1, a / b))
    norm_u = np.linalg.norm(u, axis=-1, keepdims=True)
    ratio = rho * np.linalg.norm(o, axis=-1, keepdims=True) / np.maximum(norm_u, 1e-300)
    return o, rho, ratio


def newton_schulz(
    g: Array, coefficients: tuple[float, float, float], steps: int, eps: float
) -> Array:
    """torch's ``_zeropower_via_newtonschulz`` of matrices ``g`` (..., A, B), in float64.

    >>> x = newton_schulz(np.array([[3.0, 0.0], [0.0, 0.1]]), (3.4445, -4.7750, 2.0315), 5, 1e-7)
    >>> np.round(np.diag(x), 2)  # singular values 0.9994 and 0.033 (after scaling): both near 1
    array([0.7 , 1.13])
    """
    a, b, c = coefficients
    tall = g.shape[-2] > g.shape[-1]
    x = np.swapaxes(g, -1, -2) if tall else g
    norm = np.sqrt(np.sum(x * x, axis=(-2, -1), keepdims=True))
    x = x / np.maximum(norm, eps)
    for _ in range(steps):
        gram = x @ np.swapaxes(x, -1, -2)
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return np.swapaxes(x, -1, -2) if tall else x
