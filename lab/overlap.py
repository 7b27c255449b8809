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
MOSTLY = 0.8  # of the shared steps: a path this often covered is hidden
COVER_DASH = (7, 5)


def hidden_pairs(
    paths: pd.DataFrame, surface: surfaces.Surface, labels: list[str]
) -> list[tuple[str, str]]:
    """(below, above) for every pair of runs whose paths coincide for most steps, ``above``
    being the later run (drawn on top).

    >>> s = surfaces.get("quadratic")
    >>> p = pd.DataFrame({"run": ["a"] * 3 + ["b"] * 3, "step": [0, 1, 2] * 2,
    ...                   "x": [1.0, 0.5, 0.2] * 2, "y": [1.0, 0.5, 0.2] * 2})
    >>> hidden_pairs(p, s, ["a", "b"])
    [('a', 'b')]
    """
    names = list(surface.axis_names)
    diagonal = math.hypot(*(hi - lo for lo, hi in surface.bounds))
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
            gap = np.sqrt(((a.to_numpy() - b.to_numpy()) ** 2).sum(axis=1))
            if np.mean(gap < CLOSE * diagonal) >= MOSTLY:
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
