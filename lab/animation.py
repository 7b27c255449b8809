"""The race as an animated GIF or an MP4 video for slides, rendered on the server from the same
chart spec the page shows.

The page plays the race in the browser (:mod:`lab.playback`); a file needs one still picture
per frame. :func:`still` turns the page's spec into a static one that shows a fixed step: the
play, speed, loop and step controls (HTML, which a PNG cannot hold) and the clock are taken
out, and :data:`lab.playback.SHOWN` becomes a constant. ``vl-convert`` (Vega in Rust, no
browser) draws it at a fixed size with the data inline as JSON.

Drawing the map's heatmap image (scaled up, clipped) costs most of a whole frame, yet it is
the same in every frame: the default race's frame takes 5.9 s drawn whole and 0.96 s over a
background (benchmarks/bench_animation.py, on a loaded 2-core machine). So the layers drawn
before any layer that reads the shown step (the landscape: heatmap, iso-lines) and the axes
(Vega-Lite draws axes under the marks) are drawn once, as a background; each frame draws only
the rest (paths, heads, markers, legends, the step counter) on a transparent canvas and is
laid over it. Both have the same layout, since every mark stays in both specs (hidden or
filtered out), and the result matches a whole render to within anti-aliasing
(``tests/lab/test_animation.py`` checks it).

Budget (:func:`plan`): at most :data:`MAX_FRAMES` frames (the race's steps sampled evenly,
first and last included), at most :data:`MAX_PIXELS` pixels a frame, an estimated render time
of at most :data:`MAX_SECONDS`, and at most :data:`MAX_BYTES` of output. Pure Python: no
Streamlit.
"""

from __future__ import annotations

import copy
import fractions
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import charts, drawable, playback, race_charts

WIDTH, HEIGHT = 1280, 720  # px, the whole picture (axes and legends included): a 16:9 slide
MAX_FRAMES = 120
MAX_PIXELS = 1920 * 1080
MAX_BYTES = 15 * 1024 * 1024
MAX_SECONDS = 120.0  # estimated render time of one request (server CPU)
PLAY_SECONDS = 6.0  # the race plays in about this long, whatever the number of frames
HOLD_SECONDS = 2.5  # the last frame stays this long before the loop starts again
DEFAULT_FRAMES = 60

# Render cost, fitted on the 2-core machine while other test runs loaded it (load average 3-5;
# benchmarks/bench_animation.py): the background (drawn once), and each frame by its pixels
# and by the rows of path data it draws (a frame's time grows about linearly with them: 0.7 s
# for the default race's 1,600 rows, 2.1 s for 12 runs' 4,800)
BACKGROUND_SECONDS = 8.0
FRAME_SECONDS_PER_MEGAPIXEL = 0.4
FRAME_SECONDS_PER_ROW = 3e-4

KINDS = {"gif": ("GIF", "image/gif", "gif"), "mp4": ("video (MP4)", "video/mp4", "mp4")}

# the playback's controls and clock: gone from a still (SHOWN becomes a constant)
_PLAYBACK = {
    playback.PLAY,
    playback.SPEED,
    playback.LOOP,
    playback.SCRUB,
    playback.TICK,
    playback.ANIM,
    playback.CLOCK,
}
_READS_SHOWN = re.compile(rf"\b{playback.SHOWN}\b")
_HIDDEN_AXES = {
    "domainOpacity": 0,
    "tickOpacity": 0,
    "labelOpacity": 0,
    "titleOpacity": 0,
    "gridOpacity": 0,
}
_HIDDEN_LEGENDS = {"labelOpacity": 0, "titleOpacity": 0, "symbolOpacity": 0, "gradientOpacity": 0}
_NOTHING = {"filter": "false"}


class OverBudget(ValueError):
    """A request over one of the limits; ``str()`` names the limit and the value asked for."""


