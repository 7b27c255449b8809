"""How fast is the run loop? Ratios measured in one run (the machines are shared and noisy).

1. One 2-D run of 1,000 Adam steps on Rosenbrock: ``optimizers.run`` against ``torch.optim.Adam``
   driven with the same analytic gradients (skipped when torch is not installed).
2. Batches of runs × 500 Adam steps on Rosenbrock, one learning rate per run (a sweep's
   1e-5..10), in one batched call against hand-written numpy loops that keep the same things:
   a. full bookkeeping, ``optimizers.run(...)``: params, loss, grads, updates, effective lr and
      state for every step, and the divergence step;
   b. a sweep's, ``optimizers.run(..., record="outcome", watch=...)``: final loss, divergence
      step and the first step within the tolerance of f_min, of each run.
   The hand-written loops write the same Adam arithmetic (so the results agree bit for bit) and
   check divergence and the tolerance every step, as one would by hand.

    python benchmarks/bench_run_loop.py [--quick] [--profile]

Times are process (CPU) times, each the best of several repeats, the two sides measured
alternately; the goal is a ratio ``optimizers.run`` / hand-written <= 1.5.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from functools import partial

import numpy as np

import optimizers
import surfaces

B1, B2, EPS = 0.9, 0.999, 1e-8
TOL = 1e-3  # the default experiment's tolerance on f − f_min


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def paired(fa, fb, repeats: int) -> tuple[float, float]:
    """Best times of two functions measured alternately, so a load spike hits both alike."""
    a, b = [], []
    for _ in range(repeats):
        a.append(best_of(fa, 1))
        b.append(best_of(fb, 1))
    return min(a), min(b)


def torch_adam_loop(x0, steps: int):
    import torch

    torch.set_default_dtype(torch.float64)
    params = torch.nn.Parameter(torch.tensor(x0))
    opt = torch.optim.Adam([params], lr=0.01)
    path = np.empty((steps + 1, 2))
    loss = np.empty(steps + 1)
    path[0] = x0
    with torch.no_grad():
        for t in range(1, steps + 1):
            x, y = params[0], params[1]
            params.grad = torch.stack((-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)))
            opt.step()
            x, y = params[0], params[1]
            loss[t] = float((1 - x) ** 2 + 100 * (y - x * x) ** 2)
            path[t] = params.numpy()
    return path, loss


def escape_box(surface, margin: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """The run loop's divergence box: the window widened by ``margin`` widths on each side."""
    b = np.asarray(surface.bounds, dtype=float)
    width = b[:, 1] - b[:, 0]
    return b[:, 0] - margin * width, b[:, 1] + margin * width


def adam_step(g, m, v, lr, t):
    """Adam as ``optimizers.adam`` computes it (torch's operation order), written out."""
    m = m + (1 - B1) * (g - m)
    v = v * B2 + (1 - B2) * (g * g)
    bc1, bc2 = 1 - B1**t, 1 - B2**t
    step_size = lr / bc1
    den = np.sqrt(v) / bc2**0.5 + EPS
    return -step_size * (m / den), m, v, lr / den


def hand_loop(x0: np.ndarray, lr: np.ndarray, steps: int, surface) -> dict:
    """Full bookkeeping by hand: every step's params, loss, grads, updates, effective lr and
    state, and each run's divergence step (non-finite, or outside the box), after which the run
    is NaN (on Rosenbrock the NaN carries through every quantity, as the library's blanking)."""
    shape = x0.shape
    params = np.empty((steps + 1, *shape))
    loss = np.empty((steps + 1, *shape[:-1]))
    grads, updates, lr_eff, ms, vs = (np.empty((steps, *shape)) for _ in range(5))
    low, high = escape_box(surface)
    x = x0.copy()
    params[0], loss[0] = x, surface.f(x)
    m = np.zeros(shape)
    v = np.zeros(shape)
    diverged = np.full(shape[:-1], -1)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = surface.grad(x)
            u, m, v, eff = adam_step(g, m, v, lr, t)
            x = x + u
            f = surface.f(x)
            params[t], loss[t], grads[t - 1], updates[t - 1] = x, f, g, u
            lr_eff[t - 1], ms[t - 1], vs[t - 1] = eff, m, v
            bad = ~(((x >= low) & (x <= high)).all(-1) & np.isfinite(f))
            diverged = np.where(bad & (diverged < 0), t, diverged)
            x = np.where((diverged >= 0)[..., None], np.nan, x)  # a diverged run is NaN from here
    return {
        "params": params,
        "loss": loss,
        "grads": grads,
        "updates": updates,
        "lr_eff": lr_eff,
        "exp_avg": ms,
        "exp_avg_sq": vs,
        "divergence_step": diverged,
    }


