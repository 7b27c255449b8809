"""The loss landscape in the plane of the trajectories' two principal directions.

Li, Xu, Taylor, Studer & Goldstein, "Visualizing the Loss Landscape of Neural Nets", NeurIPS
2018, §7: stack the differences θ − θ_c between every recorded point of the runs' paths and a
centre θ_c, take the two principal directions of that matrix (PCA: the top two right singular
vectors after removing its column means, as their code does with scikit-learn's ``PCA``), and
draw the loss on a grid in the plane through θ_c spanned by them, with every path projected
onto it.

What the plane is: the 2-D slice of parameter space that holds as much of the paths' spread
as any plane can (the explained variance ratio of each direction says how much). One plane for
all runs, so they race on one map. What it is not: the paths themselves. Each path leaves the
plane (``residual`` is each point's distance from it), so a projected path may cross a
contour of the drawn loss without the run's loss changing as the map suggests, and the
minimum of the slice need not be where the runs end. The directions are not filter-normalised
(Li et al. normalise their *random* directions, not the PCA ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


class Evaluates(Protocol):
    def f(self, x: Array) -> Array: ...


@dataclass(frozen=True, eq=False)
class Plane:
    """A landscape plane and the paths projected onto it; arrays read-only.

    Attributes:
        centre: θ_c, shape (d,), the origin of the plane's coordinates.
        directions: (2, d), orthonormal rows u₁, u₂ (u₁ the most explanatory).
        explained: (2,), share of the paths' variance (about their mean) along u₁ and u₂.
        coords: (steps+1, runs, 2), each point's coordinates (α, β) = ((θ − θ_c)·u₁,
            (θ − θ_c)·u₂); NaN where the path holds NaN (after a run diverged).
        residual: (steps+1, runs), each point's distance from the plane, ‖θ − θ_c − αu₁ − βu₂‖.
        alpha, beta: (G,), the grid's coordinates along u₁ and u₂ (one scale on both axes).
        loss: (G, G), the objective at θ_c + alpha[i]·u₁ + beta[j]·u₂ in ``loss[j, i]`` (rows
            along β, as a heatmap's y).
        centre_kind: how the centre was chosen: ``"final"`` (a run's last point) or ``"mean"``.
        run: the run whose final point is the centre (``"final"``), else None.
    """

    centre: Array
    directions: Array
    explained: Array
    coords: Array
    residual: Array
    alpha: Array
    beta: Array
    loss: Array
    centre_kind: str
    run: int | None


def principal_plane(
    paths: ArrayLike, centre: str | int = "final"
) -> tuple[Array, Array, Array, int | None]:
    """The centre, the two principal directions (2, d) and their explained variance ratios.

    Args:
        paths: (steps+1, runs, d) (or (steps+1, d) for one run); NaN rows are left out.
        centre: ``"final"`` (the last finite point of run 0), an int (that run's last finite
            point), or ``"mean"`` (the mean of every run's last finite point).

    Returns:
        (centre (d,), directions (2, d), explained (2,), the centre's run or None).
    """
    p = _paths(paths)
    finite = np.isfinite(p).all(axis=-1)  # (steps+1, runs)
    if not finite[0].all():
        raise ValueError("paths must be finite at step 0 for every run")
    last = finite.shape[0] - 1 - np.argmax(finite[::-1], axis=0)  # each run's last finite row
    finals = p[last, np.arange(p.shape[1])]
    runs = p.shape[1]
    if centre == "mean":
        c, run = finals.mean(axis=0), None
    elif centre == "final" or (
        isinstance(centre, int | np.integer) and not isinstance(centre, bool)
    ):
        run = 0 if centre == "final" else int(centre)
        if not 0 <= run < runs:
            raise ValueError(f"centre must be a run index in [0, {runs - 1}]; got {centre}")
        c = finals[run]
    else:
        raise ValueError(f"centre must be 'final', 'mean' or a run index; got {centre!r}")
    m = p[finite] - c  # (points, d)
    m = m - m.mean(axis=0)
    d = p.shape[-1]
    if d < 2:
        raise ValueError(f"paths must have at least 2 parameters; got d = {d}")
    var, directions = top_two(m)
    total = float(np.einsum("ij,ij->", m, m))
    explained = var / total if total > 0 else np.zeros(2)
    # A sign convention, so the same paths give the same picture: each direction points the
    # way the paths' start (run 0's first point) lies from the centre, or else its largest entry.
    start = p[0, 0] - c
    for k in range(2):
        u = directions[k]
        ref = start @ u
        if abs(ref) < 1e-12 * (np.linalg.norm(start) + 1e-300):
            ref = u[np.argmax(np.abs(u))]
        if ref < 0:
            directions[k] = -u
    return c, directions, explained, run


def top_two(m: Array) -> tuple[Array, Array]:
    """The two largest squared singular values of ``m`` (n, d) and their right singular
    vectors (2, d), orthonormal: ``np.linalg.svd(m)``'s first two, up to sign, for a fraction
    of its cost.

    The eigenvectors of the smaller Gram matrix, m mᵀ (n × n) or mᵀ m (d × d), by block
    subspace iteration with Rayleigh–Ritz (Saad, *Numerical Methods for Large Eigenvalue
    Problems*, 2011, §5.2) on a block of :data:`BLOCK` vectors until the top two are
    eigenvectors to a residual of :data:`RESIDUAL` of the largest eigenvalue, else (or for a
    small matrix) a full ``eigh``. An SVD of 484 path points × 354 parameters took 0.3 to 0.9 s
    on the busy 2-core machine (OpenBLAS threads fighting for the cores); this takes about
    10 ms (``benchmarks/bench_models.py``). Where m has rank below two, the missing
    directions are unit vectors orthogonal to the others, with zero variance.

    >>> m = np.array([[3.0, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0]])
    >>> var, u = top_two(m)
    >>> var.round(6).tolist(), np.abs(u).round(6).tolist()
    ([18.0, 8.0], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    """
    n, d = m.shape
    gram = m @ m.T if n <= d else m.T @ m
    w, vecs = _top_eigen(gram)
    v = (m.T @ vecs).T if n <= d else vecs.T  # right singular vectors: mᵀu / s
    var = np.zeros(2)
    var[: len(w)] = np.maximum(w, 0.0)
    out = np.zeros((2, d))
    scale = max(float(var[0]), 1e-300)
    for k in range(min(len(w), 2)):
        if var[k] <= 1e-12 * scale:  # no spread along it: its direction is noise
            var[k] = 0.0
            continue
        vk = v[k] - out[:k].T @ (out[:k] @ v[k])  # orthogonal to the ones before (rounding)
        out[k] = vk / np.linalg.norm(vk)
    for k in range(2):
        if not out[k].any():  # complete with the basis vector least along the others
            e = np.eye(d)[np.argmin(np.abs(out).sum(axis=0))]
            e = e - out.T @ (out @ e)
            out[k] = e / np.linalg.norm(e)
    return var, out


BLOCK = 8  # vectors iterated together: the top two converge as (λ₉ / λ₂)^iterations
RESIDUAL = 1e-11  # ‖G x − λ x‖ / λ₁ at which an eigenvector is taken as found
MAX_ITERATIONS = 300


def _top_eigen(gram: Array) -> tuple[Array, Array]:
    """The two largest eigenvalues (descending) of a symmetric positive semi-definite matrix
    and their eigenvectors (k, 2)."""
    k = gram.shape[0]
    if k <= 4 * BLOCK:
        w, u = np.linalg.eigh(gram)
        return w[::-1][:2], u[:, ::-1][:, :2]
    v = np.linalg.qr(np.random.default_rng(0).standard_normal((k, BLOCK)))[0]
    top = float(np.abs(gram).sum(axis=0).max())  # ≥ λ₁: a scale for the residual
    for _ in range(MAX_ITERATIONS):
        gv = gram @ v
        w, y = np.linalg.eigh(v.T @ gv)  # Rayleigh–Ritz on the block
        w, y = w[::-1], y[:, ::-1]
        x, gx = v @ y[:, :2], gv @ y[:, :2]
        residual = np.linalg.norm(gx - x * w[:2], axis=0)
        if top == 0 or residual.max() <= RESIDUAL * max(w[0], 1e-300 * top):
            return w[:2], x
        v = np.linalg.qr(gv @ y)[0]
    w, u = np.linalg.eigh(gram)  # slow convergence (two eigenvalues close to the next)
    return w[::-1][:2], u[:, ::-1][:, :2]


def project(paths: ArrayLike, centre: ArrayLike, directions: ArrayLike) -> tuple[Array, Array]:
    """Coordinates (..., 2) of points (..., d) in the plane and their distances (...) from it."""
    p = np.asarray(paths, dtype=float)
    diff = p - np.asarray(centre, dtype=float)
    u = np.asarray(directions, dtype=float)
    coords = diff @ u.T
    residual = np.linalg.norm(diff - coords @ u, axis=-1)
    return coords, residual


def landscape_plane(
    objective: Evaluates,
    paths: ArrayLike,
    *,
    centre: str | int = "final",
    grid: int = 40,
    margin: float = 0.25,
) -> Plane:
    """The loss landscape of ``objective`` in the paths' principal plane (Li et al. 2018, §7).

    Args:
        objective: anything with a vectorised ``f`` (..., d) -> (...) (a
            :class:`models.ModelObjective`): the G×G grid is one call of ``f`` on (G, G, d).
        paths: (steps+1, runs, d), e.g. ``optimizers.run(...).params`` of one or more calls
            stacked along the runs axis.
        centre: see :func:`principal_plane`.
        grid: G, points per side, whole number in [2, 400].
        margin: share of the paths' extent added on each side, in [0, 10].

    Returns:
        A :class:`Plane`.

    >>> class Bowl:
    ...     def f(self, x):
    ...         return 0.5 * (x * x).sum(axis=-1)
    >>> t = np.linspace(0, 1, 11)[:, None, None]
    >>> paths = np.concatenate([t * [[1.0, 0, 0]], t * [[0, 2.0, 0]]], axis=1)  # (11, 2, 3)
    >>> plane = landscape_plane(Bowl(), paths, centre="mean", grid=5)
    >>> plane.loss.shape, float(plane.residual.max()), float(plane.explained.sum()).__round__(12)
    ((5, 5), 0.0, 1.0)
    """
    if not (isinstance(grid, int | np.integer) and 2 <= grid <= 400):
        raise ValueError(f"grid must be a whole number in [2, 400]; got {grid!r}")
    if not (isinstance(margin, int | float) and 0 <= margin <= 10):
        raise ValueError(f"margin must be a number in [0, 10]; got {margin!r}")
    p = _paths(paths)
    c, u, explained, run = principal_plane(p, centre)
    coords, residual = project(p, c, u)
    lo = np.nanmin(coords.reshape(-1, 2), axis=0)
    hi = np.nanmax(coords.reshape(-1, 2), axis=0)
    mid = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2, 1e-12) * (1 + 2 * margin)
    alpha = np.linspace(mid[0] - half, mid[0] + half, grid)
    beta = np.linspace(mid[1] - half, mid[1] + half, grid)
    points = c + alpha[None, :, None] * u[0] + beta[:, None, None] * u[1]  # (G, G, d)
    loss = np.asarray(objective.f(points), dtype=float)
    out: dict[str, Any] = {
        "centre": c,
        "directions": u,
        "explained": explained,
        "coords": coords,
        "residual": residual,
        "alpha": alpha,
        "beta": beta,
        "loss": loss,
    }
    for a in out.values():
        a.flags.writeable = False
    return Plane(**out, centre_kind="mean" if centre == "mean" else "final", run=run)


def _paths(paths: ArrayLike) -> Array:
    p = np.asarray(paths, dtype=float)
    if p.ndim == 2:
        p = p[:, None, :]
    if p.ndim != 3 or p.shape[0] < 1 or p.shape[1] < 1:
        raise ValueError(f"paths must have shape (steps+1, runs, d); got {p.shape}")
    return p
