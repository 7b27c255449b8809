"""Models trained on data as objectives for the run loop: data sets, networks with exact
gradients, the registry, and the loss-landscape plane of the trajectories.

>>> import models, optimizers
>>> obj = models.get("mlp", dataset="spiral", hidden=(8,), n=100)
>>> traj = optimizers.run(optimizers.get("adam", lr=0.01), obj, obj.x0, 5)
>>> traj.params.shape, obj.accuracy(traj.params).shape
((6, 42), (6,))

Imports numpy only (never Streamlit, pandas or Altair).
"""

from models import datasets
from models.datasets import Dataset
from models.networks import Layer, Network
from models.objective import BatchSequence, ModelObjective
from models.plane import Plane, landscape_plane, principal_plane, project
from models.registry import TITLES, choices, defaults, get, names, parameters

__all__ = [
    "TITLES",
    "BatchSequence",
    "Dataset",
    "Layer",
    "ModelObjective",
    "Network",
    "Plane",
    "choices",
    "datasets",
    "defaults",
    "get",
    "landscape_plane",
    "names",
    "parameters",
    "principal_plane",
    "project",
]
