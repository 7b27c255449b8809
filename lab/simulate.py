"""Run every optimizer of an experiment: the one place the dashboard calls the numerical core."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import optimizers
from optimizers import Trajectory

from .experiment import Experiment, RunConfig


@dataclass(frozen=True, eq=False)
class RunResult:
    """One run's outcome: its trajectory, or the error that kept it from running."""

    label: str
    config: RunConfig
    trajectory: Trajectory | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.trajectory is not None


def simulate(
    exp: Experiment, one: Callable[[Experiment, str], RunResult] | None = None
) -> list[RunResult]:
    """Run each configuration from the same start with the same noise seed (a fair race).

    A configuration whose hyperparameters are invalid becomes a result with ``error`` set; the
    others still run.

    Args:
        exp: the experiment.
        one: how one run is made, ``one(solo, label)`` with ``solo`` the experiment holding that
            run alone (default :func:`run_one`). Runs do not depend on each other, so a caller
            may cache them one by one: a changed learning rate then reruns one run, not all.
    """
    one = one or run_one
    return [
        one(replace(exp, runs=(config,)), label)
        for label, config in zip(exp.labels(), exp.runs, strict=True)
    ]


def run_one(solo: Experiment, label: str) -> RunResult:
    """The result of ``solo``'s single run, labelled ``label``."""
    (config,) = solo.runs
    try:
        opt = config.build()
    except (ValueError, TypeError) as err:
        return RunResult(label, config, error=str(err))
    try:
        traj = optimizers.run(
            opt,
            solo.objective(),
            solo.start_point(),
            solo.steps,
            schedule=solo.lr_schedule(),
            noise=solo.noise,
            seed=solo.seed,
        )
    except ValueError as err:  # a setting this run cannot take (L-BFGS on mini-batches)
        return RunResult(label, config, error=str(err))
    return RunResult(label, config, traj)
