"""Learning-rate schedules: a multiplier of the base learning rate for each step.

A schedule maps the 0-based step count k (k = t − 1 for step t, as torch's schedulers and optax
count) to a factor; the run loop multiplies each optimizer's base ``lr`` by it.

>>> get("step", step_size=2, gamma=0.5).factors(5)
array([1.  , 1.  , 0.5 , 0.5 , 0.25])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .base import Hyperparam

_Rule = Callable[[np.ndarray, int, dict[str, float]], np.ndarray]

_SPECS: dict[str, tuple[str, tuple[Hyperparam, ...], dict[str, float], _Rule]] = {
    "constant": ("Constant", (), {}, lambda k, n, p: np.ones_like(k, dtype=float)),
    "step": (
        "Step decay: × γ every N steps",
        (
            Hyperparam("step_size", "Steps between drops N (step_size)", low=1, ui_range=(1, 1000)),
            Hyperparam(
                "gamma",
                "Drop factor γ (gamma)",
                high=1.0,
                high_inclusive=True,
                low_inclusive=False,
                ui_range=(0.01, 1.0),
            ),
        ),
        {"step_size": 100, "gamma": 0.5},
        lambda k, n, p: p["gamma"] ** np.floor(k / p["step_size"]),
    ),
    "exponential": (
        "Exponential: × γ every step",
        (
            Hyperparam(
                "gamma",
                "Decay per step γ (gamma)",
                high=1.0,
                high_inclusive=True,
                low_inclusive=False,
                ui_range=(0.9, 1.0),
            ),
        ),
        {"gamma": 0.99},
        lambda k, n, p: p["gamma"] ** k,
    ),
    "cosine": (
        "Cosine annealing to a floor",
        (
            Hyperparam(
                "min_factor",
                "Final fraction of η (min_factor)",
                high=1.0,
                high_inclusive=True,
                ui_range=(0.0, 1.0),
            ),
        ),
        {"min_factor": 0.0},
        lambda k, n, p: (
            p["min_factor"] + (1 - p["min_factor"]) * 0.5 * (1 + np.cos(np.pi * k / max(n, 1)))
        ),
    ),
    "warmup": (
        "Linear warm-up, then constant",
        (Hyperparam("warmup_steps", "Warm-up steps (warmup_steps)", low=1, ui_range=(1, 1000)),),
        {"warmup_steps": 20},
        lambda k, n, p: np.minimum(1.0, (k + 1) / p["warmup_steps"]),
    ),
    "inverse_time": (
        "1/t decay: η / (1 + d·k)",
        (Hyperparam("decay", "Decay rate d (decay)", ui_range=(0.0, 1.0)),),
        {"decay": 0.01},
        lambda k, n, p: 1.0 / (1.0 + p["decay"] * k),
    ),
}


@dataclass(frozen=True)
class Schedule:
    """A named schedule with its parameters; hashable, so it can key a cache."""

    name: str = "constant"
    params: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        _entry(self.name)  # an unknown name fails here, listing the choices, not in `factors`

    @property
    def title(self) -> str:
        return _SPECS[self.name][0]

    def factors(self, steps: int) -> np.ndarray:
        """The multiplier of the base learning rate for steps 1..steps, shape ``(steps,)``."""
        k = np.arange(steps, dtype=float)
        return np.asarray(_SPECS[self.name][3](k, steps, dict(self.params)), dtype=float)


def names() -> list[str]:
    """Schedule names, in display order."""
    return list(_SPECS)


def hyperparams(name: str) -> tuple[Hyperparam, ...]:
    """The parameters a schedule takes (for building controls)."""
    return _entry(name)[1]


def defaults(name: str) -> dict[str, float]:
    return dict(_entry(name)[2])


def get(name: str = "constant", **params: float) -> Schedule:
    """Build a validated schedule; unknown names raise ``KeyError``, bad values ``ValueError``."""
    _title, specs, default, _rule = _entry(name)
    unknown = set(params) - set(default)
    if unknown:
        raise TypeError(
            f"schedule '{name}' got an unexpected parameter {sorted(unknown)[0]!r}; "
            f"it takes: {', '.join(default) or 'none'}"
        )
    values = {**default, **params}
    checked = {s.name: s.validate(values[s.name], scalar=True) for s in specs}
    for key in ("step_size", "warmup_steps"):
        if key in checked and not float(checked[key]).is_integer():
            raise ValueError(f"{key} must be a whole number of steps; got {checked[key]}")
    return Schedule(name, tuple((k, float(v)) for k, v in checked.items()))


def _entry(name: str):
    try:
        return _SPECS[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name such as a list
        raise KeyError(f"unknown schedule {name!r}; choose from: {', '.join(_SPECS)}") from None


__all__ = ["Schedule", "defaults", "get", "hyperparams", "names"]
