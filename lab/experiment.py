"""The setup of one comparison: the function, the optimizer runs, the start, the steps, the seed.

An :class:`Experiment` is a frozen, hashable value: it keys the result caches, and
:mod:`lab.codecs` turns it into a link or a JSON file and back. The numbers a user sets on it
(steps, noise, seed, tolerance) are declared here as :class:`params.Param`, the one range every
widget, link and upload accepts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import models
import optimizers
import surfaces
from optimizers import schedules
from params import Param

MAX_RUNS = 12
FORMULA = "formula"  # the registered surface of a formula the user typed (text, bounds)

Params = tuple[tuple[str, Any], ...]

STEPS = Param("steps", "Steps", kind=int, low=1, high=5000, high_inclusive=True)
NOISE = Param(
    "noise",
    "Gradient noise σ",
    high=1e3,
    high_inclusive=True,
    help="Adds N(0, σ²) to every gradient component.",
)
SEED = Param(
    "seed",
    "Random seed",
    kind=int,
    high=2**32 - 1,
    high_inclusive=True,
    help="Seeds the noise and mini-batches: the same seed, the same run.",
)
TOLERANCE = Param(
    "tolerance",
    "Tolerance on f − f_min",
    low=1e-300,
    high=1e300,
    high_inclusive=True,
    log=True,
    ui_range=(1e-16, 0.1),
    help="The summary counts steps until f − f_min is below this.",
)


@dataclass(frozen=True)
class RunConfig:
    """One optimizer configuration: its registry name and the hyperparameters set explicitly."""

    optimizer: str
    hyperparams: Params = ()

    def build(self) -> optimizers.Optimizer:
        """The optimizer; ``ValueError`` (naming the hyperparameter) when a value is invalid."""
        return optimizers.get(self.optimizer, **dict(self.hyperparams))

    def value(self, name: str) -> Any:
        """The hyperparameter's value: the explicit one, else the optimizer's default."""
        return dict(self.hyperparams).get(name, optimizers.defaults(self.optimizer)[name])

    def changed(self) -> Params:
        """The learning rate, then every hyperparameter that differs from its default."""
        defaults = optimizers.defaults(self.optimizer)
        return tuple((k, v) for k, v in self.hyperparams if k == "lr" or v != defaults[k])

    def canonical(self) -> RunConfig:
        kept = dict(self.changed())
        kept.setdefault("lr", optimizers.defaults(self.optimizer)["lr"])
        return run_config(self.optimizer, **kept)

    @property
    def label(self) -> str:
        """A short name for legends: the optimizer and the settings that differ from default."""
        changed = [f"{k}={short(v)}" for k, v in self.changed()]
        return " ".join([optimizers.title(self.optimizer), *changed])


def run_config(optimizer: str, **hyperparams: Any) -> RunConfig:
    """Shorthand: ``run_config("adam", lr=0.01)``, hyperparameters in the optimizer's order."""
    order = [spec.name for spec in optimizers.hyperparams(optimizer)]
    unknown = set(hyperparams) - set(order)
    if unknown:
        raise TypeError(f"{optimizer} has no hyperparameter {sorted(unknown)[0]!r}")
    return RunConfig(optimizer, tuple((k, hyperparams[k]) for k in order if k in hyperparams))


DEFAULT_RUNS = (
    run_config("sgd", lr=1e-3),
    run_config("momentum", lr=1e-3),
    run_config("rmsprop", lr=1e-2),
    run_config("adam", lr=5e-2),
)