@dataclass(frozen=True)
class Plan:
    """What will be rendered: the steps shown, the picture's size, the pace and the cost."""

    steps: tuple[int, ...]
    width: int
    height: int
    fps: float
    seconds: float  # estimated render time

    @property
    def frames(self) -> int:
        return len(self.steps)


def sample_steps(last: int, frames: int) -> tuple[int, ...]:
    """``frames`` steps from 0 to ``last`` evenly spread, both ends included (every step when
    the race has no more).

    >>> sample_steps(500, 5), sample_steps(3, 10)
    ((0, 125, 250, 375, 500), (0, 1, 2, 3))
    """
    last, frames = max(int(last), 0), max(int(frames), 1)
    if frames == 1:
        return (last,)
    if last + 1 <= frames:
        return tuple(range(last + 1))
    return tuple(int(s) for s in np.unique(np.round(np.linspace(0, last, frames)).astype(int)))


def last_step(spec: dict) -> int:
    """The race's last step: the value of the spec's :data:`lab.playback.LAST` param."""
    for param in spec.get("params", []):
        if param.get("name") == playback.LAST:
            return int(param["value"])
    raise ValueError(f"this chart has no playback: no param named {playback.LAST!r}")


def path_rows(spec: dict) -> int:
    """Rows of the data drawn step by step (each run's path), which a frame's time grows with;
    the map's arrows (their rows have a ``kind``) are not drawn in a still."""
    return sum(
        len(data)
        for data in spec.get("datasets", {}).values()
        if isinstance(data, pd.DataFrame) and "step" in data and "kind" not in data
    )


def estimate_seconds(frames: int, width: int, height: int, rows: int) -> float:
    """Estimated render time: the background once, then each frame by its pixels and the rows
    of path data (:func:`path_rows`)."""
    per_frame = FRAME_SECONDS_PER_MEGAPIXEL * width * height / 1e6 + FRAME_SECONDS_PER_ROW * rows
    return BACKGROUND_SECONDS + frames * per_frame


