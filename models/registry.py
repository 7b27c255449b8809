"""The model registry: every model by name, its parameters declared and checked.

Adding a model = one factory here with ``@_register``: its numeric parameters as
:class:`params.Param` (range, label) and its choices (data set, activation, loss) in
``CHOICES``; :func:`get` checks both and builds a :class:`ModelObjective`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from params import Param

from . import datasets
from .datasets import DATA_SEED, NOISE, TEST_FRACTION, N
from .networks import ACTIVATIONS, LOSSES, Network
from .objective import ModelObjective

_FACTORIES: dict[str, Callable[..., ModelObjective]] = {}
_PARAMS: dict[str, tuple[Param, ...]] = {}

BATCH_SIZE = Param(
    "batch_size",
    "Mini-batch size B (batch_size)",
    kind=int,
    low=1,
    high=100_000,
    high_inclusive=True,
    help="Examples per gradient, at most the training set; None (the default) is the full batch.",
)
INIT_SEED = Param(
    "init_seed",
    "Initialisation seed (init_seed)",
    kind=int,
    low=0,
    high=2**31 - 1,
    high_inclusive=True,
)
WIDTH = Param("hidden", "Hidden width (hidden)", kind=int, low=1, high=1024, high_inclusive=True)
MAX_HIDDEN_LAYERS = 6
_DATA = (N, NOISE, TEST_FRACTION, BATCH_SIZE, DATA_SEED, INIT_SEED)

CLASSIFICATION = tuple(d for d in datasets.names() if datasets.task(d) == "classification")
BINARY = tuple(d for d in CLASSIFICATION if d != "iris")
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "linear": {"dataset": tuple(datasets.names())},
    "logistic": {"dataset": BINARY, "loss": LOSSES},
    "softmax": {"dataset": CLASSIFICATION, "loss": LOSSES},
    "mlp": {"dataset": tuple(datasets.names()), "activation": ACTIVATIONS, "loss": LOSSES},
}
TITLES = {
    "linear": "Linear regression",
    "logistic": "Logistic regression",
    "softmax": "Softmax regression",
    "mlp": "Multilayer perceptron",
}


def _register(
    name: str, params: tuple[Param, ...] = _DATA
) -> Callable[[Callable[..., ModelObjective]], Callable[..., ModelObjective]]:
    def add(factory: Callable[..., ModelObjective]) -> Callable[..., ModelObjective]:
        _FACTORIES[name] = factory
        _PARAMS[name] = params
        return factory

    return add


def names() -> list[str]:
    """Model names in display order.

    >>> names()
    ['linear', 'logistic', 'softmax', 'mlp']
    """
    return list(_FACTORIES)


def defaults(name: str) -> dict[str, Any]:
    """The parameters model ``name`` takes, with their defaults.

    >>> defaults("mlp")["hidden"], defaults("mlp")["dataset"]
    ((16, 16), 'spiral')
    """
    params = inspect.signature(_factory(name)).parameters.values()
    return {p.name: p.default for p in params}


def parameters(name: str) -> tuple[Param, ...]:
    """The declared numeric parameters of model ``name`` (range, label)."""
    _factory(name)
    return _PARAMS[name]


def choices(name: str) -> dict[str, tuple[str, ...]]:
    """The text parameters of model ``name`` and their valid values.

    >>> choices("logistic")["loss"]
    ('cross_entropy', 'squared')
    """
    _factory(name)
    return dict(CHOICES[name])


def get(name: str, **params: Any) -> ModelObjective:
    """Model ``name`` on its data set, as an objective for :func:`optimizers.run`.

    Raises:
        KeyError: unknown name (the message lists the choices).
        TypeError: a parameter the model does not take.
        ValueError: a parameter out of range or not among its choices (the message names it,
            the range or choices, and the value).

    >>> obj = get("mlp", dataset="xor", hidden=(8,), n=100)
    >>> obj.dim, obj.network.sizes, obj.data.n_train
    (42, (2, 8, 2), 75)
    """
    factory = _factory(name)
    valid = list(inspect.signature(factory).parameters)
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise TypeError(
            f"model {name!r} got unexpected parameter(s) {', '.join(map(repr, unknown))}; "
            f"valid: {', '.join(valid)}"
        )
    values = {**defaults(name), **params}
    for key, allowed in CHOICES[name].items():
        value = values[key]
        if key == "loss" and value is None:
            continue
        if not (isinstance(value, str) and value in allowed):
            raise ValueError(f"{key} must be one of {', '.join(allowed)}; got {value!r}")
    for spec in _PARAMS[name]:
        if spec.name == "batch_size" and values["batch_size"] is None:
            continue
        values[spec.name] = spec.validate(values[spec.name], scalar=True)
    if "hidden" in values:
        values["hidden"] = _check_hidden(values["hidden"])
    return factory(**values)


def _factory(name: str) -> Callable[..., ModelObjective]:
    try:
        return _FACTORIES[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown model {name!r}; choose from: {', '.join(_FACTORIES)}") from None


def _check_hidden(hidden: Any) -> tuple[int, ...]:
    text = f"hidden must be 0 to {MAX_HIDDEN_LAYERS} widths, each a whole number in "
    text += WIDTH.interval()
    if isinstance(hidden, int | np.integer) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, tuple | list) or len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"{text}; got {hidden!r}")
    try:
        return tuple(WIDTH.validate(h) for h in hidden)
    except ValueError:
        raise ValueError(f"{text}; got {hidden!r}") from None


def _build(
    name: str,
    hidden: tuple[int, ...],
    activation: str,
    loss: str | None,
    logistic: bool,
    dataset: str,
    n: int,
    noise: float,
    test_fraction: float,
    batch_size: int | None,
    data_seed: int,
    init_seed: int,
) -> ModelObjective:
    data = datasets.make(
        dataset, n=n, noise=noise, test_fraction=test_fraction, data_seed=data_seed
    )
    regression = data.n_classes == 0
    if loss is None:
        loss = "squared" if regression else "cross_entropy"
    if regression and loss != "squared":
        raise ValueError(f"loss must be 'squared' on the regression set {dataset!r}; got {loss!r}")
    outputs = 1 if regression or logistic else data.n_classes
    network = Network((data.n_features, *hidden, outputs), activation, loss)
    items: list[tuple[str, Any]] = [("dataset", dataset)]
    if name == "mlp":
        items += [("hidden", hidden), ("activation", activation)]
    if name != "linear":
        items.append(("loss", loss))
    items += [*data.param_items, ("batch_size", batch_size), ("init_seed", init_seed)]
    if batch_size is not None and batch_size > data.n_train:
        raise ValueError(
            f"batch_size must be None (full batch) or a whole number in [1, {data.n_train}] "
            f"(the training set); got {batch_size}"
        )
    return ModelObjective(
        network,
        data,
        batch_size=batch_size,
        init_seed=init_seed,
        name=name,
        param_items=tuple(items),
    )


@_register("linear")
def _linear(
    dataset: str = "sine",
    n: int = 400,
    noise: float = 0.1,
    test_fraction: float = 0.25,
    batch_size: int | None = None,
    data_seed: int = 0,
    init_seed: int = 0,
) -> ModelObjective:
    """Least squares with a linear model: one output for regression, one per class (on
    one-hot targets) for classification."""
    return _build(
        "linear",
        (),
        "tanh",
        "squared",
        False,
        dataset,
        n,
        noise,
        test_fraction,
        batch_size,
        data_seed,
        init_seed,
    )


@_register("logistic")
def _logistic(
    dataset: str = "gaussians",
    loss: str = "cross_entropy",
    n: int = 400,
    noise: float = 0.1,
    test_fraction: float = 0.25,
    batch_size: int | None = None,
    data_seed: int = 0,
    init_seed: int = 0,
) -> ModelObjective:
    """One output, σ(wᵀx + b) = P(class 1): two-class data sets only."""
    return _build(
        "logistic",
        (),
        "tanh",
        loss,
        True,
        dataset,
        n,
        noise,
        test_fraction,
        batch_size,
        data_seed,
        init_seed,
    )


@_register("softmax")
def _softmax(
    dataset: str = "iris",
    loss: str = "cross_entropy",
    n: int = 400,
    noise: float = 0.1,
    test_fraction: float = 0.25,
    batch_size: int | None = None,
    data_seed: int = 0,
    init_seed: int = 0,
) -> ModelObjective:
    """One output per class, softmax(Wx + b) = the class probabilities."""
    return _build(
        "softmax",
        (),
        "tanh",
        loss,
        False,
        dataset,
        n,
        noise,
        test_fraction,
        batch_size,
        data_seed,
        init_seed,
    )


@_register("mlp")
def _mlp(
    dataset: str = "spiral",
    hidden: tuple[int, ...] = (16, 16),
    activation: str = "tanh",
    loss: str | None = None,
    n: int = 400,
    noise: float = 0.1,
    test_fraction: float = 0.25,
    batch_size: int | None = None,
    data_seed: int = 0,
    init_seed: int = 0,
) -> ModelObjective:
    """Hidden layers of the given widths with tanh or ReLU, then one output per class (or one
    for regression); ``loss`` None: cross-entropy for classification, squared for regression."""
    return _build(
        "mlp",
        hidden,
        activation,
        loss,
        False,
        dataset,
        n,
        noise,
        test_fraction,
        batch_size,
        data_seed,
        init_seed,
    )
