"""Convex quadratics: the round bowl, the axis-aligned ravine, Booth and Matyas.

Every function takes points of shape (..., 2) and returns shape (...); its `_grad` partner
returns shape (..., 2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from surfaces.base import Array, coords


def quadratic(x: ArrayLike) -> Array:
    """Round bowl f(x, y) = ½(x² + y²); Hessian I, condition number 1.

    >>> float(quadratic([3.0, 4.0]))
    12.5
    """
    u, v = coords(x, 2)
    return 0.5 * (u * u + v * v)


def quadratic_grad(x: ArrayLike) -> Array:
    """∇f = (x, y), returned as a new array."""
    u, v = coords(x, 2)
    return np.stack([u, v], axis=-1)


def ravine(x: ArrayLike, kappa: float = 10.0) -> Array:
    """Axis-aligned ravine f(x, y) = ½(x² + κ y²); Hessian diag(1, κ), condition number κ.

    Args:
        x: points (..., 2).
        kappa: curvature across the valley, κ >= 1. Plain GD is stable iff lr < 2/κ.

    >>> float(ravine([1.0, 1.0], kappa=100.0))
    50.5
    """
    u, v = coords(x, 2)
    return 0.5 * (u * u + kappa * v * v)


def ravine_grad(x: ArrayLike, kappa: float = 10.0) -> Array:
    """∇f = (x, κ y)."""
    u, v = coords(x, 2)
    return np.stack([u, kappa * v], axis=-1)


def booth(x: ArrayLike) -> Array:
    """Booth f(x, y) = (x + 2y − 7)² + (2x + y − 5)²; minimum f(1, 3) = 0.

    Hessian [[10, 8], [8, 10]] (eigenvalues 2 and 18), so a tilted valley with κ = 9.

    References: Surjanovic & Bingham, SFU Virtual Library, booth.html.

    >>> float(booth([1.0, 3.0]))
    0.0
    """
    u, v = coords(x, 2)
    p = u + 2 * v - 7
    q = 2 * u + v - 5
    return p * p + q * q


def booth_grad(x: ArrayLike) -> Array:
    """∇f = (2p + 4q, 4p + 2q) = (10x + 8y − 34, 8x + 10y − 38) with p, q the two residuals."""
    u, v = coords(x, 2)
    p = u + 2 * v - 7
    q = 2 * u + v - 5
    return np.stack([2 * p + 4 * q, 4 * p + 2 * q], axis=-1)


def matyas(x: ArrayLike) -> Array:
    """Matyas f(x, y) = 0.26(x² + y²) − 0.48xy; a diagonal ravine along y = x, κ = 25.

    References: Surjanovic & Bingham, SFU Virtual Library, matya.html.
    """
    u, v = coords(x, 2)
    return 0.26 * (u * u + v * v) - 0.48 * u * v


def matyas_grad(x: ArrayLike) -> Array:
    """∇f = (0.52x − 0.48y, 0.52y − 0.48x)."""
    u, v = coords(x, 2)
    return np.stack([0.52 * u - 0.48 * v, 0.52 * v - 0.48 * u], axis=-1)
