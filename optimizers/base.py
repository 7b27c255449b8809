"""The optimizer type, its step result, and hyperparameter validation shared by every optimizer.

An optimizer is a pair of pure functions in the optax style, ``init(params) -> state`` and
``step(grads, state, params, lr) -> Step``, plus the validated hyperparameters they close over.
States are small ``NamedTuple``s whose field names follow ``torch.optim``'s state keys
(``exp_avg``, ``square_avg``, ``momentum_buffer`` ...), so what a student sees in the dashboard is
what ``optimizer.state`` shows in torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray
Scalar = float | Array


class Step(NamedTuple):
    """What one optimizer step produces.

    ``updates`` is added to the parameters by the caller; ``lr_eff`` is the per-parameter effective
    learning rate of this step (see each optimizer's docstring for its definition).
    """

    updates: Array
    state: Any
    lr_eff: Array


@dataclass(frozen=True)
class Hyperparam:
    """A hyperparameter's valid range and its description for people.

    ``low``/``high`` bound the valid values; ``kind`` is ``float`` or ``bool``. ``label`` names
    it in plain words with its symbol, ``log`` says whether a UI should place it on a log scale, and
    ``ui_range`` is the range a slider should offer (narrower than the valid range).
    """

    name: str
    label: str
    kind: type = float
    low: float = 0.0
    high: float = math.inf
    low_inclusive: bool = True
    high_inclusive: bool = False
    log: bool = False
    ui_range: tuple[float, float] | None = None
    help: str = ""

    def interval(self) -> str:
        """The valid range in interval notation, e.g. ``[0, 1)``."""
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive and math.isfinite(self.high) else ")"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def validate(self, value: Any) -> Any:
        """Return ``value`` as a float, float array or bool; ``ValueError`` if it is invalid."""
        if self.kind is bool:
            if isinstance(value, bool | np.bool_):
                return bool(value)
            raise ValueError(f"{self.name} must be True or False; got {value!r}")
        try:
            if value is None or isinstance(value, str | bytes | bool | np.bool_):
                raise TypeError
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"{self.name} must be a number in {self.interval()}; got {value!r}"
            ) from None
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(arr)
            ok &= (arr >= self.low) if self.low_inclusive else (arr > self.low)
            ok &= (arr <= self.high) if self.high_inclusive else (arr < self.high)
        if not ok.all():
            bad = arr[~ok].flat[0] if arr.ndim else arr
            where = "" if arr.ndim == 0 else f" (at index {np.argwhere(~ok)[0].tolist()})"
            raise ValueError(
                f"{self.name} must be in {self.interval()}; got {_fmt(float(bad))}{where}"
            )
        if arr.ndim == 0:
            return float(arr)
        arr = arr.copy()
        arr.flags.writeable = False
        return arr


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}" if x == x else "nan"


def validate(specs: tuple[Hyperparam, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every hyperparameter of an optimizer factory's arguments against its specs."""
    missing = {s.name for s in specs} ^ set(values)
    if missing:  # a programming error in an optimizer file, not a user error
        raise AssertionError(f"hyperparameter specs and signature differ: {sorted(missing)}")
    return {s.name: s.validate(values[s.name]) for s in specs}


def is_zero(x: Scalar) -> bool:
    """True when a (possibly array) hyperparameter is zero everywhere: its branch can be skipped."""
    return not np.any(x)


@dataclass(frozen=True, eq=False)
class Optimizer:
    """A gradient-descent optimizer: validated hyperparameters plus pure ``init`` and ``step``.

    ``update(grads, state, params)`` is the optax-style entry point; ``step`` also takes the
    learning rate in force (so the run loop can apply a schedule) and returns the effective
    learning rate. Neither mutates its inputs.
    """

    name: str
    hyperparams: Mapping[str, Any]
    init: Callable[[Array], Any] = field(repr=False)
    step: Callable[[Array, Any, Array, Scalar], Step] = field(repr=False)

    def update(self, grads: Array, state: Any, params: Array) -> tuple[Array, Any]:
        """One step at the optimizer's own learning rate: ``(updates, new_state)``."""
        result = self.step(grads, state, params, self.hyperparams["lr"])
        return result.updates, result.state

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Broadcast shape of the array-valued hyperparameters (``()`` when all are scalars)."""
        shapes = [np.shape(v) for v in self.hyperparams.values() if isinstance(v, np.ndarray)]
        return np.broadcast_shapes(*shapes) if shapes else ()