def plan(
    spec: dict,
    frames: int = DEFAULT_FRAMES,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Plan:
    """The frames to render for ``spec``'s race, checked against the budget.

    Raises:
        OverBudget: more than :data:`MAX_FRAMES` frames, more than :data:`MAX_PIXELS` pixels
            a frame, or an estimated render time over :data:`MAX_SECONDS`; the message names
            the limit and the value asked for.
    """
    if frames < 1 or frames > MAX_FRAMES:
        raise OverBudget(f"frames must be from 1 to {MAX_FRAMES}; got {frames}")
    if width < 64 or height < 64:
        raise OverBudget(f"a frame must be at least 64 × 64 pixels; got {width} × {height}")
    if width * height > MAX_PIXELS:
        raise OverBudget(
            f"a frame may have at most {MAX_PIXELS:,} pixels (1920 × 1080); got "
            f"{width} × {height} = {width * height:,}"
        )
    steps = sample_steps(last_step(spec), frames)
    seconds = estimate_seconds(len(steps), width, height, path_rows(spec))
    if seconds > MAX_SECONDS:
        raise OverBudget(
            f"rendering would take about {seconds:.0f} s, over the {MAX_SECONDS:.0f} s limit "
            f"per request: choose fewer frames (at most about "
            f"{max(1, int(frames * MAX_SECONDS / seconds))}) or a smaller picture"
        )
    fps = max(len(steps) / PLAY_SECONDS, 1.0)
    return Plan(steps, width, height, fps, seconds)


def inline(spec: dict) -> dict:
    """``spec`` with its DataFrame datasets as inline JSON rows (NaN and ±infinity as null,
    which Vega treats as missing, as it treats them from Arrow): a self-contained spec."""
    datasets = {
        name: json.loads(data.to_json(orient="records", double_precision=15))
        if isinstance(data, pd.DataFrame)
        else data
        for name, data in spec.get("datasets", {}).items()
    }
    out = {**spec, "datasets": datasets}
    drawable.check_json(out)
    return out


def still(spec: dict, step: int, width: int = WIDTH, height: int = HEIGHT) -> dict:
    """A static copy of a race chart that shows ``step``: the playback's controls and clock
    removed, :data:`lab.playback.SHOWN` fixed at ``step`` (clamped to the race), HTML bindings
    dropped (a PNG cannot hold them; their params keep their values), the legend beside the
    plot, and the whole picture ``width`` × ``height`` pixels. Datasets are left as they are
    (see :func:`inline`)."""
    step = min(max(int(step), 0), last_step(spec))
    body = _still(spec, step)
    body["width"], body["height"] = int(width), int(height)
    body["autosize"] = {"type": "fit", "contains": "padding"}
    return body


def _still(node: Any, step: int) -> Any:
    if isinstance(node, list):
        return [_still(v, step) for v in node]
    if not isinstance(node, dict):
        return node
    if node == charts.beside_or_under():  # the browser's width decides; a slide is wide
        return "right"
    out = {}
    for key, value in node.items():
        if key == "datasets":
            out[key] = value
        elif key == "params":
            out[key] = [p for p in (_still_param(p, step) for p in value) if p is not None]
        else:
            out[key] = _still(value, step)
    return out


def _still_param(param: dict, step: int) -> dict | None:
    name = param.get("name")
    if name in _PLAYBACK:
        return None
    if name == playback.SHOWN:
        return {"name": name, "value": step}
    bind = param.get("bind")
    kept = {k: _still(v, step) for k, v in param.items()}
    if isinstance(bind, dict) and "input" in bind:  # an HTML widget (legend and scale binds stay)
        kept.pop("bind")
    return kept


def _leaves(node: dict, data: str | None = None) -> Iterator[tuple[dict, str | None]]:
    """The unit charts of a (nested) layer chart in drawing order (first drawn first), each
    with the name of the dataset it draws (inherited from an enclosing layer where it names
    none)."""
    named = node["data"].get("name") if isinstance(node.get("data"), dict) else data
    if "layer" in node:
        for layer in node["layer"]:
            yield from _leaves(layer, named)
    else:
        yield node, named


def _reads_shown(leaf: dict) -> bool:
    return bool(_READS_SHOWN.search(json.dumps({k: v for k, v in leaf.items() if k != "params"})))


def _reads_arrows(leaf: dict) -> bool:
    return race_charts.ARROWS in json.dumps(leaf.get("transform", []))


def _background_ids(spec: dict) -> set[int]:
    """The leaves drawn before any leaf that reads the shown step: the same in every frame."""
    ids = set()
    for leaf, _ in _leaves(spec):
        if _reads_shown(leaf):
            break
        ids.add(id(leaf))
    return ids


def _opacity(leaf: dict) -> float:
    mark = leaf.get("mark")
    return float(mark.get("opacity", 1)) if isinstance(mark, dict) else 1.0


def _filtered(leaf: dict) -> None:
    leaf["transform"] = [*leaf.get("transform", []), _NOTHING]


def _invisible(leaf: dict) -> None:
    mark = leaf["mark"] if isinstance(leaf["mark"], dict) else {"type": leaf["mark"]}
    leaf["mark"] = {**mark, "opacity": 0}
    leaf.get("encoding", {}).pop("opacity", None)  # a legend's symbols take the mark's opacity


def _config(spec: dict, key: str, extra: dict) -> None:
    config = spec.setdefault("config", {})
    config[key] = {**config.get(key, {}), **extra}


def _extremes(rows: list) -> list:
    """The rows holding the least and the greatest value of each numeric field: an invisible
    layer keeps the domains (and so the legends) it gives its scales, at a fraction of the
    drawing cost."""
    keep: set[int] = set()
    for key in rows[0] if rows and isinstance(rows[0], dict) else ():
        numbers = [
            (value, i)
            for i, row in enumerate(rows)
            if isinstance(value := row.get(key), int | float) and not isinstance(value, bool)
        ]
        if numbers:
            keep.update((min(numbers)[1], max(numbers)[1]))
    return [rows[i] for i in sorted(keep)] or rows[:1]


def layers(static: dict) -> tuple[dict, dict]:
    """``(background, foreground)`` of a still (:func:`still`, datasets inline): the
    background draws the leading layers that do not depend on the step, and the axes; the
    foreground everything else, on a transparent canvas. Every mark stays in both (filtered
    out or invisible), so both lay out alike. The foreground's copies of the background's data
    are emptied (or, for an invisible layer that may set a legend's domain, cut to the rows
    holding each field's extremes): they would be parsed again for every frame. So are the
    map's arrows where the still shows none (the page opens with none)."""
    back, front = copy.deepcopy(static), copy.deepcopy(static)
    behind = _background_ids(back)
    for leaf, _ in _leaves(back):
        if id(leaf) not in behind:
            _filtered(leaf)
            _invisible(leaf)
    _config(back, "legend", _HIDDEN_LEGENDS)
    behind = _background_ids(front)
    no_arrows = any(
        p.get("name") == race_charts.ARROWS and p.get("value") == race_charts.NO_ARROWS
        for p in front.get("params", [])
    )
    drawn, emptied, trimmed = set(), set(), set()
    for leaf, data in _leaves(front):
        if no_arrows and _reads_arrows(leaf):  # the map's arrows, none chosen: none drawn
            _filtered(leaf)
            emptied.add(data)
        elif id(leaf) not in behind:
            drawn.add(data)
        elif _opacity(leaf) > 0:
            _filtered(leaf)
            emptied.add(data)
        else:  # invisible: may carry a legend
            trimmed.add(data)
    datasets = front.get("datasets", {})
    for name in trimmed - drawn:
        datasets[name] = _extremes(datasets[name])
    for name in emptied - drawn - trimmed:
        datasets[name] = []
    _config(front, "axis", _HIDDEN_AXES)
    front["background"] = "transparent"
    return back, front


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))


