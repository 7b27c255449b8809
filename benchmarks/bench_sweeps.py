"""How long do the hyperparameter sweeps take server-side? Figures against the issue's goals.

1. The default learning-rate sweep: the default experiment's 4 runs × 25 learning rates × 500
   steps on Rosenbrock (one batched call per run), then its summary, best rates and chart spec.
   Goal: within 2 s.
2. A 100 × 100 map of 500 steps (learning rate × the run's partner hyperparameter, one batched
   call of 10,000 runs) and its chart spec. Goal: within 5 s. Measured for Momentum (the default
   experiment's second run) and Adam (its fourth, the costliest update rule of the defaults).
3. For reference: the default 40 × 40 basin map of 500 steps on Himmelblau.

    python benchmarks/bench_sweeps.py [--repeats 3]

Each figure is the best of ``--repeats`` runs (the machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from lab import charts, figures, sweep_charts, sweeps
from lab.experiment import Experiment


def best_of(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def lr_sweep_page(exp: Experiment) -> dict:
    df = sweeps.lr_sweep(exp, sweeps.default_lrs())
    summary = sweeps.summarise_lr_sweep(df)
    best = sweeps.best_lrs(summary)
    chart = sweep_charts.lr_sensitivity_chart(summary, best, figures.run_style(exp), "final")
    return charts.to_spec(chart)


def map_compute(exp: Experiment, run_index: int, n: int = 100):
    axes = sweeps.map_axes(exp.runs[run_index].optimizer, n=n)
    return sweeps.hyper_map(exp, run_index, *axes)


def map_page(exp: Experiment, run_index: int, n: int = 100) -> dict:
    grid = map_compute(exp, run_index, n)
    return charts.to_spec(sweep_charts.hyper_map_chart(grid))


def report(what: str, seconds: float, goal: float | None = None) -> None:
    verdict = (
        "" if goal is None else f"  goal {goal:.0f} s: {'met' if seconds <= goal else 'MISSED'}"
    )
    print(f"{what:<58} {seconds:6.2f} s{verdict}")


def main(repeats: int) -> None:
    exp = Experiment()  # Rosenbrock, 500 steps, SGD / Momentum / RMSProp / Adam
    assert exp.steps == 500 and len(exp.runs) == 4
    lr_sweep_page(exp)  # warm imports and Altair's schema
    print(f"best of {repeats}; default experiment: {exp.surface}, {exp.steps} steps")
    report(
        "lr sweep, 4 runs × 25 lrs (compute only)",
        best_of(lambda: sweeps.lr_sweep(exp, sweeps.default_lrs()), repeats),
    )
    report(
        "lr sweep page: sweep + summary + best + chart spec",
        best_of(lambda: lr_sweep_page(exp), repeats),
        goal=2,
    )
    for index in (1, 3):
        name = exp.labels()[index]
        report(
            f"100 × 100 map, {name} (compute only)",
            best_of(lambda i=index: map_compute(exp, i), repeats),
        )
        report(
            f"100 × 100 map, {name} + chart spec",
            best_of(lambda i=index: map_page(exp, i), repeats),
            goal=5,
        )
    himmelblau = Experiment(surface="himmelblau")
    report(
        "40 × 40 basins on Himmelblau, Adam (compute only)",
        best_of(lambda: sweeps.basins(himmelblau, 3, n=40), repeats),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args().repeats)
