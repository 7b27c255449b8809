"""The run loop: one loop serves every optimizer, every objective and any batch of runs."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, Protocol

import numpy as np

from params import Param

from .base import Optimizer, Oracle, Step
from .schedules import Schedule
from .trajectory import Outcome, Trajectory

CHECK_EVERY = 64  # steps between divergence checks (each check is one vectorised pass)
MAX_BYTES = 4 * 2**30  # the most one call may hold (see `footprint`); apps set smaller budgets
RECORDS = ("trajectory", "outcome")

Record = Literal["trajectory", "outcome"]
Condition = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (params, loss) of rows -> bool


class Objective(Protocol):
    """Anything with a vectorised ``f`` (..., d) -> (...) and ``grad`` (..., d) -> (..., d).

    Optional: ``dim``; ``bounds`` (for divergence detection); ``stochastic`` with
    ``minibatch_grad(x, rng)`` for mini-batch gradients, or with ``batches(rng)`` returning a
    sampler ``sample(x, step) -> grad`` for one call (step 0-based: epochs of mini-batches).
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
    record: Record = "trajectory",
    watch: Mapping[str, Condition] | None = None,
) -> Trajectory | Outcome:
    """Run ``optimizer`` on ``objective`` from ``x0`` for ``steps`` steps, for a batch of runs.

    The batch is the broadcast of ``x0``'s leading axes with the shapes of array-valued
    hyperparameters: ``x0`` of shape (N, d) runs N starts; ``lr`` of shape (N, 1) runs N learning
    rates. A run diverges at the first step whose parameters or loss are not finite, or whose
    parameters leave the objective's ``bounds`` widened by ``bounds_margin`` widths on each side
    (None: only non-finite values count); it then stops, and the others go on.

    With ``record="outcome"`` the run keeps only what a sweep reads: each run's final parameters
    and loss, its divergence step, and the first step at which each condition in ``watch``
    held. It holds a few rows per run (those since the last divergence check) instead of every
    step, and gives the same numbers, bit for bit, as the full trajectory of the same call.

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
        record_state: also record the optimizer's state after every step (trajectory only).
        record: ``"trajectory"`` (every step's values) or ``"outcome"`` (what a sweep reads).
        watch: outcome only: conditions by name, each ``condition(params, loss)`` of a chunk of
            consecutive rows (read-only), shapes (rows, *batch, d) and (rows, *batch), returning
            a boolean array (rows, *batch, ...) (trailing axes allowed, e.g. one per target
            point). Rows count from the start (row 0) up to the run's last or divergence step.

    Returns:
        A :class:`Trajectory`, or with ``record="outcome"`` an :class:`Outcome`.

    >>> import optimizers, surfaces
    >>> traj = run(optimizers.get("sgd", lr=0.5), surfaces.get("parabola"), [4.0], 3)
    >>> traj.params[:, 0]
    array([4. , 2. , 1. , 0.5])
    >>> lrs = np.array([[0.5], [1.0], [2.5]])  # three runs; ½x² diverges for lr > 2
    >>> out = run(optimizers.get("sgd", lr=lrs), surfaces.get("parabola"), [4.0], 100,
    ...           record="outcome", watch={"tol": lambda x, f: f < 1e-6})
    >>> out.first_step["tol"], out.diverged_at
    (array([12,  1, -1]), array([None, None, 9], dtype=object))
    >>> out.final_loss
    array([0., 0., nan])
    """
    steps = _check_steps(steps)
    seed = _check_seed(seed)
    schedule = _check_schedule(schedule)
    x = _check_start(x0, objective, optimizer)
    noise = _check_noise(noise)
    watch = _check_watch(record, watch)
    need = footprint(optimizer, objective, x.shape, steps, record_state=record_state, record=record)
    if need > MAX_BYTES:
        held = "steps × runs × recorded quantities" if record == "trajectory" else "runs"
        raise ValueError(
            f"this run would hold {need / 2**30:.1f} GiB ({held}, "
            f"and the objective's working memory); at most {MAX_BYTES / 2**30:g} GiB: "
            f"lower steps (now {steps:,}) or the number of runs (now {x.size // x.shape[-1]:,})"
        )
    rng = np.random.default_rng(seed)
    base_lr = optimizer.hyperparams["lr"]
    lr_per_step = (schedule or Schedule()).lrs(steps, base_lr)  # (steps, *np.shape(base_lr))
    lrs = lr_per_step.tolist() if np.ndim(base_lr) == 0 else lr_per_step  # floats are faster
    if schedule is not None and schedule.reacts_to_loss:  # ReduceLROnPlateau: lr from the loss
        lr_per_step = np.empty((steps, *x.shape[:-1], 1)) if record == "trajectory" else None
        lrs = _Plateau(schedule, base_lr, objective, x.shape[:-1], lr_per_step)
    low, high = _escape_box(objective, bounds_margin, x.shape[-1])
    if optimizer.bind is not None:  # L-BFGS's line search, Muon's matrices
        optimizer = optimizer.bind(oracle(objective, noise, rng))
    path = _path(optimizer, objective, x, steps, lrs, noise, rng)
    with np.errstate(all="ignore"):  # diverging runs overflow: expected, and handled below
        if record == "outcome":
            return _outcome(objective, x, steps, path, low, high, watch)
        return _trajectory(objective, x, steps, path, low, high, lr_per_step, record_state)


