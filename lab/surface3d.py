"""The race in 3-D: the function as a surface, every run's path on it, played back (Plotly).

Vega-Lite has no 3-D marks, so this one view is drawn by Plotly (WebGL). The figure is built
here as a plain Plotly JSON spec (dicts, with numbers as Plotly's typed arrays: base64 float32),
like the Vega-Lite specs of the other views: building it imports nothing from Plotly, and only
``st.plotly_chart`` in the 3-D tab loads Plotly, so the default page never does.

Heights are what the 2-D map colours: f, or log₁₀(f − f_min) where f spans decades; they are
clipped to the window's 0.1–99th percentiles so one steep wall (or one grid point on the exact
minimum, log → −12) does not flatten the rest. Paths float a little above the surface so it
does not hide them. Playback is Plotly animation frames over steps, run in the browser (no rerun
per frame): every run advances together, a diamond marks where each one is.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pandas as pd

import surfaces

from . import drawable, frames, raster
from .run_style import DASHES, RunStyle

GRID = 80  # surface samples per side
MAX_FRAMES = 120  # playback frames (steps shown), at most; paths are drawn at these steps
CLIP_QUANTILES = (0.001, 0.99)  # heights outside these quantiles of the window are cut off
LIFT = 0.04  # paths float this fraction of the height range above the surface
HEIGHT = 520  # pixels: the scene and its play controls fit a 1280×720 projector, lesson open
FONT = 15
FRAME_MS = 70  # playback speed: milliseconds per frame
# RunStyle's dash patterns in Plotly's names (scatter3d lines take names, not patterns)
PLOTLY_DASHES = dict(zip(DASHES, ("solid", "dash", "dot", "dashdot", "longdash"), strict=True))
START_COLOUR, MINIMUM_COLOUR = "black", "#FFD400"
PATH, HEAD = "path", "head"  # the ``meta`` of a run's line and of its position marker

Spec = dict[str, Any]


class NeedsTwoParameters(ValueError):
    """A 3-D picture of f needs f to have two parameters."""


def figure(
    surface: surfaces.Surface,
    paths: pd.DataFrame,
    runs: RunStyle,
    start: tuple[float, ...],
    *,
    grid: int = GRID,
    max_frames: int = MAX_FRAMES,
) -> Spec:
    """The surface over its plotting window, each run's path on it, and playback frames.

    Args:
        surface: a function of two parameters (a 1-D one raises :class:`NeedsTwoParameters`,
            one finite nowhere on the grid :class:`lab.drawable.CannotDraw`).
        paths: the tidy paths table of :func:`lab.frames.paths` (run, step, the two coordinate
            columns named by ``surface.axis_names``, loss), rows in step order per run.
        runs: labels, colours and dashes of the runs, in run order; a run missing from
            ``paths`` (it could not run) is left out.
        start: the common start point.
        grid: samples per side of the surface, at least 2.
        max_frames: at most this many playback frames (steps), the last step always among them.

    Returns:
        A Plotly figure as a JSON-ready dict (``data``, ``layout``, ``frames``). Traces, in
        order: the surface, one path line per run drawn, one head marker per run drawn, the
        start, the known minima. Frame ``k`` replaces the lines with each run's path up to
        its step and moves the heads there; the figure itself shows the last frame.

    >>> import surfaces
    >>> from lab.run_style import RunStyle
    >>> spec = figure(surfaces.get("booth"), pd.DataFrame(), RunStyle((), (), ()), (0.0, 0.0))
    >>> [trace["type"] for trace in spec["data"]]
    ['surface', 'scatter3d', 'scatter3d']
    """
    if surface.dim != 2:
        raise NeedsTwoParameters(
            f"a 3-D view needs a function of two parameters; {surface.title} has {surface.dim}"
        )
    (x0, x1), (y0, y1) = surface.bounds
    gx, gy = np.linspace(x0, x1, grid), np.linspace(y0, y1, grid)
    with np.errstate(all="ignore"):
        gz = _height(surface, surface.f(np.stack(np.meshgrid(gx, gy), axis=-1)))
    losses = paths["loss"] if len(paths) else []
    if not np.isfinite(gz).any() and not drawable.finite_values(losses).size:
        raise drawable.no_finite_values(surface)  # (runs on a sliver thinner than the grid draw)
    low, high = _height_range(gz)
    lift = LIFT * (high - low)
    drawn = np.clip(gz, low, high)

    def height(f: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Where a point is drawn: at its height, but never under the drawn surface (between
        grid points the picture is interpolated, and a narrow valley's floor is drawn higher
        than it is), plus the lift."""
        z = np.clip(_height(surface, np.asarray(f, dtype=float)), low, high)
        return np.fmax(z, _bilinear(gx, gy, drawn, x, y)) + lift

    shown = _frame_steps(paths, max_frames)
    lines = []
    for label, colour, dash in zip(runs.labels, runs.colours, runs.dashes, strict=True):
        rows = paths[paths["run"] == label] if len(paths) else paths
        if len(rows):
            lines.append(_Line.of(label, colour, dash, rows, surface, shown, height))

    title = frames.colour_title(surface)
    cut = np.isfinite(gz) & (gz > high)
    z_title = f"{title} (cut off above {high:.3g})" if cut.any() else title
    data = [
        _surface(gx, gy, drawn, (low, high), title, surface),
        *(line.trace() for line in lines),
        *(line.head(line.steps[-1]) for line in lines),
        *_markers(surface, start, height),
    ]
    layout: Spec = {
        "height": HEIGHT,
        "margin": {"l": 0, "r": 0, "t": 30, "b": 70},
        "font": {"size": FONT},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "x": 0, "y": 1.06, "font": {"size": 14}},
        "uirevision": surface.name,  # a rerun with other runs keeps the reader's camera
        "scene": _scene(surface, (low, high + lift), z_title),
    }
    spec: Spec = {"data": data, "layout": layout}
    if lines and len(shown) > 1:
        traces = list(range(1, 1 + 2 * len(lines)))
        spec["frames"] = [_frame(int(step), lines, traces) for step in shown]
        layout["updatemenus"] = [_buttons()]
        layout["sliders"] = [_slider(shown)]
    return spec


