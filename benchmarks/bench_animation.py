"""How long does the race take to render as a GIF or MP4 on the server (lab/animation.py)?

1. The default page's race (4 runs × 500 steps on Rosenbrock) at the default 60 frames of
   1280 × 720: the background drawn once, seconds per frame, the GIF and the MP4 encodes,
   their sizes, and the budget's estimate against the measured total.
2. For reference: one frame drawn whole (the heatmap image drawn again every frame, as a
   render without the background would): the ratio is what drawing the landscape once saves.
3. The longest race the page allows (runs × steps) for the budget's per-row term.

    python benchmarks/bench_animation.py [--frames 60] [--repeats 3]

Figures for single frames are the best of ``--repeats`` (the machines are shared and noisy);
the whole render is timed once.
"""

from __future__ import annotations

import argparse
import time

import vl_convert

from lab import animation, figures
from lab.experiment import Experiment, run_config


def race(exp: Experiment) -> dict:
    return figures.trajectory_charts(exp, figures.tables(exp), figures.landscape(exp))[0]


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=animation.DEFAULT_FRAMES)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    spec = race(Experiment())
    plan = animation.plan(spec, args.frames)
    rows = animation.path_rows(spec)
    print(f"default race: last step {animation.last_step(spec)}, {rows:,} rows of paths")
    print(
        f"plan: {plan.frames} frames of {plan.width} × {plan.height}, {plan.fps:.3g} fps, "
        f"estimate {plan.seconds:.1f} s"
    )

    ticks: list[float] = []
    start = time.perf_counter()
    pngs = list(
        animation.frames(spec, plan.steps, progress=lambda d, n: ticks.append(time.perf_counter()))
    )
    total = time.perf_counter() - start
    first = ticks[0] - start
    per_frame = (ticks[-1] - ticks[0]) / max(1, len(ticks) - 1)
    print(
        f"frames: {total:.1f} s in all; first (with the background) {first:.2f} s, then "
        f"{per_frame:.3f} s a frame"
    )

    start = time.perf_counter()
    gif = animation.gif(pngs, plan.fps)
    gif_s = time.perf_counter() - start
    start = time.perf_counter()
    mp4 = animation.video(pngs, plan.fps)
    mp4_s = time.perf_counter() - start
    print(
        f"GIF: {len(gif) / 2**20:.2f} MB, encoded in {gif_s:.2f} s; "
        f"MP4: {len(mp4) / 2**20:.2f} MB, encoded in {mp4_s:.2f} s"
    )
    print(
        f"total GIF {total + gif_s:.1f} s (estimate {plan.seconds:.1f} s: "
        f"{plan.seconds / (total + gif_s):.2f}×); total MP4 {total + mp4_s:.1f} s"
    )

    whole = animation.inline(animation.still(spec, plan.steps[-1]))
    whole_s = best_of(lambda: vl_convert.vegalite_to_png(whole, scale=1), 1)
    print(
        f"one frame drawn whole: {whole_s:.2f} s, {whole_s / per_frame:.1f}× a frame over "
        "the background"
    )

    long = Experiment(
        steps=5000,
        runs=tuple(run_config(name) for name in ("sgd", "momentum", "rmsprop", "adam") * 3),
    )
    spec = race(long)
    rows = animation.path_rows(spec)
    steps = animation.sample_steps(animation.last_step(spec), 6)
    ticks = []
    start = time.perf_counter()
    for _ in animation.frames(spec, steps, progress=lambda d, n: ticks.append(time.perf_counter())):
        pass
    per_frame_long = (ticks[-1] - ticks[0]) / (len(ticks) - 1)
    estimate = animation.estimate_seconds(1, 1280, 720, rows) - animation.BACKGROUND_SECONDS
    print(
        f"12 runs × 5,000 steps ({rows:,} rows of paths): {per_frame_long:.3f} s a frame; "
        f"estimate {estimate:.3f} s"
    )


if __name__ == "__main__":
    main()
