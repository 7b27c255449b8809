"""Data-driven surfaces whose gradient can be estimated from mini-batches.

`least_squares` fits a line y = w·x + b to a small synthetic data set; a point is θ = (w, b),
shape (..., 2), so a path can be drawn in the (w, b) plane.
"""

from __future__ import annotations

import math
from typing import NamedTuple

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


class Moments(NamedTuple):
    """The five numbers a line fit's loss and full gradient need from its data set."""

    xm: float  # mean input x̄
    ym: float  # mean target ȳ
    sxx: float  # mean((x − x̄)²)
    w_star: float  # least-squares slope
    rss: float  # mean squared residual of the fit


def centred_moments(data_x: ArrayLike, data_y: ArrayLike) -> Moments:
    """The data set's `Moments`, in one pass over it (a surface computes them once).

    >>> centred_moments([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]).w_star
    2.0
    """
    data_x, data_y = np.asarray(data_x, dtype=float), np.asarray(data_y, dtype=float)
    xm = float(np.mean(data_x))
    ym = float(np.mean(data_y))
    xc = data_x - xm
    yc = data_y - ym
    sxx = float(np.mean(xc * xc))
    w_star = float(np.mean(xc * yc)) / sxx
    rss = float(np.mean((yc - w_star * xc) ** 2))
    return Moments(xm, ym, sxx, w_star, rss)


def least_squares(
    x: ArrayLike, data_x: ArrayLike, data_y: ArrayLike, moments: Moments | None = None
) -> Array:
    """Mean squared error f(w, b) = (1/n) Σᵢ ½(w xᵢ + b − yᵢ)² of the line y = w x + b.

    Evaluated through centred moments (exactly equal, and O(1) work and memory per point, so a
    meshgrid does not build an (ny, nx, n) array):
    f = ½[Sxx (w − w*)² + (w x̄ + b − ȳ)² + RSS/n], with Sxx = mean((x − x̄)²).

    Args:
        x: parameters θ = (w, b), shape (..., 2).
        data_x, data_y: the data set, shape (n,), n >= 2 with distinct inputs.
        moments: `centred_moments(data_x, data_y)`, if already known.

    >>> float(least_squares([2.0, 1.0], [0.0, 1.0, 2.0], [1.0, 3.0, 5.0]))
    0.0
    """
    p = as_points(x, 2)
    xm, ym, sxx, w_star, rss = moments or centred_moments(data_x, data_y)
    w, b = p[..., 0], p[..., 1]
    c = w * xm + b - ym
    return 0.5 * (sxx * (w - w_star) ** 2 + c * c + rss)


def least_squares_grad(
    x: ArrayLike, data_x: ArrayLike, data_y: ArrayLike, moments: Moments | None = None
) -> Array:
    """Full-batch gradient ∇f = (1/n) Σᵢ rᵢ (xᵢ, 1) with rᵢ = w xᵢ + b − yᵢ.

    In centred moments: (Sxx (w − w*) + x̄ c, c) with c = w x̄ + b − ȳ.
    """
    p = as_points(x, 2)
    xm, ym, sxx, w_star, _ = moments or centred_moments(data_x, data_y)
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

    The work is that of the batch, not of the data set: while k <= n/4, draw k indices with
    replacement, sort each run's, redraw the repeats and repeat until none is left (each redraw
    repeats with probability below ¼, so a few rounds of O(k log k) suffice); for larger k, take
    the k smallest of n random keys (n < 4k). Either way every k-subset is equally likely: the
    procedure treats all labels alike, so its outcome's distribution is invariant under any
    relabelling of range(n), and the k-subsets form one orbit. Each run's indices come back in
    increasing order.

    Args:
        rng: numpy Generator, advanced by the call.
        shape: leading shape, one batch per run.
        n: population size.
        k: batch size, 1 <= k <= n.

    Returns:
        int array of shape (*shape, k), each row without repeats.

    >>> idx = sample_batches(np.random.default_rng(0), (4,), n=10, k=10)
    >>> [sorted(row) == list(range(10)) for row in idx.tolist()]
    [True, True, True, True]
    """
    shape = tuple(shape)
    if not 1 <= k <= n:
        raise ValueError(f"batch size k must be in [1, n={n}]; got {k}")
    if 4 * k > n:
        keys = rng.random((*shape, n))
        return np.sort(np.argpartition(keys, k - 1, axis=-1)[..., :k], axis=-1)
    idx = rng.integers(0, n, size=(*shape, k))
    while True:
        idx.sort(axis=-1)
        repeat = np.zeros(idx.shape, dtype=bool)
        np.equal(idx[..., 1:], idx[..., :-1], out=repeat[..., 1:])
        count = int(np.count_nonzero(repeat))
        if not count:
            return idx
        idx[repeat] = rng.integers(0, n, size=count)


def batch_work(n: int, k: int) -> tuple[int, int, int]:
    """What one mini-batch gradient costs per run, for budgets: (numpy calls, float64 values
    read and written, values held at once), from `sample_batches` and
    `least_squares_minibatch_grad`.

    >>> batch_work(100_000, 8)
    (52, 208, 56)
    """
    sort = k * max(math.log2(k), 1)
    if 4 * k > n:  # random keys for the whole data set, a partition, a sort of the batch
        return 40, int(12 * n + sort + 12 * k), 3 * n + 7 * k
    rounds = 1 + max(math.ceil(math.log(k * k / n + 1, 4)), 1)
    return 36 + 8 * rounds, int(rounds * (sort + 4 * k) + 12 * k), 7 * k


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
