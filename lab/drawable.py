"""What a view can draw: the reasons it shows a message instead, and the check that a chart spec
is valid JSON before it reaches the browser.

A chart builder that has nothing to draw for a valid input (a function not finite anywhere in
its window, runs that never took a step) raises :class:`CannotDraw` with a sentence for the
reader; the page shows that sentence in place of the view. :func:`check_json` refuses a spec
holding NaN or infinity (``json.dumps`` would write ``NaN``, which is not JSON, and the browser
would show a raw JavaScript error instead of the chart).

Pure Python: no Streamlit.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

import surfaces

__all__ = [
    "CannotDraw",
    "InvalidSpec",
    "check_json",
    "finite_values",
    "no_finite_values",
    "no_steps",
]


class CannotDraw(Exception):
    """A view has nothing to draw for this (valid) input; ``str()`` says why, for the page."""


class InvalidSpec(ValueError):
    """A chart spec holds a number JSON cannot carry (NaN or ±infinity): a bug in its builder."""


def check_json(spec: dict[str, Any]) -> None:
    """Raise :class:`InvalidSpec`, naming where, if ``spec`` holds NaN or ±infinity anywhere
    the browser would read it as JSON.

    DataFrames in ``spec["datasets"]`` travel as Arrow, which carries NaN and infinity, so they
    are not checked; every other value is, inline ``values`` included.

    >>> check_json({"mark": "line", "encoding": {"y": {"scale": {"domain": [0.0, 1.0]}}}})
    >>> try:
    ...     check_json({"layer": [{"encoding": {"y": {"scale": {"domain": [float("nan"), 1]}}}}]})
    ... except InvalidSpec as err:
    ...     print(str(err).split(" (")[0])
    this chart cannot be drawn: its specification holds nan at `layer.0.encoding.y.scale.domain.0`
    """
    try:
        json.dumps(spec, allow_nan=False, default=_arrow_or_refuse)
    except ValueError:
        where, value = _first_non_finite(spec) or ("?", "NaN or infinity")
        raise InvalidSpec(
            f"this chart cannot be drawn: its specification holds {value} at `{where}` "
            "(a bug: please report the link in your address bar)"
        ) from None


def _arrow_or_refuse(value: Any) -> Any:
    """DataFrames and Arrow bytes (the named datasets) are not JSON and are not checked; a
    numpy number is checked as the Python number it holds."""
    if isinstance(value, bytes) or hasattr(value, "to_numpy"):
        return None
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _first_non_finite(value: Any, path: str = "") -> tuple[str, str] | None:
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return path.lstrip("."), repr(float(value))
    if isinstance(value, dict):
        items = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        if found := _first_non_finite(item, f"{path}.{key}"):
            return found
    return None


def finite_values(values: Any) -> np.ndarray:
    """The finite numbers among ``values``, as a flat float array."""
    v = np.asarray(values, dtype=float).ravel()
    return v[np.isfinite(v)]


def no_finite_values(surface: surfaces.Surface) -> CannotDraw:
    """The reason for a picture of a function that is nowhere finite where it was sampled.

    >>> str(no_finite_values(surfaces.from_expression("log(-1 - x^2)")))[:61]
    'f is not finite anywhere in the window [-5, 5]: it is undefin'
    """
    window = " × ".join(f"[{lo:g}, {hi:g}]" for lo, hi in surface.bounds)
    return CannotDraw(
        f"f is not finite anywhere in the window {window}: it is undefined or infinite at every "
        "point this view samples, so there is nothing to draw. Change the formula, or set a "
        "window where it is defined."
    )


def no_steps(runs: int, errors: int) -> CannotDraw:
    """The reason for charts over steps when none of ``runs`` took one (``errors`` of them
    could not be built; the others stopped at step 0, where the run loop stops a run whose
    start is not a finite point of f)."""
    if errors == runs:
        return CannotDraw("No run could start: the reason for each is shown above.")
    return CannotDraw(
        "Nothing to plot: no run took a step. Each stopped at its start (step 0), where f is "
        "not finite. Move the start, or change the function or its window."
    )
