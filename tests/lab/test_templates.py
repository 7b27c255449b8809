"""Chart templates: a spec filled with one setup's data equals the spec built afresh for it."""

import dataclasses

import altair as alt
import pandas as pd
import pytest

from lab import charts, figures, templates, views
from lab import experiment as ex
from lab.run_style import RunStyle

DEFAULT = ex.Experiment()
TEMPLATED = [views.TRAJECTORIES, views.LOSS, views.LEARNING_RATE, views.INSIDE_A_STEP]


def _with_run(exp, i, optimizer, **hyperparams):
    runs = list(exp.runs)
    runs[i] = ex.RunConfig(optimizer, tuple(hyperparams.items()))
    return dataclasses.replace(exp, runs=tuple(runs))


ONE_D = ex.Experiment(surface="double_well", start=(1.8,), steps=80)
SAME_OPTIMIZER = dataclasses.replace(
    DEFAULT, runs=(ex.RunConfig("adam", (("lr", 0.05),)), ex.RunConfig("adam", (("lr", 0.05),)))
)
# (first setup, second setup, whether they share a shape so the second fills the first's template)
PAIRS = {
    "another learning rate": (DEFAULT, _with_run(DEFAULT, 3, "adam", lr=0.02), True),
    "another start and noise": (
        DEFAULT,
        dataclasses.replace(DEFAULT, start=(-1.0, 2.0), noise=0.3),
        True,
    ),
    "a label a few characters longer": (DEFAULT, _with_run(DEFAULT, 0, "sgd", lr=0.00123), True),
    "a much longer label": (
        DEFAULT,
        _with_run(DEFAULT, 3, "adam", lr=0.05, beta1=0.8, beta2=0.99),
        False,
    ),
    "another optimizer": (DEFAULT, _with_run(DEFAULT, 1, "nesterov", lr=0.001), True),
    "another number of steps": (DEFAULT, dataclasses.replace(DEFAULT, steps=480), True),
    "another playback speed": (DEFAULT, dataclasses.replace(DEFAULT, steps=120), False),
    "a run diverging": (DEFAULT, _with_run(DEFAULT, 2, "rmsprop", lr=0.91), True),
    "a run hidden under another": (
        SAME_OPTIMIZER,
        dataclasses.replace(SAME_OPTIMIZER, start=(0.5, 2.5)),  # still on top of each other
        True,
    ),
    "1-D, another learning rate": (ONE_D, _with_run(ONE_D, 2, "rmsprop", lr=0.02), True),
    "1-D, another start": (ONE_D, dataclasses.replace(ONE_D, start=(2.0,)), True),
}


def _fresh(builder, *args):
    """The spec built directly from the arguments, with no template."""
    values = [a.value if isinstance(a, templates.Hole) else a for a in args]
    return charts.to_spec(builder(*values))


def _charts(view, exp):
    return view.charts(exp, figures.tables(exp), figures.landscape(exp))


def _assert_same(filled, fresh):
    assert len(filled) == len(fresh)
    for a, b in zip(filled, fresh, strict=True):
        a, b = dict(a), dict(b)
        data_a, data_b = a.pop("datasets"), b.pop("datasets")
        assert a == b
        assert data_a.keys() == data_b.keys()
        for name in data_a:
            pd.testing.assert_frame_equal(data_a[name], data_b[name])


@pytest.mark.parametrize("view", TEMPLATED, ids=lambda v: v.title)
@pytest.mark.parametrize("pair", PAIRS.values(), ids=list(PAIRS))
def test_a_template_filled_with_a_setup_equals_its_fresh_build(view, pair, monkeypatch):
    first, second, shared = pair
    templates.clear()
    _charts(view, first)
    built = templates.stats()["misses"]
    filled = _charts(view, second)
    if view is views.TRAJECTORIES:  # the other views' axes follow the values
        assert templates.stats()["hits"] == (built if shared else 0)
    with monkeypatch.context() as m:
        m.setattr(templates, "spec", _fresh)
        fresh = _charts(view, second)
    _assert_same(filled, fresh)


def test_a_filled_template_shows_this_setups_labels_and_not_the_templates():
    templates.clear()
    _charts(views.TRAJECTORIES, DEFAULT)
    other = _with_run(DEFAULT, 3, "adam", lr=0.02)
    (spec,) = _charts(views.TRAJECTORIES, other)
    text = repr(spec)
    assert "Adam lr=0.02" in text and "Adam lr=0.05" not in text
    assert set(spec["datasets"]["data-3"]["run"]) == set(other.labels())


def test_a_label_inside_an_expression_is_refused():
    def builder(data, runs):
        label = runs.labels[0]
        return alt.Chart(data).mark_point().transform_filter(f"datum.run == '{label}'")

    runs = RunStyle.of(["Adam lr=0.1"], ["adam"])
    with pytest.raises(ValueError, match="inside the string"):
        templates.spec(builder, pd.DataFrame({"run": ["Adam lr=0.1"]}), runs)


def test_a_number_inside_an_expression_is_refused():
    def builder(data, last):
        return alt.Chart(data).mark_point().transform_filter(f"datum.step <= {last}")

    with pytest.raises(ValueError, match="number appears inside"):
        templates.spec(builder, pd.DataFrame({"step": [1]}), templates.Hole(30))


def test_templates_are_bounded_and_least_recently_used_go_first(monkeypatch):
    monkeypatch.setattr(templates, "MAX_TEMPLATES", 2)
    templates.clear()

    def builder(data, size):
        return alt.Chart(data).mark_point(size=size)

    data = pd.DataFrame({"x": [1.0]})
    for size in (1, 2, 1, 3):  # 1 is used again, so 2 is the oldest when 3 arrives
        templates.spec(builder, data, size)
    assert templates.stats() == {"hits": 1, "misses": 3, "size": 2}
    templates.spec(builder, data, 1)
    assert templates.stats()["hits"] == 2
