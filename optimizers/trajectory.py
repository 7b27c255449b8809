"""The result of a run: a :class:`Trajectory` (one numpy array per quantity, steps along the
first axis), or an :class:`Outcome` (what a sweep reads: where each run ended, and when)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


class _Divergence:
    """The divergence properties a Trajectory and an Outcome share (``divergence_step``: -1 for
    a run that did not diverge)."""

    divergence_step: Array

    @property
    def diverged(self) -> Array:
        """Boolean per run: did it diverge?"""
        return self.divergence_step >= 0

    @property
    def diverged_at(self) -> int | Array | None:
        """The step at which each run diverged, or None (an object array for a batch)."""
        if self.divergence_step.ndim == 0:
            step = int(self.divergence_step)
            return None if step < 0 else step
        out = np.empty(self.divergence_step.shape, dtype=object)
        for index, step in np.ndenumerate(self.divergence_step):
            out[index] = None if step < 0 else int(step)
        return out


@dataclass(frozen=True, eq=False)
class Trajectory(_Divergence):
    """Everything a run recorded, for a batch of independent runs.

    Shapes, with ``batch`` the leading axes of the parameters and ``d`` their dimension:
    ``params`` (steps+1, *batch, d), row 0 the start; ``loss`` (steps+1, *batch);
    ``grads`` (the gradients the optimizer received, noise included), ``updates`` and ``lr_eff``
    (steps, *batch, d); ``lr`` (steps, ...) the scheduled learning rate of each step; ``state``
    the optimizer's state after each step, by torch's state names, each (steps, ...).
    After a run diverges, its rows are NaN; the row of the step that diverged keeps what that step
    produced (possibly infinite).
    """

    params: Array
    loss: Array
    grads: Array
    updates: Array
    lr_eff: Array
    lr: Array
    state: dict[str, Array] = field(default_factory=dict)
    divergence_step: Array = field(default_factory=lambda: np.array(-1))

    @property
    def steps(self) -> int:
        return self.params.shape[0] - 1

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.params.shape[1:-1]

    @property
    def realized_gain(self) -> Array:
        """``−Δθ / g`` per parameter, the realised gain: NaN where |g| < 1e-12."""
        with np.errstate(divide="ignore", invalid="ignore"):
            gain = -self.updates / self.grads
        return np.where(np.abs(self.grads) < 1e-12, np.nan, gain)

    def run(self, index: int | tuple[int, ...]) -> Trajectory:
        """The trajectory of one run of the batch (or a sub-batch), as its own Trajectory.

        Per-step values shared by the whole batch (a scalar learning rate, NAdam's μ product with
        scalar β₁) are kept whole.
        """
        index = index if isinstance(index, tuple) else (index,)
        sel = (slice(None), *index)
        shape = (self.steps, *self.params.shape[1:])

        def pick(a: Array) -> Array:
            return _expand(a, shape)[sel] if a.ndim >= 3 else a

        return Trajectory(
            self.params[sel],
            self.loss[sel],
            self.grads[sel],
            self.updates[sel],
            self.lr_eff[sel],
            pick(self.lr),
            {k: pick(v) for k, v in self.state.items()},
            self.divergence_step[index],
        )


@dataclass(frozen=True, eq=False)
class Outcome(_Divergence):
    """What a sweep reads of a batch of runs, from ``optimizers.run(..., record="outcome")``.

    Shapes, with ``batch`` the leading axes of the parameters and ``d`` their dimension:
    ``final_params`` (*batch, d) and ``final_loss`` (*batch), the last row of the run's
    trajectory (NaN for a run that diverged before the last step); ``divergence_step`` (*batch),
    -1 for a run that did not diverge; ``first_step`` maps the name of each watched condition to
    the first step at which it held, per run (-1 if it never did up to the last step or the
    divergence), of shape (*batch, ...) as the condition's result. Each equals what the full
    :class:`Trajectory` of the same call holds, bit for bit.
    """

    final_params: Array
    final_loss: Array
    divergence_step: Array
    first_step: dict[str, Array]
    steps: int

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.final_params.shape[:-1]


def _expand(a: Array, shape: tuple[int, ...]) -> Array:
    """View of a per-step array ``(steps, *s)`` broadcast to ``(steps, *batch, d)``."""
    inner = a.shape[1:]
    pad = (1,) * (len(shape) - 1 - len(inner))
    return np.broadcast_to(a.reshape(a.shape[:1] + pad + inner), shape)
