"""The optimizer type, its step result, and hyperparameter validation shared by every optimizer.

An optimizer is a pair of pure functions in the optax style, ``init(params) -> state`` and
``step(grads, state, params, lr) -> Step``, plus the validated hyperparameters they close over.
States are small ``NamedTuple``s whose field names follow ``torch.optim``'s state keys
(``exp_avg``, ``square_avg``, ``momentum_buffer`` ...), so what a student sees in the dashboard is
what ``optimizer.state`` shows in torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from params import Param, validate_all

Array = np.ndarray
Scalar = float | Array


class Oracle(NamedTuple):
    """The objective, for an optimizer that needs more of it than the gradient at θ: L-BFGS
    evaluates it along its line search, Muon reads which coordinates form a matrix.

    ``value_and_grad(x)`` gives f and ∇f at points ``x`` (..., d), with the run's gradient noise
    drawn afresh, and ``f(x)`` the loss alone (both None for a mini-batch objective, whose loss
    changes from call to call); ``blocks`` says how the parameter vector splits into tensors, as
    ``(slice, shape)`` pairs in order (a model's weight matrices ``(fan_out, fan_in)`` and
    biases), or None when it is one vector.
    """

    value_and_grad: Callable[[Array], tuple[Array, Array]] | None
    f: Callable[[Array], Array] | None = None
    blocks: tuple[tuple[slice, tuple[int, ...]], ...] | None = None


class Step(NamedTuple):
    """What one optimizer step produces.

    ``updates`` is added to the parameters by the caller; ``lr_eff`` is the per-parameter effective
    learning rate of this step (see each optimizer's docstring for its definition).
    """

    updates: Array
    state: Any
    lr_eff: Array


Hyperparam = Param  # an optimizer's hyperparameter is a declared number like any other


def validate(specs: tuple[Param, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every hyperparameter of an optimizer factory's arguments against its specs, and
    the shapes of the array-valued ones (see :func:`check_batch`)."""
    h = validate_all(specs, values)
    check_batch(h)
    return h


def check_batch(hyperparams: Mapping[str, Any]) -> None:
    """Check that array hyperparameters describe one batch of runs: ``ValueError`` if not.

    Leading axes of the parameters ``(..., d)`` are the batch; an array hyperparameter holds one
    value per run, so its shape is ``(..., 1)``: its last axis is the coordinates, which share the
    run's value (a per-coordinate value would silently act on the d coordinates instead, and fail
    or mean something else when the shapes change). The arrays must broadcast together.

    >>> check_batch({"lr": np.ones((3, 1)), "beta1": np.full((4, 1, 1), 0.9)})  # a 4 × 3 grid
    >>> check_batch({"lr": np.ones((3, 1)), "beta1": np.full((4, 1), 0.9)})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: array hyperparameters must broadcast ...; got lr of shape (3, 1) and beta1 of ...
    >>> check_batch({"lr": np.array([0.1, 0.2])})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: lr must be ... shape (..., 1), ...; got an array of shape (2,): for 2 runs use ...
    """
    shapes = {k: np.shape(v) for k, v in hyperparams.items() if np.ndim(v)}
    names = list(shapes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            try:
                np.broadcast_shapes(shapes[a], shapes[b])
            except ValueError:
                raise ValueError(
                    "array hyperparameters must broadcast to one batch of runs; "
                    f"got {a} of shape {shapes[a]} and {b} of shape {shapes[b]}"
                ) from None
    for name, shape in shapes.items():
        if shape[-1] != 1:
            runs = " × ".join(map(str, shape))
            raise ValueError(
                f"{name} must be a number or an array of shape (..., 1), one value per run (the "
                f"last axis is the coordinates, which share it); got an array of shape {shape}: "
                f"for {runs} runs use shape {(*shape, 1)}"
            )


def is_zero(x: Scalar) -> bool:
    """True when a (possibly array) hyperparameter is zero everywhere: its branch can be skipped."""
    return not np.any(x)


@dataclass(frozen=True, eq=False)
class Optimizer:
    """A gradient-descent optimizer: validated hyperparameters plus pure ``init`` and ``step``.

    ``update(grads, state, params)`` is the optax-style entry point; ``step`` also takes the
    learning rate in force (so the run loop can apply a schedule) and returns the effective
    learning rate. Neither mutates its inputs.

    An optimizer that needs the objective itself has ``bind``: ``bind(oracle)`` returns the
    optimizer whose steps use that :class:`Oracle` (the run loop binds before the first step).

    A hyperparameter is a number, or an array of one value per run shaped ``(..., 1)`` to
    broadcast against the batch axes of the parameters ``(..., d)``: ``lr`` of shape (N, 1) is N
    runs. Per-coordinate values (shape ``(d,)``) are refused when the optimizer is built.
    """

    name: str
    hyperparams: Mapping[str, Any]
    init: Callable[[Array], Any] = field(repr=False)
    step: Callable[[Array, Any, Array, Scalar], Step] = field(repr=False)
    bind: Callable[[Oracle], Optimizer] | None = field(default=None, repr=False)
    # when runs step one at a time (L-BFGS): per run and step, (objective evaluations, Python or
    # numpy operations of the optimizer's own), typical figures, for the given dimension and
    # whether the gradient is noisy
    per_run: Callable[[int, bool], tuple[int, int]] | None = field(default=None, repr=False)

    def update(self, grads: Array, state: Any, params: Array) -> tuple[Array, Any]:
        """One step at the optimizer's own learning rate: ``(updates, new_state)``."""
        result = self.step(grads, state, params, self.hyperparams["lr"])
        return result.updates, result.state

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Broadcast shape of the array-valued hyperparameters, ``(..., 1)`` (``()`` when all are
        scalars): it broadcasts against the parameters ``(..., d)``, its leading axes against
        their batch axes."""
        shapes = [np.shape(v) for v in self.hyperparams.values() if isinstance(v, np.ndarray)]
        return np.broadcast_shapes(*shapes) if shapes else ()
