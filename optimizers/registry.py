"""The list of optimizers: every generic test, the sidebar, the equations and ``get`` are driven
by it. An entry holds everything an optimizer module declares about itself."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from . import (
    adabelief,
    adadelta,
    adafactor,
    adagrad,
    adam,
    adamax,
    asgd,
    lbfgs,
    lion,
    muon,
    nadam,
    radam,
    rmsprop,
    rprop,
    sgd,
)
from .base import Hyperparam, Optimizer
from .description import Line, StateField


class Entry(NamedTuple):
    """Everything an optimizer declares: its factory, display name, hyperparameters (with
    symbols and ranges), state fields (with symbols and labels), update rule as display lines,
    notes on how torch, Keras and optax differ, and the hyperparameter a 2-D sweep map pairs
    with the learning rate (None: the first other numeric one), and the names of the
    hyperparameters and state fields that steer or count an inner loop (L-BFGS's iterations,
    Muon's Newton–Schulz steps), which no per-coordinate rule line can show."""

    factory: Callable[..., Optimizer]
    title: str  # display name
    hyperparams: tuple[Hyperparam, ...]
    state: tuple[StateField, ...]
    rule: Callable[[dict[str, Any]], list[Line]]
    notes: str
    sweep_partner: str | None
    loop: tuple[str, ...] = ()  # hyperparameters and state fields of an inner loop (see NOTES)


def _entry(module: ModuleType, factory: Callable[..., Optimizer], title: str, **kw: Any) -> Entry:
    """An entry from what ``module`` declares (``HYPERPARAMS``, ``STATE``, ``rule``, ``NOTES``,
    ``SWEEP_PARTNER``); keywords override for a variant sharing the module."""
    fields = {
        "hyperparams": module.HYPERPARAMS,
        "state": module.STATE,
        "rule": module.rule,
        "notes": module.NOTES,
        "sweep_partner": getattr(module, "SWEEP_PARTNER", None),
        "loop": getattr(module, "LOOP", ()),
    }
    return Entry(factory, title, **(fields | kw))


_REGISTRY: dict[str, Entry] = {
    "sgd": _entry(sgd, sgd.sgd, "SGD"),
    "momentum": _entry(sgd, sgd.momentum, "Momentum"),
    "nesterov": _entry(sgd, sgd.nesterov, "Nesterov"),
    "adagrad": _entry(adagrad, adagrad.adagrad, "Adagrad"),
    "rmsprop": _entry(rmsprop, rmsprop.rmsprop, "RMSProp"),
    "adadelta": _entry(adadelta, adadelta.adadelta, "Adadelta"),
    "adam": _entry(adam, adam.adam, "Adam"),
    "adamw": _entry(adam, adam.adamw, "AdamW", notes=adam.ADAMW_NOTES),
    "adamax": _entry(adamax, adamax.adamax, "Adamax"),
    "nadam": _entry(nadam, nadam.nadam, "NAdam"),
    "radam": _entry(radam, radam.radam, "RAdam"),
    "lion": _entry(lion, lion.lion, "Lion"),
    "adabelief": _entry(adabelief, adabelief.adabelief, "AdaBelief"),
    "rprop": _entry(rprop, rprop.rprop, "Rprop"),
    "asgd": _entry(asgd, asgd.asgd, "ASGD"),
    "adafactor": _entry(adafactor, adafactor.adafactor, "Adafactor"),
    "lbfgs": _entry(lbfgs, lbfgs.lbfgs, "L-BFGS"),
    "muon": _entry(muon, muon.muon, "Muon"),
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


def state_labels(name: str) -> dict[str, str]:
    """Plain-words labels of what a run of ``name`` records per step: its state fields by torch
    name, and the effective learning rate."""
    return {"lr_eff": "effective lr", **{f.name: f.label for f in entry(name).state}}


def velocity(name: str) -> str | None:
    """The state field whose direction ``name``'s step follows (momentum buffer, first moment).

    >>> velocity("adam"), velocity("adagrad")
    ('exp_avg', None)
    """
    return next((f.name for f in entry(name).state if f.velocity), None)


def rule(name: str, hyperparams: dict[str, Any]) -> list[Line]:
    """The update rule of ``name`` for the given hyperparameter values (defaults filled in)."""
    return entry(name).rule(defaults(name) | dict(hyperparams))
