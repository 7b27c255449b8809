"""Tidy (long) DataFrames for the charts, tables and downloads: one row per run × step.

Long series are downsampled before they reach the browser: every step of the first
``EARLY_STEPS`` (where Adam's bias correction and momentum's start show) and evenly spaced steps
after, always keeping the last step and the step a run diverged at.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import optimizers
import surfaces

from . import raster
from .simulate import RunResult

MAX_POINTS = 400  # per run and series
PICTURE = 256  # heatmap pixels per side (one image)
PICK_GRID = 32  # clickable cells per side, also the tooltip resolution
EARLY_STEPS = 60
GAIN_TINY = 0.01  # |g| under this share of its local median (GAIN_NEAR steps): −Δθ/g is noise
GAIN_NEAR = 21


def sample_steps(last: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Row indices 0..last to plot: all early ones, then evenly spaced, always ``last``.

    >>> sample_steps(5).tolist()
    [0, 1, 2, 3, 4, 5]
    >>> len(sample_steps(10_000)) <= 400 + 1
    True
    """
    if last + 1 <= max_points:
        return np.arange(last + 1)
    early = np.arange(min(EARLY_STEPS, last))
    rest = np.linspace(EARLY_STEPS, last, max_points - EARLY_STEPS).round().astype(int)
    return np.unique(np.concatenate([early, rest, [last]]))


def _last_row(result: RunResult) -> int:
    traj = result.trajectory
    return traj.steps if traj.diverged_at is None else traj.diverged_at


def gap(surface: surfaces.Surface, loss: np.ndarray) -> np.ndarray:
    """f − f_min where the minimum is known (else f), floored for log axes."""
    if surface.f_min is None:
        return loss
    return np.maximum(loss - surface.f_min, 1e-16)


def paths(results: list[RunResult], surface: surfaces.Surface) -> pd.DataFrame:
    """Parameters and loss along each run: columns run, step, one per coordinate, loss."""
    names = list(surface.axis_names)
    frames = []
    for r in results:
        if not r.ok:
            continue
        rows = sample_steps(_last_row(r))
        traj = r.trajectory
        data = {"run": r.label, "step": rows}
        for i, name in enumerate(names):
            data[name] = traj.params[rows, i]
        data["loss"] = traj.loss[rows]
        # a dot per early step (step sizes show), then every 4th: fewer marks for the browser
        index = np.arange(len(rows))
        data["dot"] = (index < EARLY_STEPS) | (index % 4 == 0)
        frames.append(pd.DataFrame(data))
    return _concat(frames, ["run", "step", *names, "loss", "dot"])


def losses(results: list[RunResult], surface: surfaces.Surface) -> pd.DataFrame:
    """Loss, its gap to the minimum and the gradient norm: columns run, step, loss, gap,
    grad_norm (the norm of the gradient the step used, NaN at the last row)."""
    frames = []
    for r in results:
        if not r.ok:
            continue
        traj = r.trajectory
        rows = sample_steps(_last_row(r))
        norms = np.full(traj.steps + 1, np.nan)
        with np.errstate(over="ignore"):  # a diverging run's gradient may overflow: inf
            norms[:-1] = np.linalg.norm(traj.grads, axis=-1)
        frames.append(
            pd.DataFrame(
                {
                    "run": r.label,
                    "step": rows,
                    "loss": traj.loss[rows],
                    "gap": gap(surface, traj.loss[rows]),
                    "grad_norm": norms[rows],
                }
            )
        )
    return _concat(frames, ["run", "step", "loss", "gap", "grad_norm"])


def learning_rates(results: list[RunResult], surface: surfaces.Surface) -> pd.DataFrame:
    """Per-parameter effective learning rate and realised gain −Δθ/g, with the scheduled base
    rate: columns run, step (1-based), parameter, lr_eff, gain, lr (gain as in
    :func:`realised_gain`)."""
    frames = []
    for r in results:
        if not r.ok:
            continue
        traj = r.trajectory
        last = _last_row(r)
        rows = sample_steps(last)[1:] - 1 if last > 0 else np.array([], dtype=int)
        base = np.broadcast_to(traj.lr.reshape(traj.steps, -1)[:, 0], (traj.steps,))
        gain = realised_gain(traj.realized_gain, traj.grads)
        for i, name in enumerate(surface.axis_names):
            frames.append(
                pd.DataFrame(
                    {
                        "run": r.label,
                        "step": rows + 1,
                        "parameter": name,
                        "lr_eff": traj.lr_eff[rows, i],
                        "gain": gain[rows, i],
                        "lr": base[rows],
                    }
                )
            )
    return _concat(frames, ["run", "step", "parameter", "lr_eff", "gain", "lr"])


