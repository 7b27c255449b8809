"""Charts readable on a projector: finite specs, even ticks, clean labels, whole legend names."""

import json

import numpy as np
import pandas as pd
import pytest

from lab import charts, figures, frames, lessons
from lab import experiment as ex
from lab.run_style import RunStyle
from lab.simulate import simulate


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _without_data(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


def _y_axes(spec: dict) -> list[dict]:
    return [
        node["y"]["axis"]
        for node in _walk(_without_data(spec))
        if isinstance(node.get("y"), dict) and isinstance(node["y"].get("axis"), dict)
    ]


def _spec(chart) -> dict:
    return charts.to_spec(chart)


def test_the_gain_chart_spec_is_valid_json_with_infinities_and_nan_in_the_gain():
    runs = RunStyle.of(["Momentum lr=0.1"], ["momentum"])
    steps = np.arange(1, 41)
    gain = np.sin(steps) * 0.1
    gain[[3, 7]] = np.inf
    gain[[5]] = -np.inf
    gain[[9, 11]] = np.nan
    gain[20] = 1e12  # a spike as g crosses zero
    rates = pd.DataFrame(
        {"run": runs.labels[0], "step": steps, "parameter": "x", "lr_eff": 0.1, "gain": gain,
         "lr": 0.1}
    )  # fmt: skip
    spec = _spec(_gain_chart(rates, runs))
    json.dumps(_without_data(spec), allow_nan=False)  # no NaN, no infinity in the spec itself
    domains = [
        n["scale"]["domain"]
        for n in _walk(_without_data(spec))
        if n.get("field") == "gain" and "domain" in n.get("scale", {})
    ]
    assert domains and all(np.isfinite(d).all() for d in domains)
    low, high = domains[0]
    assert low <= 0 <= high and high < 1e3  # the spike does not flatten the rest
    for data in spec["datasets"].values():
        numbers = data.select_dtypes("number").to_numpy(dtype=float)
        assert not np.isinf(numbers).any()
    title = json.dumps(spec.get("title", ""))
    assert "median" in title and "beyond the axis" in title  # it says what it smooths and clips


def test_gain_chart_with_no_finite_gain_at_all_is_still_valid_json():
    runs = RunStyle.of(["SGD lr=1"], ["sgd"])
    rates = pd.DataFrame(
        {"run": "SGD lr=1", "step": [1, 2], "parameter": "x", "lr_eff": 1.0,
         "gain": [np.inf, np.nan], "lr": 1.0}
    )  # fmt: skip
    json.dumps(_without_data(_spec(_gain_chart(rates, runs))), allow_nan=False)


def _gain_chart(rates, runs):
    gains = charts.gains(rates)
    return charts.gain_chart(gains, runs, *charts.gain_axis(gains))


def test_gain_is_left_out_where_the_gradient_is_tiny_next_to_its_neighbours():
    exp = ex.Experiment(surface="rosenbrock", runs=(ex.run_config("momentum", lr=1e-3),), steps=300)
    results = simulate(exp)
    rates = frames.learning_rates(results, exp.objective())
    traj = results[0].trajectory
    raw = traj.realized_gain
    kept = rates["gain"].dropna()
    assert np.isfinite(kept).all()
    assert kept.abs().max() <= np.nanmax(np.abs(raw[np.isfinite(raw)]))
    grads = np.array([[1.0], [1.0], [1e-4], [1.0], [1.0]])
    gain = frames.realised_gain(np.array([[1.0], [1.0], [3e3], [1.0], [1.0]]), grads)
    assert np.isnan(gain[2, 0]) and np.isfinite(gain[[0, 1, 3, 4], 0]).all()


def test_every_learning_rate_spec_is_valid_json_on_a_diverging_setup():
    exp = ex.Experiment(runs=(ex.run_config("sgd", lr=0.01), ex.run_config("momentum", lr=0.01)))
    for spec in figures.learning_rate_charts(exp, figures.tables(exp), ()):
        json.dumps(_without_data(spec), allow_nan=False)


def test_the_saddle_loss_axis_has_even_ticks_at_zero_and_powers_of_ten():
    exp = ex.Experiment(surface="saddle", steps=200)
    loss, _ = figures.loss_charts(exp, figures.tables(exp), ())
    (axis,) = [a for a in _y_axes(loss) if "values" in a]
    values = axis["values"]
    assert 0.0 in values and values == sorted(values)
    for v in values:
        if v:
            k = np.log10(abs(v))
            assert k == round(k), values  # 0 and ±10^k only
    ks = np.diff([np.log10(abs(v)) for v in values if v > 0])
    assert len(set(ks)) <= 1  # evenly spaced on the symlog scale
    assert len(values) <= 12


@pytest.mark.parametrize(
    ("values", "expected"),
    [([-400.0, 50.0], [-100.0, -10.0, -1.0, 0.0, 1.0, 10.0]), ([0.0, 0.5], [0.0])],
)
def test_symlog_ticks(values, expected):
    assert charts.symlog_ticks(values) == expected


def test_log_axes_label_powers_of_ten_only_and_never_with_e_plus():
    exp = ex.Experiment(steps=300)
    specs = (
        figures.loss_charts(exp, figures.tables(exp), ())
        + figures.learning_rate_charts(exp, figures.tables(exp), ())
        + figures.state_charts(exp, figures.tables(exp), ())
    )
    log_axes = [
        a for spec in specs for a in _y_axes(spec) if "labelExpr" in a and "values" not in a
    ]
    assert len(log_axes) >= 3
    for axis in log_axes:
        assert "format" not in axis and "~e" not in json.dumps(axis)
        assert axis["labelExpr"] == charts.power_label()


JS = r"""
const d3g = (v) => {  // d3-format's "~g": 6 significant digits, trailing zeros trimmed
  let s = v.toPrecision(6);
  if (s.includes("e")) { let [m, e] = s.split("e"); return m.replace(/\.?0+$/, "") + "e" + e; }
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
};
const label = new Function("datum", "log", "abs", "round", "LN10", "format",
  "return (" + process.argv[1] + ");");
const out = JSON.parse(process.argv[2]).map((v) =>
  label({value: v}, Math.log, Math.abs, Math.round, Math.LN10, (x, f) => d3g(x)));
console.log(JSON.stringify(out));
"""


def _vega_labels(expr: str, values: list[float]) -> list[str]:
    """The labels Vega draws: the expression run as JavaScript (Vega's expression language is a
    subset of it) with Vega's log, abs, round, LN10 and d3's "~g" format."""
    import shutil
    import subprocess

    if shutil.which("node") is None:  # a missing tool fails: a skip would look green
        pytest.fail("node not found: install Debian's nodejs (.ci/run does) to run this test")
    out = subprocess.run(
        ["node", "-e", JS, expr, json.dumps(values)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_power_of_ten_labels_read_cleanly():
    cases = {1e-8: "1e-8", 1e-4: "1e-4", 0.001: "0.001", 0.01: "0.01", 1.0: "1", 10.0: "10",
             1000.0: "1000", 1e4: "1e4", 1e5: "1e5", 2.0: "", 20.0: "", 5e-4: "",
             0.1 * 3 / 3: "0.1"}  # fmt: skip
    labels = _vega_labels(charts.power_label(), list(cases))
    assert labels == list(cases.values())
    symlog = _vega_labels(charts.SYMLOG_LABELS, [-1000.0, -1.0, 0.0, 10.0, 1e6])
    assert symlog == ["−1000", "−1", "0", "10", "1e6"]


def test_symlog_labels_and_narrow_log_ranges():
    assert "'−'" in charts.SYMLOG_LABELS and charts.power_label("abs(datum.value)") in (
        charts.SYMLOG_LABELS
    )
    assert charts.log_axis(np.array([0.3, 0.8])).to_dict() == {"format": ".2~g"}
    assert charts.log_axis(np.array([1e-5, 3.0, np.inf, np.nan])) is charts.LOG_AXIS


def test_legends_show_the_longest_lesson_label_whole():
    labels = [label for lesson in lessons.LESSONS for label in lesson.experiment.labels()]
    longest = max(labels, key=len)
    needed = 0.6 * (charts.FONT - 1) * len(longest)  # Source Sans / Helvetica: ~0.5–0.6 em
    lesson = next(lesson for lesson in lessons.LESSONS if longest in lesson.experiment.labels())
    exp = lesson.experiment
    specs = figures.loss_charts(exp, figures.tables(exp), ()) + figures.learning_rate_charts(
        exp, figures.tables(exp), ()
    )
    for spec in specs:
        limits = [
            n["legend"]["labelLimit"]
            for n in _walk(_without_data(spec))
            if isinstance(n.get("legend"), dict) and n.get("field") == "run"
        ]
        assert limits and min(limits) >= needed, (longest, limits)


def test_the_summary_csv_has_numbers_in_number_columns_and_words_in_status_and_note():
    import io

    exp = ex.Experiment(
        runs=(ex.run_config("sgd", lr=0.01), ex.run_config("adam", lr=0.01)), steps=300
    )
    results = simulate(exp)
    summary = frames.summary(results, exp.objective(), 1e-3)
    back = pd.read_csv(io.StringIO(summary.to_csv(index=False)))
    reach = "steps to f − f_min < 0.001"
    for column in ("final loss", "final f − f_min", "distance to nearest minimum", reach,
                   "diverged at step", "final x", "final y"):  # fmt: skip
        assert back[column].dtype.kind in "fi", (column, back[column].dtype)
    assert back["status"].tolist() == ["diverged", "ok"]
    step = results[0].trajectory.diverged_at
    assert back["diverged at step"].iloc[0] == step and np.isnan(back["diverged at step"].iloc[1])
    assert f"diverged at step {step}" in back["note"].iloc[0]
    assert "never reached" in back["note"].iloc[0]
    for text in ("—", "never", "not reached", "diverged"):
        numbers = back.drop(columns=["run", "optimizer", "status", "note"])
        assert not numbers.astype(str).isin([text]).any().any()


def test_the_summary_without_a_known_minimum_says_why_numbers_are_empty():
    exp = ex.Experiment(surface="saddle", steps=50)
    summary = frames.summary(simulate(exp), exp.objective(), 1e-3)
    assert summary["final f − f_min"].isna().all()
    assert summary["steps to f − f_min < 0.001"].isna().all()
    assert summary["note"].str.contains("no known minimum").all()


def test_summary_numbers_share_one_format():
    texts = [frames.number_text(v) for v in (4.421e-8, 4.071e-6, 2.5e-4, 0.5, 12.0, 3e5)]
    assert texts == ["4.421e-8", "4.071e-6", "2.5e-4", "0.5", "12", "3e5"]
    assert all("e+" not in t and "e-0" not in t for t in texts)
