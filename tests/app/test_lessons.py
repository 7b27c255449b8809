"""Lessons in the dashboard: one click loads them, touching a control turns them to Custom,
and a lesson link can hide controls."""

import pytest
from streamlit.testing.v1 import AppTest

from lab import lessons
from lab.ui import state


def qp(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("key", list(lessons.BY_KEY))
def test_every_lesson_link_renders_with_its_text(app, key):
    lesson = lessons.BY_KEY[key]
    at = app(lesson=key)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=state.LESSON).value == key
    (box,) = lesson_boxes(at)
    assert lesson.title in box.label and box.markdown[0].value == lesson.text
    assert len(at.get("vega_lite_chart")) >= 1
    assert qp(at, "lesson") == [key]
    assert qp(at, "tab") in ([], [lesson.view.title])
    assert not at.error


def test_picking_a_lesson_loads_it_and_touching_a_control_turns_it_to_custom(app):
    at = app()
    assert at.selectbox(key=state.LESSON).value == state.NO_LESSON
    at.selectbox(key=state.LESSON).set_value("ravine_zigzag").run()
    assert at.selectbox(key=state.SURFACE).value == "ravine"
    assert at.number_input(key=state.surface_param("ravine", "kappa")).value == 25
    assert [e.label for e in at.expander if e.label[0].isdigit()] == [
        "1. SGD · lr 0.075",
        "2. Momentum · lr 0.02 · momentum 0.8",
    ]
    assert qp(at, "lesson") == ["ravine_zigzag"]
    at.number_input(key=state.STEPS).set_value(61).run()
    assert at.selectbox(key=state.LESSON).value == state.NO_LESSON
    assert (
        at.number_input(key=state.surface_param("ravine", "kappa")).value == 25
    )  # the values are kept
    assert qp(at, "lesson") == [] and qp(at, "steps") == ["61"]
    assert not lesson_boxes(at) and not at.exception


def test_a_lesson_link_can_hide_controls(app):
    at = app(lesson="one_lr_for_all", hide="optimizers,run")
    assert not at.exception
    keys = {w.key for w in at.sidebar.selectbox} | {w.key for w in at.sidebar.number_input}
    assert "surface" in keys and "steps" not in keys
    assert not [e for e in at.expander if e.label[:1].isdigit()]
    assert qp(at, "hide") == ["optimizers,run"]
    assert len(at.get("vega_lite_chart")) == 1
    at.number_input(key=state.start("ravine", (), 0)).set_value(-3.0).run()  # still explorable
    assert qp(at, "x0") == ["-3,1"] and qp(at, "hide") == ["optimizers,run"]
    assert not at.exception


def test_the_whole_sidebar_can_be_hidden(app):
    at = app(lesson="saddle", hide="sidebar")
    assert not at.exception
    assert not at.sidebar.selectbox and not at.sidebar.number_input
    assert any("saddle" in box.label.lower() for box in lesson_boxes(at))


def test_an_unknown_lesson_is_a_warning(app):
    at = app(lesson="nope")
    assert any("unknown lesson" in w.value for w in at.warning)
    assert not at.exception


def lesson_boxes(at):
    """The folded lesson text above the tabs: an expander titled "Lesson: …"."""
    return [e for e in at.main.expander if e.label.startswith("**Lesson:")]
