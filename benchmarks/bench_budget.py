"""The request budget's cost model (lab/budget.py) against measured CPU time, and its fit.

For a spread of simulations (few and many runs, cheap and expensive objectives: a long typed
formula, mini-batches large and small) this measures the CPU time of one `optimizers.run` call
(best of a few, process time) and prints it next to `budget.simulation`'s estimate. With
``--fit`` it also fits the model's two constants, seconds per numpy call and per value, by
least squares on the measurements (relative error), to paste into lab/budget.py.

    python benchmarks/bench_budget.py [--fit] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import optimizers
import surfaces
from lab import budget

LONG_FORMULA = "*".join(f"x^(y+{i})" for i in range(1, 53))  # 476 characters

CASES = [  # (label, surface name, surface params, optimizer, runs, steps)
    ("rosenbrock sgd ×1", "rosenbrock", {}, "sgd", 1, 3000),
    ("rosenbrock adam ×1", "rosenbrock", {}, "adam", 1, 3000),
    ("rosenbrock adam ×100", "rosenbrock", {}, "adam", 100, 2000),
    ("rosenbrock adam ×10000", "rosenbrock", {}, "adam", 10_000, 200),
    ("rosenbrock rmsprop ×40000", "rosenbrock", {}, "rmsprop", 40_000, 50),
    ("long formula adam ×1", "formula", {"text": LONG_FORMULA}, "adam", 1, 200),
    ("long formula adam ×400", "formula", {"text": LONG_FORMULA}, "adam", 400, 50),
    ("x^2+y^2 sgd ×10000", "formula", {"text": "x^2+y^2"}, "sgd", 10_000, 200),
    ("least squares k=8 ×1", "least_squares", {}, "sgd", 1, 2000),
    (
        "least squares n=1e5 k=447 ×400",
        "least_squares",
        {"n_samples": 100_000, "batch_size": 447},
        "sgd",
        400,
        10,
    ),
    (
        "least squares n=1e5 k=30000 ×12",
        "least_squares",
        {"n_samples": 100_000, "batch_size": 30_000},
        "adam",
        12,
        10,
    ),
]


def measure(repeat: int) -> list[tuple[str, float, float, int, int]]:
    rows = []
    for label, name, params, opt_name, runs, steps in CASES:
        surface = surfaces.get(name, **params)
        opt = optimizers.get(opt_name)
        x0 = np.broadcast_to(surface.start, (runs, surface.dim))
        best = np.inf
        for _ in range(repeat):
            start = time.process_time()
            optimizers.run(opt, surface, x0, steps, record="outcome")
            best = min(best, time.process_time() - start)
        estimate = budget.simulation(surface, opt, runs, steps, record="outcome").seconds
        work = surface.work
        calls = budget.OPTIMIZER[0] + budget.LOOP[0] + work.calls
        values = (budget.OPTIMIZER[1] + budget.LOOP[1]) * surface.dim + work.values
        rows.append((label, best, estimate, steps * calls, steps * runs * values))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="fit CALL and VALUE")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = measure(args.repeat)
    print(f"{'case':34} {'measured':>10} {'estimate':>10} {'ratio':>7}")
    for label, measured, estimate, _, _ in rows:
        print(f"{label:34} {measured:9.3f}s {estimate:9.3f}s {estimate / measured:7.2f}")
    if args.fit:  # minimise the relative error: divide each equation by its measurement
        a = np.array([[c / m, v / m] for _, m, _, c, v in rows])
        (call, value), *_ = np.linalg.lstsq(a, np.ones(len(rows)), rcond=None)
        print(f"fit: CALL = {call:.2e} s per call, VALUE = {value:.2e} s per value")


if __name__ == "__main__":
    main()
