"""How each run is drawn: its legend label, its colour and its dash, the same in every chart.

An optimizer keeps its colour on every page and in every lesson: the colour follows the
optimizer's place in the registry, not the run's slot. Two runs of the same optimizer share its
hue and differ by shade and dash, so neither hides the other.

>>> style = RunStyle.of(["Adam lr=0.1", "Adam lr=0.01", "SGD lr=0.1"], ["adam", "adam", "sgd"])
>>> style.colours[0] == style.colours[2]
False
>>> style.dashes[:2]
((1, 0), (8, 4))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import optimizers

# One colour per registered optimizer, in registry order (a new optimizer takes the next one).
# Chosen to stay apart from each other and from the map's teal-to-blue heatmap, in light and dark
# themes; the white halo under every path does the rest.
PALETTE = (
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#8C564B",  # brown
    "#009E73",  # bluish green
    "#7F7F7F",  # grey
    "#6A3D9A",  # purple
    "#B8860B",  # dark goldenrod
    "#17BECF",  # cyan
    "#E41A1C",  # red
    "#0072B2",  # blue
    "#F0027F",  # magenta
    "#66A61E",  # olive green
    "#BCBD22",  # yellow-olive (Rprop)
    "#8B0000",  # dark red (ASGD)
    "#000000",  # black (Adafactor): the white halo keeps it clear of dark backgrounds
    "#000080",  # navy (L-BFGS): a hue of its own, apart from Adam's and Momentum's purples
    "#556B2F",  # dark olive (Muon)
)
SOLID = (1, 0)
DASHES = (SOLID, (8, 4), (2, 3), (10, 3, 2, 3), (4, 4))
_SHADES = (0.0, 0.45, -0.35, 0.7, -0.55)  # >0 towards white, <0 towards black


def optimizer_colour(name: str) -> str:
    """The colour of optimizer ``name`` on every page."""
    return PALETTE[optimizers.names().index(name) % len(PALETTE)]


@dataclass(frozen=True)
class RunStyle:
    """Labels, colours and dashes of an experiment's runs, in run order."""

    labels: tuple[str, ...]
    colours: tuple[str, ...]
    dashes: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, labels: Sequence[str], optimizer_names: Sequence[str]) -> RunStyle:
        """The k-th run of an optimizer gets its colour in the k-th shade and the k-th dash."""
        seen: dict[str, int] = {}
        colours, dashes = [], []
        for name in optimizer_names:
            k = seen[name] = seen.get(name, -1) + 1
            colours.append(shade(optimizer_colour(name), _SHADES[k % len(_SHADES)]))
            dashes.append(DASHES[k % len(DASHES)])
        return cls(tuple(labels), tuple(colours), tuple(dashes))

    def colour(self, label: str) -> str:
        return self.colours[self.labels.index(label)]


def shade(colour: str, amount: float) -> str:
    """``colour`` mixed towards white (``amount`` > 0) or black (< 0).

    >>> shade("#804020", 0.5), shade("#804020", -0.5)
    ('#c0a090', '#402010')
    """
    if not amount:
        return colour
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    mixed = [round(c + (target - c) * abs(amount)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)
