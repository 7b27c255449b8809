"""The run loop: one loop serves every optimizer, every objective and any batch of runs."""

from __future__ import annotations

import math
import numbers
from typing import Any, Protocol

import numpy as np

from params import Param

from .base import Optimizer
from .schedules import Schedule
from .trajectory import Trajectory

CHECK_EVERY = 64  # steps between divergence checks (each check is one vectorised pass)
MAX_BYTES = 4 * 2**30  # the most one call may hold (see `footprint`); apps set smaller budgets


class Objective(Protocol):
    """Anything with a vectorised ``f`` (..., d) -> (...) and ``grad`` (..., d) -> (..., d).

    Optional: ``dim``; ``bounds`` (for divergence detection); ``stochastic`` with
    ``minibatch_grad(x, rng)`` for mini-batch gradients.
    """

    def f(self, x: np.ndarray) -> np.ndarray: ...

    def grad(self, x: np.ndarray) -> np.ndarray: ...


def run(
    optimizer: Optimizer,
    objective: Objective,
    x0: Any,
    steps: int,
    *,
    schedule: Schedule | None = None,
    noise: float = 0.0,
    seed: int | None = 0,
    bounds_margin: float | None = 10.0,
    record_state: bool = True,
) -> Trajectory:
    """Run ``optimizer`` on ``objective`` from ``x0`` for ``steps`` steps, for a batch of runs.

    The batch is the broadcast of ``x0``'s leading axes with the shapes of array-valued
    hyperparameters: ``x0`` of shape (N, d) runs N starts; ``lr`` of shape (N, 1) runs N learning
    rates. A run diverges at the first step whose parameters or loss are not finite, or whose
    parameters leave the objective's ``bounds`` widened by ``bounds_margin`` widths on each side
    (None: only non-finite values count); it then stops, and the others go on.

    Args:
        optimizer: from :func:`optimizers.get`.
        objective: anything with ``f`` and ``grad`` (a :mod:`surfaces` surface).
        x0: start point(s), shape (..., d), finite; its leading axes are the batch of runs, and
            must broadcast against the optimizer's array hyperparameters (shape (..., 1)).
        steps: number of steps, a whole number ≥ 0.
        schedule: from :func:`optimizers.schedules.get`, or None (constant).
        noise: σ ≥ 0 of additive Gaussian noise on every gradient component.
        seed: None or a whole number ≥ 0; seeds the gradient noise and mini-batch sampling, so
            the same seed gives the same run (None: fresh entropy each call).
        bounds_margin: divergence box around ``objective.bounds``, in widths (≥ 0), or None.
        record_state: also record the optimizer's state after every step.

    Returns:
        A :class:`Trajectory`.

    >>> import optimizers, surfaces
    >>> traj = run(optimizers.get("sgd", lr=0.5), surfaces.get("parabola"), [4.0], 3)
    >>> traj.params[:, 0]
    array([4. , 2. , 1. , 0.5])
    """
    steps = _check_steps(steps)
    seed = _check_seed(seed)
    schedule = _check_schedule(schedule)
    x = _check_start(x0, objective, optimizer)
    noise = _check_noise(noise)
    need = footprint(optimizer, objective, x.shape, steps, record_state=record_state)
    if need > MAX_BYTES:
        raise ValueError(
            f"this run would hold {need / 2**30:.1f} GiB (steps × runs × recorded quantities, "
            f"and the objective's working memory); at most {MAX_BYTES / 2**30:g} GiB: "
            f"lower steps (now {steps:,}) or the number of runs (now {x.size // x.shape[-1]:,})"
        )
    rng = np.random.default_rng(seed)
    base_lr = optimizer.hyperparams["lr"]
    factors = (schedule or Schedule()).factors(steps)
    lr_per_step = factors.reshape((steps,) + (1,) * np.ndim(base_lr)) * base_lr
    lrs = lr_per_step.tolist() if np.ndim(base_lr) == 0 else lr_per_step  # floats are faster
    stochastic = getattr(objective, "stochastic", False)
    low, high = _escape_box(objective, bounds_margin, x.shape[-1])

    shape, batch = x.shape, x.shape[:-1]
    params = np.empty((steps + 1, *shape))
    loss = np.empty((steps + 1, *batch))
    grads, updates, lr_eff = (np.empty((steps, *shape)) for _ in range(3))
    states: dict[str, np.ndarray] = {}
    divergence = np.full(batch, -1)
    with np.errstate(all="ignore"):
        params[0] = x
        state = optimizer.init(x)
        checked, last = -1, steps  # rows up to `checked` have their loss and health known
        for t in range(1, steps + 1):
            g = objective.minibatch_grad(x, rng) if stochastic else objective.grad(x)
            if noise:
                g = g + noise * rng.standard_normal(shape)
            result = optimizer.step(g, state, x, lrs[t - 1])
            state = result.state
            x = x + result.updates
            params[t], grads[t - 1], updates[t - 1] = x, g, result.updates
            lr_eff[t - 1] = result.lr_eff
            if record_state:
                _record(states, state, t - 1, steps)
            if t % CHECK_EVERY == 0 or t == steps:
                checked = _check_rows(objective, params, loss, divergence, checked, t, low, high)
                if (divergence >= 0).all():
                    last = t
                    break
        if steps == 0:
            _check_rows(objective, params, loss, divergence, checked, 0, low, high)
        _blank_after_divergence(
            divergence, last, params, loss, grads, updates, lr_eff, *states.values()
        )
    arrays = (params, loss, grads, updates, lr_eff, lr_per_step, *states.values(), divergence)
    for a in arrays:
        a.flags.writeable = False
    return Trajectory(params, loss, grads, updates, lr_eff, lr_per_step, states, divergence)


