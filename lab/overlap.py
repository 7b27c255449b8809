"""Runs hidden under others: which path lies on top of which, so the page can say so.

A later run is drawn over an earlier one. When two paths stay within a hair of each other for
most of the race, the one below disappears; the map then dashes the one on top (so both colours
show) and the page names the pair.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

import surfaces

from .run_style import SOLID, RunStyle

CLOSE = 0.01  # of the window's diagonal: closer than this, one line covers the other
MOSTLY = 0.8  # of the distance it travels: a path this much covered is hidden
COVER_DASH = (7, 5)


def hidden_pairs(
    paths: pd.DataFrame, surface: surfaces.Surface, labels: list[str]
) -> list[tuple[str, str]]:
    """(below, above) for every pair of runs whose paths coincide for most of the way the lower
    one travels, ``above`` being the later run (drawn on top).

    >>> s = surfaces.get("quadratic")
    >>> p = pd.DataFrame({"run": ["a"] * 3 + ["b"] * 3, "step": [0, 1, 2] * 2,
    ...                   "x": [4.0, 2.5, 0.2] * 2, "y": [4.0, 2.5, 0.2] * 2})
    >>> hidden_pairs(p, s, ["a", "b"])
    [('a', 'b')]
    """
    diagonal = math.hypot(*(hi - lo for lo, hi in surface.bounds))
    return covered_pairs(paths, list(surface.axis_names), diagonal, labels)


def covered_pairs(
    paths: pd.DataFrame, names: list[str], diagonal: float, labels: list[str]
) -> list[tuple[str, str]]:
    """:func:`hidden_pairs` for paths in any plane: ``names`` are the coordinate columns, and
    ``diagonal`` the length of the window's diagonal in those units."""
    tracks = {
        run: group.set_index("step")[names] for run, group in paths.groupby("run", sort=False)
    }
    pairs = []
    for i, below in enumerate(labels):
        for above in labels[i + 1 :]:
            if below not in tracks or above not in tracks:
                continue
            a, b = tracks[below].align(tracks[above], join="inner")
            if len(a) < 2:
                continue
            lower = a.to_numpy()
            with np.errstate(over="ignore"):  # a diverging run's huge steps: inf, no warning
                gap = np.linalg.norm(lower - b.to_numpy(), axis=1)
                # weigh each stretch by how far the lower run travels on it: two runs resting
                # at the same minimum do not hide each other's race
                travel = np.linalg.norm(np.diff(lower, axis=0), axis=1)
            covered = (gap[1:] < CLOSE * diagonal) & (gap[:-1] < CLOSE * diagonal)
            if travel.sum() > 0 and travel[covered].sum() >= MOSTLY * travel.sum():
                pairs.append((below, above))
    return pairs


def uncovered(runs: RunStyle, pairs: list[tuple[str, str]]) -> RunStyle:
    """The style with every covering run dashed (unless already dashed), so the run below shows
    through the gaps."""
    above = {top for _, top in pairs}
    dashes = tuple(
        COVER_DASH if label in above and dash == SOLID else dash
        for label, dash in zip(runs.labels, runs.dashes, strict=True)
    )
    return replace(runs, dashes=dashes)