def hand_outcome(x0: np.ndarray, lr: np.ndarray, steps: int, surface) -> dict:
    """A sweep's bookkeeping by hand: each run's final loss, divergence step and first step
    within ``TOL`` of f_min (-1 when none), checked every step."""
    low, high = escape_box(surface)
    x = x0.copy()
    m = np.zeros(x.shape)
    v = np.zeros(x.shape)
    f = surface.f(x)
    batch = x.shape[:-1]
    diverged = np.where(((x >= low) & (x <= high)).all(-1) & np.isfinite(f), -1, 0)
    reached = np.where((f - surface.f_min < TOL) & (diverged < 0), 0, -1)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = surface.grad(x)
            u, m, v, _ = adam_step(g, m, v, lr, t)
            x = x + u
            f = surface.f(x)
            bad = ~(((x >= low) & (x <= high)).all(-1) & np.isfinite(f))
            diverged = np.where(bad & (diverged < 0), t, diverged)
            hit = (f - surface.f_min < TOL) & (reached < 0) & ((diverged < 0) | (diverged == t))
            reached = np.where(hit, t, reached)
    final = np.where((diverged < 0) | (diverged == steps), f, np.nan)
    return {"final_loss": final.reshape(batch), "diverged": diverged, "reached": reached}


def library_full(starts, lrs, steps, surface):
    return optimizers.run(optimizers.get("adam", lr=lrs), surface, starts, steps)


def library_outcome(starts, lrs, steps, surface):
    f_min = surface.f_min
    watch = {"tol": lambda params, loss: loss - f_min < TOL}
    opt = optimizers.get("adam", lr=lrs)
    return optimizers.run(opt, surface, starts, steps, record="outcome", watch=watch)


def agree_full(starts, lrs, steps, surface) -> bool:
    ours, hand = library_full(starts, lrs, steps, surface), hand_loop(starts, lrs, steps, surface)
    recorded = {**vars(ours), **ours.state}
    return all(np.array_equal(recorded[k], v, equal_nan=True) for k, v in hand.items())


def agree_outcome(starts, lrs, steps, surface) -> bool:
    ours = library_outcome(starts, lrs, steps, surface)
    hand = hand_outcome(starts, lrs, steps, surface)
    return bool(
        np.array_equal(ours.final_loss, hand["final_loss"], equal_nan=True)
        and np.array_equal(ours.divergence_step, hand["diverged"])
        and np.array_equal(ours.first_step["tol"], hand["reached"])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--profile", action="store_true", help="profile the largest batch")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    surface = surfaces.get("rosenbrock")
    x0 = np.array([-1.2, 1.0])

    steps = 1000

    def single():
        return optimizers.run(optimizers.get("adam", lr=0.01), surface, x0, steps)

    ours = best_of(single, repeats)
    print(
        f"single run, {steps} Adam steps: optimizers.run {ours * 1e3:.1f} ms "
        f"({ours / steps * 1e6:.1f} µs/step)"
    )
    try:
        import torch  # noqa: F401
    except ImportError:
        print("  torch not installed: skipping the torch.optim comparison")
    else:
        path, _ = torch_adam_loop(x0, steps)
        agree = np.max(np.abs(path - single().params))
        ours, theirs = paired(single, lambda: torch_adam_loop(x0, steps), 2 * repeats)
        print(
            f"  paired with torch.optim.Adam: ours {ours * 1e3:.1f} ms, torch {theirs * 1e3:.1f} ms"
            f" -> optimizers.run is {theirs / ours:.1f}x faster (goal >= 5x); "
            f"max |Δθ| between them {agree:.1e}"
        )

    steps = 200 if args.quick else 500
    sizes = (25, 1_600, 2_000) if args.quick else (25, 1_600, 10_000)
    print(
        f"\nbatched Adam on Rosenbrock, {steps} steps, process time, best of {repeats}; "
        "ratio = optimizers.run / hand-written numpy (goal <= 1.5)"
    )
    print(
        f"{'runs':>7} {'bookkeeping':<9} {'run (s)':>9} {'hand (s)':>9} {'ratio':>6}  same results"
    )
    for runs in sizes:
        lrs = np.logspace(-5, 1, runs)[:, None]
        starts = np.broadcast_to(x0, (runs, 2))
        n = repeats + 4 if runs < 1000 else repeats
        for what, ours_fn, hand_fn, agree in (
            ("full", library_full, hand_loop, agree_full),
            ("sweep", library_outcome, hand_outcome, agree_outcome),
        ):
            setup = (starts, lrs, steps, surface)
            ours, hand = paired(partial(ours_fn, *setup), partial(hand_fn, *setup), n)
            same = agree(starts, lrs, steps, surface)
            print(f"{runs:>7,} {what:<11} {ours:9.3f} {hand:9.3f} {ours / hand:6.2f}  {same}")

    if args.profile:
        runs = sizes[-1]
        lrs = np.logspace(-5, 1, runs)[:, None]
        starts = np.broadcast_to(x0, (runs, 2))
        for what, fn in (("full", library_full), ("sweep", library_outcome)):
            print(f"\nprofile: {what}, {runs:,} runs × {steps} steps (by own time)")
            profile = cProfile.Profile(time.process_time)
            profile.runcall(fn, starts, lrs, steps, surface)
            pstats.Stats(profile).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
