"""Arrows inside a step: where the gradient, the momentum and the actual step point.

For step t of a run, from θ_{t−1}: the plain gradient step −η·g_t, the momentum step −η·m_t
(the optimizer's momentum buffer or first moment, where it has one) and the step actually taken
Δθ_t. All three are in parameter units, so their lengths compare; each step's three are drawn at
one common scale so the longest spans :data:`LENGTH` of the window's diagonal (the factor is in
the tooltip), which keeps a tiny step visible and a huge one on the map.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import optimizers
import surfaces

from .frames import sample_steps
from .simulate import RunResult

LENGTH = 0.12  # of the window's diagonal: the longest arrow of a step
GRADIENT, MOMENTUM, STEP = "−η·g (gradient)", "−η·m (momentum)", "Δθ (step taken)"
KINDS = (GRADIENT, MOMENTUM, STEP)
COLUMNS = ["run", "step", "kind", "x", "y", "x2", "y2", "angle", "length", "scale"]


def arrows(results: list[RunResult], surface: surfaces.Surface) -> pd.DataFrame:
    """One row per run, sampled step and arrow: its tail (x, y), its drawn head (x2, y2), the
    head's angle in degrees clockwise from up (Vega's convention), its true length and the
    factor it is drawn at."""
    if surface.dim != 2:
        return pd.DataFrame(columns=COLUMNS)
    parts = []
    for r in results:
        if r.ok:
            traj = r.trajectory
            stop = traj.steps if traj.diverged_at is None else traj.diverged_at
            parts.append(at_steps(r, surface, sample_steps(stop)[1:]))  # step t: θ_{t−1} → θ_t
    return _finite(parts)


def at_steps(result: RunResult, surface: surfaces.Surface, steps: np.ndarray) -> pd.DataFrame:
    """The arrows of one run at the given steps (1-based), as in :func:`arrows`."""
    steps = np.asarray(steps, dtype=int)
    if surface.dim != 2 or not len(steps):
        return pd.DataFrame(columns=COLUMNS)
    (x0, x1), (y0, y1) = surface.bounds
    target = LENGTH * math.hypot(x1 - x0, y1 - y0)
    traj = result.trajectory
    eta = np.asarray(traj.lr, dtype=float).reshape(traj.steps, -1)[steps - 1, :1]
    vectors = {GRADIENT: -eta * traj.grads[steps - 1], STEP: traj.updates[steps - 1]}
    field = optimizers.velocity(result.config.optimizer)
    if field in traj.state:
        vectors[MOMENTUM] = -eta * traj.state[field][steps - 1]
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        longest = np.max([np.hypot(*v.T) for v in vectors.values()], axis=0)
        scale = np.where(longest > 0, target / longest, 1.0)
    tail = traj.params[steps - 1]
    parts = []
    for kind, v in vectors.items():
        with np.errstate(invalid="ignore", over="ignore"):  # inf × 0 of a diverged step: dropped
            drawn = v * scale[:, None]
        parts.append(
            pd.DataFrame(
                {
                    "run": result.label,
                    "step": steps,
                    "kind": kind,
                    "x": tail[:, 0],
                    "y": tail[:, 1],
                    "x2": tail[:, 0] + drawn[:, 0],
                    "y2": tail[:, 1] + drawn[:, 1],
                    "angle": np.degrees(np.arctan2(drawn[:, 0], drawn[:, 1])),
                    "length": np.hypot(*v.T),
                    "scale": scale,
                }
            )
        )
    return _finite(parts)


def _finite(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    finite = np.isfinite(table[["x", "y", "x2", "y2"]].to_numpy(dtype=float)).all(axis=1)
    return table[finite].reset_index(drop=True)
