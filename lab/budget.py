"""What a request will cost, estimated from its setup before anything runs, and its budget.

Every computation the dashboard starts is a batch of simulations, so a request's cost is the
cost of its calls of :func:`optimizers.run`. One call of ``steps`` steps over ``runs`` runs in
lock-step costs, in CPU time,

    steps × [(optimizer calls + objective calls) × CALL + runs × (values per run) × VALUE]

where the calls are numpy operations (each with a fixed overhead, which dominates when a batch
holds a few runs) and the values are the float64 numbers those operations touch. The objective
declares its own (:class:`surfaces.base.Work`: a typed formula counts its compiled program, a
mini-batch its batch); its memory is :func:`optimizers.run.footprint`. ``CALL`` and ``VALUE``
were fitted on the 2-core machine the project runs on (``benchmarks/bench_budget.py`` prints
estimate against measurement for a spread of setups).

A request within ``SECONDS`` of CPU and ``BYTES`` of memory runs; one beyond is refused before
anything runs, with a message that names the controls that would bring it within budget and
the value each would have to go down to (:func:`advice`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import models
import optimizers
import surfaces
from optimizers.run import footprint

from .experiment import STEPS, Experiment, RunConfig

SECONDS = 2.0  # CPU one request may take
BYTES = 256 * 2**20  # memory one computation may hold

CALL = 1.0e-6  # s per numpy operation (overhead: interpreter, dispatch, allocation)
VALUE = 1.1e-9  # s per float64 value an operation touches
# Drawing a race's view after it ran: building its chart specs with Altair (about the same for
# any number of runs: the map's layers, measured 0.26-0.32 s) and its tables (per run:
# downsampling, arrows, summary).
DRAW = 0.35  # s per view drawn
DRAW_PER_RUN = 0.02  # s per run
OPTIMIZER = (20, 16)  # numpy operations per step, values per coordinate (Adam-like)
LOOP = (10, 8)  # the run loop's own bookkeeping per step: operations, values per coordinate


@dataclass(frozen=True)
class Cost:
    """CPU seconds and peak bytes of a computation. Seconds add up over a request; memory is
    the largest single computation's (each frees its working arrays before the next)."""

    seconds: float = 0.0
    bytes: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.seconds + other.seconds, max(self.bytes, other.bytes))

    def fits(self, seconds: float = SECONDS, memory: int = BYTES) -> bool:
        return self.seconds <= seconds and self.bytes <= memory

    def text(self) -> str:
        return f"about {_seconds(self.seconds)} of computing and {_bytes(self.bytes)} of memory"


def simulation(
    objective: surfaces.Surface,
    optimizer: optimizers.Optimizer,
    runs: int,
    steps: int,
    *,
    record: str = "trajectory",
    noisy: bool = False,
) -> Cost:
    """One call of :func:`optimizers.run`: ``runs`` runs in lock-step for ``steps`` steps
    (``noisy``: with gradient noise, which keeps L-BFGS iterating).

    ``record`` as :func:`optimizers.run` takes it: ``"trajectory"`` records every step and the
    optimizer's state (the race); ``"outcome"`` keeps each run's outcome (a sweep): a few rows
    per run in memory.

    >>> sgd, bowl = optimizers.get("sgd"), surfaces.get("quadratic")
    >>> simulation(bowl, sgd, 1, 1000).seconds < simulation(bowl, sgd, 10_000, 1000).seconds
    True
    """
    work = objective.work
    calls = OPTIMIZER[0] + LOOP[0] + work.calls
    values = (OPTIMIZER[1] + LOOP[1]) * objective.dim + work.values
    if optimizer.per_run is not None:  # runs stepped one by one (L-BFGS): each pays the calls
        evaluations, ops = optimizer.per_run(objective.dim, noisy)
        calls = runs * (ops + evaluations * work.calls) + LOOP[0]
        values = evaluations * work.values + LOOP[1] * objective.dim
    seconds = steps * (calls * CALL + runs * values * VALUE)
    shape = (runs, objective.dim)
    memory = footprint(optimizer, objective, shape, steps, record=record)
    return Cost(seconds, memory)


def total(costs: Sequence[Cost]) -> Cost:
    out = Cost()
    for cost in costs:
        out = out + cost
    return out


Price = Callable[[Experiment, surfaces.Surface], Cost]  # a computation's cost for a setup


def batches(
    exp: Experiment,
    runs: Callable[[RunConfig], int],
    objective: surfaces.Surface | None = None,
    *,
    record: str = "outcome",
) -> Cost:
    """One call per configuration of ``exp`` with ``runs(config)`` runs each, on ``objective``
    (default: the experiment's). Configurations that cannot be built cost nothing: they do not
    run."""
    objective = objective or exp.objective()
    costs = []
    for config in exp.runs:
        try:
            opt = config.build()
        except (ValueError, TypeError):
            continue
        if n := runs(config):
            cost = simulation(objective, opt, n, exp.steps, record=record, noisy=exp.noise > 0)
            costs.append(cost)
    return total(costs)


