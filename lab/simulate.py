"""Run every optimizer of an experiment: the one place the dashboard calls the numerical core."""

from __future__ import annotations

from dataclasses import dataclass

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


def simulate(exp: Experiment) -> list[RunResult]:
    """Run each configuration from the same start with the same noise seed (a fair race).

    A configuration whose hyperparameters are invalid becomes a result with ``error`` set; the
    others still run.
    """
    objective = exp.objective()
    start = exp.start_point()
    schedule = exp.lr_schedule()
    results = []
    for label, config in zip(exp.labels(), exp.runs, strict=True):
        try:
            opt = config.build()
        except (ValueError, TypeError) as err:
            results.append(RunResult(label, config, error=str(err)))
            continue
        traj = optimizers.run(
            opt, objective, start, exp.steps, schedule=schedule, noise=exp.noise, seed=exp.seed
        )
        results.append(RunResult(label, config, traj))
    return results