def footprint(
    optimizer: Optimizer,
    objective: Objective,
    shape: tuple[int, ...],
    steps: int,
    *,
    record_state: bool = True,
) -> int:
    """Bytes `run` holds at its peak for starts of ``shape`` (..., d) and ``steps`` steps.

    Counts what it records (parameters, gradients, updates and effective learning rates for
    every step and run, the loss, and each optimizer state field when ``record_state``) and one
    gradient evaluation's working values (``objective.work.held`` per run where the objective
    declares its :class:`surfaces.base.Work`: a mini-batch's, data included).

    >>> import optimizers, surfaces
    >>> footprint(optimizers.get("adam"), surfaces.get("rosenbrock"), (10, 2), 100)
    106320
    """
    shape = np.broadcast_shapes(tuple(shape), optimizer.batch_shape)
    size, runs = math.prod(shape), math.prod(shape[:-1])
    fields = 0
    if record_state:
        state = optimizer.init(np.zeros(shape[-1:]))
        fields = sum(
            v is not None and n != "step" for n, v in zip(state._fields, state, strict=True)
        )
    work = getattr(objective, "work", None)
    per_run = work.held if work is not None else 16
    return 8 * ((steps + 1) * (size * (4 + fields) + runs) + runs * per_run)


def _check_rows(
    objective: Objective,
    params: np.ndarray,
    loss: np.ndarray,
    divergence: np.ndarray,
    checked: int,
    t: int,
    low: np.ndarray | None,
    high: np.ndarray | None,
) -> int:
    """Fill the loss of rows checked+1..t and record the first unhealthy row of each run.

    Runs are independent, so a diverged run may go on computing until the next check: its rows
    after the divergence are blanked at the end and nobody sees them.
    """
    rows = slice(checked + 1, t + 1)
    loss[rows] = objective.f(params[rows])
    bad = ~_healthy(params[rows], loss[rows], low, high)
    first = checked + 1 + np.argmax(bad, axis=0)
    np.copyto(divergence, first, where=(divergence < 0) & bad.any(axis=0))
    return t


def _blank_after_divergence(
    divergence: np.ndarray, last: int, params: np.ndarray, loss: np.ndarray, *per_step: np.ndarray
) -> None:
    """NaN every row after a run's divergence step (and every row after ``last``, where the loop
    stopped). Per-step values shared by the whole batch (NAdam's μ product) are kept."""
    steps = params.shape[0] - 1
    if last == steps and (divergence < 0).all():
        return
    stop = np.where(divergence >= 0, divergence, last)
    after = np.arange(steps + 1).reshape((-1,) + (1,) * stop.ndim) > stop  # (steps+1, *batch)
    np.copyto(loss, np.nan, where=after)
    np.copyto(params, np.nan, where=after[..., None])
    step_after = after[1:, ..., None]  # row i of a per-step array holds step i + 1
    for a in per_step:
        if np.broadcast_shapes(step_after.shape, a.shape) == a.shape:
            np.copyto(a, np.nan, where=step_after)
        a[last:] = np.nan


