"""The speed-ups of chart building change nothing in what is sent."""

from __future__ import annotations

import json

from altair.utils import schemapi

from lab import charts, figures, views
from lab import experiment as ex
from lab.simulate import simulate


def _specs(exp: ex.Experiment) -> list[str]:
    data, land = figures.tables(exp, simulate(exp)), figures.landscape(exp)
    out = []
    for view in views.ALL:
        if view.charts:
            for spec in view.charts(exp, data, land):
                spec = {k: v for k, v in spec.items() if k != "datasets"}
                out.append(json.dumps(spec, sort_keys=True, default=str))
    return out


def test_altairs_class_table_is_built_once_and_gives_the_same_specs(monkeypatch):
    assert schemapi._FromDict._lab_shared  # lab.charts shares one table per process
    exp = ex.Experiment(surface="himmelblau")
    shared = _specs(exp)
    monkeypatch.setattr(schemapi._FromDict, "__init__", schemapi._FromDict._lab_build)
    assert _specs(exp) == shared


def test_every_spec_carries_the_projector_config():
    (spec,) = views.LOSS.charts(ex.Experiment(), *_tables(ex.Experiment()))[:1]
    for key, values in charts.CONFIG.items():
        assert values.items() <= spec["config"][key].items()


def _tables(exp: ex.Experiment) -> tuple:
    return figures.tables(exp, simulate(exp)), figures.landscape(exp)
