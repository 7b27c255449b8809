"""Play the race in the browser: Vega-Lite parameters for play/pause, speed, loop and a scrubber.

Nothing here reruns the server: the page's Vega view keeps the state. A timer (a point
selection fed by a merged ``timer`` event stream, about 25 times a second) makes :data:`TICK`
change; :data:`ANIM` is one self-referencing object that remembers where playback started and
when, so pausing keeps the step, a moved scrubber takes over while paused, and a race that
reached its end starts again from step 0. Charts filter and place their marks with
:data:`SHOWN`, the step on screen.

Vega-Lite's own ``time`` channel animation cannot pause and refuses layered charts, which
every map here is; this is why the clock is built from plain signals.
"""

from __future__ import annotations

import math

import altair as alt

SHOWN = "shown"  # the step on screen
LAST = "last_step"  # the race's last step
PLAY, SPEED, LOOP, SCRUB = "play", "speed", "loop", "scrub"
TICK, ANIM, CLOCK = "tick", "anim", "clock"
SPEEDS = (1, 2, 5, 10, 25, 50, 100, 250, 500)  # steps per second
RACE_SECONDS = 8  # the default speed plays a whole race in about this long
TIMER_MS = 40


def default_speed(last: int) -> int:
    """The listed speed closest (on a log scale) to playing ``last`` steps in RACE_SECONDS.

    >>> default_speed(500), default_speed(30), default_speed(5000)
    (50, 5, 500)
    """
    wanted = max(last, 1) / RACE_SECONDS
    return min(SPEEDS, key=lambda s: abs(math.log(s / wanted)))


def params(last: int, speed: int | None = None) -> list[alt.Parameter]:
    """The controls under the chart (play, speed, loop, step) and the signals that drive them.

    ``last`` is the last step; it appears as :data:`LAST`'s value and the scrubber's end, never
    inside an expression, so a chart template can fill it (:class:`lab.templates.Hole`).
    ``speed`` is the speed shown first (default: :func:`default_speed` of ``last``).
    """
    last = max(int(last), 1)
    speed = default_speed(last) if speed is None else speed
    resume = f"(isObject({ANIM}) && {ANIM}.playing ? {ANIM}.from : ({ANIM} && {ANIM}.pos < {LAST} ? {ANIM}.pos : 0))"  # noqa: E501
    t0 = f"(isObject({ANIM}) && {ANIM}.playing ? {ANIM}.t0 : {TICK})"
    ran = f"{resume} + floor(({TICK} - {t0}) * {SPEED} / 1000)"
    moving = f"{LOOP} ? ({ran}) % ({LAST} + 1) : min({LAST}, {ran})"
    held = f"isObject({ANIM}) && {SCRUB} == {ANIM}.scrub ? {ANIM}.pos : {SCRUB}"
    anim = (
        f"{PLAY} ? {{playing: true, t0: {t0}, from: {resume}, scrub: {SCRUB}, pos: {moving}}}"
        f" : {{playing: false, t0: 0, from: 0, scrub: {SCRUB}, pos: {held}}}"
    )
    return [
        alt.param(name=LAST, value=last),
        alt.param(name=PLAY, value=False, bind=alt.binding_checkbox(name="▶ Play ")),
        alt.param(
            name=SPEED,
            value=speed,
            bind=alt.binding_select(
                options=list(SPEEDS), labels=[f"{s} steps/s" for s in SPEEDS], name="speed "
            ),
        ),
        alt.param(name=LOOP, value=True, bind=alt.binding_checkbox(name="loop ")),
        alt.param(
            name=SCRUB,
            value=last,
            bind=alt.binding_range(min=0, max=last, step=1, name="step "),
        ),
        alt.param(name=TICK, expr=f"{CLOCK}_tuple == null ? now() : now()"),
        alt.param(name=ANIM, value=None, expr=anim),
        alt.param(name=SHOWN, expr=f"isObject({ANIM}) ? {ANIM}.pos : {LAST}"),
    ]


def clock() -> alt.SelectionParameter:
    """The timer: a point selection whose events are a merged timer stream (Vega-Lite treats a
    plain ``timer`` stream as its own animation, which layered charts do not support)."""
    return alt.selection_point(
        name=CLOCK, fields=["clock"], on={"merge": [{"type": "timer", "throttle": TIMER_MS}]}
    )


def counter() -> alt.LayerChart:
    """'step 120 of 500' in the plot's top-left corner (with :func:`params`); it also carries
    the timer."""
    plate = (
        alt.Chart(alt.Data(values=[{"clock": 0}]))
        .mark_rect(color="white", opacity=0.85, cornerRadius=4)
        .encode(x=alt.value(4), x2=alt.value(150), y=alt.value(4), y2=alt.value(30))
        .add_params(clock())
    )
    text = (
        alt.Chart(alt.Data(values=[{"clock": 0}]))
        .mark_text(
            align="left",
            baseline="middle",
            fontSize=16,
            fontWeight="bold",
            color="#1a1d23",
            text=alt.expr(f"'step ' + {SHOWN} + ' of ' + {LAST}"),
        )
        .encode(x=alt.value(12), y=alt.value(17))
    )
    return alt.layer(plate, text)


def up_to_shown(chart: alt.Chart) -> alt.Chart:
    """Keep the rows at or before the step on screen."""
    return chart.transform_filter(f"datum.step <= {SHOWN}")


def latest(chart: alt.Chart) -> alt.Chart:
    """Each run's last row at or before the step on screen (the head of its trail)."""
    return (
        up_to_shown(chart)
        .transform_window(
            rank="rank()", sort=[alt.SortField("step", order="descending")], groupby=["run"]
        )
        .transform_filter("datum.rank == 1")
    )
