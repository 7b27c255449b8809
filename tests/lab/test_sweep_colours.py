"""The Sweep view's words and legends name the colours its charts really use."""

import numpy as np

import optimizers
import surfaces
from lab import charts, lessons, run_style, sweep_charts, sweeps
from lab import experiment as ex
from lab.run_style import RunStyle
from lab.ui import sweep_view


def _spec(chart) -> dict:
    spec = charts.to_spec(chart)
    spec.pop("datasets")
    return spec


def test_the_map_text_names_the_colour_of_diverged_cells():
    exp = ex.Experiment(runs=(ex.run_config("adam"),), steps=100)
    grid = sweeps.hyper_map(exp, 0, "lr", np.geomspace(1e-3, 10, 6), "beta1", [0.0, 0.5, 0.9])
    spec = _spec(sweep_charts.hyper_map_chart(grid, "final"))
    flat = spec["layer"][1]["encoding"]["color"]["scale"]
    diverged = flat["range"][flat["domain"].index("diverged")]
    assert diverged == sweep_charts.DIVERGED == "#8B0000"
    assert f"diverged cells are {sweep_charts.COLOUR_NAMES[diverged]}" in sweep_view.MAP_TEXT
    assert "dark red" in sweep_view.MAP_TEXT and "orange" not in sweep_view.MAP_TEXT
    assert "orange" not in (sweep_charts.__doc__ or "")


def test_basin_legends_are_drawn_in_the_cells_colours():
    exp = ex.Experiment(surface="rosenbrock", runs=(ex.run_config("adam", lr=0.05),), steps=200)
    grid = sweeps.basins(exp, 0, n=8)
    spec = _spec(sweep_charts.basins_chart(grid, surfaces.get("rosenbrock")))
    encoding = spec["layer"][0]["encoding"]
    scale = encoding["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    reached = grid[grid["minimum"] >= 0]["label"].mode().iloc[0]
    fade = encoding["opacity"]["legend"]
    # the "steps to reach" legend shows the reached minimum's own colour, not a default grey
    assert fade["symbolFillColor"] == colours[reached]
    assert encoding["color"]["legend"]["symbolOpacity"] == 1
    assert encoding["color"]["legend"]["symbolType"] == fade["symbolType"] == "square"
    assert sweep_charts.COLOUR_NAMES[sweep_charts.BASIN_DIVERGED] in sweep_view.BASINS_TEXT


def test_the_sweep_legend_shows_the_longest_lesson_label_whole():
    labels = [label for lesson in lessons.LESSONS for label in lesson.experiment.labels()]
    runs = RunStyle.of(labels[:12], ["rmsprop"] * len(labels[:12]))
    longest = max(runs.labels, key=len)
    exp = ex.Experiment(runs=(ex.run_config("sgd"),), steps=20)
    table = sweeps.lr_sweep(exp, [1e-3, 1e-2])
    table["run"] = longest
    runs = RunStyle.of([longest], ["rmsprop"])
    spec = _spec(
        sweep_charts.lr_sensitivity_chart(
            sweeps.summarise_lr_sweep(table), sweeps.best_lrs(table), runs
        )
    )
    limits = [
        layer["encoding"]["color"]["legend"]["labelLimit"]
        for layer in spec["layer"][0]["layer"]
        if isinstance(layer["encoding"]["color"].get("legend"), dict)
    ]
    assert limits and min(limits) >= 0.6 * (charts.FONT - 1) * len(longest)


def test_every_optimizer_has_a_colour_of_its_own():
    colours = [run_style.optimizer_colour(name) for name in optimizers.names()]
    assert len(set(colours)) == len(colours)
