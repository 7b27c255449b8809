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
    """Validate every hyperparameter of an optimizer factory's arguments against its specs."""
    return validate_all(specs, values)


def is_zero(x: Scalar) -> bool:
    """True when a (possibly array) hyperparameter is zero everywhere: its branch can be skipped."""
    return not np.any(x)


@dataclass(frozen=True, eq=False)
class Optimizer:
    """A gradient-descent optimizer: validated hyperparameters plus pure ``init`` and ``step``.

    ``update(grads, state, params)`` is the optax-style entry point; ``step`` also takes the
    learning rate in force (so the run loop can apply a schedule) and returns the effective
    learning rate. Neither mutates its inputs.
    """

    name: str
    hyperparams: Mapping[str, Any]
    init: Callable[[Array], Any] = field(repr=False)
    step: Callable[[Array, Any, Array, Scalar], Step] = field(repr=False)

    def update(self, grads: Array, state: Any, params: Array) -> tuple[Array, Any]:
        """One step at the optimizer's own learning rate: ``(updates, new_state)``."""
        result = self.step(grads, state, params, self.hyperparams["lr"])
        return result.updates, result.state

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Broadcast shape of the array-valued hyperparameters (``()`` when all are scalars)."""
        shapes = [np.shape(v) for v in self.hyperparams.values() if isinstance(v, np.ndarray)]
        return np.broadcast_shapes(*shapes) if shapes else ()
