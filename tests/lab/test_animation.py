"""The race as a GIF or MP4 (lab/animation.py): a lesson's race drawn frame by frame on the
server, checked on the pixels, the files' own headers and a decode of the video."""

from __future__ import annotations

import io
import itertools
import json
import math

import av
import numpy as np
import pytest
from PIL import Image

from lab import animation, figures, lessons, model_figures, playback

LESSON = "ravine_zigzag"  # a 2-D lesson: the map with its heatmap image
FRAMES = 4  # few frames keep the tests quick


def lesson_race(key: str) -> dict:
    exp = _lesson(key)
    data = figures.tables(exp)
    if exp.is_model:
        return model_figures.plane_charts(exp, data)[0]
    return figures.trajectory_charts(exp, data, figures.landscape(exp))[0]


def _lesson(key: str):
    return next(lesson for lesson in lessons.LESSONS if lesson.key == key).experiment


@pytest.fixture(scope="module")
def race() -> dict:
    return lesson_race(LESSON)


@pytest.fixture(scope="module")
def plan(race) -> animation.Plan:
    return animation.plan(race, FRAMES)


@pytest.fixture(scope="module")
def pngs(race, plan) -> list[bytes]:
    return list(animation.frames(race, plan.steps, plan.width, plan.height))


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def whole(race: dict, step: int) -> np.ndarray:
    """``step`` drawn in one piece, without the background laid under it."""
    import vl_convert

    spec = animation.inline(animation.still(race, step))
    return pixels(vl_convert.vegalite_to_png(spec, scale=1))


def test_plan_samples_the_race_evenly_with_both_ends(race, plan):
    last = animation.last_step(race)
    assert last == 60  # the lesson's steps
    assert plan.steps[0] == 0 and plan.steps[-1] == last
    assert len(plan.steps) == FRAMES
    assert np.ptp(np.diff(plan.steps)) <= 1  # evenly spread
    assert (plan.width, plan.height) == (animation.WIDTH, animation.HEIGHT)
    assert animation.plan(race, 120).steps == tuple(range(last + 1))  # every step, no more


def test_a_still_has_a_fixed_step_and_no_controls(race):
    spec = animation.still(race, 17)
    text = json.dumps({k: v for k, v in spec.items() if k != "datasets"})
    assert '"input"' not in text  # no HTML control: a PNG cannot hold one
    names = [p["name"] for p in spec["params"]]
    for gone in (playback.PLAY, playback.SCRUB, playback.ANIM, playback.TICK):
        assert gone not in names
    assert {"name": playback.SHOWN, "value": 17} in spec["params"]
    assert "containerSize" not in text  # the legend is beside the plot, whatever the width
    past = animation.still(race, 10_000)["params"]  # a step past the end is clamped
    shown = next(p for p in past if p["name"] == playback.SHOWN)
    assert shown["value"] == animation.last_step(race)
    json.dumps(animation.inline(spec), allow_nan=False)  # self-contained strict JSON


def run_colours(node: dict) -> list[str]:
    """The runs' colours (the colour scale's range on the ``run`` field)."""
    colour = node.get("encoding", {}).get("color", {})
    if colour.get("field") == "run" and "range" in colour.get("scale", {}):
        return colour["scale"]["range"]
    return next((found for layer in node.get("layer", []) if (found := run_colours(layer))), [])


def test_frames_are_the_budgeted_size_and_show_the_paths_growing(race, pngs):
    pictures = [pixels(png) for png in pngs]
    assert all(p.shape == (animation.HEIGHT, animation.WIDTH, 3) for p in pictures)
    assert all(a != b for a, b in itertools.pairwise(pngs))  # every frame differs
    colours = run_colours(race)
    assert len(colours) == 2
    for colour in colours:  # each run's trail covers more of the picture frame after frame
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        inked = [int((np.abs(p - rgb).max(axis=2) < 25).sum()) for p in pictures]
        assert inked == sorted(inked), (colour, inked)
        assert inked[-1] > 10 * inked[0], (colour, inked)  # at step 0: a head and the legend