@dataclass(frozen=True)
class Experiment:
    """Everything that decides what the dashboard computes."""

    surface: str = "rosenbrock"
    surface_params: Params = ()
    start: tuple[float, ...] | None = None  # None: the surface's default start
    steps: int = 500
    runs: tuple[RunConfig, ...] = DEFAULT_RUNS
    noise: float = 0.0
    seed: int = 0
    schedule: str = "constant"
    schedule_params: Params = ()
    tolerance: float = 1e-3  # "reached" threshold on f − f_min for the summary
    model: str = ""  # "": a test function; else a registered model (models.names()) trained
    model_params: Params = ()  # its parameters that differ from the model's defaults

    @property
    def is_model(self) -> bool:
        """Whether the runs train a model on data (else they descend a test function)."""
        return bool(self.model)

    def objective(self) -> surfaces.Surface:
        """The surface, or for a model its :class:`models.ModelObjective` (the training loss)."""
        if self.model:
            return build_model(self.model, self.model_params)
        return build_surface(self.surface, self.surface_params)

    def start_point(self) -> tuple[float, ...]:
        """Where every run starts: the start set (or the surface's default); for a model, the
        shared seeded initialisation ``x0`` (never a point on a map)."""
        if self.model:
            return tuple(self.objective().x0.tolist())
        return self.start if self.start is not None else tuple(self.objective().start)

    def lr_schedule(self) -> schedules.Schedule:
        return schedules.get(self.schedule, **dict(self.schedule_params))

    def canonical(self) -> Experiment:
        """The same setup written one way only: a default start as None, each run with its lr
        and only the hyperparameters that differ from their defaults (so equal setups compare
        equal, share a cache entry and a link)."""
        runs = tuple(config.canonical() for config in self.runs)
        if self.model:  # the function's fields mean nothing for a model: one way to write them
            params = model_params(self.model, dict(self.model_params))
            base = Experiment()
            return replace(
                self,
                surface=base.surface,
                surface_params=(),
                start=None,
                runs=runs,
                model_params=params,
            )
        start = None if self.start == tuple(self.objective().start) else self.start
        return replace(self, start=start, runs=runs, model_params=())

    def labels(self) -> list[str]:
        """Legend labels, one per run, made unique with a counter where configurations repeat."""
        labels, seen = [], {}
        for config in self.runs:
            base = config.label
            seen[base] = seen.get(base, 0) + 1
            labels.append(base if seen[base] == 1 else f"{base} #{seen[base]}")
        return labels


@functools.lru_cache(maxsize=64)
def build_surface(name: str, params: Params) -> surfaces.Surface:
    """The registered surface ``name`` with ``params``, memoised.

    Surfaces are immutable values, and a rerun asks for its setup's surface a dozen times (a
    typed formula would be parsed and compiled each time otherwise).
    """
    return surfaces.get(name, **dict(params))


@functools.lru_cache(maxsize=32)
def build_model(name: str, params: Params) -> models.ModelObjective:
    """The registered model ``name`` with ``params`` on its data set, memoised (building one
    draws its data and initialisation)."""
    return models.get(name, **dict(params))


def model_params(name: str, given: dict[str, Any]) -> Params:
    """The parameters in ``given`` that differ from model ``name``'s defaults, in the model's
    order, written one way (hidden widths as a tuple of ints).

    >>> model_params("mlp", {"n": 200, "hidden": [16, 16], "dataset": "spiral"})
    (('n', 200),)
    """
    defaults = models.defaults(name)
    out = []
    for key, default in defaults.items():
        if key not in given:
            continue
        value = given[key]
        if key == "hidden":
            value = tuple(int(h) for h in (value if isinstance(value, tuple | list) else [value]))
        if key == "loss" and default is None:  # None: the data set's usual loss
            dataset = given.get("dataset", defaults.get("dataset"))
            regression = models.datasets.task(dataset) == "regression"
            default = "squared" if regression else "cross_entropy"
        if value != default:
            out.append((key, value))
    return tuple(out)


def model_title(exp: Experiment) -> str:
    """The model and its data in words: ``Multilayer perceptron 2→16→16→2 (tanh) on spiral``."""
    obj = exp.objective()
    title = models.TITLES[exp.model]
    if exp.model == "mlp":
        sizes = "→".join(str(s) for s in obj.network.sizes)
        title += f" {sizes} ({obj.network.activation})"
    return f"{title} on {obj.data.name}"


def surface_params(objective: surfaces.Surface) -> Params:
    """The parameters that set ``objective`` apart from its registered defaults (a formula keeps
    its text and window)."""
    defaults = surfaces.defaults(objective.name)
    if objective.name == FORMULA:
        return tuple(objective.param_items)
    return tuple((k, v) for k, v in objective.param_items if v != defaults.get(k))


def short(value: Any, digits: int = 4) -> str:
    """A number as people read it in a legend: ``digits`` significant digits, more where they
    would round it to a whole number it is not (β₁ = 0.9999999999999999 must not read "1", a
    value the optimizer refuses).

    >>> short(0.0123456), short(0.9999999999999999), short(2.00001), short(3.0)
    ('0.01235', '0.9999999999999999', '2.00001', '3')
    """
    if not isinstance(value, float):
        return str(value)
    for more in (digits, 6, 9, 12, 15):
        text = f"{value:.{max(more, digits)}g}"
        rounded = float(text)
        if rounded == value or not rounded.is_integer():
            return text
    return repr(value)


MODEL_RUNS = (
    run_config("sgd", lr=0.3),
    run_config("momentum", lr=0.1),
    run_config("rmsprop", lr=1e-2),
    run_config("adam", lr=1e-2),
)
# "Train a model" opens this: the MLP on the spiral, small enough that its sweeps fit the budget
MODEL_DEFAULT = Experiment(model="mlp", model_params=(("n", 200),), steps=150, runs=MODEL_RUNS)
