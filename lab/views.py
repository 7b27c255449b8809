"""The dashboard's views, as one list of records: title, caption, and the charts each one has.

A new tab is one :class:`View` here (and, if it draws more than captioned charts, one drawing
function in ``lab.ui``). Lessons and links name views by these constants, never by string.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import figures

Charts = Callable[[Any, dict[str, Any], tuple], list]  # (experiment, tables, landscape) -> specs


@dataclass(frozen=True)
class View:
    """One tab: its title (also its value in a link's ``tab=``), the text above its charts, and
    the function that builds its chart specs from an experiment's tables and landscape."""

    title: str
    caption: str = ""
    charts: Charts = field(default=figures.no_charts, repr=False)


TRAJECTORIES = View("Trajectories", charts=figures.trajectory_charts)
SURFACE_3D = View(
    "3-D",
    "The function as a surface: its height is what the map colours (f, or log₁₀(f − f_min) where "
    "f spans decades; the top 1 % is cut off flat). **Drag** to rotate, **scroll** to zoom, "
    "**double-click** to reset; **▶ Play** replays the race. Paths float just above the surface, "
    "drawn at the playback's steps (the map has more).",
)
LOSS = View(
    "Loss",
    "**f − f_min** (or f where there is no minimum) against step, one line per run (drawn down "
    "to 10⁻¹⁶, the limit of double precision); below it, the **norm of the gradient each step "
    "used** (with gradient noise or mini-batches, the noisy one). One **L-BFGS** step is one "
    "torch `step(closure)`: up to `max_iter` iterations and `max_eval` evaluations of f (Inside "
    "a step counts them), so compare it with other runs by evaluations, not steps.",
    figures.loss_charts,
)
LEARNING_RATE = View(
    "Effective learning rate",
    "**Effective learning rate**: the factor each parameter's step applies to its gradient (for "
    "Adam-like methods, to the bias-corrected first moment m̂; for L-BFGS η·γ, the scale of its "
    "first inverse-Hessian guess); where there are several "
    "parameters, each has its own line style. The dotted line is the learning rate η you set, "
    "with its schedule. Below: the **realised gain −Δθ / g**, how far each parameter actually "
    "moved per unit of gradient (above 0 downhill, below 0 carried uphill by momentum). Its line "
    "is a rolling median over each step's dot; steps where g is close to zero are left out (the "
    "ratio means nothing there), and the chart's subtitle says how many values lie beyond its "
    "axis.",
    figures.learning_rate_charts,
)
INSIDE_A_STEP = View("Inside a step", charts=figures.state_charts)
EQUATIONS = View("Equations")
SWEEP = View("Sweep")
SUMMARY = View("Summary")

ALL: tuple[View, ...] = (
    TRAJECTORIES,
    SURFACE_3D,
    LOSS,
    LEARNING_RATE,
    INSIDE_A_STEP,
    EQUATIONS,
    SWEEP,
    SUMMARY,
)
BY_TITLE = {view.title: view for view in ALL}
TITLES = tuple(BY_TITLE)
