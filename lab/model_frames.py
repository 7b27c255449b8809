"""What a model's views show, as tidy frames: learning curves, the decision boundary (or fitted
curve) at sampled steps, per-layer effective learning rates and update ratios, the loss
landscape in the paths' principal plane, and a summary.

Pure functions of an experiment's results (no Streamlit). Every quantity over many steps or
runs is one batched call of the model (``predict``, ``test_loss``, ``accuracy``), never a loop
over steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import models

from . import frames, overlap, raster
from .simulate import RunResult

FRAMES = 24  # sampled steps of the decision boundary's playback
BOUNDARY_GRID = 32  # cells per side of the decision boundary's heatmap
CURVE_POINTS = 120  # x values of a 1-D regression's fitted curve
PLANE_GRID = 40  # the landscape plane's cells per side
PLANE_STEPS = 120  # path points per run: the plane's PCA and its chart
QUANTILES = (0.1, 0.5, 0.9)
SPLITS = {"train": "training", "test": "held-out"}


def _ok(results: list[RunResult]) -> list[RunResult]:
    return [r for r in results if r.ok]


def _last(results: list[RunResult]) -> int:
    return max((r.trajectory.steps for r in _ok(results)), default=0)


def _stack(results: list[RunResult], steps: np.ndarray) -> np.ndarray:
    """Parameters of every run at ``steps``: (len(steps), runs, d); NaN after a run stopped."""
    ok = _ok(results)
    out = np.full((len(steps), len(ok), ok[0].trajectory.params.shape[-1]), np.nan)
    for k, r in enumerate(ok):
        p = r.trajectory.params
        inside = steps < len(p)
        out[inside, k] = p[steps[inside]]
    return out


def curves(results: list[RunResult], objective: models.ModelObjective) -> pd.DataFrame:
    """Training and held-out loss (and accuracy, for classification) against step.

    Columns ``run``, ``step``, ``epoch`` (steps / steps per epoch), ``measure`` (``loss`` or
    ``accuracy``), ``split`` (``training`` or ``held-out``), ``value``. The training loss is
    the run loop's (on the whole training set, whatever the batch); the rest is computed at
    up to ``frames.MAX_POINTS`` sampled steps in one call per quantity.
    """
    columns = ["run", "step", "epoch", "measure", "split", "value"]
    ok = _ok(results)
    if not ok:
        return pd.DataFrame(columns=columns)
    steps = frames.sample_steps(_last(results))
    params = _stack(results, steps)  # (S, runs, d)
    finite = np.isfinite(params).all(axis=-1)
    safe = np.where(finite[..., None], params, 0.0)
    values = {("loss", "test"): np.where(finite, objective.test_loss(safe), np.nan)}
    train = np.full(finite.shape, np.nan)
    for k, r in enumerate(ok):
        loss = r.trajectory.loss
        inside = steps < len(loss)
        train[inside, k] = loss[steps[inside]]
    values[("loss", "train")] = train
    if objective.data.n_classes:
        for split in ("train", "test"):
            acc = objective.accuracy(safe, split)
            values[("accuracy", split)] = np.where(finite, acc, np.nan)
    per = objective.steps_per_epoch
    parts = []
    for (measure, split), v in values.items():
        for k, r in enumerate(ok):
            keep = np.isfinite(v[:, k])
            parts.append(
                pd.DataFrame(
                    {
                        "run": r.label,
                        "step": steps[keep],
                        "epoch": steps[keep] / per,
                        "measure": measure,
                        "split": SPLITS[split],
                        "value": v[keep, k],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)[columns]


def lowest_training_loss(curves: pd.DataFrame) -> str | None:
    """The run whose last training loss in :func:`curves` is lowest (None if there is none).

    >>> lowest_training_loss(pd.DataFrame({"run": ["a", "a", "b"], "step": [0, 9, 9],
    ...     "measure": "loss", "split": "training", "value": [0.9, 0.5, 0.2]}))
    'b'
    """
    rows = curves[(curves["measure"] == "loss") & (curves["split"] == SPLITS["train"])]
    if not len(rows):
        return None
    last = rows.sort_values("step").groupby("run", sort=False, observed=True)["value"].last()
    return str(last.idxmin())


def frame_steps(last: int, count: int = FRAMES) -> np.ndarray:
    """The steps the decision boundary is drawn at: 0, ``last`` and evenly spaced between,
    denser early (square-root spacing: the boundary moves most at the start).

    >>> frame_steps(200, 5).tolist()
    [0, 12, 50, 112, 200]
    """
    if last <= 0:
        return np.zeros(1, dtype=int)
    t = np.linspace(0.0, 1.0, count) ** 2
    return np.unique((t * last).round().astype(int))


def feature_window(data: models.Dataset) -> tuple[tuple[float, float], ...]:
    """The standardised feature plane shown: every point inside, half a unit to spare."""
    x = np.concatenate([data.x_train, data.x_test])
    lo, hi = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    return tuple((float(a), float(b)) for a, b in zip(lo.round(1), hi.round(1), strict=True))


def boundary(results: list[RunResult], objective: models.ModelObjective) -> pd.DataFrame:
    """What each run predicts over the feature plane at ``frame_steps``: one ``predict`` call.

    2-D classification: a ``BOUNDARY_GRID``² picture of P(class 1) per run and step (a PNG
    data URL, :data:`lab.raster.RED_BLUE`), columns ``run``, ``step``, ``until`` (the next
    frame's step: a frame shows while step ≤ shown < until), ``url`` and the picture's edges
    ``x``, ``x2``, ``y``, ``y2`` (the :func:`feature_window`).
    1-D regression: the fitted curve, columns ``run``, ``x``, ``y``, ``step``, ``until``.
    Empty for other data (more than two features).
    """
    data = objective.data
    ok = _ok(results)
    if not ok or data.n_features > 2 or (data.n_features == 2 and data.n_classes != 2):
        return pd.DataFrame()
    steps = frame_steps(_last(results))
    until = np.append(steps[1:], np.iinfo(np.int32).max)
    params = _stack(results, steps)
    finite = np.isfinite(params).all(axis=-1)
    window = feature_window(data)
    if data.n_features == 1:
        xs = np.linspace(*window[0], CURVE_POINTS)
        out = objective.predict(np.where(finite[..., None], params, 0.0), xs[:, None])[..., 0]
        rows = []
        for k, r in enumerate(ok):
            for i, step in enumerate(steps):
                if finite[i, k]:
                    rows.append(
                        pd.DataFrame(
                            {
                                "run": r.label,
                                "x": xs,
                                "y": out[i, k],
                                "step": step,
                                "until": until[i],
                            }
                        )
                    )
        return frames.compact(pd.concat(rows, ignore_index=True))
    g = BOUNDARY_GRID
    (x0, x1), (y0, y1) = window
    ex_, ey = np.linspace(x0, x1, g + 1), np.linspace(y0, y1, g + 1)
    cx, cy = (ex_[1:] + ex_[:-1]) / 2, (ey[1:] + ey[:-1]) / 2
    gx, gy = np.meshgrid(cx, cy)
    points = np.stack([gx.ravel(), gy.ravel()], axis=-1)
    prob = objective.predict(np.where(finite[..., None], params, 0.0), points)[..., -1]
    prob = np.clip(prob.reshape(len(steps), len(ok), g, g), 0.0, 1.0)  # rows along y
    rows = [
        {
            "run": r.label,
            "step": step,
            "until": until[i],
            "url": raster.data_url(prob[i, k], 0.0, 1.0, raster.RED_BLUE),
        }
        for k, r in enumerate(ok)
        for i, step in enumerate(steps)
        if finite[i, k]
    ]
    frame = pd.DataFrame(rows, columns=["run", "step", "until", "url"])
    return frame.assign(x=x0, x2=x1, y=y0, y2=y1)


def class_names(data: models.Dataset) -> tuple[str, ...]:
    """The data set's class names as a reader says them: ``class 1`` for a bare number.

    >>> class_names(models.get("logistic").data)
    ('class 0', 'class 1')
    """
    return tuple(f"class {name}" if name.isdigit() else name for name in data.class_names)


def points(objective: models.ModelObjective) -> pd.DataFrame:
    """The training points (standardised): ``x``, ``y`` (second feature, or the target for
    regression) and ``label`` (:func:`class_names`; empty for regression)."""
    data = objective.data
    x = data.x_train
    if data.n_features == 1:
        return pd.DataFrame({"x": x[:, 0], "y": data.y_train.astype(float), "label": ""})
    names = np.asarray(class_names(data), dtype=object)
    return pd.DataFrame({"x": x[:, 0], "y": x[:, 1], "label": names[data.y_train]})


def layers(results: list[RunResult], objective: models.ModelObjective) -> pd.DataFrame:
    """Per run, layer and sampled step: the effective learning rate's 10 %, 50 % and 90 %
    quantiles over the layer's parameters (weights and biases) and the update-to-weight ratio
    ‖Δθ‖ / ‖θ‖ of the layer.

    Columns ``run``, ``layer`` (``"1: 2→16"``), ``step`` (1-based), ``lo``, ``median``, ``hi``,
    ``ratio``.
    """
    columns = ["run", "layer", "step", "lo", "median", "hi", "ratio"]
    parts = []
    for r in _ok(results):
        traj = r.trajectory
        stop = traj.steps if traj.diverged_at is None else traj.diverged_at
        if stop < 1:
            continue
        rows = frames.sample_steps(stop - 1)  # update rows 0..stop-1 are steps 1..stop
        for i, layer in enumerate(objective.network.layers):
            cut = layer.params
            rate = traj.lr_eff[rows][:, cut]
            q = np.quantile(rate, QUANTILES, axis=-1)
            update = np.linalg.norm(traj.updates[rows][:, cut], axis=-1)
            weight = np.linalg.norm(traj.params[rows][:, cut], axis=-1)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(weight > 0, update / weight, np.nan)
            parts.append(
                pd.DataFrame(
                    {
                        "run": r.label,
                        "layer": f"{i + 1}: {layer.fan_in}→{layer.fan_out}",
                        "step": rows + 1,
                        "lo": q[0],
                        "median": q[1],
                        "hi": q[2],
                        "ratio": ratio,
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def plane(results: list[RunResult], objective: models.ModelObjective) -> dict[str, Any]:
    """The loss landscape in the paths' principal plane (:func:`models.landscape_plane`), one
    plane for every run, as frames: ``grid`` (cells ``a``, ``a2``, ``b``, ``b2``, ``loss``,
    ``level`` = log₁₀ loss), ``picture`` (one row: the grid's log₁₀ loss as a PNG ``url``
    through :data:`lab.raster.STOPS` from its lowest to its highest value, and its edges
    ``a``, ``a2``, ``b``, ``b2``), ``paths`` (``run``, ``step``, ``a``, ``b``, ``off`` = distance
    from the plane), and ``explained`` (each direction's share of the paths' variance),
    ``residual`` (the largest distance of a path point from the plane), ``centre`` (whose
    final point the plane is centred on), ``window`` (the grid's ((a0, a1), (b0, b1)), as
    long along a as along b), ``hidden`` ((below, above) runs whose projected paths coincide,
    :func:`lab.overlap.covered_pairs`) and ``last`` (the last step)."""
    ok = _ok(results)
    if not ok:
        return {}
    last = _last(results)
    rows = frames.sample_steps(last, PLANE_STEPS)
    paths = _stack(results, rows)
    found = models.landscape_plane(objective, paths, centre="final", grid=PLANE_GRID)
    alpha, beta = found.alpha, found.beta
    da, db = alpha[1] - alpha[0], beta[1] - beta[0]
    ia, ib = np.meshgrid(np.arange(len(alpha)), np.arange(len(beta)))
    loss = found.loss[ib.ravel(), ia.ravel()]
    loss = np.where(np.isfinite(loss), np.maximum(loss, 1e-12), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.log10(np.maximum(loss, 1e-12))
    grid = pd.DataFrame(
        {
            "a": alpha[ia.ravel()] - da / 2,
            "a2": alpha[ia.ravel()] + da / 2,
            "b": beta[ib.ravel()] - db / 2,
            "b2": beta[ib.ravel()] + db / 2,
            "loss": loss,
            "level": np.where(np.isfinite(level), level, np.nan),
        }
    )
    finite = level[np.isfinite(level)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    picture = pd.DataFrame(
        {
            "url": [raster.data_url(level.reshape(found.loss.shape), low, high)],
            "a": [float(alpha[0] - da / 2)],
            "a2": [float(alpha[-1] + da / 2)],
            "b": [float(beta[0] - db / 2)],
            "b2": [float(beta[-1] + db / 2)],
        }
    )
    parts = []
    for k, r in enumerate(ok):
        coords, off = found.coords[:, k], found.residual[:, k]
        keep = np.isfinite(coords).all(axis=-1)
        parts.append(
            pd.DataFrame(
                {
                    "run": r.label,
                    "step": rows[keep],
                    "a": coords[keep, 0],
                    "b": coords[keep, 1],
                    "off": off[keep],
                }
            )
        )
    path_frame = pd.concat(parts, ignore_index=True)
    window = (
        (float(alpha[0] - da / 2), float(alpha[-1] + da / 2)),
        (float(beta[0] - db / 2), float(beta[-1] + db / 2)),
    )
    diagonal = float(np.hypot(window[0][1] - window[0][0], window[1][1] - window[1][0]))
    labels = [r.label for r in ok]
    return {
        "picture": picture,
        "window": window,
        "hidden": overlap.covered_pairs(path_frame, ["a", "b"], diagonal, labels),
        "grid": frames.compact(grid),
        "paths": path_frame,
        "explained": tuple(float(e) for e in found.explained),
        "residual": float(np.nanmax(found.residual)),
        "centre": ok[found.run or 0].label,
        "last": last,
    }


def summary(results: list[RunResult], objective: models.ModelObjective) -> pd.DataFrame:
    """One row per run: final training and held-out loss (and accuracy), and where the
    held-out loss was lowest."""
    rows = []
    classify = bool(objective.data.n_classes)
    for r in results:
        row: dict[str, Any] = {"run": r.label}
        if not r.ok:
            rows.append({**row, "note": r.error})
            continue
        traj = r.trajectory
        stop = traj.steps if traj.diverged_at is None else traj.diverged_at
        params = traj.params[: stop + 1]
        finite = np.isfinite(params).all(axis=-1)
        params = params[finite]
        test = objective.test_loss(params)
        end = params[-1]
        row.update(
            {
                "training loss": float(traj.loss[: stop + 1][finite][-1]),
                "held-out loss": float(test[-1]),
                "lowest held-out loss": float(test.min()),
                "at step": int(np.flatnonzero(finite)[test.argmin()]),
            }
        )
        if classify:
            row["training accuracy"] = float(objective.accuracy(end))
            row["held-out accuracy"] = float(objective.test_accuracy(end))
        row["note"] = "" if traj.diverged_at is None else f"diverged at step {traj.diverged_at}"
        rows.append(row)
    return pd.DataFrame(rows)


def per_step(results: list[RunResult], objective: models.ModelObjective) -> pd.DataFrame:
    """Every step's training loss of every run, for the CSV download (the parameters would be
    thousands of columns)."""
    parts = []
    for r in _ok(results):
        loss = r.trajectory.loss
        parts.append(pd.DataFrame({"run": r.label, "step": np.arange(len(loss)), "loss": loss}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


BUILD = {
    "model_curves": lambda exp, results, read: curves(results, exp.objective()),
    "model_boundary": lambda exp, results, read: boundary(results, exp.objective()),
    "model_layers": lambda exp, results, read: layers(results, exp.objective()),
    "model_plane": lambda exp, results, read: plane(results, exp.objective()),
    "model_summary": lambda exp, results, read: summary(results, exp.objective()),
}