def _path(
    optimizer: Optimizer,
    objective: Objective,
    x: np.ndarray,
    steps: int,
    lrs: Any,
    noise: float,
    rng: np.random.Generator,
) -> Iterator[tuple[np.ndarray, Step, np.ndarray]]:
    """Steps 1..steps of every run: yields each step's gradient (noise included), the
    optimizer's :class:`Step`, and the new parameters. Written once for both records."""
    stochastic = getattr(objective, "stochastic", False)
    # An objective with ``batches(rng)`` (a model's epochs of mini-batches) gives a sampler
    # ``sample(x, t)`` per call: step t's batch, the same for every run of the batch.
    sample = objective.batches(rng) if stochastic and hasattr(objective, "batches") else None
    state = optimizer.init(x)
    for t in range(steps):
        if sample is not None:
            g = sample(x, t)
        else:
            g = objective.minibatch_grad(x, rng) if stochastic else objective.grad(x)
        if noise:
            g = g + noise * rng.standard_normal(x.shape)
        result = optimizer.step(g, state, x, lrs(t, x) if callable(lrs) else lrs[t])
        state = result.state
        x = x + result.updates
        yield g, result, x


def oracle(
    objective: Objective, noise: float = 0.0, rng: np.random.Generator | None = None
) -> Oracle:
    """The :class:`~optimizers.base.Oracle` of ``objective``: its loss and gradient at any point
    (each gradient with the run's noise, drawn from ``rng``), unless it is a mini-batch
    objective, and its ``blocks`` where it declares them."""
    blocks = getattr(objective, "blocks", None)
    if getattr(objective, "stochastic", False):
        return Oracle(None, None, blocks)
    rng = rng if rng is not None else np.random.default_rng(0)

    def value_and_grad(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = objective.grad(x)
        if noise:
            g = g + noise * rng.standard_normal(np.shape(x))
        return objective.f(x), g

    return Oracle(value_and_grad, objective.f, blocks)


class _Plateau:
    """The learning rate of each step under ReduceLROnPlateau, for every run of the batch: the
    lr in force, after which the scheduler is stepped with each run's loss at ``x`` (the point of
    this step's gradient, as a training loop calls ``scheduler.step(loss)`` after the optimizer
    step). Records each step's lr in ``record`` when given."""

    def __init__(self, schedule: Schedule, lr: Any, objective: Objective, batch, record) -> None:
        self.schedule, self.objective, self.record = schedule, objective, record
        self.state = schedule.plateau_start(lr, batch)

    def __call__(self, t: int, x: np.ndarray) -> np.ndarray:
        lr = self.state.lr
        if self.record is not None:
            self.record[t] = lr
        self.state = self.schedule.plateau_step(self.state, self.objective.f(x))
        return lr


def _trajectory(
    objective: Objective,
    x: np.ndarray,
    steps: int,
    path: Iterator[tuple[np.ndarray, Step, np.ndarray]],
    low: np.ndarray | None,
    high: np.ndarray | None,
    lr_per_step: np.ndarray,
    record_state: bool,
) -> Trajectory:
    """Record every step of ``path``, checking divergence every CHECK_EVERY steps."""
    shape, batch = x.shape, x.shape[:-1]
    params = np.empty((steps + 1, *shape))
    loss = np.empty((steps + 1, *batch))
    grads, updates, lr_eff = (np.empty((steps, *shape)) for _ in range(3))
    states: dict[str, np.ndarray] = {}
    divergence = np.full(batch, -1)
    params[0] = x
    start, last = 0, steps  # the first row whose loss and health are not known yet
    for t, (g, result, x) in enumerate(path, start=1):
        params[t], grads[t - 1], updates[t - 1] = x, g, result.updates
        lr_eff[t - 1] = result.lr_eff
        if record_state:
            _record(states, result.state, t - 1, steps)
        if t % CHECK_EVERY == 0 or t == steps:
            loss[start : t + 1] = _check_rows(
                objective, params[start : t + 1], start, divergence, low, high
            )
            start = t + 1
            if (divergence >= 0).all():
                last = t
                break
    if steps == 0:
        loss[:] = _check_rows(objective, params, 0, divergence, low, high)
    _blank_after_divergence(
        divergence, last, params, loss, grads, updates, lr_eff, *states.values()
    )
    arrays = (params, loss, grads, updates, lr_eff, lr_per_step, *states.values(), divergence)
    for a in arrays:
        a.flags.writeable = False
    return Trajectory(params, loss, grads, updates, lr_eff, lr_per_step, states, divergence)


def _outcome(
    objective: Objective,
    x: np.ndarray,
    steps: int,
    path: Iterator[tuple[np.ndarray, Step, np.ndarray]],
    low: np.ndarray | None,
    high: np.ndarray | None,
    watch: Mapping[str, Condition],
) -> Outcome:
    """Keep the rows since the last divergence check in a ring (the trajectory's chunks, row
    for row), and of each chunk only the divergence steps and the first steps of ``watch``."""
    batch = x.shape[:-1]
    ring = np.empty((min(steps, CHECK_EVERY) + 1, *x.shape))  # the first chunk has one more row
    divergence = np.full(batch, -1)
    first: dict[str, np.ndarray] = {}
    ring[0] = x
    start = 0  # the row ring[0] holds
    for t, (_, _, x) in enumerate(path, start=1):
        ring[t - start] = x
        if t % CHECK_EVERY == 0 or t == steps:
            loss = _check_rows(objective, ring[: t + 1 - start], start, divergence, low, high)
            _first_steps(watch, first, ring[: t + 1 - start], loss, start, divergence)
            start = t + 1
            if (divergence >= 0).all():
                break
    if steps == 0:
        loss = _check_rows(objective, ring, 0, divergence, low, high)
        _first_steps(watch, first, ring, loss, 0, divergence)
    ended = (divergence < 0) | (divergence == steps)  # ran to the last step: its row is kept
    final_params = np.where(ended[..., None], x, np.nan)
    final_loss = np.where(ended, loss[-1], np.nan)
    for a in (final_params, final_loss, divergence, *first.values()):
        a.flags.writeable = False
    return Outcome(final_params, final_loss, divergence, first, steps)


def footprint(
    optimizer: Optimizer,
    objective: Objective,
    shape: tuple[int, ...],
    steps: int,
    *,
    record_state: bool = True,
    record: Record = "trajectory",
) -> int:
    """Bytes `run` holds at its peak for starts of ``shape`` (..., d) and ``steps`` steps.

    A trajectory counts what it records (parameters, gradients, updates and effective learning
    rates for every step and run, the loss, and each optimizer state field when
    ``record_state``). An outcome counts the rows it keeps between divergence checks (their
    parameters and loss, and the same again for the watched conditions' results), one step's
    working values (parameters, gradient, update, effective learning rate, each state field)
    and its results. Both count one gradient evaluation's working values
    (``objective.work.held`` per run where the objective declares its
    :class:`surfaces.base.Work`: a mini-batch's, data included).

    >>> import optimizers, surfaces
    >>> footprint(optimizers.get("adam"), surfaces.get("rosenbrock"), (10, 2), 100)
    106320
    >>> footprint(optimizers.get("adam"), surfaces.get("rosenbrock"), (10, 2), 100,
    ...           record="outcome")
    33840
    """
    _check_record(record)
    shape = np.broadcast_shapes(tuple(shape), optimizer.batch_shape)
    size, runs = math.prod(shape), math.prod(shape[:-1])
    state = optimizer.init(np.zeros(shape[-1:]))
    fields = len(_recorded(state))
    work = getattr(objective, "work", None)
    per_run = work.held if work is not None else 16
    if record == "outcome":
        rows = min(steps, CHECK_EVERY) + 1
        held = 2 * rows * (size + runs) + (4 + fields) * size + (size + 3 * runs)
        return 8 * (held + runs * per_run)
    recorded = fields if record_state else 0
    return 8 * ((steps + 1) * (size * (4 + recorded) + runs) + runs * per_run)


def _check_rows(
    objective: Objective,
    rows: np.ndarray,
    start: int,
    divergence: np.ndarray,
    low: np.ndarray | None,
    high: np.ndarray | None,
) -> np.ndarray:
    """The loss of ``rows``, consecutive rows of parameters from row ``start`` on; records the
    first unhealthy row of each run in ``divergence`` (the one place divergence is decided).

    Runs are independent, so a diverged run may go on computing until the next check: what it
    computes after its divergence step is blanked or ignored, and nobody sees it.
    """
    loss = objective.f(rows)
    bad = ~_healthy(rows, loss, low, high)
    first = start + np.argmax(bad, axis=0)
    np.copyto(divergence, first, where=(divergence < 0) & bad.any(axis=0))
    return loss


def _first_steps(
    watch: Mapping[str, Condition],
    first: dict[str, np.ndarray],
    rows: np.ndarray,
    loss: np.ndarray,
    start: int,
    divergence: np.ndarray,
) -> None:
    """Record in ``first`` the first row from ``start`` on where each watched condition holds,
    per run, counting no row after the run's divergence step."""
    if not watch:
        return
    rows, loss = rows.view(), loss.view()
    rows.flags.writeable = loss.flags.writeable = False  # a condition cannot change the run
    index = np.arange(start, start + len(rows)).reshape((-1,) + (1,) * divergence.ndim)
    live = (divergence < 0) | (index <= divergence)  # (rows, *batch)
    for name, condition in watch.items():
        hold = np.asarray(condition(rows, loss))
        if hold.dtype != bool or hold.shape[: live.ndim] != live.shape:
            want = "(" + ", ".join(map(str, live.shape)) + ", ...)"
            raise ValueError(
                f"watch[{name!r}] must return a boolean array of shape (rows, *batch, ...) = "
                f"{want}; got {hold.dtype} of shape {hold.shape}"
            )
        hold = hold & live.reshape(live.shape + (1,) * (hold.ndim - live.ndim))
        if name not in first:
            first[name] = np.full(hold.shape[1:], -1)
        hit = start + np.argmax(hold, axis=0)
        np.copyto(first[name], hit, where=(first[name] < 0) & hold.any(axis=0))


def _blank_after_divergence(
    divergence: np.ndarray, last: int, params: np.ndarray, loss: np.ndarray, *per_step: np.ndarray
) -> None:
    """NaN every row after a run's divergence step (and every row after ``last``, where the loop
    stopped). Per-step values shared by the whole batch (NAdam's μ product) are kept.

    Touches only what it blanks: the rows after every run's stop, and, before them, the columns
    of the runs that stopped early (a sweep's few diverged runs cost a few columns, not a pass
    over every recorded array)."""
    steps = params.shape[0] - 1
    stop = np.where(divergence >= 0, divergence, last).ravel()  # each run's last kept row
    cols = np.flatnonzero(stop < steps)
    if not cols.size:
        return
    lo, hi = int(stop[cols].min()) + 1, int(stop.max()) + 1  # rows hi.. are blank for every run
    after = np.arange(lo, hi)[:, None] > stop[cols]  # (hi - lo, runs that stopped early)
    _blank_rows(np.reshape(loss, (steps + 1, stop.size), copy=False), 0, lo, hi, cols, after)
    _blank_rows(np.reshape(params, (steps + 1, stop.size, -1), copy=False), 0, lo, hi, cols, after)
    step_shape = (steps, *divergence.shape, 1)
    for a in per_step:
        if a.ndim == len(step_shape) and np.broadcast_shapes(step_shape, a.shape) == a.shape:
            flat = np.reshape(a, (steps, stop.size, -1), copy=False)
            _blank_rows(flat, 1, lo, hi, cols, after)  # row i of a per-step array holds step i + 1
        a[last:] = np.nan


def _blank_rows(
    a: np.ndarray, first: int, lo: int, hi: int, cols: np.ndarray, after: np.ndarray
) -> None:
    """NaN rows ``hi``.. of ``a`` (rows, runs, ...), whose row 0 is step ``first``, and the
    entries of rows ``lo``..``hi``-1 of runs ``cols`` where ``after`` (hi - lo, len(cols))."""
    a[hi - first :] = np.nan
    rows = slice(lo - first, hi - first)
    mask = after.reshape(after.shape + (1,) * (a.ndim - 2))
    a[rows, cols] = np.where(mask, np.nan, a[rows, cols])


def _healthy(
    x: np.ndarray, f: np.ndarray, low: np.ndarray | None, high: np.ndarray | None
) -> np.ndarray:
    """Finite loss, and parameters finite (or inside the escape box: NaN compares false)."""
    if x.shape[-1] > 8:
        inside = np.isfinite(x) if low is None else (x >= low) & (x <= high)
        return inside.all(axis=-1) & np.isfinite(f)
    ok = np.isfinite(f)
    for i in range(x.shape[-1]):  # a coordinate at a time: .all over a short last axis is slow
        xi = x[..., i]
        ok &= np.isfinite(xi) if low is None else (xi >= low[i]) & (xi <= high[i])
    return ok


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


def _recorded(state: Any) -> list[str]:
    """The fields of an optimizer state a trajectory records: every number or array but the
    step count (None marks a switched-off field; a tuple is a run's private memory, such as
    L-BFGS's history of pairs)."""
    return [
        name
        for name, value in zip(state._fields, state, strict=True)
        if value is not None and name != "step" and not isinstance(value, tuple)
    ]


def _record(states: dict[str, np.ndarray], state: Any, i: int, steps: int) -> None:
    if not states:  # first step: allocate one array per recorded field
        for name in _recorded(state):
            states[name] = np.empty((steps, *np.shape(getattr(state, name))))
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


def _check_record(record: Any) -> None:
    if not (isinstance(record, str) and record in RECORDS):
        raise ValueError(
            f"record must be one of {', '.join(map(repr, RECORDS))}; got {_show(record)}"
        )


def _check_watch(record: Any, watch: Any) -> dict[str, Condition]:
    _check_record(record)
    if watch is None:
        return {}
    if record != "outcome":
        raise ValueError(
            f"watch needs record='outcome' (a trajectory holds every step); got record={record!r}"
        )
    if not isinstance(watch, Mapping) or not all(
        isinstance(k, str) and callable(v) for k, v in watch.items()
    ):
        raise ValueError(
            "watch must map names to conditions, e.g. {'tol': lambda params, loss: loss < 1e-6}; "
            f"got {_show(watch)}"
        )
    return dict(watch)


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
