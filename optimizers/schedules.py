"""Learning-rate schedules: a multiplier of the base learning rate for each step.

A schedule maps the 0-based step count k (k = t − 1 for step t, as torch's schedulers and optax
count) to a factor; the run loop multiplies each optimizer's base ``lr`` by it.

>>> get("step", step_size=2, gamma=0.5).factors(5)
array([1.  , 1.  , 0.5 , 0.5 , 0.25])

The schedules named after ``torch.optim.lr_scheduler`` classes give the same values, step for
step (tests/optimizers/test_torch_live.py runs both), with these conventions:

- The optimizer's ``lr`` is the schedule's top: OneCycleLR's and CyclicLR's ``max_lr``, and the
  base lr of the others. Floors that torch takes as learning rates are fractions of it here
  (``min_factor`` is torch's ``eta_min / lr``, ``base_factor`` is CyclicLR's
  ``base_lr / max_lr``), so one schedule serves optimizers of very different ``lr`` and every run
  of a learning-rate sweep; the values are torch's up to rounding.
- Where torch needs the length of training (OneCycleLR's ``total_steps``, the cosine part of a
  warm-up chain) it is the run's number of steps.
- Torch's OneCycleLR and CyclicLR also cycle the momentum (or β₁) by default
  (``cycle_momentum=True``); these schedules change the learning rate only, as torch does with
  ``cycle_momentum=False``.
- Categorical options are separate names: ``onecycle_linear`` is ``anneal_strategy="linear"``,
  ``*_three_phase`` is ``three_phase=True``, ``cyclic_triangular2`` and ``cyclic_exp_range`` are
  CyclicLR's modes, ``plateau_abs`` is ReduceLROnPlateau's ``threshold_mode="abs"``.
- ``plateau`` (ReduceLROnPlateau, ``mode="min"``) reacts to the loss: the run loop feeds each
  run's own loss at the point of each step's gradient, after that step, as a training loop calls
  ``scheduler.step(loss)``; each run of a batch has its own learning rate. ``min_lr`` and
  ``eps`` are learning rates, as in torch (not fractions).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .base import Hyperparam

_Rule = Callable[[np.ndarray, int, dict[str, float]], np.ndarray]
_LrRule = Callable[[np.ndarray, int, dict[str, float], Any], np.ndarray]

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
        lambda k, n, p: _LR_RULES["cosine"](k, n, p, 1.0),
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


def _steps_param(name: str, label: str, low: float = 1, ui: tuple[float, float] = (1, 1000)):
    return Hyperparam(name, label, low=low, ui_range=ui)


_FRACTION = {"high": 1.0, "high_inclusive": True, "ui_range": (0.0, 1.0)}
MIN_FACTOR = Hyperparam(
    "min_factor",
    "Floor as a fraction of η (min_factor)",
    help="torch's eta_min / lr.",
    **_FRACTION,
)
PCT_START = Hyperparam(
    "pct_start",
    "Share of the steps rising (pct_start)",
    help="torch's pct_start. Only the learning rate is scheduled: torch's OneCycleLR also cycles "
    "momentum or β₁ (cycle_momentum=True by default); here they stay as set.",
    **_FRACTION,
)
DIV_FACTOR = Hyperparam(
    "div_factor",
    "Start divisor (div_factor)",
    low_inclusive=False,
    ui_range=(1.0, 1000.0),
    help="The first step's learning rate is η / div_factor.",
)
FINAL_DIV_FACTOR = Hyperparam(
    "final_div_factor",
    "Final divisor (final_div_factor)",
    low_inclusive=False,
    log=True,
    ui_range=(1.0, 1e6),
    help="The last step's learning rate is η / (div_factor · final_div_factor).",
)
BASE_FACTOR = Hyperparam(
    "base_factor",
    "Bottom as a fraction of η (base_factor)",
    help="torch's base_lr / max_lr; η is max_lr. Only the learning rate cycles: torch's "
    "CyclicLR also cycles momentum or β₁ (cycle_momentum=True by default); here they stay as set.",
    **_FRACTION,
)
STEP_SIZE_UP = _steps_param("step_size_up", "Steps rising (step_size_up)")
STEP_SIZE_DOWN = _steps_param("step_size_down", "Steps falling (step_size_down)", low=0)
START_FACTOR = Hyperparam(
    "start_factor",
    "First factor (start_factor)",
    low_inclusive=False,
    high=1.0,
    high_inclusive=True,
    ui_range=(0.01, 1.0),
)
WHOLE = {  # parameters that count steps (Hyperparam's float kind keeps the widgets' floats)
    "step_size",
    "warmup_steps",
    "step_size_up",
    "step_size_down",
    "T_0",
    "T_mult",
    "total_iters",
    "patience",
    "cooldown",
}


def _cos(x: np.ndarray) -> np.ndarray:
    """``math.cos`` of each element, as torch's schedulers compute it: near a cosine schedule's
    end 1 + cos(x) cancels, and an ulp of difference between libm's and numpy's cosine would
    show as a relative difference of 1e-11 in the learning rate."""
    x = np.asarray(x, dtype=float)
    return np.fromiter(map(math.cos, x.ravel().tolist()), float, x.size).reshape(x.shape)


def _phases_fraction(k: np.ndarray, start: float, end: float) -> np.ndarray:
    """(k − start) / (end − start); 1 for a phase of no length (where torch divides by zero)."""
    if end == start:
        return np.ones_like(k)
    return (k - start) / (end - start)


def _one_cycle(linear: bool, three_phase: bool) -> _LrRule:
    """OneCycleLR(max_lr=lr, total_steps=the run's steps), in torch's arithmetic."""

    def anneal(start: Any, end: Any, pct: np.ndarray) -> np.ndarray:
        if linear:
            return (end - start) * pct + start
        return end + (start - end) / 2.0 * (_cos(math.pi * pct) + 1)

    def rule(k: np.ndarray, n: int, p: dict[str, float], lr: Any) -> np.ndarray:
        initial = lr / p["div_factor"]
        low = initial / p["final_div_factor"]
        pct = p["pct_start"]
        if three_phase:
            phases = [
                (float(pct * n) - 1, initial, lr),
                (float(2 * pct * n) - 2, lr, initial),
                (n - 1, initial, low),
            ]
        else:
            phases = [(float(pct * n) - 1, initial, lr), (n - 1, lr, low)]
        out = np.zeros(np.broadcast_shapes(k.shape, np.shape(lr)))
        done = np.zeros(k.shape, dtype=bool)
        start = 0.0
        for i, (end, a, b) in enumerate(phases):
            here = ~done & ((k <= end) | (i == len(phases) - 1))
            out = np.where(here, anneal(a, b, _phases_fraction(k, start, end)), out)
            done |= here
            start = end
        return out

    return rule


def _cyclic(mode: str) -> _LrRule:
    """CyclicLR(base_lr=base_factor·lr, max_lr=lr), in torch's arithmetic."""

    def rule(k: np.ndarray, n: int, p: dict[str, float], lr: Any) -> np.ndarray:
        up, down = p["step_size_up"], p["step_size_down"]
        total = up + down
        ratio = up / total
        cycle = np.floor(1 + k / total)
        x = 1.0 + k / total - cycle
        with np.errstate(divide="ignore", invalid="ignore"):  # ratio = 1: the branch unused
            scale = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        if mode == "triangular":
            fn = 1.0
        elif mode == "triangular2":
            fn = 1 / (2.0 ** (cycle - 1))
        else:
            fn = p["gamma"] ** k
        base = p["base_factor"] * lr
        return base + (lr - base) * scale * fn

    return rule


def _cosine(k: np.ndarray, n: int, p: dict[str, float], lr: Any) -> np.ndarray:
    """CosineAnnealingLR(T_max=the run's steps, eta_min=min_factor·lr), closed form."""
    floor = p["min_factor"] * lr
    return floor + (lr - floor) * (1 + _cos(math.pi * k / max(n, 1))) / 2


def _warm_restarts(k: np.ndarray, n: int, p: dict[str, float], lr: Any) -> np.ndarray:
    """CosineAnnealingWarmRestarts: T_cur counts steps since the restart, T_i the period."""
    period, mult = int(p["T_0"]), int(p["T_mult"])
    t_cur, t_i = np.empty(len(k)), np.empty(len(k))
    cur = 0
    for j in range(len(k)):
        t_cur[j], t_i[j] = cur, period
        cur += 1
        if cur >= period:  # as torch's step(): integers, so no rounding drift
            cur %= period
            period *= mult
    shape = k.shape
    floor = p["min_factor"] * lr
    return floor + (lr - floor) * (1 + _cos(math.pi * t_cur / t_i).reshape(shape)) / 2


def _warmup_cosine(k: np.ndarray, n: int, p: dict[str, float], lr: Any) -> np.ndarray:
    """SequentialLR([LinearLR(start_factor, 1, total_iters=m), CosineAnnealingLR(T_max=n − m,
    eta_min=min_factor·lr)], milestones=[m])."""
    m, start = p["warmup_steps"], p["start_factor"]
    warm = lr * (start + (1.0 - start) * np.minimum(m, k) / m)
    floor = p["min_factor"] * lr
    cos = floor + (lr - floor) * (1 + _cos(math.pi * (k - m) / max(n - m, 1))) / 2
    return np.where(k < m, warm, cos)


# schedules whose floor or bottom is a learning rate in torch: computed from the lr itself, in
# torch's order of operations, rather than as a factor times lr
_LR_RULES: dict[str, _LrRule] = {
    "cosine": _cosine,
    "onecycle": _one_cycle(linear=False, three_phase=False),
    "onecycle_linear": _one_cycle(linear=True, three_phase=False),
    "onecycle_three_phase": _one_cycle(linear=False, three_phase=True),
    "onecycle_linear_three_phase": _one_cycle(linear=True, three_phase=True),
    "cyclic": _cyclic("triangular"),
    "cyclic_triangular2": _cyclic("triangular2"),
    "cyclic_exp_range": _cyclic("exp_range"),
    "cosine_warm_restarts": _warm_restarts,
    "warmup_cosine": _warmup_cosine,
}


def _from_lr(name: str) -> _Rule:
    return lambda k, n, p: _LR_RULES[name](k, n, p, 1.0)


_PLATEAU = (
    Hyperparam(
        "factor",
        "Cut factor (factor)",
        high=1.0,
        ui_range=(0.0, 0.99),
        help="new lr = lr · factor when the loss stops improving.",
    ),
    _steps_param("patience", "Patience in steps (patience)", low=0),
    Hyperparam(
        "threshold",
        "Improvement threshold (threshold)",
        log=True,
        ui_range=(1e-8, 1.0),
        help="A loss counts as better below best · (1 − threshold) "
        "(plateau_abs: below best − threshold).",
    ),
    _steps_param("cooldown", "Cooldown steps (cooldown)", low=0),
    Hyperparam(
        "min_lr",
        "Smallest learning rate (min_lr)",
        ui_range=(0.0, 1.0),
        help="A learning rate, not a fraction of η, as in torch.",
    ),
    Hyperparam(
        "eps",
        "Smallest cut (eps)",
        log=True,
        ui_range=(1e-12, 1e-2),
        help="A cut of the learning rate smaller than eps is skipped (a learning rate, as torch).",
    ),
)
_PLATEAU_DEFAULTS = {
    "factor": 0.1,
    "patience": 10,
    "threshold": 1e-4,
    "cooldown": 0,
    "min_lr": 0.0,
    "eps": 1e-8,
}
_ONE_CYCLE = (PCT_START, DIV_FACTOR, FINAL_DIV_FACTOR)
_ONE_CYCLE_DEFAULTS = {"pct_start": 0.3, "div_factor": 25.0, "final_div_factor": 1e4}
_CYCLIC = (BASE_FACTOR, STEP_SIZE_UP, STEP_SIZE_DOWN)
_CYCLIC_DEFAULTS = {"base_factor": 0.1, "step_size_up": 50, "step_size_down": 50}
_ONE_CYCLE_NOTE = ", lr only: momentum not cycled (torch cycles it by default)"

_SPECS |= {
    "onecycle": (
        "One-cycle (OneCycleLR, cosine)" + _ONE_CYCLE_NOTE,
        _ONE_CYCLE,
        _ONE_CYCLE_DEFAULTS,
        _from_lr("onecycle"),
    ),
    "onecycle_linear": (
        "One-cycle (OneCycleLR, linear)" + _ONE_CYCLE_NOTE,
        _ONE_CYCLE,
        _ONE_CYCLE_DEFAULTS,
        _from_lr("onecycle_linear"),
    ),
    "onecycle_three_phase": (
        "One-cycle, three phases (OneCycleLR, cosine)" + _ONE_CYCLE_NOTE,
        _ONE_CYCLE,
        _ONE_CYCLE_DEFAULTS,
        _from_lr("onecycle_three_phase"),
    ),
    "onecycle_linear_three_phase": (
        "One-cycle, three phases (OneCycleLR, linear)" + _ONE_CYCLE_NOTE,
        _ONE_CYCLE,
        _ONE_CYCLE_DEFAULTS,
        _from_lr("onecycle_linear_three_phase"),
    ),
    "cyclic": (
        "Cyclic, triangular (CyclicLR)" + _ONE_CYCLE_NOTE,
        _CYCLIC,
        _CYCLIC_DEFAULTS,
        _from_lr("cyclic"),
    ),
    "cyclic_triangular2": (
        "Cyclic, halving each cycle (CyclicLR triangular2)" + _ONE_CYCLE_NOTE,
        _CYCLIC,
        _CYCLIC_DEFAULTS,
        _from_lr("cyclic_triangular2"),
    ),
    "cyclic_exp_range": (
        "Cyclic, × γ^k (CyclicLR exp_range)" + _ONE_CYCLE_NOTE,
        (
            *_CYCLIC,
            Hyperparam(
                "gamma",
                "Amplitude decay per step γ (gamma)",
                low_inclusive=False,
                high=1.0,
                high_inclusive=True,
                ui_range=(0.9, 1.0),
            ),
        ),
        {**_CYCLIC_DEFAULTS, "gamma": 0.99},
        _from_lr("cyclic_exp_range"),
    ),
    "cosine_warm_restarts": (
        "Cosine with warm restarts (CosineAnnealingWarmRestarts)",
        (
            _steps_param("T_0", "Steps to the first restart T₀ (T_0)"),
            _steps_param("T_mult", "Period growth factor (T_mult)", ui=(1, 10)),
            MIN_FACTOR,
        ),
        {"T_0": 50, "T_mult": 1, "min_factor": 0.0},
        _from_lr("cosine_warm_restarts"),
    ),
    "polynomial": (
        "Polynomial decay to 0 (PolynomialLR)",
        (
            _steps_param("total_iters", "Steps of decay (total_iters)"),
            Hyperparam("power", "Power p (power)", ui_range=(0.0, 5.0)),
        ),
        {"total_iters": 100, "power": 1.0},
        lambda k, n, p: (1.0 - np.minimum(p["total_iters"], k) / p["total_iters"]) ** p["power"],
    ),
    "linear": (
        "Linear ramp between two factors (LinearLR)",
        (
            START_FACTOR,
            Hyperparam("end_factor", "Last factor (end_factor)", **_FRACTION),
            _steps_param("total_iters", "Steps of the ramp (total_iters)"),
        ),
        {"start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5},
        lambda k, n, p: (
            p["start_factor"]
            + (p["end_factor"] - p["start_factor"])
            * np.minimum(p["total_iters"], k)
            / p["total_iters"]
        ),
    ),
    "warmup_cosine": (
        "Linear warm-up, then cosine to a floor (SequentialLR: LinearLR, CosineAnnealingLR)",
        (
            START_FACTOR,
            _steps_param("warmup_steps", "Warm-up steps, the milestone (warmup_steps)"),
            MIN_FACTOR,
        ),
        {"start_factor": 0.1, "warmup_steps": 20, "min_factor": 0.0},
        _from_lr("warmup_cosine"),
    ),
    "plateau": (
        "Cut when the loss stalls (ReduceLROnPlateau)",
        _PLATEAU,
        _PLATEAU_DEFAULTS,
        lambda k, n, p: np.ones_like(k),  # the run loop applies it: see Schedule.plateau_step
    ),
    "plateau_abs": (
        "Cut when the loss stalls, absolute threshold (ReduceLROnPlateau)",
        _PLATEAU,
        _PLATEAU_DEFAULTS,
        lambda k, n, p: np.ones_like(k),
    ),
}


class PlateauState(NamedTuple):
    """ReduceLROnPlateau's state for each run of a batch (mode ``min``)."""

    lr: np.ndarray  # (*batch, 1): the learning rate in force
    best: np.ndarray  # (*batch,): the best loss so far
    num_bad_epochs: np.ndarray  # (*batch,)
    cooldown_counter: np.ndarray  # (*batch,)


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
        """The multiplier of the base learning rate for steps 1..steps, shape ``(steps,)``
        (ones for a schedule that reacts to the loss: see :meth:`plateau_step`)."""
        k = np.arange(steps, dtype=float)
        return np.asarray(_SPECS[self.name][3](k, steps, dict(self.params)), dtype=float)

    def lrs(self, steps: int, lr: Any) -> np.ndarray:
        """The learning rate of steps 1..steps for base learning rate ``lr`` (a number, or an
        array of one value per run), shape ``(steps, *np.shape(lr))``; the schedules whose
        floor torch takes as a learning rate compute it as torch does, from ``lr``.

        >>> get("cyclic", base_factor=0.5, step_size_up=2, step_size_down=2).lrs(5, 0.1)
        array([0.05 , 0.075, 0.1  , 0.075, 0.05 ])
        """
        k = np.arange(steps, dtype=float).reshape((steps,) + (1,) * np.ndim(lr))
        if self.name in _LR_RULES:
            out = _LR_RULES[self.name](k, steps, dict(self.params), lr)
            return np.broadcast_to(out, (steps, *np.shape(lr))).astype(float)
        return self.factors(steps).reshape(k.shape) * lr

    @property
    def reacts_to_loss(self) -> bool:
        """True for ReduceLROnPlateau: the run loop feeds it each run's loss."""
        return self.name in ("plateau", "plateau_abs")

    def plateau_start(self, lr: np.ndarray | float, batch: tuple[int, ...]) -> PlateauState:
        """The state before the first step, for runs of ``batch`` starting at ``lr``."""
        return PlateauState(
            np.broadcast_to(lr, (*batch, 1)).astype(float),
            np.full(batch, np.inf),
            np.zeros(batch, dtype=int),
            np.zeros(batch, dtype=int),
        )

    def plateau_step(self, state: PlateauState, loss: np.ndarray) -> PlateauState:
        """``ReduceLROnPlateau.step(loss)`` for every run at once (``loss`` shape (*batch,)):
        the learning rate of the next step is ``state.lr`` of the result.

        >>> s = get("plateau", patience=1, factor=0.5)
        >>> state = s.plateau_start(1.0, (2,))
        >>> for loss in ([3.0, 3.0], [2.0, 3.0], [2.0, 3.0]):
        ...     state = s.plateau_step(state, np.array(loss))
        >>> state.lr.ravel()  # run 2 had two steps without improvement: more than patience
        array([1. , 0.5])
        """
        p = dict(self.params)
        threshold = p["threshold"]
        loss = np.asarray(loss, dtype=float)
        with np.errstate(invalid="ignore"):  # inf · 0 when threshold = 1: never better, as torch
            if self.name == "plateau":
                better = loss < state.best * (1.0 - threshold)
            else:
                better = loss < state.best - threshold
        best = np.where(better, loss, state.best)
        bad = np.where(better, 0, state.num_bad_epochs + 1)
        cooling = state.cooldown_counter > 0
        cooldown = np.where(cooling, state.cooldown_counter - 1, state.cooldown_counter)
        bad = np.where(cooling, 0, bad)
        cut = bad > p["patience"]
        old = state.lr[..., 0]
        new = np.maximum(old * p["factor"], p["min_lr"])
        lr = np.where(cut & (old - new > p["eps"]), new, old)[..., None]
        cooldown = np.where(cut, int(p["cooldown"]), cooldown)
        bad = np.where(cut, 0, bad)
        return PlateauState(lr, best, bad, cooldown)


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
    for key in WHOLE & set(checked):
        if not float(checked[key]).is_integer():
            raise ValueError(f"{key} must be a whole number of steps; got {checked[key]}")
    return Schedule(name, tuple((k, float(v)) for k, v in checked.items()))


def _entry(name: str):
    try:
        return _SPECS[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name such as a list
        raise KeyError(f"unknown schedule {name!r}; choose from: {', '.join(_SPECS)}") from None


__all__ = ["PlateauState", "Schedule", "defaults", "get", "hyperparams", "names"]
