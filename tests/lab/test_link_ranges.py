"""One range per value: whatever a link carries either arrives exactly as given or is named in
a warning. Values are drawn from each declared `Param`'s own range (the one the widgets offer
and the JSON upload checks), so a range that differs anywhere shows up here."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

import optimizers
import surfaces
from lab import codecs
from lab import experiment as ex
from params import Param

SURFACES = [name for name in surfaces.names() if name != ex.FORMULA]


def values(spec: Param) -> st.SearchStrategy:
    """Any value the parameter accepts, from the bottom of its range to the top."""
    if spec.kind is bool:
        return st.booleans()
    high = spec.high if math.isfinite(spec.high) else 1e12
    if spec.kind is int:
        low = math.ceil(spec.low) + (0 if spec.low_inclusive or spec.low % 1 else 1)
        top = math.floor(high) - (0 if spec.high_inclusive or high % 1 else 1)
        return st.integers(low, top)
    if spec.log and spec.low >= 0:
        low = max(spec.low, 1e-300)
        exponents = st.floats(math.log10(low), math.log10(high), allow_nan=False)
        return exponents.map(lambda e: 10.0**e).filter(spec.contains)
    plain = st.floats(spec.low, high, allow_nan=False, allow_infinity=False)
    return plain.filter(spec.contains)


@st.composite
def experiments(draw: st.DrawFn) -> ex.Experiment:
    surface = draw(st.sampled_from(SURFACES))
    specs = surfaces.parameters(surface)
    params = {s.name: draw(values(s)) for s in specs if draw(st.booleans())}
    try:
        objective = surfaces.get(surface, **params)
    except ValueError:  # parameters that are valid one by one but not together
        assume(False)
    runs = []
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(optimizers.names()))
        chosen = {
            s.name: draw(values(s)) for s in optimizers.hyperparams(name) if draw(st.booleans())
        }
        config = ex.run_config(name, **chosen)
        try:
            config.build()
        except ValueError:  # e.g. Nesterov without momentum: refused together, not one by one
            assume(False)
        runs.append(config)
    exp = ex.Experiment(
        surface=surface,
        surface_params=ex.surface_params(objective),
        steps=draw(values(ex.STEPS)),
        runs=tuple(runs),
        noise=draw(values(ex.NOISE)),
        seed=draw(values(ex.SEED)),
        tolerance=draw(values(ex.TOLERANCE)),
    )
    return exp.canonical()


def as_link(exp: ex.Experiment) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in codecs.to_query(exp).items()}


@settings(max_examples=300)
@given(experiments())
def test_every_valid_value_arrives_through_a_link_as_given(exp):
    back, warnings = codecs.from_query(as_link(exp))
    assert warnings == []
    assert back.canonical() == exp


@settings(max_examples=150)
@given(experiments())
def test_every_valid_value_arrives_through_an_uploaded_setup_as_given(exp):
    back, warnings = codecs.from_json(codecs.to_json(exp))
    assert warnings == []
    assert back.canonical() == exp


OUTSIDE = [
    (ex.STEPS, "steps", ["0", "5001", "1e9", "2.5"]),
    (ex.NOISE, "noise", ["-1", "1000.5", "inf", "nan"]),
    (ex.SEED, "seed", ["-3", str(2**32), "0.5"]),
    (ex.TOLERANCE, "tol", ["0", "-1e-3", "1e301"]),
]


@pytest.mark.parametrize(
    ("spec", "key", "raw"),
    [(spec, key, raw) for spec, key, raws in OUTSIDE for raw in raws],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_an_out_of_range_link_value_is_named_in_a_warning(spec, key, raw):
    exp, warnings = codecs.from_query({key: [raw]})
    assert getattr(exp, spec.name) == getattr(ex.Experiment(), spec.name)  # the default
    (warning,) = warnings
    assert spec.name in warning and raw in warning and spec.interval() in warning


@settings(max_examples=100)
@given(st.data())
def test_an_out_of_range_hyperparameter_is_named_and_the_rest_kept(data):
    name = data.draw(st.sampled_from(optimizers.names()))
    numeric = [  # Muon's Newton–Schulz coefficients take any number: nothing is out of range
        s
        for s in optimizers.hyperparams(name)
        if s.kind is not bool and (math.isfinite(s.low) or math.isfinite(s.high))
    ]
    spec = data.draw(st.sampled_from(numeric))
    below = spec.low - data.draw(st.floats(1e-3, 1e3)) if math.isfinite(spec.low) else None
    above = (
        spec.high * (1 + data.draw(st.floats(1e-3, 10))) + 1 if math.isfinite(spec.high) else None
    )
    bad = f"{data.draw(st.sampled_from([v for v in (below, above) if v is not None])):g}"
    pairs = f"lr=0.0123,{spec.name}={bad}" if spec.name != "lr" else f"lr={bad}"
    exp, warnings = codecs.from_query({"run": [f"{name}:{pairs}"]})
    assert any(spec.name in w and f"got {bad}" in w for w in warnings), warnings
    (config,) = exp.runs
    assert config.optimizer == name
    if spec.name != "lr":
        assert config.value("lr") == 0.0123  # the valid value next to it survives


@settings(max_examples=60)
@given(st.data())
def test_an_out_of_range_function_parameter_is_named(data):
    surface = data.draw(st.sampled_from([s for s in SURFACES if surfaces.parameters(s)]))
    spec = data.draw(
        st.sampled_from([s for s in surfaces.parameters(surface) if s.kind is not bool])
    )
    bad = spec.low - 1
    if math.isfinite(spec.high) and data.draw(st.booleans()):
        bad = spec.high * 2 + 1
    exp, warnings = codecs.from_query({"f": [surface], "fp": [f"{spec.name}={bad:g}"]})
    assert exp.surface == surface
    assert any(spec.name in w and f"{bad:g}" in w for w in warnings), warnings


def test_warnings_are_grouped_and_capped():
    hostile = {"run": [f"adam:lr=-{i}" for i in range(1, 13)], "steps": ["0"], "seed": ["x"]}
    _, warnings = codecs.from_query(hostile)
    assert len(warnings) == 14
    shown = codecs.grouped(warnings)
    assert len(shown) == 9 and shown[-1] == "and 6 more"
    assert codecs.grouped(["same"] * 500) == ["same"]


def test_a_changed_start_keeps_every_other_value():
    exp = replace(ex.Experiment(surface="ravine"), steps=777, start=(123.0, 0.5))
    back, warnings = codecs.from_query(as_link(exp))
    assert back.steps == 777 and back.start is None
    assert len(warnings) == 1 and "123" in warnings[0]


DASHBOARD = str(Path(__file__).parents[2] / "dashboard.py")


@settings(max_examples=8, phases=[Phase.generate])  # no shrinking: each example is a page load
@given(experiments())
def test_the_page_keeps_every_value_of_a_valid_link(exp):
    """Opened in the dashboard, a valid link is neither warned about nor rewritten: each value
    reached its widget, and the widgets wrote the same link back."""
    link = codecs.to_query(exp)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in link.items():
        at.query_params[key] = value
    with patch_config_options({"client.showErrorDetails": "full"}):
        at.run()
    assert not at.exception
    assert not [w.value for w in at.warning if w.value.startswith("This link")]
    assert _lists(at.query_params) == _lists(link)


def _lists(query: Mapping[str, str | list[str]]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in query.items() if k != "tab"}
