"""The charts of a model's views, made from templates (:mod:`lab.templates`), and their text.

Pure functions (no Streamlit), as :mod:`lab.figures` is for functions: each takes the
experiment and its tables (:class:`lab.figures.Tables`, whose builders include
:data:`lab.model_frames.BUILD`) and returns Vega-Lite specs.
"""

from __future__ import annotations

from typing import Any

from . import drawable, model_charts, model_frames, overlap, templates
from .experiment import Experiment, model_title
from .figures import run_style


def _needs_steps(exp: Experiment, data: Any) -> None:
    if not len(data["model_curves"]):
        raise drawable.no_steps(len(exp.runs), len(data["errors"]))


def curve_charts(exp: Experiment, data: Any) -> list[dict]:
    """Training and held-out loss (and accuracy) against step."""
    _needs_steps(exp, data)
    obj, runs = exp.objective(), run_style(exp)
    classify = bool(obj.data.n_classes)
    return [
        templates.spec(
            model_charts.curves_chart, data["model_curves"], runs, classify, obj.steps_per_epoch
        )
    ]


def plane_charts(exp: Experiment, data: Any) -> list[dict]:
    """The race on the loss landscape in the paths' principal plane."""
    _needs_steps(exp, data)
    plane = data["model_plane"]
    drawn = run_style_of(exp, list(plane["paths"]["run"].unique()))
    runs = overlap.uncovered(drawn, plane["hidden"])
    e1, e2 = plane["explained"]
    titles = (
        f"direction 1 ({e1:.0%} of the paths' variance)",
        f"direction 2 ({e2:.0%})",
    )
    return [
        templates.spec(
            model_charts.plane_chart,
            plane["grid"],
            plane["picture"],
            plane["paths"],
            runs,
            plane["last"],
            titles,
            plane["window"],
        )
    ]


def plane_caption(exp: Experiment, data: Any) -> str:
    """What the plane is and is not, with its numbers."""
    plane = data["model_plane"]
    e1, e2 = plane["explained"]
    return (
        f"**The loss landscape in the plane of the paths' two principal directions** (Li et al., "
        f"*Visualizing the Loss Landscape of Neural Nets*, 2018). Every recorded point of every "
        f"run, all {exp.objective().dim} parameters, minus the final point of "
        f"**{plane['centre']}** "
        f"(the plane's centre), goes into one PCA: direction 1 holds {e1:.0%} of the paths' "
        f"spread, direction 2 {e2:.0%}, so the plane shows {e1 + e2:.0%} of how the runs moved. "
        f"Colour: the training loss at each point of this slice. **What it is not**: the runs "
        f"leave the plane (up to {plane['residual']:.3g} away, in parameter units; hover a head "
        "for its distance), so a path can cross a drawn valley while its own loss does "
        "something else, and the slice's lowest point need not be where the runs end. Compare "
        "the Loss tab for each run's true loss."
    )


def boundary_charts(exp: Experiment, data: Any) -> list[dict]:
    """The decision boundary (2-D classification) or the fitted curve (1-D regression)."""
    cells = data["model_boundary"]
    obj = exp.objective()
    if not len(cells):
        return []
    failed = dict(data["errors"])
    ok_runs = run_style_of(exp, [label for label in exp.labels() if label not in failed])
    points = model_frames.points(obj)
    last = int(cells["step"].max())
    if obj.data.n_features == 1:
        return [templates.spec(model_charts.fit_chart, cells, points, ok_runs, last)]
    window = model_frames.feature_window(obj.data)
    classes = model_frames.class_names(obj.data)[:2]
    first = model_frames.lowest_training_loss(data["model_curves"]) or ok_runs.labels[0]
    return [
        templates.spec(
            model_charts.boundary_chart, cells, points, ok_runs, last, window, classes, first
        )
    ]


def run_style_of(exp: Experiment, labels: list[str]) -> Any:
    """The run style of the runs that ran (an optimizer keeps its colour)."""
    style = run_style(exp)
    keep = [style.labels.index(label) for label in labels]
    from .run_style import RunStyle

    return RunStyle(
        tuple(style.labels[i] for i in keep),
        tuple(style.colours[i] for i in keep),
        tuple(style.dashes[i] for i in keep),
    )


def boundary_caption(exp: Experiment) -> str:
    obj = exp.objective()
    if obj.data.n_features == 1:
        return (
            "**The fitted curve** of each run at the step on screen (drawn at "
            f"{model_frames.FRAMES} sampled steps, denser early), over the training points."
        )
    if obj.data.n_features == 2:
        return (
            "**The decision boundary**: the probability a run gives "
            f"**{model_frames.class_names(obj.data)[1]}** "
            "over the standardised feature plane (white where the model is undecided, 50 %), at "
            f"the step on screen (drawn at {model_frames.FRAMES} sampled steps, denser early), "
            "with the training points on top. It opens on the run with the lowest training loss; "
            "pick another under the chart."
        )
    return (
        f"{obj.data.name} has {obj.data.n_features} features: there is no plane of features "
        "to draw a decision boundary on."
    )


def layer_charts(exp: Experiment, data: Any) -> list[dict]:
    """Per layer: the spread of the effective learning rate and the update-to-weight ratio."""
    _needs_steps(exp, data)
    runs = run_style(exp)
    names = tuple(
        f"{i + 1}: {layer.fan_in}→{layer.fan_out}"
        for i, layer in enumerate(exp.objective().network.layers)
    )
    return [templates.spec(model_charts.layers_chart, data["model_layers"], runs, names)]


LAYER_CAPTION = (
    "**Per layer, the effective learning rate** (the factor on each parameter's gradient, or on "
    "Adam's m̂) over the layer's weights and biases: a line for the median, a band from the 10 % "
    "to the 90 % quantile, per run. SGD and momentum give every parameter the same rate (no "
    "band); RMSProp and Adam spread it by each parameter's gradient size. Below: the **update-"
    "to-weight ratio** ‖Δθ‖ / ‖θ‖ of each layer per step, the rule of thumb's 10⁻³ being a "
    "healthy pace."
)

CURVES_CAPTION = (
    "**Loss and accuracy against step** (against epoch where the runs take mini-batches; "
    "hover a line for the step): solid on the training set (the run loop's loss, on "
    "the whole training set even with mini-batches), dashed on the held-out points the runs "
    "never trained on. A gap that opens between them is overfitting."
)


def title(exp: Experiment) -> str:
    return model_title(exp)
