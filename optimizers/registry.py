"""The list of optimizers: every generic test, the sidebar and ``get`` are driven by it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

from . import adabelief, adadelta, adagrad, adam, adamax, lion, nadam, radam, rmsprop, sgd
from .base import Hyperparam, Optimizer


class Entry(NamedTuple):
    factory: Callable[..., Optimizer]
    title: str  # display name
    hyperparams: tuple[Hyperparam, ...]


_REGISTRY: dict[str, Entry] = {
    "sgd": Entry(sgd.sgd, "SGD", sgd.HYPERPARAMS),
    "momentum": Entry(sgd.momentum, "Momentum", sgd.HYPERPARAMS),
    "nesterov": Entry(sgd.nesterov, "Nesterov", sgd.HYPERPARAMS),
    "adagrad": Entry(adagrad.adagrad, "Adagrad", adagrad.HYPERPARAMS),
    "rmsprop": Entry(rmsprop.rmsprop, "RMSProp", rmsprop.HYPERPARAMS),
    "adadelta": Entry(adadelta.adadelta, "Adadelta", adadelta.HYPERPARAMS),
    "adam": Entry(adam.adam, "Adam", adam.HYPERPARAMS),
    "adamw": Entry(adam.adamw, "AdamW", adam.HYPERPARAMS),
    "adamax": Entry(adamax.adamax, "Adamax", adamax.HYPERPARAMS),
    "nadam": Entry(nadam.nadam, "NAdam", nadam.HYPERPARAMS),
    "radam": Entry(radam.radam, "RAdam", radam.HYPERPARAMS),
    "lion": Entry(lion.lion, "Lion", lion.HYPERPARAMS),
    "adabelief": Entry(adabelief.adabelief, "AdaBelief", adabelief.HYPERPARAMS),
}


def names() -> list[str]:
    """Registry names, in display order."""
    return list(_REGISTRY)


def entry(name: str) -> Entry:
    """The registry entry of ``name``; ``KeyError`` listing the choices when unknown."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise KeyError(
            f"unknown optimizer {name!r}; choose from: {', '.join(sorted(_REGISTRY))}"
        ) from None


def get(name: str, **hyperparams: Any) -> Optimizer:
    """Build optimizer ``name`` with validated hyperparameters (torch's names and defaults).

    >>> get("adam", lr=0.01).hyperparams["beta2"]
    0.999
    """
    return entry(name).factory(**hyperparams)


def defaults(name: str) -> dict[str, Any]:
    """The default hyperparameters of ``name``, read from its factory's signature."""
    params = inspect.signature(entry(name).factory).parameters.values()
    return {p.name: p.default for p in params}


def title(name: str) -> str:
    return entry(name).title


def hyperparams(name: str) -> tuple[Hyperparam, ...]:
    """Specs (range, label, log scale) of ``name``'s hyperparameters, for building controls."""
    return entry(name).hyperparams
