"""Data-driven surfaces whose gradient can be estimated from mini-batches.

`least_squares` fits a line y = w·x + b to a small synthetic data set; a point is θ = (w, b),
shape (..., 2), so a path can be drawn in the (w, b) plane.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from surfaces.base import Array, as_points

TRUE_W = 2.0
TRUE_B = 1.0
X_RANGE = (0.0, 4.0)  # not centred on 0, so w and b are coupled: Hessian κ ≈ 30


def make_regression_data(
    n_samples: int = 200, noise: float = 0.5, data_seed: int = 0
) -> tuple[Array, Array]:
    """Draw xᵢ ~ U(0, 4) and yᵢ = 2xᵢ + 1 + noise·εᵢ, εᵢ ~ N(0, 1), from `data_seed`.

    The inputs depend only on the seed and n_samples, so changing `noise` rescales the same
    noise draw.

    Returns:
        (inputs, targets), each of shape (n_samples,).

    >>> x, y = make_regression_data(3, noise=0.0)
    >>> bool(np.allclose(y, 2 * x + 1))
    True
    """
    rng = np.random.default_rng(data_seed)
    inputs = rng.uniform(*X_RANGE, size=n_samples)
    targets = TRUE_W * inputs + TRUE_B + noise * rng.standard_normal(n_samples)
    return inputs, targets


def _centred_moments(data_x: Array, data_y: Array) -> tuple[float, float, float, float, float]:
    xm = float(np.mean(data_x))
    ym = float(np.mean(data_y))
    xc = data_x - xm
    yc = data_y - ym
    sxx = float(np.mean(xc * xc))
    w_star = float(np.mean(xc * yc)) / sxx
    rss = float(np.mean((yc - w_star * xc) ** 2))
    return xm, ym, sxx, w_star, rss


def least_squares(x: ArrayLike, data_x: ArrayLike, data_y: ArrayLike) -> Array:
    """Mean squared error f(w, b) = (1/n) Σᵢ ½(w xᵢ + b − yᵢ)² of the line y = w x + b.

    Evaluated through centred moments (exactly equal, and O(1) memory per point, so a
    meshgrid does not build an (ny, nx, n) array):
    f = ½[Sxx (w − w*)² + (w x̄ + b − ȳ)² + RSS/n], with Sxx = mean((x − x̄)²).

    Args:
        x: parameters θ = (w, b), shape (..., 2).
        data_x, data_y: the data set, shape (n,), n >= 2 with distinct inputs.

    >>> float(least_squares([2.0, 1.0], [0.0, 1.0, 2.0], [1.0, 3.0, 5.0]))
    0.0
    """
    p = as_points(x, 2)
    xm, ym, sxx, w_star, rss = _centred_moments(np.asarray(data_x), np.asarray(data_y))
    w, b = p[..., 0], p[..., 1]
    c = w * xm + b - ym
    return 0.5 * (sxx * (w - w_star) ** 2 + c * c + rss)


def least_squares_grad(x: ArrayLike, data_x: ArrayLike, data_y: ArrayLike) -> Array:
    """Full-batch gradient ∇f = (1/n) Σᵢ rᵢ (xᵢ, 1) with rᵢ = w xᵢ + b − yᵢ.

    In centred moments: (Sxx (w − w*) + x̄ c, c) with c = w x̄ + b − ȳ.
    """
    p = as_points(x, 2)
    xm, ym, sxx, w_star, _ = _centred_moments(np.asarray(data_x), np.asarray(data_y))
    w, b = p[..., 0], p[..., 1]
    c = w * xm + b - ym
    return np.stack([sxx * (w - w_star) + xm * c, c], axis=-1)


def least_squares_solution(data_x: ArrayLike, data_y: ArrayLike) -> Array:
    """The exact minimiser θ* = (w*, b*) from `np.linalg.lstsq`.

    >>> least_squares_solution([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]).round(12)
    array([2., 1.])
    """
    data_x = np.asarray(data_x, dtype=float)
    design = np.stack([data_x, np.ones_like(data_x)], axis=-1)
    theta, *_ = np.linalg.lstsq(design, np.asarray(data_y, dtype=float), rcond=None)
    return theta


def sample_batches(
    rng: np.random.Generator, shape: tuple[int, ...], n: int, k: int
) -> NDArray[np.intp]:
    """Draw, for every run in `shape`, k distinct indices from range(n), uniformly.

    Vectorised over runs: small batches use Floyd's algorithm (k draws and O(k²) comparisons
    per run, loop over the batch only), large ones take the k smallest of n random keys.

    Args:
        rng: numpy Generator, advanced by the call.
        shape: leading shape, one batch per run.
        n: population size.
        k: batch size, 1 <= k <= n.

    Returns:
        int array of shape (*shape, k), each row without repeats.

    References: Bentley & Floyd, "A sample of brilliance", CACM 30 (1987).

    >>> idx = sample_batches(np.random.default_rng(0), (4,), n=10, k=10)
    >>> [sorted(row) == list(range(10)) for row in idx.tolist()]
    [True, True, True, True]
    """
    shape = tuple(shape)
    if not 1 <= k <= n:
        raise ValueError(f"batch size k must be in [1, n={n}]; got {k}")
    if k * k > 2 * n:
        keys = rng.random((*shape, n))
        return np.argpartition(keys, k - 1, axis=-1)[..., :k]
    chosen = np.empty((*shape, k), dtype=np.intp)
    for i, j in enumerate(range(n - k, n)):
        t = np.asarray(rng.integers(0, j + 1, size=shape), dtype=np.intp)
        seen = np.any(chosen[..., :i] == t[..., None], axis=-1)
        chosen[..., i] = np.where(seen, j, t)
    return chosen


def least_squares_minibatch_grad(
    x: ArrayLike,
    rng: np.random.Generator,
    data_x: ArrayLike,
    data_y: ArrayLike,
    batch_size: int,
) -> Array:
    """Mini-batch gradient (1/B) Σ_{i∈batch} rᵢ (xᵢ, 1); each run draws its own batch.

    Batches are drawn without replacement, so batch_size = n gives the full gradient.

    Args:
        x: parameters (..., 2); every leading index is an independent run.
        rng: numpy Generator; the same seed gives the same batches.
        data_x, data_y: the data set, shape (n,).
        batch_size: B, 1 <= B <= n.

    Returns:
        shape (..., 2).
    """
    p = as_points(x, 2)
    data_x = np.asarray(data_x, dtype=float)
    data_y = np.asarray(data_y, dtype=float)
    idx = sample_batches(rng, p.shape[:-1], data_x.shape[0], batch_size)
    xb = data_x[idx]
    yb = data_y[idx]
    r = p[..., 0:1] * xb + p[..., 1:2] - yb
    return np.stack([np.mean(r * xb, axis=-1), np.mean(r, axis=-1)], axis=-1)
