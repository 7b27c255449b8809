"""The run loop: one loop serves every optimizer, every objective and any batch of runs."""

from __future__ import annotations

import numbers
from typing import Any, Protocol

import numpy as np

from .base import Optimizer
from .schedules import Schedule
from .trajectory import Trajectory

MAX_VALUES = 400_000_000  # steps × parameters recorded per quantity: ~3 GB of float64


class Objective(Protocol):
    """Anything with a vectorised ``f`` (..., d) -> (...) and ``grad`` (..., d) -> (..., d).

    Optional: ``dim``; ``bounds`` (for divergence detection); ``stochastic`` with
    ``minibatch_grad(x, rng)`` for mini-batch gradients.
    """

    def f(self, x: np.ndarray) -> np.ndarray: ...

    def grad(self, x: np.ndarray) -> np.ndarray: ...


def run(optimizer: Optimizer, objective: Objective, x0: Any, steps: int, *,
        schedule: Schedule | None = None, noise: float = 0.0, seed: int | None = 0,
        bounds_margin: float | None = 10.0, record_state: bool = True) -> Trajectory:
    """Run ``optimizer`` on ``objective`` from ``x0`` for ``steps`` steps, for a batch of runs.

    The batch is the broadcast of ``x0``'s leading axes with the shapes of array-valued
    hyperparameters: ``x0`` of shape (N, d) runs N starts; ``lr`` of shape (N, 1) runs N learning
    rates. A run diverges at the first step whose parameters or loss are not finite, or whose
    parameters leave the objective's ``bounds`` widened by ``bounds_margin`` widths on each side
    (None: only non-finite values count); it then stops, and the others go on.

    Args:
        optimizer: from :func:`optimizers.get`.
        objective: anything with ``f`` and ``grad`` (a :mod:`surfaces` surface).
        x0: start point(s), shape (..., d), finite.
        steps: number of steps, a whole number ≥ 0.
        schedule: learning-rate schedule (default constant).
        noise: σ ≥ 0 of additive Gaussian noise on every gradient component.
        seed: seeds the gradient noise and mini-batch sampling; the same seed gives the same run.
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
    x = _check_start(x0, objective, optimizer)
    noise = _check_noise(noise)
    if (steps + 1) * x.size > MAX_VALUES:
        raise ValueError(f"steps × runs × dimension must stay below {MAX_VALUES:,}; "
                         f"got {(steps + 1) * x.size:,}")
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
    with np.errstate(all="ignore"):
        params[0] = x
        loss[0] = objective.f(x)
        alive = _healthy(x, loss[0], low, high)
        divergence = np.where(alive, -1, 0)
        state = optimizer.init(x)
        last = steps
        for t in range(1, steps + 1):
            if not alive.any():
                last = t - 1
                break
            g = objective.minibatch_grad(x, rng) if stochastic else objective.grad(x)
            if noise:
                g = g + noise * rng.standard_normal(shape)
            result = optimizer.step(g, state, x, lrs[t - 1])
            x_new = x + result.updates
            f_new = objective.f(x_new)
            state = result.state
            params[t], loss[t], grads[t - 1], updates[t - 1] = x_new, f_new, g, result.updates
            lr_eff[t - 1] = result.lr_eff
            if record_state:
                _record(states, state, t - 1, steps)
            if not alive.all():  # runs stopped earlier: blank their rows
                dead = ~alive
                for a in (params[t], grads[t - 1], updates[t - 1], lr_eff[t - 1]):
                    np.copyto(a, np.nan, where=dead[..., None])
                np.copyto(loss[t], np.nan, where=dead)
            ok = _healthy(x_new, f_new, low, high)
            newly = alive & ~ok
            if newly.any():
                divergence = np.where(newly, t, divergence)
                alive = alive & ok
            x = x_new if alive.all() else np.where(alive[..., None], x_new, x)
        for a in (params[last + 1:], loss[last + 1:], grads[last:], updates[last:],
                  lr_eff[last:], *(v[last:] for v in states.values())):
            a.fill(np.nan)
    arrays = (params, loss, grads, updates, lr_eff, lr_per_step, *states.values(), divergence)
    for a in arrays:
        a.flags.writeable = False
    return Trajectory(params, loss, grads, updates, lr_eff, lr_per_step, states, divergence)


def _healthy(x: np.ndarray, f: np.ndarray, low: np.ndarray | None,
             high: np.ndarray | None) -> np.ndarray:
    ok = np.isfinite(x).all(axis=-1) & np.isfinite(f)
    if low is not None:
        ok &= ((x >= low) & (x <= high)).all(axis=-1)
    return ok


def _escape_box(objective: Objective, margin: float | None,
                dim: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    bounds = getattr(objective, "bounds", None)
    if margin is None or bounds is None:
        return None, None
    if not (isinstance(margin, numbers.Real) and np.isfinite(margin) and margin >= 0):
        raise ValueError(f"bounds_margin must be a number in [0, inf) or None; got {margin!r}")
    b = np.asarray(bounds, dtype=float).reshape(dim, 2)
    width = b[:, 1] - b[:, 0]
    return b[:, 0] - margin * width, b[:, 1] + margin * width


def _record(states: dict[str, np.ndarray], state: Any, i: int, steps: int) -> None:
    for name, value in state._asdict().items():
        if value is None or name == "step":
            continue
        if name not in states:
            states[name] = np.full((steps, *np.shape(value)), np.nan)
        states[name][i] = value


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be a whole number in [0, inf); got {steps!r}")
    return int(steps)


def _check_noise(noise: Any) -> float:
    if not (isinstance(noise, numbers.Real) and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a number in [0, inf); got {noise!r}")
    return float(noise)


def _check_start(x0: Any, objective: Objective, optimizer: Optimizer) -> np.ndarray:
    try:
        x = np.array(x0, dtype=float, ndmin=1)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be an array of numbers; got {x0!r}") from None
    dim = getattr(objective, "dim", None)
    if dim is not None and x.shape[-1] != dim:
        raise ValueError(f"x0 must have {dim} coordinate(s) in its last axis (the objective's "
                         f"dimension); got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"x0 must be finite; got {x0!r}")
    shape = np.broadcast_shapes(x.shape, optimizer.batch_shape)
    return np.broadcast_to(x, shape).copy()
