"""The `Surface` dataclass: a test function, its gradient, and what a plot of it needs."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Point = tuple[float, ...]


class Work(NamedTuple):
    """What one gradient evaluation costs at each point, for budgets set before a run.

    Attributes:
        calls: numpy operations per evaluation; each has a fixed overhead, which dominates
            when a batch holds a few runs.
        values: float64 numbers those operations read and write per point, in all.
        held: float64 numbers alive at once per point (temporaries included): the memory.
    """

    calls: int = 16
    values: int = 60
    held: int = 16


DEFAULT_WORK = Work()  # the closed-form test functions: a few dozen operations per point


def as_points(x: ArrayLike, dim: int, what: str = "x") -> Array:
    """Return `x` as a float array of points, shape (..., dim), without copying floats.

    Args:
        x: array-like whose last axis holds the coordinates of a point.
        dim: required length of the last axis (1 or 2).
        what: name used in the error message.

    Raises:
        ValueError: when `x` is not numbers, or its last axis is not `dim` long (a bare scalar
            has no last axis).

    >>> as_points([1, 2], 2)
    array([1., 2.])
    """
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError, OverflowError):
        text = repr(x) if len(repr(x)) <= 60 else repr(x)[:57] + "..."
        raise ValueError(
            f"{what} must be an array of numbers of shape (..., {dim}); got {text}"
        ) from None
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise ValueError(
            f"{what} must have shape (..., {dim}): a last axis of {dim} coordinate(s); "
            f"got shape {arr.shape}"
        )
    return arr


def coords(x: ArrayLike, dim: int) -> tuple[Array, ...]:
    """Split points of shape (..., dim) into `dim` coordinate arrays of shape (...).

    >>> x, y = coords([[0.0, 1.0], [2.0, 3.0]], 2)
    >>> y
    array([1., 3.])
    """
    arr = as_points(x, dim)
    return tuple(arr[..., i] for i in range(dim))


def _frozen_points(points: ArrayLike, dim: int, what: str) -> Array:
    arr = np.array(points, dtype=float).reshape(-1, dim)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be finite; got {arr.tolist()}")
    arr.setflags(write=False)
    return arr


def _frozen_copy(a: ArrayLike) -> Array:
    arr = np.array(a, dtype=float)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False, repr=False)
class Surface:
    """A test function f: R^dim -> R with its analytic gradient and plotting metadata.

    `f` and `grad` take points of shape (..., dim): one point, a batch of runs, or a meshgrid
    stack (ny, nx, dim); leading axes are kept. Inputs are never modified. Two surfaces are
    equal when their names and parameters are equal.

    Attributes:
        name: registry name, e.g. "rosenbrock".
        title: display title, e.g. "Rosenbrock".
        dim: 1 or 2.
        fun, jac: the wrapped module functions (already bound to the parameters).
        bounds: plotting window, one (low, high) per dimension.
        start: default start point, inside `bounds`.
        global_minima, local_minima: known minimisers, shape (k, dim), read-only.
        minima: global then local minimisers, shape (k, dim), read-only; (0, dim) if none.
        f_min: the global minimum value, or None where f is unbounded below.
        formula: LaTeX of f.
        lesson: one sentence on what the surface teaches.
        log_scale: whether a heatmap of f should use a log colour scale (f >= 0 there).
        param_items: the surface's own parameters as (name, value) pairs; see `params`.
        minibatch_jac: mini-batch gradient `(x, rng) -> grad` for stochastic surfaces.
        data: (inputs, targets) behind a data-driven surface, read-only; None otherwise.
        kinks: points where f is not differentiable and `grad` returns a subgradient.
        axis_names: names of the coordinates, e.g. ("x", "y") or ("w", "b").
        work: what one evaluation of `minibatch_grad` costs per point (see `Work`); the
            default fits the closed-form test functions.
    """

    name: str
    title: str
    dim: int
    fun: Callable[[Array], Array]
    jac: Callable[[Array], Array]
    bounds: tuple[tuple[float, float], ...]
    start: Point
    global_minima: Array
    f_min: float | None
    formula: str
    lesson: str
    local_minima: Array = field(default_factory=lambda: np.empty((0, 0)))
    log_scale: bool = False
    param_items: tuple[tuple[str, Any], ...] = ()
    minibatch_jac: Callable[[Array, np.random.Generator], Array] | None = None
    data: tuple[Array, Array] | None = None
    kinks: Array = field(default_factory=lambda: np.empty((0, 0)))
    axis_names: tuple[str, ...] = ()
    work: Work = DEFAULT_WORK
    minima: Array = field(init=False)

    def __post_init__(self) -> None:
        d = self.dim
        if d not in (1, 2):
            raise ValueError(f"dim must be 1 or 2; got {d!r}")
        bounds = tuple((float(lo), float(hi)) for lo, hi in self.bounds)
        if len(bounds) != d or not all(math.isfinite(lo) and lo < hi for lo, hi in bounds):
            raise ValueError(f"bounds must be {d} finite (low, high) pairs; got {self.bounds!r}")
        start = tuple(float(v) for v in self.start)
        if len(start) != d or not all(
            lo <= v <= hi for v, (lo, hi) in zip(start, bounds, strict=True)
        ):
            raise ValueError(f"start must be a point inside bounds {bounds}; got {self.start!r}")
        glob = _frozen_points(self.global_minima, d, "global_minima")
        loc = _frozen_points(self.local_minima, d, "local_minima")
        minima = _frozen_points(np.concatenate([glob, loc]), d, "minima")
        f_min = None if self.f_min is None else float(self.f_min)
        if (f_min is None) != (len(glob) == 0):
            raise ValueError("f_min must be None exactly when there are no global minima")
        axis_names = self.axis_names or (("x",) if d == 1 else ("x", "y"))
        if len(axis_names) != d:
            raise ValueError(f"axis_names must name {d} coordinate(s); got {axis_names!r}")
        data = None
        if self.data is not None:
            data = (_frozen_copy(self.data[0]), _frozen_copy(self.data[1]))
        set_ = object.__setattr__  # the dataclass is frozen; normalise once, here
        set_(self, "bounds", bounds)
        set_(self, "start", start)
        set_(self, "global_minima", glob)
        set_(self, "local_minima", loc)
        set_(self, "minima", minima)
        set_(self, "f_min", f_min)
        set_(self, "kinks", _frozen_points(self.kinks, d, "kinks"))
        set_(self, "axis_names", tuple(axis_names))
        set_(self, "param_items", tuple(self.param_items))
        set_(self, "data", data)

    @property
    def params(self) -> dict[str, Any]:
        """The surface's own parameters, e.g. {"kappa": 10.0} (a fresh dict each time)."""
        return dict(self.param_items)

    @property
    def stochastic(self) -> bool:
        """Whether `minibatch_grad` samples (True) or simply returns `grad` (False)."""
        return self.minibatch_jac is not None

    def f(self, x: ArrayLike) -> Array:
        """Value of f at points x of shape (..., dim); returns shape (...)."""
        return self.fun(as_points(x, self.dim, f"{self.name}: x"))

    def grad(self, x: ArrayLike) -> Array:
        """Analytic gradient at points x of shape (..., dim); returns shape (..., dim)."""
        return self.jac(as_points(x, self.dim, f"{self.name}: x"))

    def minibatch_grad(self, x: ArrayLike, rng: np.random.Generator | None = None) -> Array:
        """Mini-batch gradient at x (..., dim): each run draws its own batch from `rng`.

        Deterministic surfaces return `grad(x)` and ignore `rng`, so callers may always use it.
        """
        if self.minibatch_jac is None:
            return self.grad(x)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"{self.name}: rng must be a numpy.random.Generator "
                f"(np.random.default_rng(seed)); got {type(rng).__name__}"
            )
        return self.minibatch_jac(as_points(x, self.dim, f"{self.name}: x"), rng)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickling (st.cache_data, multiprocessing) makes arrays writeable: freeze them again.
        for key, value in state.items():
            for arr in value if isinstance(value, tuple) else (value,):
                if isinstance(arr, np.ndarray):
                    arr.setflags(write=False)
            object.__setattr__(self, key, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Surface):
            return NotImplemented
        return (self.name, self.param_items) == (other.name, other.param_items)

    def __hash__(self) -> int:
        return hash((self.name, self.param_items))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.param_items)
        return f"Surface({self.name!r}{args})"
