"""Model chart templates: every model chart that goes through :func:`lab.templates.spec`,
filled with another model setup's data, equals the chart built afresh for that setup."""

import dataclasses

import pandas as pd
import pytest

from lab import charts, figures, model_figures, templates
from lab import experiment as ex

R = ex.run_config
MLP = ex.Experiment(
    model="mlp", model_params=(("n", 100),), steps=40, runs=(R("sgd", lr=0.3), R("adam", lr=0.01))
).canonical()
SINE = ex.Experiment(
    model="mlp",
    model_params=(("dataset", "sine"), ("n", 100)),
    steps=40,
    runs=(R("sgd", lr=0.1), R("adam", lr=0.01)),
).canonical()
LOGISTIC = ex.Experiment(
    model="logistic",
    model_params=(("n", 100),),
    steps=40,
    runs=(R("rmsprop", lr=0.01), R("adam", lr=0.01)),
).canonical()


def _with(exp, **model_params):
    params = dict(exp.model_params)
    params.update(model_params)
    return dataclasses.replace(exp, model_params=tuple(params.items())).canonical()


def _run(exp, i, optimizer, **hyperparams):
    runs = list(exp.runs)
    runs[i] = R(optimizer, **hyperparams)
    return dataclasses.replace(exp, runs=tuple(runs))


# (first setup, second setup, the views whose template the second must reuse)
PAIRS = {
    "another learning rate": (MLP, _run(MLP, 1, "adam", lr=0.02), {"curves", "boundary"}),
    "a label a few characters longer": (MLP, _run(MLP, 0, "sgd", lr=0.123), {"layers"}),
    "another optimizer": (MLP, _run(MLP, 0, "momentum", lr=0.1), set()),
    "another number of steps": (MLP, dataclasses.replace(MLP, steps=60), set()),
    "other data points": (MLP, _with(MLP, data_seed=1), {"curves", "layers"}),
    "another data set": (MLP, _with(MLP, dataset="moons"), set()),
    "mini-batches": (MLP, _with(MLP, batch_size=16), set()),
    "a run diverging": (MLP, _run(MLP, 0, "sgd", lr=500.0), set()),
    "another initialisation": (LOGISTIC, _with(LOGISTIC, init_seed=3), {"curves"}),
    "1-D regression, another learning rate": (
        SINE,
        _run(SINE, 0, "sgd", lr=0.05),
        {"curves", "boundary"},
    ),
}
VIEWS = {
    "curves": model_figures.curve_charts,
    "plane": model_figures.plane_charts,
    "boundary": model_figures.boundary_charts,
    "layers": model_figures.layer_charts,
}


def _fresh(builder, *args):
    values = [a.value if isinstance(a, templates.Hole) else a for a in args]
    return charts.to_spec(builder(*values))


def _charts(view, exp):
    return VIEWS[view](exp, figures.Tables(exp))


def _assert_same(filled, fresh):
    assert len(filled) == len(fresh)
    for a, b in zip(filled, fresh, strict=True):
        a, b = dict(a), dict(b)
        data_a, data_b = a.pop("datasets"), b.pop("datasets")
        assert a == b
        assert data_a.keys() == data_b.keys()
        for name in data_a:
            pd.testing.assert_frame_equal(data_a[name], data_b[name])


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("pair", PAIRS.values(), ids=list(PAIRS))
def test_a_model_template_filled_with_a_setup_equals_its_fresh_build(view, pair, monkeypatch):
    first, second, shared = pair
    templates.clear()
    _charts(view, first)
    built = templates.stats()["misses"]
    filled = _charts(view, second)
    if view in shared:
        assert templates.stats()["hits"] == built > 0
    with monkeypatch.context() as m:
        m.setattr(templates, "spec", _fresh)
        fresh = _charts(view, second)
    _assert_same(filled, fresh)
    assert filled, "the view drew nothing"


def test_the_filled_boundary_offers_this_setups_runs_and_not_the_templates():
    templates.clear()
    _charts("boundary", MLP)
    other = _run(MLP, 1, "adam", lr=0.02)
    (spec,) = _charts("boundary", other)
    assert templates.stats()["hits"] == 1
    (choice,) = [p for p in spec["params"] if p["name"] == "boundary_of"]
    assert choice["bind"]["options"] == list(other.labels())
    assert choice["value"] == "Adam lr=0.02"  # the lowest training loss, shown first
    assert "Adam lr=0.01" not in repr(spec)
