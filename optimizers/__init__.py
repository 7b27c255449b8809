"""Gradient-descent optimizers in pure numpy that match ``torch.optim`` step for step.

>>> import optimizers
>>> opt = optimizers.get("adam", lr=0.01)
>>> state = opt.init(np.zeros(2))
>>> updates, state = opt.update(np.array([1.0, -2.0]), state, np.zeros(2))
>>> updates.round(6)
array([-0.01,  0.01])
"""

import numpy as np

from . import schedules
from .base import Hyperparam, Optimizer, Step
from .description import Line, StateField
from .registry import (
    defaults,
    entry,
    get,
    hyperparams,
    names,
    rule,
    state_labels,
    title,
    velocity,
)
from .run import run
from .schedules import Schedule
from .trajectory import Outcome, Trajectory

__all__ = [
    "Hyperparam",
    "Line",
    "Optimizer",
    "Outcome",
    "Schedule",
    "StateField",
    "Step",
    "Trajectory",
    "defaults",
    "entry",
    "get",
    "hyperparams",
    "names",
    "np",
    "rule",
    "run",
    "schedules",
    "state_labels",
    "title",
    "velocity",
]
