"""Rprop, as ``torch.optim.Rprop``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from .base import Array, Hyperparam, Optimizer, Scalar, Step, validate
from .description import Line, StateField
from .symbolic import Sym, cases, gt, maximum, minimum, sign

HYPERPARAMS = (
    hp.lr(),
    Hyperparam(
        "etaminus",
        "Shrink factor η₋ (etaminus)",
        low=0.0,
        low_inclusive=False,
        high=1.0,
        ui_range=(0.05, 0.95),
        help="Multiplies a coordinate's step size when its gradient changes sign "
        "(torch's etas[0]).",
        symbol=r"\eta_-",
    ),
    Hyperparam(
        "etaplus",
        "Growth factor η₊ (etaplus)",
        low=1.0,
        low_inclusive=False,
        ui_range=(1.01, 3.0),
        help="Multiplies a coordinate's step size when its gradient keeps its sign "
        "(torch's etas[1]).",
        symbol=r"\eta_+",
    ),
    Hyperparam(
        "step_size_min",
        "Smallest step size (step_size_min)",
        log=True,
        ui_range=(1e-12, 1e-1),
        help="Lower clamp of every step size (torch's step_sizes[0]).",
        symbol=r"\Delta_{\min}",
    ),
    Hyperparam(
        "step_size_max",
        "Largest step size (step_size_max)",
        log=True,
        ui_range=(1e-3, 1e3),
        help="Upper clamp of every step size (torch's step_sizes[1]).",
        symbol=r"\Delta_{\max}",
    ),
    hp.MAXIMIZE,
)


STATE = (
    StateField("prev", r"g^{\mathrm{prev}}", "g_prev (prev)"),
    StateField("step_size", r"\Delta", "Δ (step_size)", initial="lr"),
)
SWEEP_PARTNER = "etaplus"
NOTES = (
    "As `torch.optim.Rprop` (the iRprop⁻ variant): the step of each coordinate is its own step "
    "size Δ in the direction of −sign(g); a sign change shrinks Δ by η₋ and skips that "
    "coordinate for one step, a kept sign grows it by η₊. η only sets Δ's starting value, at "
    "the first step: as in torch, a learning-rate schedule changes nothing after that. torch's "
    "pairs `etas` and `step_sizes` are split into `etaminus`, `etaplus`, `step_size_min` and "
    "`step_size_max`. Keras and optax have no Rprop (optax's `rprop` is the same iRprop⁻ rule "
    "with `eta_minus`, `eta_plus`, `min_step_size`, `max_step_size`)."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines."""
    em, ep, lo, hi = r.symbols(HYPERPARAMS, "etaminus", "etaplus", "step_size_min", "step_size_max")
    prev, size = STATE
    s = Sym("s_t", "s_t")
    grown = size.prev * cases(gt(s, 0), ep, cases(gt(0, s), em, 1))
    return [
        r.gradient(h, HYPERPARAMS, coupled=False),
        Line(s, sign(r.G * prev.prev)),
        size.line(minimum(maximum(grown, lo), hi)),
        prev.line(cases(gt(0, s), 0, r.G)),
        r.theta(r.THETA_PREV - sign(prev.now) * size.now),
    ]


class RpropState(NamedTuple):
    prev: Array  # the previous step's gradient, zeroed where its sign flipped
    step_size: Array  # Δ per coordinate (the first step sets it to the η then in force)
    step: int


def rprop(
    lr: Scalar = 1e-2,
    etaminus: Scalar = 0.5,
    etaplus: Scalar = 1.2,
    step_size_min: Scalar = 1e-6,
    step_size_max: Scalar = 50.0,
    maximize: bool = False,
) -> Optimizer:
    r"""Rprop: a step of its own size per coordinate, grown while the gradient keeps its sign.

    .. math::
        s_t = \operatorname{sign}(g_t\, g^{\mathrm{prev}}_{t-1}),\quad
        \Delta_t = \operatorname{clamp}\big(\Delta_{t-1}\cdot
            \{\eta_+ \text{ if } s_t > 0;\ \eta_- \text{ if } s_t < 0;\ 1\},\
            \Delta_{\min}, \Delta_{\max}\big),\\
        g^{\mathrm{prev}}_t = 0 \text{ where } s_t < 0 \text{ else } g_t,\quad
        \theta_t = \theta_{t-1} - \operatorname{sign}(g^{\mathrm{prev}}_t)\,\Delta_t

    with Δ₀ = η (the learning rate in force at the first step; as in torch, later changes of
    the learning rate have no effect). This is iRprop⁻ (Igel & Hüsken): no weight backtracking.

    Effective learning rate: the step size ``Δ_t`` per parameter, the length of the step along
    −sign(g) (its gain with respect to the gradient is Δ_t/|g_t|, which `realized_gain` shows);
    Δ_t is also reported on the steps where a sign change skips the coordinate.

    Args:
        lr: η in [0, inf), the initial step size.
        etaminus: shrink factor η₋ in (0, 1).
        etaplus: growth factor η₊ in (1, inf).
        step_size_min: Δ_min in [0, inf).
        step_size_max: Δ_max in [0, inf) (as torch's clamp, Δ_max wins if below Δ_min).
        maximize: ascend instead of descend.

    Returns:
        An :class:`Optimizer`.

    >>> opt = rprop(lr=0.1)
    >>> state = opt.init(np.zeros(2))
    >>> updates, state = opt.update(np.array([3.0, -0.5]), state, np.zeros(2))
    >>> updates
    array([-0.1,  0.1])
    >>> updates, state = opt.update(np.array([2.0, 0.5]), state, np.zeros(2))
    >>> updates, state.step_size
    (array([-0.12,  0.  ]), array([0.12, 0.05]))

    References:
        Riedmiller & Braun, "A direct adaptive method for faster backpropagation learning: the
        RPROP algorithm", ICNN 1993; Igel & Hüsken, "Improving the Rprop learning algorithm",
        2000.
    """
    h = validate(HYPERPARAMS, locals())
    em, ep, lo, hi = (h[k] for k in ("etaminus", "etaplus", "step_size_min", "step_size_max"))

    def init(params: Array) -> RpropState:
        zeros = np.zeros(np.shape(params))
        return RpropState(zeros, zeros + h["lr"], 0)

    def step(grads: Array, state: RpropState, params: Array, lr: Scalar) -> Step:
        g = -grads if h["maximize"] else grads
        # torch sets Δ to the learning rate when it creates the state, at the first step
        size = state.step_size if state.step else np.zeros(np.shape(g)) + lr
        s = np.sign(g * state.prev)
        factor = np.where(s > 0, ep, np.where(s < 0, em, 1.0))
        size = np.minimum(np.maximum(size * factor, lo), hi)  # torch's clamp_(min, max)
        g = np.where(s < 0, 0.0, g)
        updates = -(np.sign(g) * size)
        return Step(updates, RpropState(g, size, state.step + 1), size)

    return Optimizer("rprop", h, init, step)