def over(front: np.ndarray, back: np.ndarray) -> np.ndarray:
    """RGB of ``front`` (RGBA) laid over the opaque ``back`` (RGB or RGBA).

    vl-convert writes a transparent canvas with premultiplied colour (a pixel of white at 85 %
    is 217, 217, 217, 217); straight alpha (a colour channel above its alpha somewhere) is
    accepted too."""
    rgb, alpha = front[..., :3].astype(np.uint32), front[..., 3:4].astype(np.uint32)
    if (rgb > alpha).any():  # straight alpha: premultiply
        rgb = (rgb * alpha + 127) // 255
    out = rgb + (back[..., :3].astype(np.uint32) * (255 - alpha) + 127) // 255
    return np.minimum(out, 255).astype(np.uint8)


def _png(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def frames(
    spec: dict,
    steps: Iterable[int],
    width: int = WIDTH,
    height: int = HEIGHT,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[bytes]:
    """One PNG (``width`` × ``height``) per step of ``steps``, from a race chart's spec (its
    datasets DataFrames or JSON rows). ``progress(done, total)`` is called after each frame."""
    import vl_convert

    steps = list(steps)
    static = inline(still(spec, steps[0] if steps else 0, width, height))
    back, front = layers(static)
    background = _pixels(vl_convert.vegalite_to_png(back, scale=1))
    vega = vl_convert.vegalite_to_vega(front)
    shown = next((s for s in vega.get("signals", []) if s.get("name") == playback.SHOWN), None)
    if shown is None:
        raise ValueError(f"this chart has no top-level param {playback.SHOWN!r} to set the step")
    for done, step in enumerate(steps, start=1):
        shown["value"] = min(max(int(step), 0), last_step(spec))
        picture = _pixels(vl_convert.vega_to_png(vega, scale=1))
        if picture.shape[:2] != background.shape[:2]:  # never seen: then draw it whole
            whole = inline(still(spec, step, width, height))
            yield _png(_pixels(vl_convert.vegalite_to_png(whole, scale=1))[..., :3])
        else:
            yield _png(over(picture, background))
        if progress is not None:
            progress(done, len(steps))


def gif(pngs: Iterable[bytes], fps: float, hold: float = HOLD_SECONDS) -> bytes:
    """An animated GIF that loops forever: ``fps`` frames a second, the last held ``hold``
    seconds. One palette for every frame, without dithering, so a pixel that does not change
    stays the same and each frame stores only the part that changed. The palette is fitted to
    the last frame with the pixels that moved since the first (the paths, a few per cent of
    the picture) weighted as much as all the rest: each run keeps its colour."""
    from PIL import Image

    pictures = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    if not pictures:
        raise ValueError("a GIF needs at least one frame; got none")
    first, last = np.asarray(pictures[0]), np.asarray(pictures[-1])
    moved = last[np.abs(last.astype(int) - first).max(axis=2) > 30]
    every = last.reshape(-1, 3)
    sample = np.concatenate([every[:: max(1, len(every) // 60_000)], moved])
    palette = Image.fromarray(sample[None]).quantize(colors=255, method=Image.Quantize.FASTOCTREE)
    indexed = [p.quantize(palette=palette, dither=Image.Dither.NONE) for p in pictures]
    pace = max(20, round(1000 / fps / 10) * 10)  # GIF delays are in hundredths of a second
    durations = [pace] * (len(indexed) - 1) + [max(pace, round(hold * 1000))]
    buffer = io.BytesIO()
    indexed[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=indexed[1:],
        duration=durations,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buffer.getvalue()


def video(pngs: Iterable[bytes], fps: float, hold: float = HOLD_SECONDS) -> bytes:
    """An MP4 video (H.264, yuv420p: what PowerPoint, Keynote and browsers play) at ``fps``
    frames a second, the last frame held ``hold`` seconds."""
    import av
    from PIL import Image

    rate = max(1, round(fps))
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = None
        picture = None
        count = 0

        def put(image: Any) -> None:
            nonlocal count
            frame = av.VideoFrame.from_image(image)
            frame.pts = count
            count += 1
            container.mux(stream.encode(frame))

        for png in pngs:
            picture = Image.open(io.BytesIO(png)).convert("RGB")
            if stream is None:
                stream = container.add_stream("libx264", rate=rate)
                stream.width, stream.height = (2 * (n // 2) for n in picture.size)  # even sizes
                stream.pix_fmt = "yuv420p"
                stream.time_base = fractions.Fraction(1, rate)
                stream.options = {"crf": "20", "preset": "medium"}
            picture = picture.crop((0, 0, stream.width, stream.height))
            put(picture)
        if stream is None or picture is None:
            raise ValueError("a video needs at least one frame; got none")
        for _ in range(math.ceil(hold * rate)):
            put(picture)
        container.mux(stream.encode(None))
    return buffer.getvalue()


def render(
    spec: dict,
    kind: str,
    chosen: Plan,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The race of ``spec`` as a ``kind`` file ("gif" or "mp4") following ``chosen``
    (:func:`plan`).

    Raises:
        OverBudget: if the file is larger than :data:`MAX_BYTES`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose from: {', '.join(KINDS)}")
    pngs = frames(spec, chosen.steps, chosen.width, chosen.height, progress)
    made = gif(pngs, chosen.fps) if kind == "gif" else video(pngs, chosen.fps)
    if len(made) > MAX_BYTES:
        raise OverBudget(
            f"the {KINDS[kind][0]} came out at {len(made) / 2**20:.1f} MB, over the "
            f"{MAX_BYTES / 2**20:.3g} MB limit: choose fewer frames"
        )
    return made