def race(exp: Experiment, objective: surfaces.Surface | None = None) -> Cost:
    """The race every view draws: each configuration run once, its state recorded."""
    return batches(exp, lambda config: 1, objective, record="trajectory")


def page(exp: Experiment, objective: surfaces.Surface | None = None) -> Cost:
    """The race and the drawing of one view of it."""
    return race(exp, objective) + Cost(DRAW + DRAW_PER_RUN * len(exp.runs))


def setup_knobs(exp: Experiment, price: Price) -> list[Knob]:
    """The sidebar controls that make any computation on ``exp`` cheaper: the steps, and the
    function's own whole-number parameters (a mini-batch's size, a data set's; a model's
    points and batch size)."""
    objective = exp.objective()
    knobs = [Knob("Steps", exp.steps, STEPS.low, lambda v: price(replace(exp, steps=v), objective))]
    values = objective.params
    if exp.model:
        specs = models.parameters(exp.model)
        values = {k: v for k, v in dict(exp.model_params).items()}
        values.update((k, objective.params[k]) for k in ("n", "batch_size"))
        build = functools.partial(models.get, exp.model)
    else:
        specs = surfaces.parameters(exp.surface)
        build = functools.partial(surfaces.get, exp.surface)
    for spec in specs:
        if spec.kind is int and isinstance(values.get(spec.name), int):

            def cost(v: int, name: str = spec.name) -> Cost:
                try:  # not the memoised builder: probing must not evict anyone's surface
                    other = build(**{**values, name: v})
                except ValueError:
                    return Cost(float("inf"), 0)
                return price(exp, other)

            knobs.append(Knob(spec.label, values[spec.name], int(spec.low), cost))
    return knobs


def page_knobs(exp: Experiment) -> list[Knob]:
    """What makes the race cheaper: the setup's knobs, and fewer optimizer runs."""
    runs = Knob("Optimizer runs", len(exp.runs), 1, lambda v: page(replace(exp, runs=exp.runs[:v])))
    return [*setup_knobs(exp, page), runs]


def one(
    exp: Experiment, run_index: int, runs: int, objective: surfaces.Surface | None = None
) -> Cost:
    """One configuration of ``exp`` over a batch of ``runs`` runs (a map, basins)."""
    return batches(replace(exp, runs=(exp.runs[run_index],)), lambda config: runs, objective)


class Ledger:
    """The budget left in one request, spent computation by computation.

    Charging is by estimate, whether or not a cache then answers, so the same setup is admitted
    or refused the same way every time.
    """

    def __init__(self, spent: Cost | None = None) -> None:
        self.spent = spent or Cost()

    def admit(self, cost: Cost, knobs: Sequence[Knob], what: str) -> str | None:
        """Charge ``cost`` and return None if it fits in what is left; else the advice."""
        left = SECONDS - self.spent.seconds
        if cost.fits(left):
            self.spent = self.spent + cost
            return None
        return advice(cost, knobs, what, seconds=left)


def check_page(exp: Experiment) -> str | None:
    """None when the race fits the budget; otherwise what to lower, and to what."""
    cost = page(exp)
    if cost.fits():
        return None
    return advice(cost, page_knobs(exp), "This race")


@dataclass(frozen=True)
class Knob:
    """A control the user can lower: its label, its value now, the lowest value it takes, and
    the cost of the request with the knob at a given value (the rest unchanged)."""

    label: str
    value: int
    low: int
    cost: Callable[[int], Cost]
    choices: tuple[int, ...] = ()  # the values a select slider offers; empty: any whole number


def fits_at(knob: Knob, seconds: float = SECONDS) -> int | None:
    """The largest value below the knob's present one at which the request fits; None if even
    its lowest value does not."""
    candidates = sorted(c for c in knob.choices if knob.low <= c < knob.value)
    if knob.choices:
        fitting = [c for c in candidates if knob.cost(c).fits(seconds)]
        return fitting[-1] if fitting else None
    low, high = knob.low, knob.value - 1  # cost grows with the value: bisect
    if high < low or not knob.cost(low).fits(seconds):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if knob.cost(mid).fits(seconds) else (low, mid - 1)
    return low


def advice(cost: Cost, knobs: Sequence[Knob], what: str, seconds: float = SECONDS) -> str:
    """Why a request is refused, and what to lower to what: one sentence a user can act on."""
    within = f"one request may use {_seconds(SECONDS)} and {_bytes(BYTES)}"
    if seconds < SECONDS:
        within += f", and {_seconds(max(seconds, 0))} is left of this one"
    ways = []
    for knob in knobs:
        value = fits_at(knob, seconds)
        if value is not None:
            ways.append(f"**{knob.label}** from {knob.value:,} to {value:,}")
    fix = (
        "To fit, lower " + _or(ways) + "."
        if ways
        else "No single control brings it within budget: lower several of them."
    )
    return f"{what} would need {cost.text()}; {within}. {fix}"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 100 else f"{s / 60:,.0f} min"


def _bytes(n: int) -> str:
    if n < 2**20:
        return "under 1 MB"
    if n < 2**30:
        return f"{n / 2**20:,.0f} MB"
    return f"{n / 2**30:,.1f} GB"