def values(array: Any) -> np.ndarray:
    """The numbers of a spec's array (a typed-array dict or a list), as floats."""
    if isinstance(array, dict):
        raw = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        shape = [int(n) for n in array.get("shape", str(len(raw))).split(",")]
        return raw.reshape(shape).astype(float)
    return np.asarray(array, dtype=float)


def head_positions(spec: Spec, frame: int = -1) -> dict[str, tuple[float, float, float]]:
    """Where each run's head marker is in a playback frame: run label -> (x, y, z)."""
    shown = spec["frames"][frame]
    heads = {}
    for i, trace in zip(shown["traces"], shown["data"], strict=True):
        if spec["data"][i].get("meta") == HEAD and len(values(trace["x"])):
            heads[spec["data"][i]["legendgroup"]] = tuple(float(values(trace[c])[0]) for c in "xyz")
    return heads


# --- heights ------------------------------------------------------------------------------------


def _height(surface: surfaces.Surface, f: np.ndarray) -> np.ndarray:
    """The map's colour value as a height: f, or log₁₀ of f − f_min; NaN where not finite."""
    with np.errstate(all="ignore"):
        z = frames._colour_value(surface, np.asarray(f, dtype=float))
    return np.where(np.isfinite(z), z, np.nan)


def _bilinear(gx, gy, gz, x, y) -> np.ndarray:
    """The grid's heights gz (rows: gy, columns: gx) interpolated at points (x, y): NaN
    outside the grid or where a corner is NaN."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore"):
        fx = np.interp(x, gx, np.arange(len(gx)), left=np.nan, right=np.nan)
        fy = np.interp(y, gy, np.arange(len(gy)), left=np.nan, right=np.nan)
    ok = np.isfinite(fx) & np.isfinite(fy)
    i = np.clip(np.where(ok, fy, 0).astype(int), 0, len(gy) - 2)
    j = np.clip(np.where(ok, fx, 0).astype(int), 0, len(gx) - 2)
    ty, tx = np.where(ok, fy, 0) - i, np.where(ok, fx, 0) - j
    z = (
        gz[i, j] * (1 - tx) * (1 - ty)
        + gz[i, j + 1] * tx * (1 - ty)
        + gz[i + 1, j] * (1 - tx) * ty
        + gz[i + 1, j + 1] * tx * ty
    )
    return np.where(ok, z, np.nan)


def _height_range(z: np.ndarray) -> tuple[float, float]:
    finite = z[np.isfinite(z)]
    if not len(finite):
        return 0.0, 1.0
    low, high = (float(q) for q in np.quantile(finite, CLIP_QUANTILES))
    if not high > low:
        low, high = float(finite.min()), float(finite.max())
    if not high > low:
        low, high = low - 0.5, high + 0.5
    return low, high


# --- traces -------------------------------------------------------------------------------------


class _Line:
    """One run's path at the playback's steps: where it is drawable (NaN where it left the
    window or its loss is not finite: a gap in the line, as on the 2-D map)."""

    def __init__(self, label, colour, dash, steps, loss, x, y, z) -> None:
        self.label, self.colour, self.dash = label, colour, dash
        self.steps, self.loss, self.x, self.y, self.z = steps, loss, x, y, z

    @classmethod
    def of(cls, label, colour, dash, rows, surface, shown, height) -> _Line:
        (x0, x1), (y0, y1) = surface.bounds
        xs, ys = surface.axis_names
        steps = rows["step"].to_numpy(dtype=int)
        keep = np.isin(steps, shown)
        keep[-1] = True  # a run that stopped early (diverged) ends at its own last step
        steps = steps[keep]
        x, y = rows[xs].to_numpy(dtype=float)[keep], rows[ys].to_numpy(dtype=float)[keep]
        loss = rows["loss"].to_numpy(dtype=float)[keep]
        with np.errstate(invalid="ignore"):
            ok = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & np.isfinite(loss)
        z = np.where(ok, height(np.where(ok, loss, 0.0), x, y), np.nan)
        return cls(label, colour, dash, steps, loss, *(np.where(ok, v, np.nan) for v in (x, y, z)))

    def upto(self, step: int) -> int:
        return int(np.searchsorted(self.steps, step, side="right"))

    def trace(self) -> Spec:
        return {
            "type": "scatter3d",
            "mode": "lines",
            "name": self.label,
            "legendgroup": self.label,
            "meta": PATH,
            **_xyz(self.x, self.y, self.z),
            "connectgaps": False,
            "line": {
                "color": self.colour,
                "width": 6,
                "dash": PLOTLY_DASHES.get(tuple(self.dash), "solid"),
            },
            "customdata": _typed(np.stack([self.steps, self.loss], axis=-1)),
            "hovertemplate": (
                f"<b>{self.label}</b><br>step %{{customdata[0]:d}}<br>(%{{x:.4g}}, %{{y:.4g}})"
                "<br>f = %{customdata[1]:.4g}<extra></extra>"
            ),
        }

    def head_xyz(self, step: int) -> Spec:
        """The last drawable point at or before ``step`` (none before the first)."""
        drawn = np.flatnonzero(np.isfinite(self.z[: self.upto(step)]))
        at = [drawn[-1]] if len(drawn) else []
        return _xyz(self.x[at], self.y[at], self.z[at])

    def head(self, step: int) -> Spec:
        """A diamond where the run is at ``step``."""
        return {
            "type": "scatter3d",
            "mode": "markers",
            "name": self.label,
            "legendgroup": self.label,
            "showlegend": False,
            "meta": HEAD,
            **self.head_xyz(step),
            "marker": {
                "symbol": "diamond",
                "size": 9,
                "color": self.colour,
                "line": {"color": "white", "width": 2},
            },
            "hovertemplate": f"<b>{self.label}</b><br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        }


def _surface(gx, gy, gz, limits, title: str, surface: surfaces.Surface) -> Spec:
    xs, ys = surface.axis_names
    stops = raster.STOPS  # the 2-D map's colours: pale valleys, dark walls
    return {
        "type": "surface",
        "name": surface.title,
        "x": _typed(gx),
        "y": _typed(gy),
        "z": _typed(gz),
        "colorscale": [[i / (len(stops) - 1), colour] for i, colour in enumerate(stops)],
        "cmin": limits[0],
        "cmax": limits[1],
        "showscale": True,
        "colorbar": {"title": {"text": title, "side": "right"}, "len": 0.6, "thickness": 14},
        "contours": {"z": {"show": True, "usecolormap": False, "color": "#425466", "width": 1}},
        "lighting": {"ambient": 0.8, "diffuse": 0.45, "specular": 0.05, "roughness": 0.9},
        "hovertemplate": (
            f"{xs}=%{{x:.3g}}, {ys}=%{{y:.3g}}<br>{title} = %{{z:.3g}}<extra></extra>"
        ),
    }


def _markers(surface: surfaces.Surface, start, height) -> list[Spec]:
    """The start (a ring) and the known minima in the window (gold), on the surface."""
    (x0, x1), (y0, y1) = surface.bounds
    xs, ys = surface.axis_names
    minima = np.asarray(surface.minima, dtype=float).reshape(-1, 2)
    inside = (minima[:, 0] >= x0) & (minima[:, 0] <= x1)
    minima = minima[inside & (minima[:, 1] >= y0) & (minima[:, 1] <= y1)]
    groups = [
        ("start", np.array([start], dtype=float), "circle-open", START_COLOUR, 12),
        ("known minimum", minima, "diamond", MINIMUM_COLOUR, 10),
    ]
    traces = []
    for name, points, symbol, colour, size in groups:
        if not len(points):
            continue
        with np.errstate(all="ignore"):
            z = height(surface.f(points), points[:, 0], points[:, 1])
        traces.append(
            {
                "type": "scatter3d",
                "mode": "markers",
                "name": name,
                **_xyz(points[:, 0], points[:, 1], z),
                "marker": {
                    "symbol": symbol,
                    "size": size,
                    "color": colour,
                    "line": {"color": "black", "width": 4 if symbol == "circle-open" else 1},
                },
                "hovertemplate": f"{name}<br>{xs}=%{{x:.4g}}, {ys}=%{{y:.4g}}<extra></extra>",
            }
        )
    return traces


def _scene(surface: surfaces.Surface, z_limits: tuple[float, float], z_title: str) -> Spec:
    (x0, x1), (y0, y1) = surface.bounds
    xs, ys = surface.axis_names
    span = max(x1 - x0, y1 - y0)
    return {
        "xaxis": _axis(xs, (x0, x1)),
        "yaxis": _axis(ys, (y0, y1)),
        "zaxis": _axis(z_title, z_limits),
        # x and y at one scale, as on the 2-D map; the height squashed to a readable relief
        "aspectmode": "manual",
        "aspectratio": {"x": (x1 - x0) / span, "y": (y1 - y0) / span, "z": 0.5},
        # from well above: a valley's near wall would hide the paths in it from a low camera
        "camera": {"eye": {"x": -0.75, "y": -1.05, "z": 1.25}},
        "bgcolor": "rgba(0,0,0,0)",
    }


def _axis(title: str, limits: tuple[float, float]) -> Spec:
    return {
        "title": {"text": title, "font": {"size": FONT}},
        "range": [float(limits[0]), float(limits[1])],
        "tickfont": {"size": 13},
        "showbackground": False,
        "gridcolor": "rgba(128,128,128,0.4)",
        "zerolinecolor": "rgba(128,128,128,0.6)",
        "showspikes": False,
    }


def _typed(array: np.ndarray) -> Spec:
    """Plotly's typed array: float32, base64 (about 5 characters a number instead of 20)."""
    a = np.ascontiguousarray(array, dtype="<f4")
    spec: Spec = {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in a.shape)
    return spec


