"""Non-convex classics: Rosenbrock, Beale, Himmelblau and Goldstein–Price.

Every function takes points of shape (..., 2) and returns shape (...); its `_grad` partner
returns shape (..., 2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from surfaces.base import Array, coords


def rosenbrock(x: ArrayLike, a: float = 1.0, b: float = 100.0) -> Array:
    """Rosenbrock f(x, y) = (a − x)² + b(y − x²)²; minimum f(a, a²) = 0.

    A curved, flat-bottomed valley: easy to find, slow to follow.

    References: Rosenbrock, The Computer Journal 3 (1960); SFU rosen.html.

    >>> float(rosenbrock([-1.2, 1.0]))
    24.2
    >>> rosenbrock([[1.0, 1.0], [0.0, 0.0]])
    array([0., 1.])
    """
    u, v = coords(x, 2)
    return (a - u) ** 2 + b * (v - u * u) ** 2


def rosenbrock_grad(x: ArrayLike, a: float = 1.0, b: float = 100.0) -> Array:
    """∇f = (−2(a − x) − 4bx(y − x²), 2b(y − x²))."""
    u, v = coords(x, 2)
    r = v - u * u
    return np.stack([-2 * (a - u) - 4 * b * u * r, 2 * b * r], axis=-1)


def beale(x: ArrayLike) -> Array:
    """Beale f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)².

    Minimum f(3, 0.5) = 0; flat plateaus next to steep walls (gradients reach 1e5 in the corners).

    References: Beale (1958); SFU beale.html.

    >>> float(beale([3.0, 0.5]))
    0.0
    """
    u, v = coords(x, 2)
    t1 = 1.5 - u + u * v
    t2 = 2.25 - u + u * v**2
    t3 = 2.625 - u + u * v**3
    return t1 * t1 + t2 * t2 + t3 * t3


def beale_grad(x: ArrayLike) -> Array:
    """∇f = (2t₁(y − 1) + 2t₂(y² − 1) + 2t₃(y³ − 1), 2t₁x + 4t₂xy + 6t₃xy²)."""
    u, v = coords(x, 2)
    t1 = 1.5 - u + u * v
    t2 = 2.25 - u + u * v**2
    t3 = 2.625 - u + u * v**3
    gx = 2 * t1 * (v - 1) + 2 * t2 * (v**2 - 1) + 2 * t3 * (v**3 - 1)
    gy = 2 * t1 * u + 4 * t2 * u * v + 6 * t3 * u * v**2
    return np.stack([gx, gy], axis=-1)


def himmelblau(x: ArrayLike) -> Array:
    """Himmelblau f(x, y) = (x² + y − 11)² + (x + y² − 7)²; four minima with f = 0.

    References: Himmelblau, Applied Nonlinear Programming (1972); Wikipedia.

    >>> float(himmelblau([3.0, 2.0]))
    0.0
    """
    u, v = coords(x, 2)
    p = u * u + v - 11
    q = u + v * v - 7
    return p * p + q * q


def himmelblau_grad(x: ArrayLike) -> Array:
    """∇f = (4x p + 2q, 2p + 4y q) with p = x² + y − 11, q = x + y² − 7."""
    u, v = coords(x, 2)
    p = u * u + v - 11
    q = u + v * v - 7
    return np.stack([4 * u * p + 2 * q, 2 * p + 4 * v * q], axis=-1)


def _goldstein_price_parts(u: Array, v: Array) -> tuple[Array, ...]:
    s = u + v + 1
    a = 19 - 14 * u + 3 * u * u - 14 * v + 6 * u * v + 3 * v * v
    d = 2 * u - 3 * v
    b = 18 - 32 * u + 12 * u * u + 48 * v - 36 * u * v + 27 * v * v
    return s, a, d, b


def goldstein_price(x: ArrayLike) -> Array:
    """Goldstein–Price f = [1 + (x+y+1)² a(x,y)]·[30 + (2x−3y)² b(x,y)]; minimum f(0, −1) = 3.

    a = 19 − 14x + 3x² − 14y + 6xy + 3y², b = 18 − 32x + 12x² + 48y − 36xy + 27y².
    Values span 3 to about 1e6 on [−2, 2]².

    References: Goldstein & Price, Math. Comp. 25 (1971); SFU goldpr.html.

    >>> float(goldstein_price([0.0, -1.0]))
    3.0
    """
    u, v = coords(x, 2)
    s, a, d, b = _goldstein_price_parts(u, v)
    return (1 + s * s * a) * (30 + d * d * b)


def goldstein_price_grad(x: ArrayLike) -> Array:
    """∇f = ∇A·B + A·∇B with A = 1 + s²a, B = 30 + d²b (s = x+y+1, d = 2x−3y).

    ∂A/∂x = ∂A/∂y = 2sa + s²(6x + 6y − 14); ∂B/∂x = 4db + d²(24x − 36y − 32);
    ∂B/∂y = −6db + d²(54y − 36x + 48).
    """
    u, v = coords(x, 2)
    s, a, d, b = _goldstein_price_parts(u, v)
    big_a = 1 + s * s * a
    big_b = 30 + d * d * b
    da = 2 * s * a + s * s * (6 * u + 6 * v - 14)
    db_dx = 4 * d * b + d * d * (24 * u - 36 * v - 32)
    db_dy = -6 * d * b + d * d * (54 * v - 36 * u + 48)
    return np.stack([da * big_b + big_a * db_dx, da * big_b + big_a * db_dy], axis=-1)
