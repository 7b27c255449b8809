"""The camel-back functions: three-hump and six-hump camel.

Every function takes points of shape (..., 2) and returns shape (...); its `_grad` partner
returns shape (..., 2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from surfaces.base import Array, coords


def three_hump_camel(x: ArrayLike) -> Array:
    """Three-hump camel f(x, y) = 2x² − 1.05x⁴ + x⁶/6 + xy + y²; global minimum f(0, 0) = 0.

    References: SFU camel3.html.

    >>> float(three_hump_camel([0.0, 0.0]))
    0.0
    """
    u, v = coords(x, 2)
    u2 = u * u
    return 2 * u2 - 1.05 * u2 * u2 + u2**3 / 6 + u * v + v * v


def three_hump_camel_grad(x: ArrayLike) -> Array:
    """∇f = (4x − 4.2x³ + x⁵ + y, x + 2y)."""
    u, v = coords(x, 2)
    u2 = u * u
    return np.stack([4 * u - 4.2 * u2 * u + u2 * u2 * u + v, u + 2 * v], axis=-1)


def six_hump_camel(x: ArrayLike) -> Array:
    """Six-hump camel f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (4y² − 4)y².

    Two global minima f(±(0.0898, −0.7127)) = −1.0316, four local ones, and a stationary
    point at the origin where the gradient is exactly 0.

    References: SFU camel6.html.

    >>> six_hump_camel_grad([0.0, 0.0])
    array([0., 0.])
    """
    u, v = coords(x, 2)
    u2 = u * u
    v2 = v * v
    return (4 - 2.1 * u2 + u2 * u2 / 3) * u2 + u * v + (4 * v2 - 4) * v2


def six_hump_camel_grad(x: ArrayLike) -> Array:
    """∇f = (8x − 8.4x³ + 2x⁵ + y, x − 8y + 16y³)."""
    u, v = coords(x, 2)
    u2 = u * u
    gx = 8 * u - 8.4 * u2 * u + 2 * u2 * u2 * u + v
    gy = u - 8 * v + 16 * v * v * v
    return np.stack([gx, gy], axis=-1)
