"""One-dimensional functions: the parabola, an asymmetric V and a tilted double well.

Every function takes points of shape (..., 1) and returns shape (...); its `_grad` partner
returns shape (..., 1).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from surfaces.base import Array, as_points


def parabola(x: ArrayLike) -> Array:
    """Parabola f(x) = ½x²; GD gives x ← (1 − lr)x: monotone below lr 1, divergent above 2.

    >>> parabola([[2.0], [-4.0]])
    array([2., 8.])
    """
    p = as_points(x, 1)[..., 0]
    return 0.5 * p * p


def parabola_grad(x: ArrayLike) -> Array:
    """f′(x) = x, returned as a new array."""
    return np.array(as_points(x, 1), copy=True)


def slope(x: ArrayLike) -> Array:
    """Asymmetric V: f(x) = x for x > 0, −0.1x otherwise; minimum f(0) = 0.

    >>> slope_grad([[2.0], [0.0], [-1.0]])
    array([[ 1. ],
           [-0.1],
           [-0.1]])
    """
    p = as_points(x, 1)[..., 0]
    return np.where(p > 0, p, -0.1 * p)


def slope_grad(x: ArrayLike) -> Array:
    """f′(x) = 1 for x > 0 and −0.1 otherwise, so f′(0) = −0.1 (a subgradient at the kink)."""
    p = as_points(x, 1)
    g = np.where(p > 0, 1.0, -0.1)
    return np.where(np.isnan(p), np.nan, g)


def double_well(x: ArrayLike) -> Array:
    """Tilted double well f(x) = x⁴ − 3x² + x.

    Stationary points are the roots of 4x³ − 6x + 1: a global minimum at x ≈ −1.3008,
    a local maximum at x ≈ 0.1693 and a local minimum at x ≈ 1.1315.

    >>> float(double_well([1.0]))
    -1.0
    """
    p = as_points(x, 1)[..., 0]
    p2 = p * p
    return p2 * p2 - 3 * p2 + p


def double_well_grad(x: ArrayLike) -> Array:
    """f′(x) = 4x³ − 6x + 1."""
    p = as_points(x, 1)
    return 4 * p * p * p - 6 * p + 1
