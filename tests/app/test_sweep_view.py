"""The Sweep view in the dashboard: three charts, the fair comparison, bad ranges."""

from lab.ui import state


def test_sweep_view_shows_sensitivity_map_and_basins(app):
    at = app(tab="Sweep", steps="200")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("vega_lite_chart")) == 3
    assert [b.label for b in at.get("download_button")] == [
        "Sweep (CSV)",
        "Map (CSV)",
        "Basins (CSV)",
    ]
    assert any(m.value.startswith("Best learning rate") for m in at.markdown)


def test_fair_comparison_sets_each_best_rate_and_opens_the_race(app):
    at = app(tab="Sweep", f="quadratic", steps="100", run=["sgd:lr=0.001", "adam:lr=0.001"])
    best = next(m.value for m in at.markdown if m.value.startswith("Best learning rate"))
    next(b for b in at.button if b.label.startswith("Fair comparison")).click()
    at.run()
    assert not at.exception
    runs = at.query_params["run"]
    assert all(float(r.split("lr=")[1]) > 0.001 for r in runs), runs
    assert "tab" not in at.query_params  # back on Trajectories, the default tab
    assert best.count("**") == 4


def test_a_one_dimensional_function_has_no_basin_map_and_a_bad_range_is_an_error(app):
    at = app(tab="Sweep", f="parabola", steps="60")
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 2
    at.select_slider(key=state.SWEEP_LOW).set_value(10.0).run()
    assert any("must be below the largest" in e.value for e in at.error)
    assert not at.exception


def test_the_map_can_pair_any_numeric_hyperparameter(app):
    at = app(tab="Sweep", steps="100", run=["adam:lr=0.01"])
    at.selectbox(key=state.map_param("adam")).set_value("beta2").run()
    assert not at.exception and not at.error
    assert len(at.get("vega_lite_chart")) == 3