def realised_gain(gain: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """−Δθ/g per step and parameter, NaN where it is not finite or where |g| is under
    ``GAIN_TINY`` of its median over the ``GAIN_NEAR`` steps around it: as g crosses zero the
    ratio spikes to any size and says nothing about the step.

    >>> realised_gain(np.array([[1.0], [50.0], [np.inf]]), np.array([[1.0], [1e-3], [1.0]]))
    array([[ 1.],
           [nan],
           [nan]])
    """
    size = pd.DataFrame(np.abs(grads)).rolling(GAIN_NEAR, center=True, min_periods=1).median()
    with np.errstate(invalid="ignore"):
        tiny = np.abs(grads) < GAIN_TINY * size.to_numpy()
    return np.where(np.isfinite(gain) & ~tiny, gain, np.nan)


def summary(results: list[RunResult], surface: surfaces.Surface, tolerance: float) -> pd.DataFrame:
    """One row per run: final loss, gap, distance to the nearest known minimum, the first step
    with f − f_min below ``tolerance``, and the step it diverged at.

    Number columns hold numbers only (float, or nullable ``Int64`` for step counts), empty where
    there is none; ``status`` (ok, diverged, error: …) and ``note`` say why a number is missing.
    """
    reach = f"steps to f − f_min < {tolerance:g}"
    numbers = {
        "final loss": "float64",
        "final f − f_min": "float64",
        "distance to nearest minimum": "float64",
        reach: "Int64",
        "diverged at step": "Int64",
        **{f"final {name}": "float64" for name in surface.axis_names},
    }
    rows = []
    for r in results:
        row: dict[str, object] = {"run": r.label, "optimizer": r.config.optimizer}
        if not r.ok:
            rows.append({**row, "status": f"error: {r.error}", "note": "the run did not start"})
            continue
        traj = r.trajectory
        last = _last_row(r)
        final = traj.params[last]
        reached = _first_below(surface, traj.loss, tolerance)
        notes = []
        if traj.diverged_at is not None:
            notes.append(f"diverged at step {traj.diverged_at}: final values are its last step")
        if surface.f_min is None:
            notes.append("no known minimum: no gap, distance or steps to the tolerance")
        elif reached is None:
            notes.append(f"f − f_min < {tolerance:g} never reached")
        row |= {
            "status": "diverged" if traj.diverged_at is not None else "ok",
            "final loss": float(traj.loss[last]),
            "final f − f_min": float(gap(surface, traj.loss[last]))
            if surface.f_min is not None
            else np.nan,
            "distance to nearest minimum": _nearest(surface, final),
            reach: reached,
            "diverged at step": traj.diverged_at,
        }
        for i, name in enumerate(surface.axis_names):
            row[f"final {name}"] = float(final[i])
        rows.append({**row, "note": "; ".join(notes)})
    columns = ["run", "optimizer", "status", *numbers, "note"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({**numbers, "note": object}).assign(note=table["note"].fillna(""))


def number_text(value: object) -> str:
    """A table number, one format everywhere: 4 significant digits, scientific below 1e-3 and
    from 1e4 on (``4.421e-8``, never ``0.000004071``); whole numbers of steps as they are; empty
    where there is none.

    >>> [number_text(v) for v in (4.421e-8, 4.071e-6, 0.01234, 1.5, 1234.6, 12345.0, 0.0)]
    ['4.421e-8', '4.071e-6', '0.01234', '1.5', '1235', '1.234e4', '0']
    >>> number_text(float("nan")), number_text(None), number_text(7), number_text(-2.5e-9)
    ('', '', '7', '-2.5e-9')
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, int | np.integer):
        return str(int(value))
    x = float(value)  # type: ignore[arg-type]
    if not np.isfinite(x):
        return "" if np.isnan(x) else ("∞" if x > 0 else "−∞")
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    mantissa, exponent = f"{x:.3e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def per_step(results: list[RunResult], surface: surfaces.Surface) -> pd.DataFrame:
    """Every recorded number of every run, not downsampled: the CSV students download."""
    frames = []
    names = list(surface.axis_names)
    for r in results:
        if not r.ok:
            continue
        traj = r.trajectory
        n = traj.steps
        data: dict[str, object] = {"run": r.label, "step": np.arange(n + 1)}
        data["loss"] = traj.loss
        for i, name in enumerate(names):
            data[name] = traj.params[:, i]
        per = {"grad": traj.grads, "update": traj.updates, "lr_eff": traj.lr_eff}
        for key, value in traj.state.items():
            per[key] = (
                np.broadcast_to(value.reshape(n, -1), (n, len(names)))
                if value.ndim > 1
                else (np.repeat(value[:, None], len(names), axis=1))
            )
        for key, value in per.items():
            for i, name in enumerate(names):
                column = np.full(n + 1, np.nan)
                column[1:] = value[:, i]  # the step that led to row t
                data[f"{key}_{name}"] = column
        frames.append(pd.DataFrame(data))
    return _concat(frames, ["run", "step", "loss", *names])


def picture_region(
    surface: surfaces.Surface, widest: float = 3.0, tallest: float = 0.75
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The plane around the window that a map keeping x and y at one scale may show: the window
    widened (or heightened) about its centre to the aspect ratios of plots from ``tallest`` to
    ``widest`` (width / height), so the heatmap fills the plot at any screen width.

    >>> picture_region(surfaces.get("rosenbrock"))
    ((-6.0, 6.0), (-1.6666666666666665, 3.6666666666666665))
    """
    (x0, x1), (y0, y1) = surface.bounds
    w, h = max(x1 - x0, (y1 - y0) * widest), max(y1 - y0, (x1 - x0) / tallest)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - w / 2, cx + w / 2), (cy - h / 2, cy + h / 2)


def surface_picture(surface: surfaces.Surface, n: int = PICTURE) -> pd.DataFrame:
    """The heatmap as one PNG image over :func:`picture_region` (one row: x, x2, y, y2, url),
    its colour range (low, high) over the window, in the colour value of :func:`surface_grid`,
    and how many of its pixels in the window are finite (``finite``; none: f is nowhere
    finite there); pixels are as dense as ``n`` per side of the window."""
    (x0, x1), (y0, y1) = picture_region(surface)
    (wx0, wx1), (wy0, wy1) = surface.bounds
    nx = min(int(n * (x1 - x0) / (wx1 - wx0)), 3 * n)
    ny = min(int(n * (y1 - y0) / (wy1 - wy0)), 3 * n)
    dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
    gx, gy = np.meshgrid(
        np.linspace(x0 + dx / 2, x1 - dx / 2, nx), np.linspace(y0 + dy / 2, y1 - dy / 2, ny)
    )
    with np.errstate(all="ignore"):
        colour = _colour_value(surface, surface.f(np.stack([gx, gy], axis=-1)))
    inside = (gx >= wx0) & (gx <= wx1) & (gy >= wy0) & (gy <= wy1)
    finite = colour[inside & np.isfinite(colour)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    url = raster.data_url(colour, low, high)
    return pd.DataFrame(
        {
            "x": [x0],
            "x2": [x1],
            "y": [y0],
            "y2": [y1],
            "url": [url],
            "low": [low],
            "high": [high],
            "finite": [len(finite)],
        }
    )


def grid_minimum(surface: surfaces.Surface, n: int = 201) -> tuple[float, ...] | None:
    """The lowest point of f on an n-point grid per axis over the window: an estimate of the
    minimum where none is known (None where f is nowhere finite)."""
    axes = [np.linspace(lo, hi, n) for lo, hi in surface.bounds]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, surface.dim)
    with np.errstate(all="ignore"):
        values = surface.f(points)
    if not np.isfinite(values).any():
        return None
    return tuple(
        float(v) for v in points[np.nanargmin(np.where(np.isfinite(values), values, np.nan))]
    )


def places(surface: surfaces.Surface, start: tuple[float, ...]) -> pd.DataFrame:
    """The start and the known minima (and, for a typed formula, the lowest grid point): rows
    of what, x and y (2-D) or x and f (1-D), for the markers on the map."""
    xs, ys = surface.axis_names[0], surface.axis_names[-1] if surface.dim == 2 else "f"

    def row(what: str, point: tuple | np.ndarray) -> dict:
        y = point[-1] if surface.dim == 2 else surface.f(np.asarray(point, dtype=float))
        return {"what": what, xs: float(point[0]), ys: float(y)}

    rows = [row("start", tuple(start))]
    rows += [row("minimum", point) for point in surface.minima]
    if surface.name == surfaces.expression.NAME and (guess := grid_minimum(surface)) is not None:
        rows.append(row("estimated minimum (lowest grid point)", guess))
    return pd.DataFrame(rows)


def surface_grid(surface: surfaces.Surface, n: int = PICK_GRID) -> pd.DataFrame:
    """Cells of a heatmap over the plotting window: lower-left corners x, y (each cell is
    ``width / n`` wide), f, and the colour value (log10 of f − f_min where f spans decades)."""
    (x0, x1), (y0, y1) = surface.bounds
    xe, ye = np.linspace(x0, x1, n + 1)[:-1], np.linspace(y0, y1, n + 1)[:-1]
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    gx, gy = np.meshgrid(xe + dx / 2, ye + dy / 2)
    with np.errstate(all="ignore"):  # float32 for the tooltips: beyond 3.4e38 is inf
        f = surface.f(np.stack([gx, gy], axis=-1))
        return pd.DataFrame(
            {
                "x": np.tile(xe, n),
                "y": np.repeat(ye, n),
                "f": f.ravel().astype(np.float32),
                "colour": _colour_value(surface, f).ravel().astype(np.float32),
            }
        )


def contours(surface: surfaces.Surface, n: int = 120, levels: int = 14) -> pd.DataFrame:
    """Iso-lines of f (computed in numpy by contourpy: Vega-Lite has no contour mark).

    Levels are spaced evenly in the heatmap's colour value, so they follow its colours.
    Columns: level, line (an id), order, x, y.
    """
    import contourpy

    (x0, x1), (y0, y1) = picture_region(surface)
    (wx0, wx1), (wy0, wy1) = surface.bounds
    nx, ny = (
        min(int(n * (b - a) / (wb - wa)), 3 * n)
        for a, b, wa, wb in ((x0, x1, wx0, wx1), (y0, y1, wy0, wy1))
    )
    gx, gy = np.meshgrid(np.linspace(x0, x1, nx), np.linspace(y0, y1, ny))
    with np.errstate(all="ignore"):
        value = _colour_value(surface, surface.f(np.stack([gx, gy], axis=-1)))
    inside = (gx >= wx0) & (gx <= wx1) & (gy >= wy0) & (gy <= wy1)
    finite = value[inside & np.isfinite(value)]
    frames, line = [], 0
    if not len(finite):  # nowhere finite: no lines (the map says so)
        return _concat(frames, ["level", "line", "order", "x", "y"])
    gen = contourpy.contour_generator(gx, gy, np.ma.masked_invalid(value))
    for level in _levels(float(finite.min()), float(finite.max()), levels):
        for segment in gen.lines(level):
            frames.append(
                pd.DataFrame(
                    {
                        "level": level,
                        "line": line,
                        "order": np.arange(len(segment)),
                        "x": segment[:, 0],
                        "y": segment[:, 1],
                    }
                )
            )
            line += 1
    return _concat(frames, ["level", "line", "order", "x", "y"])


def _levels(low: float, high: float, count: int) -> np.ndarray:
    """``count`` levels evenly inside (low, high), without overflow where the range is wider
    than the largest float (f from -1e308 to 1e308).

    >>> _levels(0.0, 3.0, 2).tolist(), _levels(-1e308, 1e308, 1).tolist()
    ([1.0, 2.0], [0.0])
    """
    fractions = np.linspace(0.0, 1.0, count + 2)[1:-1]
    return low * (1 - fractions) + high * fractions


def curve(surface: surfaces.Surface, n: int = 400) -> pd.DataFrame:
    """The graph of a 1-D function over its window: columns x, f."""
    ((x0, x1),) = surface.bounds
    x = np.linspace(x0, x1, n)
    with np.errstate(all="ignore"):
        f = surface.f(x[:, None])
    return pd.DataFrame({"x": x, "f": f})


def colour_title(surface: surfaces.Surface) -> str:
    if not surface.log_scale:
        return "f"
    return "log₁₀(f − f_min)" if surface.f_min is not None else "log₁₀ f"


def _colour_value(surface: surfaces.Surface, f: np.ndarray) -> np.ndarray:
    if not surface.log_scale:
        return f
    with np.errstate(all="ignore"):
        return np.log10(np.maximum(gap(surface, f), 1e-12))


def _nearest(surface: surfaces.Surface, point: np.ndarray) -> float:
    if len(surface.minima) == 0 or not np.isfinite(point).all():
        return np.nan
    with np.errstate(over="ignore"):  # a point far out (a diverged run's last): inf
        return float(np.min(np.linalg.norm(surface.minima - point, axis=-1)))


def _first_below(surface: surfaces.Surface, loss: np.ndarray, tolerance: float) -> int | None:
    if surface.f_min is None:
        return None
    with np.errstate(invalid="ignore"):
        hits = np.flatnonzero(loss - surface.f_min < tolerance)
    return int(hits[0]) if len(hits) else None


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def divergences(results: list[RunResult], surface: surfaces.Surface) -> pd.DataFrame:
    """Where each diverged run stopped: its last finite point. Columns run, step, loss, gap."""
    rows = []
    for r in results:
        if not r.ok or r.trajectory.diverged_at is None:
            continue
        traj = r.trajectory
        finite = np.flatnonzero(np.isfinite(traj.loss[: traj.diverged_at + 1]))
        last = int(finite[-1]) if len(finite) else 0
        loss = float(traj.loss[last])
        rows.append(
            {
                "run": r.label,
                "step": traj.diverged_at,
                "loss": loss,
                "gap": float(gap(surface, np.array(loss))),
            }
        )
    return pd.DataFrame(rows, columns=["run", "step", "loss", "gap"])


def states(results: list[RunResult], surface: surfaces.Surface, coordinate: int) -> pd.DataFrame:
    """Each run's internal state over time for one coordinate (moments, accumulators, buffers),
    with the effective learning rate: columns run, step, quantity, value."""
    frames_ = []
    for r in results:
        if not r.ok:
            continue
        traj = r.trajectory
        labels = optimizers.state_labels(r.config.optimizer)  # declared by each optimizer
        rows = sample_steps(_last_row(r))[1:] - 1 if _last_row(r) > 0 else np.array([], int)
        series = {
            "lr_eff": traj.lr_eff[:, coordinate],
            **{
                name: value[:, coordinate] if value.ndim > 1 else value
                for name, value in traj.state.items()
            },
        }
        for name, values in series.items():
            frames_.append(
                pd.DataFrame(
                    {
                        "run": r.label,
                        "step": rows + 1,
                        "quantity": labels.get(name, name),
                        "value": values[rows],
                    }
                )
            )
    return _concat(frames_, ["run", "step", "quantity", "value"])


_F32 = np.finfo(np.float32)


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in the smallest types that draw and read the same, for sending to the browser:
    float64 as float32 where every finite non-zero magnitude lies inside float32's normal range
    (7 significant digits: the charts' tooltips show 4), whole numbers as int32 where they fit,
    and text repeated on most rows as categories (Arrow dictionaries). About a third of the
    bytes of the charts' data; the values a chart reads are unchanged beyond float32 rounding.

    >>> compact(pd.DataFrame({"x": [0.5, 1e-300], "step": [1, 2]})).dtypes.astype(str).tolist()
    ['float64', 'int32']
    """
    return pd.DataFrame({name: _compact(column) for name, column in frame.items()}, frame.index)


def _compact(column: pd.Series) -> pd.Series:
    values = column.to_numpy()
    if values.dtype == np.float64:
        magnitudes = np.abs(values[np.isfinite(values) & (values != 0)])
        if not len(magnitudes) or (
            magnitudes.max() <= _F32.max / 2 and magnitudes.min() >= _F32.tiny
        ):
            return column.astype(np.float32)
    whole = values.dtype.kind in "iu"
    if whole and (not len(values) or (values.min() >= -(2**31) and values.max() < 2**31)):
        return column.astype(np.int32)
    text = values.dtype == object or pd.api.types.is_string_dtype(column.dtype)
    if text and len(column) and column.nunique() * 4 <= len(column):
        return column.astype("category")
    return column
