"""What the model charts show: the Loss tab's x axis (step, or epoch with mini-batches), the
decision boundary's run select and playback, the plane's size and proportions."""

import dataclasses

import numpy as np

from lab import experiment as ex
from lab import figures, model_charts, model_figures, model_frames, playback
from lab.race_charts import HEIGHT_2D

R = ex.run_config
MLP = ex.Experiment(
    model="mlp", model_params=(("n", 100),), steps=40, runs=(R("sgd", lr=0.3), R("adam", lr=0.01))
).canonical()


def _units(spec):
    return [spec, *spec.get("layer", []), *spec.get("vconcat", [])]


def _x_fields(spec):
    return {
        (u["encoding"]["x"]["field"], u["encoding"]["x"].get("title"))
        for u in _units(spec)
        if "encoding" in u and "x" in u["encoding"]
    }


def test_full_batch_curves_are_against_step_and_mini_batches_against_epoch():
    (full,) = model_figures.curve_charts(MLP, figures.Tables(MLP))
    assert _x_fields(full) == {("step", "step")}
    mini = dataclasses.replace(MLP, model_params=(("n", 100), ("batch_size", 15))).canonical()
    per = mini.objective().steps_per_epoch
    assert per == 5  # 75 training points in batches of 15
    (spec,) = model_figures.curve_charts(mini, figures.Tables(mini))
    assert _x_fields(spec) == {("epoch", f"epoch ({per} mini-batch steps each)")}
    tips = spec["vconcat"][0]["encoding"]["tooltip"]
    assert any(t.get("field") == "step" for t in tips)  # the step stays a hover away
    (curves,) = spec["datasets"].values()
    np.testing.assert_allclose(curves["epoch"], curves["step"] / per)


def test_the_boundary_is_one_run_at_a_time_picked_in_a_select_with_the_maps_controls():
    tables = figures.Tables(MLP)
    (spec,) = model_figures.boundary_charts(MLP, tables)
    params = {p["name"]: p for p in spec["params"]}
    assert set(params) >= {playback.PLAY, playback.SPEED, playback.LOOP, playback.SCRUB}
    choice = params[model_charts.BOUNDARY]
    assert choice["bind"]["options"] == list(MLP.labels())
    assert "layer" in spec and "concat" not in spec  # one layered chart, params at its top
    assert spec["height"] == HEIGHT_2D and spec["width"] == "container"
    cells = tables["model_boundary"]
    frames = model_frames.frame_steps(MLP.steps)
    assert len(cells) == len(frames) * len(MLP.runs)  # one picture per run and sampled step
    assert cells["url"].str.startswith("data:image/png;base64,").all()
    texts = repr(spec)
    assert "P(class 1)" in texts and "'class 0'" in texts


def test_the_plane_is_as_large_as_the_map_with_one_unit_as_long_on_both_axes():
    tables = figures.Tables(MLP)
    (spec,) = model_figures.plane_charts(MLP, tables)
    assert spec["height"] == HEIGHT_2D and spec["width"] == "container"
    plane = tables["model_plane"]
    (a0, a1), (b0, b1) = plane["window"]
    assert abs((a1 - a0) - (b1 - b0)) < 1e-9 * (a1 - a0)
    image = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert len(image) == 1 and image["url"][0].startswith("data:image/png;base64,")
    x_scale = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert "width" in x_scale["expr"] and "height" in x_scale["expr"]


def test_a_run_under_another_on_the_plane_is_named_and_the_top_one_dashed():
    """Two runs that differ only in a weight decay too small to matter follow one path on the
    plane: the pair is found and the run on top is dashed so the one below shows."""
    twins = dataclasses.replace(
        MLP, runs=(R("sgd", lr=0.3), R("sgd", lr=0.3, weight_decay=1e-9), R("adam", lr=0.01))
    )
    tables = figures.Tables(twins)
    below, above = twins.labels()[0], twins.labels()[1]
    assert tables["model_plane"]["hidden"] == [(below, above)]
    (spec,) = model_figures.plane_charts(twins, tables)
    (line,) = [layer for layer in spec["layer"] if layer.get("name") == "paths"]
    dash = line["encoding"]["strokeDash"]["scale"]
    dashes = dict(zip(dash["domain"], dash["range"], strict=True))
    assert dashes[above] != [1, 0] and dashes[below] == [1, 0]
    assert dashes[twins.labels()[2]] == [1, 0]  # Adam goes its own way: solid
