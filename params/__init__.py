"""A declared number: its name, plain-words label, symbol, kind and valid range, and its check.

One :class:`Param` describes every number a user can set: an optimizer's hyperparameters, a
surface's parameters, a schedule's, and the setup's steps, noise, seed and tolerance. Widgets take
their limits from it, links and uploads are checked by it, and its error says what is wrong in
one way everywhere: the name, the valid range and the value received.

>>> KAPPA = Param("kappa", "Condition number κ (kappa)", symbol=r"\\kappa", low=1.0, high=1e6,
...               high_inclusive=True, log=True)
>>> KAPPA.validate(50)
50.0
>>> KAPPA.validate(0.5)
Traceback (most recent call last):
...
ValueError: kappa must be in [1, 1e+06]; got 0.5
>>> Param("steps", "Steps", kind=int, low=1, high=5000, high_inclusive=True).validate(8.0)
8

Imports numpy only.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Param", "validate_all"]


@dataclass(frozen=True)
class Param:
    """A number (or switch) a user may set, with its valid range and how to present it.

    Attributes:
        name: the keyword, e.g. ``"beta1"``.
        label: plain words with the symbol, e.g. ``"First-moment decay β₁ (beta1)"``.
        symbol: LaTeX of the symbol the equations use, e.g. ``r"\\beta_1"`` (empty: none).
        kind: ``float``, ``int`` (whole numbers; ``8.0`` is accepted as 8) or ``bool``.
        low, high, low_inclusive, high_inclusive: the valid range.
        log: whether a control should place it on a log scale.
        ui_range: the span a slider offers first (inside the valid range); a valid value
            outside it is still accepted everywhere.
        help: one sentence for a tooltip.
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
    symbol: str = ""

    @property
    def short_label(self) -> str:
        """The label without its trailing ``(name)``: ``"First-moment decay β₁"``."""
        tail = f" ({self.name})"
        return self.label[: -len(tail)] if self.label.endswith(tail) else self.label

    def interval(self) -> str:
        """The valid range in interval notation, e.g. ``[0, 1)``."""
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive and math.isfinite(self.high) else ")"
        ends = [self.low, self.high]
        if self.kind is int:  # whole numbers exactly: [0, 4294967295], not [0, 4.29497e+09]
            ends = [int(v) if math.isfinite(v) else v for v in ends]
        return f"{left}{_fmt(ends[0])}, {_fmt(ends[1])}{right}"

    def contains(self, value: float) -> bool:
        """Whether the number ``value`` lies in the valid range (no type checks)."""
        above = value >= self.low if self.low_inclusive else value > self.low
        below = value <= self.high if self.high_inclusive else value < self.high
        return bool(math.isfinite(value) and above and below)

    def span(self) -> tuple[float, float]:
        """The range a control offers: ``ui_range``, else the valid range made finite."""
        if self.ui_range is not None:
            return self.ui_range
        high = self.high if math.isfinite(self.high) else max(self.low, 1.0) * 1e6
        return self.low, high

    def validate(self, value: Any, *, scalar: bool = False) -> Any:
        """``value`` as a float (or float array), int or bool; ``ValueError`` if it is invalid.

        Arrays are accepted for ``float`` parameters (a batch of runs, each its own value) and
        returned read-only, unless ``scalar``: then only a single number is.

        >>> Param("kappa", "κ", low=1.0).validate([2.0, 3.0], scalar=True)
        Traceback (most recent call last):
        ...
        ValueError: kappa must be a single number in [1, inf); got an array of shape (2,)
        >>> Param("lr", "η").validate(10**400)  # a Python int beyond float range
        Traceback (most recent call last):
        ...
        ValueError: lr must be in [0, inf); got 1e+400
        """
        if self.kind is bool:
            if isinstance(value, bool | np.bool_):
                return bool(value)
            raise ValueError(f"{self.name} must be True or False; got {_show(value)}")
        what = "a whole number" if self.kind is int else "a number"
        must = f"{what} in" if self.kind is int else "in"
        try:
            if value is None or isinstance(value, str | bytes | bool | np.bool_):
                raise TypeError
            if np.asarray(value).dtype.kind not in "iufO":  # text or switches, even in a list
                raise TypeError
            arr = np.asarray(value, dtype=float)
        except OverflowError:  # Python ints too large for a float: numbers, out of range
            got = _big(int(value)) if isinstance(value, numbers.Integral) else _show(value)
            raise ValueError(f"{self.name} must be {must} {self.interval()}; got {got}") from None
        except (TypeError, ValueError):
            raise ValueError(
                f"{self.name} must be {what} in {self.interval()}; got {_show(value)}"
            ) from None
        if (self.kind is int or scalar) and arr.ndim:
            single = what if self.kind is int else "a single number"
            raise ValueError(
                f"{self.name} must be {single} in {self.interval()}; "
                f"got an array of shape {arr.shape}"
            )
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(arr)
            ok &= (arr >= self.low) if self.low_inclusive else (arr > self.low)
            ok &= (arr <= self.high) if self.high_inclusive else (arr < self.high)
            if self.kind is int:
                ok &= arr == np.round(arr)
        if not ok.all():
            bad = arr[~ok].flat[0] if arr.ndim else arr
            where = "" if arr.ndim == 0 else f" (at index {np.argwhere(~ok)[0].tolist()})"
            got = f"{_fmt(bad)}{where}" if arr.ndim else _given(value)
            raise ValueError(f"{self.name} must be {must} {self.interval()}; got {got}")
        if self.kind is int:
            return int(arr)
        if arr.ndim == 0:
            return float(arr)
        arr = arr.copy()
        arr.flags.writeable = False
        return arr


def validate_all(specs: tuple[Param, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every value of a factory's arguments against its specs (same names, same order)."""
    missing = {s.name for s in specs} ^ set(values)
    if missing:  # a programming error in a declaring module, not a user error
        raise AssertionError(f"parameter specs and signature differ: {sorted(missing)}")
    return {s.name: s.validate(values[s.name]) for s in specs}


def _fmt(x: Any) -> str:
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) < 10**16:
        return str(x)
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}" if x == x else "nan"


def _big(value: int) -> str:
    """A large integer in float notation, ``1e+400`` for ``10**400``, without converting it to float
    (which overflows past 1.8e308)."""
    digits = str(abs(value)) if value.bit_length() < 10_000 else None
    if digits is None:  # beyond str()'s default digit limit: the magnitude is what matters
        sign = "-" if value < 0 else ""
        return f"{sign}an integer of about {value.bit_length() * 0.30103:.0f} digits"
    mantissa = f"{digits[0]}.{digits[1:6]}".rstrip("0").rstrip(".")  # 6 digits, cut not rounded
    text = f"{mantissa}e+{len(digits) - 1}"
    return f"-{text}" if value < 0 else text


def _given(value: Any) -> str:
    """A received scalar as people typed it: ``1`` for 1.0, ``5`` for 5, ``'10'`` for a string."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return str(int(value)) if abs(int(value)) < 10**16 else _big(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return _fmt(value)
    return _show(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
