"""Validation of surface parameters: errors name the parameter, the valid range and the value."""

from __future__ import annotations

import math
import numbers


def check_real(name: str, value: object, low: float = -math.inf, high: float = math.inf) -> float:
    """Return `value` as a float after checking it is a finite real number in [low, high].

    >>> check_real("kappa", 50, low=1.0)
    50.0
    >>> check_real("kappa", 0.5, low=1.0)
    Traceback (most recent call last):
    ...
    ValueError: kappa must be a finite number in [1.0, inf); got 0.5
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        v = float(value)  # type: ignore[arg-type]
        if math.isfinite(v) and low <= v <= high:
            return v
    closing = ")" if math.isinf(high) else "]"
    raise ValueError(f"{name} must be a finite number in [{low}, {high}{closing}; got {value!r}")


def check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    """Return `value` as an int after checking it is a whole number in [low, high].

    Floats with an integral value (e.g. 8.0 from a URL) are accepted.

    >>> check_int("batch_size", 8.0, low=1, high=200)
    8
    >>> check_int("batch_size", 0, low=1, high=200)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be a whole number in [1, 200]; got 0
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and math.isfinite(float(value)) and float(value).is_integer():  # type: ignore[arg-type]
        v = int(value)  # type: ignore[call-overload]
        if v >= low and (high is None or v <= high):
            return v
    upper = "inf)" if high is None else f"{high}]"
    raise ValueError(f"{name} must be a whole number in [{low}, {upper}; got {value!r}")