def _healthy(
    x: np.ndarray, f: np.ndarray, low: np.ndarray | None, high: np.ndarray | None
) -> np.ndarray:
    """Finite loss, and parameters finite (or inside the escape box: NaN compares false)."""
    inside = np.isfinite(x) if low is None else (x >= low) & (x <= high)
    return inside.all(axis=-1) & np.isfinite(f)


def _escape_box(
    objective: Objective, margin: float | None, dim: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    bounds = getattr(objective, "bounds", None)
    if margin is None or bounds is None:
        return None, None
    if not (isinstance(margin, numbers.Real) and np.isfinite(margin) and margin >= 0):
        raise ValueError(f"bounds_margin must be a number in [0, inf) or None; got {margin!r}")
    b = np.asarray(bounds, dtype=float).reshape(dim, 2)
    width = b[:, 1] - b[:, 0]
    return b[:, 0] - margin * width, b[:, 1] + margin * width


def _record(states: dict[str, np.ndarray], state: Any, i: int, steps: int) -> None:
    if not states:  # first step: allocate one array per recorded field
        for name, value in zip(state._fields, state, strict=True):
            if value is not None and name != "step":
                states[name] = np.empty((steps, *np.shape(value)))
    for name, a in states.items():
        a[i] = getattr(state, name)


_STEPS = Param("steps", "Steps", kind=int)
_NOISE = Param("noise", "Gradient noise σ")


def _check_steps(steps: Any) -> int:
    return _STEPS.validate(steps)


def _check_noise(noise: Any) -> float:
    return _NOISE.validate(noise)


def _check_seed(seed: Any) -> int | None:
    """None, or a whole number ≥ 0 as an exact int (``3.0`` is 3, as ``steps`` accepts 8.0)."""
    if seed is None:
        return None
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool | np.bool_) and seed >= 0:
        return int(seed)  # exact: a float would merge seeds above 2**53
    if isinstance(seed, float | np.floating) and float(seed).is_integer() and seed >= 0:
        return int(seed)
    raise ValueError(f"seed must be None or a whole number in [0, inf); got {_show(seed)}")


def _check_schedule(schedule: Any) -> Schedule:
    if schedule is None:
        return Schedule()
    if isinstance(schedule, Schedule):
        return schedule
    example = schedule if isinstance(schedule, str) else "cosine"
    raise ValueError(
        f"schedule must be None or a Schedule, e.g. optimizers.schedules.get({example!r}); "
        f"got {_show(schedule)}"
    )


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        example = optimizer if isinstance(optimizer, str) else "adam"
        raise ValueError(
            f"optimizer must be an Optimizer, e.g. optimizers.get({example!r}); "
            f"got {_show(optimizer)}"
        )


def _check_objective(objective: Any) -> None:
    if not all(callable(getattr(objective, name, None)) for name in ("f", "grad")):
        example = objective if isinstance(objective, str) else "rosenbrock"
        raise ValueError(
            "objective must have vectorised f and grad methods, e.g. a surface: "
            f"surfaces.get({example!r}); got {_show(objective)}"
        )


def _check_start(x0: Any, objective: Objective, optimizer: Optimizer) -> np.ndarray:
    _check_optimizer(optimizer)
    _check_objective(objective)
    try:
        x = np.array(x0, dtype=float, ndmin=1)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be an array of numbers; got {_show(x0)}") from None
    except OverflowError:  # a Python int beyond float range
        raise ValueError(f"x0 must be finite; got {_show(x0)}") from None
    dim = getattr(objective, "dim", None)
    if dim is not None and x.shape[-1] != dim:
        raise ValueError(
            f"x0 must have {dim} coordinate(s) in its last axis (the objective's "
            f"dimension); got shape {x.shape}"
        )
    if not np.isfinite(x).all():
        raise ValueError(f"x0 must be finite; got {_show(x0)}")
    batch = optimizer.batch_shape
    try:
        shape = np.broadcast_shapes(x.shape, batch)
    except ValueError:
        shape = None
    if shape is None or shape[-1] != x.shape[-1]:
        arrays = ", ".join(
            f"{k} of shape {np.shape(v)}" for k, v in optimizer.hyperparams.items() if np.ndim(v)
        )
        raise ValueError(
            "x0's leading (batch) axes must broadcast against those of the optimizer's array "
            f"hyperparameters; got x0 of shape {x.shape} and {arrays}"
        )
    return np.broadcast_to(x, shape).copy()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
