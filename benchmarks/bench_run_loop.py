"""How fast is the run loop? Ratios measured in one run (the machines are shared and noisy).

1. One 2-D run of 1,000 Adam steps on Rosenbrock: ``optimizers.run`` against ``torch.optim.Adam``
   driven with the same analytic gradients (skipped when torch is not installed).
2. 10,000 runs × 500 Adam steps in one batched call against a hand-written numpy loop that does the
   same bookkeeping (params, loss, grads, updates, effective lr, state, divergence check).

    python benchmarks/bench_run_loop.py [--quick]

Each figure is the best of several repeats; a ratio > 1 means ``optimizers.run`` is faster.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import optimizers
import surfaces


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
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


def hand_loop(x0: np.ndarray, lr: np.ndarray, steps: int, surface) -> dict:
    """Adam written out by hand, with the run loop's bookkeeping, as the speed yardstick."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    shape = x0.shape
    params = np.empty((steps + 1, *shape))
    loss = np.empty((steps + 1, *shape[:-1]))
    grads, updates, lr_eff, ms, vs = (np.empty((steps, *shape)) for _ in range(5))
    x = x0.copy()
    params[0], loss[0] = x, surface.f(x)
    m = np.zeros(shape)
    v = np.zeros(shape)
    diverged = np.full(shape[:-1], -1)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = surface.grad(x)
            m = m + (1 - b1) * (g - m)
            v = v * b2 + (1 - b2) * g * g
            step_size = lr / (1 - b1**t)
            den = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
            u = -step_size * (m / den)
            x = x + u
            f = surface.f(x)
            params[t], loss[t], grads[t - 1], updates[t - 1] = x, f, g, u
            lr_eff[t - 1], ms[t - 1], vs[t - 1] = step_size / den, m, v
            bad = ~(np.isfinite(x).all(-1) & np.isfinite(f))
            diverged = np.where(bad & (diverged < 0), t, diverged)
    return {"params": params, "diverged": diverged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
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

    runs, steps = (2_000, 200) if args.quick else (10_000, 500)
    lrs = np.logspace(-4, -1, runs)[:, None]
    starts = np.broadcast_to(x0, (runs, 2))
    batched, hand = paired(
        lambda: optimizers.run(optimizers.get("adam", lr=lrs), surface, starts, steps),
        lambda: hand_loop(starts, lrs, steps, surface),
        max(3, repeats - 2),
    )
    same = np.allclose(
        hand_loop(starts, lrs, 20, surface)["params"],
        optimizers.run(optimizers.get("adam", lr=lrs), surface, starts, 20).params,
        rtol=1e-12,
        atol=1e-12,
        equal_nan=True,
    )
    print(
        f"batched, {runs:,} runs × {steps} steps: optimizers.run {batched:.2f} s, hand-written "
        f"loop {hand:.2f} s -> ratio {batched / hand:.2f} (goal <= 1.5); same results: {same}"
    )


if __name__ == "__main__":
    main()
