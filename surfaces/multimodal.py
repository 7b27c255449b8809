"""Many local minima: Rastrigin, Ackley and Styblinski–Tang (two-dimensional forms).

Every function takes points of shape (..., 2) and returns shape (...); its `_grad` partner
returns shape (..., 2).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from surfaces.base import Array, as_points, coords


def rastrigin(x: ArrayLike, a: float = 10.0) -> Array:
    """Rastrigin f = 2A + Σᵢ (xᵢ² − A cos 2πxᵢ), A = 10; global minimum f(0, 0) = 0.

    A bowl covered in an egg box: a local minimum near every integer lattice point.

    References: Rastrigin (1974); SFU rastr.html.

    >>> float(rastrigin([0.0, 0.0]))
    0.0
    """
    p = as_points(x, 2)
    return 2 * a + np.sum(p * p - a * np.cos(2 * np.pi * p), axis=-1)


def rastrigin_grad(x: ArrayLike, a: float = 10.0) -> Array:
    """∂f/∂xᵢ = 2xᵢ + 2πA sin 2πxᵢ."""
    p = as_points(x, 2)
    return 2 * p + 2 * np.pi * a * np.sin(2 * np.pi * p)


def ackley(x: ArrayLike, a: float = 20.0, b: float = 0.2, c: float = 2 * np.pi) -> Array:
    """Ackley f = −a e^(−b r) − e^(½(cos cx + cos cy)) + a + e, with r = √(½(x² + y²)).

    Global minimum f(0, 0) = 0 (4.4e-16 in float64), where f has a cone-shaped kink.

    References: Ackley (1987); SFU ackley.html.

    >>> print(f"{float(ackley([0.0, 0.0])):.1e}")
    4.4e-16
    """
    u, v = coords(x, 2)
    r = np.hypot(u, v) / math.sqrt(2.0)
    return -a * np.exp(-b * r) - np.exp(0.5 * (np.cos(c * u) + np.cos(c * v))) + a + math.e


def ackley_grad(x: ArrayLike, a: float = 20.0, b: float = 0.2, c: float = 2 * np.pi) -> Array:
    """∂f/∂x = a b e^(−b r) x/(2r) + ½ c sin(cx) e^(½(cos cx + cos cy)), same form in y.

    At the origin (r = 0) f is not differentiable; the subgradient 0 is returned.
    x/(2r) is computed as (x/‖(x, y)‖)/√2, which never overflows near the origin.
    """
    u, v = coords(x, 2)
    norm = np.hypot(u, v)
    safe = np.where(norm > 0, norm, 1.0)
    ux = np.where(norm > 0, u / safe, 0.0)
    uy = np.where(norm > 0, v / safe, 0.0)
    radial = a * b * np.exp(-b * norm / math.sqrt(2.0)) / math.sqrt(2.0)
    wave = 0.5 * c * np.exp(0.5 * (np.cos(c * u) + np.cos(c * v)))
    return np.stack([radial * ux + wave * np.sin(c * u), radial * uy + wave * np.sin(c * v)], -1)


def styblinski_tang(x: ArrayLike) -> Array:
    """Styblinski–Tang f = ½ Σᵢ (xᵢ⁴ − 16xᵢ² + 5xᵢ); global minimum −78.33233 at xᵢ = −2.9035.

    Each coordinate has a deep and a shallow well, so the plane has one global, two medium
    and one shallow minimum.

    References: Styblinski & Tang (1990); SFU stybtang.html.

    >>> round(float(styblinski_tang([-2.903534, -2.903534])), 5)
    -78.33233
    """
    p = as_points(x, 2)
    p2 = p * p
    return 0.5 * np.sum(p2 * p2 - 16 * p2 + 5 * p, axis=-1)


def styblinski_tang_grad(x: ArrayLike) -> Array:
    """∂f/∂xᵢ = ½(4xᵢ³ − 32xᵢ + 5)."""
    p = as_points(x, 2)
    return 0.5 * (4 * p * p * p - 32 * p + 5)
