"""The request budget: costs grow with what a request asks, refusals say what to lower."""

from __future__ import annotations

from dataclasses import replace

import pytest

import optimizers
import surfaces
from lab import budget
from lab import experiment as ex

TWELVE = tuple(ex.run_config(name, lr=0.01) for name in ("sgd", "adam", "rmsprop")) * 4


def test_the_default_page_fits_with_room_to_spare():
    assert budget.page(ex.Experiment()).seconds < budget.SECONDS / 2
    assert budget.check_page(ex.Experiment()) is None


@pytest.mark.parametrize("more", ["steps", "runs", "batch", "formula"])
def test_the_cost_grows_with_every_thing_a_request_asks_for(more):
    small = ex.Experiment(surface="least_squares", steps=100, runs=TWELVE[:2])
    bigger = {
        "steps": replace(small, steps=1000),
        "runs": replace(small, runs=TWELVE),
        "batch": replace(small, surface_params=(("n_samples", 10_000), ("batch_size", 2000))),
        "formula": replace(
            small,
            surface=ex.FORMULA,
            surface_params=(("text", "*".join(f"x^(y+{i})" for i in range(1, 30))),),
        ),
    }[more]
    assert budget.race(bigger).seconds > 2 * budget.race(small).seconds


def test_a_refusal_names_each_control_and_the_value_that_fits():
    exp = replace(ex.Experiment(), steps=5000, runs=TWELVE)
    message = budget.check_page(exp)
    assert message is not None and message.startswith("This race would need about")
    assert "**Steps** from 5,000 to " in message and "**Optimizer runs** from 12 to " in message
    for knob in budget.page_knobs(exp)[:1]:
        fits = budget.fits_at(knob)
        assert knob.cost(fits).fits() and not knob.cost(fits + 1).fits()  # the largest that fits
        assert f"to {fits:,}" in message


def test_a_mini_batch_is_priced_by_its_batch_not_its_data_set():
    sgd = optimizers.get("sgd")
    price = {
        (n, k): budget.simulation(
            surfaces.get("least_squares", n_samples=n, batch_size=k), sgd, 400, 300
        ).seconds
        for n, k in [(1000, 8), (100_000, 8), (100_000, 447)]
    }
    assert price[(100_000, 8)] < 1.5 * price[(1000, 8)]  # a bigger data set, the same batch
    assert price[(100_000, 447)] > 10 * price[(100_000, 8)]


def test_a_function_parameter_is_offered_when_lowering_it_fits():
    exp = replace(
        ex.Experiment(surface="least_squares"),
        surface_params=(("n_samples", 100_000), ("batch_size", 20_000)),
        steps=300,
    )
    message = budget.check_page(exp)
    assert message is not None and "Mini-batch size B (batch_size)** from 20,000 to " in message
    assert "Data seed" not in message  # lowering the seed saves nothing


def test_the_ledger_charges_what_it_admits_and_refuses_what_is_left_over():
    ledger = budget.Ledger(budget.Cost(seconds=1.5))
    assert ledger.admit(budget.Cost(seconds=0.4), [], "A") is None
    refusal = ledger.admit(budget.Cost(seconds=0.4), [], "This map")
    assert refusal is not None and "0.1 s is left of this one" in refusal
    assert ledger.spent.seconds == pytest.approx(1.9)


def test_memory_alone_can_refuse():
    cost = budget.Cost(seconds=0.1, bytes=budget.BYTES + 1)
    assert not cost.fits()
    assert "256 MB of memory" in budget.advice(cost, [], "This map")
