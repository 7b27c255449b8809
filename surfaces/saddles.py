"""Saddles: functions with a stationary point that is not a minimum, unbounded below.

Every function takes points of shape (..., 2) and returns shape (...); its `_grad` partner
returns shape (..., 2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from surfaces.base import Array, coords


def saddle(x: ArrayLike) -> Array:
    """Saddle f(x, y) = x² − y²; stationary at the origin, unbounded below along y.

    GD multiplies the y offset by (1 + 2 lr) per step: a tiny offset escapes slowly, y = 0 never.

    >>> saddle_grad([1.0, 0.5])
    array([ 2., -1.])
    """
    u, v = coords(x, 2)
    return u * u - v * v


def saddle_grad(x: ArrayLike) -> Array:
    """∇f = (2x, −2y)."""
    u, v = coords(x, 2)
    return np.stack([2 * u, -2 * v], axis=-1)


def monkey_saddle(x: ArrayLike) -> Array:
    """Monkey saddle f(x, y) = x³ − 3xy² = r³ cos 3θ; the Hessian vanishes at the origin.

    Three descent valleys, at θ = π/3, π and 5π/3.
    """
    u, v = coords(x, 2)
    return u * u * u - 3 * u * v * v


def monkey_saddle_grad(x: ArrayLike) -> Array:
    """∇f = (3x² − 3y², −6xy)."""
    u, v = coords(x, 2)
    return np.stack([3 * u * u - 3 * v * v, -6 * u * v], axis=-1)