def _xyz(x, y, z) -> Spec:
    return {"x": _typed(x), "y": _typed(y), "z": _typed(z)}


# --- playback -----------------------------------------------------------------------------------


def _frame_steps(paths: pd.DataFrame, max_frames: int) -> np.ndarray:
    """The steps the playback shows: every early step, then evenly spaced, always the last."""
    if not len(paths):
        return np.array([], dtype=int)
    steps = np.unique(paths["step"].to_numpy(dtype=int))
    if len(steps) <= max_frames:
        return steps
    # like frames.sample_steps: the first steps one by one (half the frames at most), then even
    early = min(frames.EARLY_STEPS, max_frames // 2)
    rest = np.linspace(early, len(steps) - 1, max_frames - early).round().astype(int)
    return steps[np.unique(np.concatenate([np.arange(early), rest]))]


def _frame(step: int, lines: list[_Line], traces: list[int]) -> Spec:
    """Each run's path up to ``step`` and its head there (a run that stopped earlier: all)."""
    paths = [
        {"type": "scatter3d", **_xyz(line.x[:n], line.y[:n], line.z[:n])}
        for line in lines
        for n in [line.upto(step)]
    ]
    heads = [{"type": "scatter3d", **line.head_xyz(step)} for line in lines]
    return {"name": str(step), "data": [*paths, *heads], "traces": traces}


def _animate(names: list[str | None] | None, duration: int, **options: Any) -> list:
    # scatter3d cannot tween: every frame is a redraw, with no transition
    settings = {"frame": {"duration": duration, "redraw": True}, "transition": {"duration": 0}}
    return [names, {**settings, **options}]


def _buttons() -> Spec:
    return {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0.0,
        "y": 0.0,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 10, "r": 10},
        "font": {"size": FONT},
        "buttons": [
            # from where it was paused or dragged to; from step 0 once at the end
            {
                "label": "▶ Play",
                "method": "animate",
                "args": _animate(None, FRAME_MS, fromcurrent=True, mode="immediate"),
            },
            {
                "label": "❚❚ Pause",
                "method": "animate",
                "args": _animate([None], 0, mode="immediate"),
            },
        ],
    }


def _slider(steps: np.ndarray) -> Spec:
    return {
        "active": len(steps) - 1,  # the figure shows the end of the race, as the 2-D map does
        "x": 0.24,  # right of the buttons, also on a 1280-pixel projector
        "len": 0.76,
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": 10},
        "currentvalue": {"prefix": "Playback: step ", "xanchor": "right", "font": {"size": FONT}},
        "font": {"size": 11},
        "steps": [
            {
                "label": str(int(step)),
                "method": "animate",
                "args": _animate([str(int(step))], 0, mode="immediate"),
            }
            for step in steps
        ],
    }
