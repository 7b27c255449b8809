"""How fast do optimizers train a model? Issue 14's speed goals, measured in one run.

1. A sweep: 8 optimizers × 30 learning rates × 300 steps of a 2→16→16→2 tanh MLP on 400
   training points (spiral), one call of ``optimizers.run`` per optimizer with ``lr`` of shape
   (30, 1) and ``record="outcome"``; full batch, then mini-batches of 32. Goal: 3 s.
2. The loss-landscape plane (40 × 40) of a race of 4 optimizers × 300 steps on that MLP.
   Goal: 2 s.
3. Where the time goes: one gradient and one loss evaluation of 30 runs, and the estimate of
   ``lab.budget`` for the sweep's calls against the measurement. (With the full batch the run
   loop's loss of each step comes with the step's gradient: ``ModelObjective.f`` remembers it.)

Measured 2026-11-30 on the shared 2-core machine (load average about 2 from other work):
full-batch sweep 24.7 s CPU (39.5 s wall), mini-batch sweep 15.0 s CPU (20.3 s wall): about 8×
over the 3 s goal. The 40 × 40 plane: 0.67 s CPU (1.0 s wall), within its 2 s goal.

2026-12-01, load average about 5 on the 2 cores: the plane's two principal directions by
``models.plane.top_two`` (block subspace iteration on the Gram matrix) instead of a full SVD:
484 × 354 points × parameters (the dashboard's plane, 121 points a run) 723 -> 20 ms CPU
(1125 -> 32 ms wall); 1204 × 354 (every step of 300) 3339 -> 34 ms CPU (5071 -> 52 ms wall).
``lab.model_frames.plane`` of the default model page (MLP on spiral, 4 runs × 150 steps,
40 × 40): 2.6 -> 0.31 s CPU, 3.9 -> 0.47 s wall. ``--plane`` runs only these. numpy's
float64 ``exp``/``tanh`` have no SIMD loop on this AVX2 CPU (~10-20 ns a value), and a step of
30 runs × 400 examples × two tanh layers of 16 is 384,000 of them.

    python benchmarks/bench_models.py [--steps 300] [--profile | --plane]

Times are process (CPU) times and wall times (the machine has 2 cores, shared).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

import models
import optimizers
from models.plane import landscape_plane, top_two

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam")
RACE = ("sgd", "momentum", "rmsprop", "adam")
LRS = np.geomspace(1e-4, 1.0, 30)[:, None]
# 534 points, a quarter held out: 400 training points
SETUP = {"dataset": "spiral", "hidden": (16, 16), "activation": "tanh", "n": 534}


class Clock:
    def __enter__(self) -> Clock:
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu
        self.wall = time.perf_counter() - self.wall

    def __str__(self) -> str:
        return f"{self.cpu:7.2f} s CPU {self.wall:7.2f} s wall"


def sweep(objective: models.ModelObjective, steps: int) -> dict[str, float]:
    best = {}
    for name in OPTIMIZERS:
        out = optimizers.run(
            optimizers.get(name, lr=LRS), objective, objective.x0, steps, record="outcome"
        )
        best[name] = float(np.nanmin(out.final_loss))
    return best


def plane(objective: models.ModelObjective, steps: int) -> tuple[Clock, Clock, object]:
    with Clock() as race:
        paths = np.concatenate(
            [
                optimizers.run(
                    optimizers.get(name, lr=lr), objective, objective.x0, steps, record_state=False
                ).params[:, None]
                for name, lr in zip(RACE, (0.3, 0.1, 0.01, 0.01), strict=True)
            ],
            axis=1,
        )
    with Clock() as grid:
        result = landscape_plane(objective, paths, grid=40)
    return race, grid, result


def directions(objective: models.ModelObjective, steps: int) -> None:
    """The plane's two principal directions: models.plane.top_two against the full SVD it
    replaced, on the dashboard's plane (121 recorded points a run) and on every step."""
    paths = np.concatenate(
        [
            optimizers.run(optimizers.get(name, lr=lr), objective, objective.x0, steps).params[
                :, None
            ]
            for name, lr in zip(RACE, (0.3, 0.1, 0.01, 0.01), strict=True)
        ],
        axis=1,
    )
    rows = np.unique(np.linspace(0, steps, 121).round().astype(int))
    for label, p in (("121 points a run", paths[rows]), (f"{steps + 1} points a run", paths)):
        m = p.reshape(-1, objective.dim) - p[-1, 0]
        m = m - m.mean(axis=0)
        for name, fn in (
            ("full SVD", lambda m=m: np.linalg.svd(m, full_matrices=False)),
            ("top_two", lambda m=m: top_two(m)),
        ):
            fn()
            with Clock() as c:
                for _ in range(5):
                    fn()
            print(
                f"  directions of {m.shape[0]} × {m.shape[1]} ({label}), {name:8s}: "
                f"{c.cpu / 5 * 1e3:7.1f} ms CPU {c.wall / 5 * 1e3:7.1f} ms wall"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="cProfile the full-batch sweep")
    parser.add_argument("--plane", action="store_true", help="only the plane's measurements")
    args = parser.parse_args()
    full = models.get("mlp", **SETUP)
    mini = models.get("mlp", **SETUP, batch_size=32)
    plain = models.get("mlp", **SETUP)  # never asked for a gradient: its losses are computed
    print(f"model: {full!r}, d = {full.dim}, {full.data.n_train} training points")

    x = np.broadcast_to(full.x0, (30, full.dim)).copy()
    rng = np.random.default_rng(0)
    rows = np.broadcast_to(full.x0, (65, 30, full.dim))
    for label, fn in (
        ("one full-batch gradient, 30 runs", lambda: full.grad(x)),
        ("one mini-batch (32) gradient, 30 runs", lambda: mini.minibatch_grad(x, rng)),
        ("one loss, 30 runs (not remembered)", lambda: plain.f(x)),
        ("loss of 65 rows × 30 runs (not remembered)", lambda: plain.f(rows)),
    ):
        fn()
        with Clock() as c:
            for _ in range(10):
                fn()
        print(f"{label:42s} {c.cpu / 10 * 1e3:8.2f} ms CPU")

    if args.plane:
        race, grid, result = plane(full, args.steps)
        print(f"plane 40 × 40 (goal 2 s): grid {grid}; the race it draws (4 runs): {race}")
        directions(full, args.steps)
        return

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(sweep, full, args.steps)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        return

    print(f"\nsweep: {len(OPTIMIZERS)} optimizers × {len(LRS)} lr × {args.steps} steps (goal 3 s)")
    for label, objective in (("full batch", full), ("mini-batch 32", mini)):
        with Clock() as c:
            best = sweep(objective, args.steps)
        print(
            f"  {label:14s} {c}   best loss per optimizer: "
            + ", ".join(f"{k} {v:.3f}" for k, v in best.items())
        )
        try:
            from lab.budget import simulation

            estimate = sum(
                simulation(
                    objective, optimizers.get(name, lr=LRS), len(LRS), args.steps, record="outcome"
                ).seconds
                for name in OPTIMIZERS
            )
            print(f"  {'':14s} lab.budget estimate {estimate:6.2f} s")
        except ImportError:
            pass

    race, grid, result = plane(full, args.steps)
    print(f"\nplane 40 × 40 (goal 2 s): grid {grid}; the race it draws (4 runs): {race}")
    directions(full, args.steps)
    print(
        f"  explained variance {result.explained.round(3).tolist()}, "
        f"largest residual {np.nanmax(result.residual):.3g}"
    )


if __name__ == "__main__":
    main()
