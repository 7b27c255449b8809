"""Hyperparameter specs shared by several optimizers: one definition each, with the plain-words
label and symbol the dashboard shows."""

from __future__ import annotations

from .base import Hyperparam

UNIT = {"high": 1.0}  # [0, 1)


def lr(ui_range: tuple[float, float] = (1e-5, 10.0)) -> Hyperparam:
    return Hyperparam(
        "lr",
        "Learning rate η (lr)",
        log=True,
        ui_range=ui_range,
        help="Scales every step.",
        symbol=r"\eta",
    )


def eps(ui_range: tuple[float, float] = (1e-16, 1e-2)) -> Hyperparam:
    return Hyperparam(
        "eps",
        "Stabiliser ε (eps)",
        log=True,
        ui_range=ui_range,
        help="Added to the denominator so that it is never zero.",
        symbol=r"\varepsilon",
    )


def beta(name: str, what: str, symbol: str, tex: str) -> Hyperparam:
    """A decay rate in [0, 1): ``symbol`` in plain text for its label, ``tex`` in LaTeX."""
    return Hyperparam(name, f"{what} {symbol} ({name})", ui_range=(0.0, 0.9999), symbol=tex, **UNIT)


BETA1 = beta("beta1", "First-moment decay", "β₁", r"\beta_1")
BETA2 = beta("beta2", "Second-moment decay", "β₂", r"\beta_2")
MOMENTUM = Hyperparam(
    "momentum",
    "Momentum μ (momentum)",
    ui_range=(0.0, 0.999),
    **UNIT,
    help="Fraction of the previous step carried into the next.",
    symbol=r"\mu",
)
WEIGHT_DECAY = Hyperparam(
    "weight_decay",
    "Weight decay λ (weight_decay)",
    ui_range=(0.0, 1.0),
    help="Pulls parameters towards zero.",
    symbol=r"\lambda",
)
MAXIMIZE = Hyperparam("maximize", "Maximise instead of minimise (maximize)", kind=bool)
DECOUPLED = Hyperparam(
    "decoupled_weight_decay",
    "Decoupled weight decay (AdamW style)",
    kind=bool,
    help="θ ← θ·(1 − lr·λ) instead of adding λ·θ to the gradient.",
)
EPS_INSIDE_SQRT = Hyperparam(
    "eps_inside_sqrt",
    "ε inside the square root (textbook variant)",
    kind=bool,
    help="Use √(v + ε) as many tutorials write, instead of torch's √v + ε.",
)

__all__ = [
    "BETA1",
    "BETA2",
    "DECOUPLED",
    "EPS_INSIDE_SQRT",
    "MAXIMIZE",
    "MOMENTUM",
    "WEIGHT_DECAY",
    "beta",
    "eps",
    "lr",
]