def test_first_and_last_frames_show_step_0_and_the_last_step(race, plan, pngs):
    """Each frame (background laid under the paths) matches the whole chart drawn at its
    step, to within anti-aliasing; other steps differ from it."""
    for png, step, other in ((pngs[0], 0, plan.steps[-1]), (pngs[-1], plan.steps[-1], 0)):
        frame = pixels(png)
        close = np.abs(frame - whole(race, step)).max(axis=2)
        assert close.mean() < 0.5
        assert (close > 40).mean() < 0.002
        far = np.abs(frame - whole(race, other)).max(axis=2)
        assert (far > 40).sum() > 10 * max(1, (close > 40).sum())


def test_gif_loops_forever_and_holds_the_last_frame(plan, pngs):
    made = animation.gif(pngs, plan.fps)
    assert made[:6] == b"GIF89a"
    image = Image.open(io.BytesIO(made))
    assert image.size == (animation.WIDTH, animation.HEIGHT)
    assert image.n_frames == FRAMES
    assert image.info["loop"] == 0  # forever
    durations = []
    for i in range(image.n_frames):
        image.seek(i)
        durations.append(image.info["duration"])
    assert durations[-1] >= animation.HOLD_SECONDS * 1000 > durations[0]
    image.seek(FRAMES - 1)
    last = np.asarray(image.convert("RGB")).astype(int)
    drawn, start = pixels(pngs[-1]), pixels(pngs[0])
    error = np.abs(last - drawn).max(axis=2)
    assert error.mean() < 4  # one palette of 255 colours for the whole race
    paths = np.abs(drawn - start).max(axis=2) > 30
    assert error[paths].mean() < 6  # the runs keep their colours (a small share of the pixels)


def test_video_decodes_to_every_frame_and_the_hold(plan, pngs):
    made = animation.video(pngs, plan.fps)
    rate = max(1, round(plan.fps))
    with av.open(io.BytesIO(made)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert len(decoded) == FRAMES + math.ceil(animation.HOLD_SECONDS * rate)
    assert decoded[0].shape == (animation.HEIGHT, animation.WIDTH, 3)
    # lossy, but the first frame is the first picture and the last the final one
    assert np.abs(decoded[0].astype(int) - pixels(pngs[0])).mean() < 4
    assert np.abs(decoded[-1].astype(int) - pixels(pngs[-1])).mean() < 4


def test_render_refuses_a_file_over_the_byte_limit(race, monkeypatch):
    small = animation.Plan((0, 60), 320, 200, 1.0, 1.0)
    assert animation.render(race, "gif", small)[:6] == b"GIF89a"
    monkeypatch.setattr(animation, "MAX_BYTES", 1000)
    limit = r"came out at .* MB, over the 0.000954 MB limit: choose fewer frames"
    with pytest.raises(animation.OverBudget, match=limit):
        animation.render(race, "gif", small)


def test_budget_refuses_oversize_requests_naming_the_limit(race, monkeypatch):
    with pytest.raises(animation.OverBudget, match="from 1 to 120; got 121"):
        animation.plan(race, 121)
    with pytest.raises(animation.OverBudget, match=r"at most 2,073,600 pixels .* 3840 × 2160"):
        animation.plan(race, 10, 3840, 2160)
    monkeypatch.setattr(animation, "FRAME_SECONDS_PER_MEGAPIXEL", 10.0)
    with pytest.raises(animation.OverBudget, match=r"over the 120 s limit"):
        animation.plan(race, 60)


@pytest.mark.parametrize("key", ["adagrad_dies", "minibatch_noise"])
def test_a_one_dimensional_race_and_a_models_plane_render(key):
    """The 1-D curve (no image) and a model's loss plane: the same path to a frame."""
    race = lesson_race(key)
    last = animation.last_step(race)
    first, final = (pixels(png) for png in animation.frames(race, (0, last), 640, 400))
    assert first.shape == final.shape == (400, 640, 3)
    assert (np.abs(first - final).max(axis=2) > 30).sum() > 200
