"""The "Inside a step" view: stepping through shows each step's numbers in table and equations."""

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

import optimizers
import surfaces
from lab.ui import state

DASHBOARD = str(Path(__file__).parents[2] / "dashboard.py")


def test_stepping_through_shows_each_steps_numbers():
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params["tab"] = "Inside a step"
    at.query_params["f"] = "quadratic"
    at.query_params["run"] = ["adam:lr=0.1"]
    at.run()
    assert not at.exception
    slider = at.slider(key=state.INSPECT_STEP)
    assert slider.value == 1 and slider.max == 500
    traj = optimizers.run(optimizers.get("adam", lr=0.1), surfaces.get("quadratic"), (-4, 3), 5)
    for step in (1, 2, 5):
        at.slider(key=state.INSPECT_STEP).set_value(step).run()
        table = at.dataframe[0].value.set_index("quantity")["value"]
        assert np.isclose(table["gradient g_t"], traj.grads[step - 1, 0])
        assert np.isclose(table["m (exp_avg) after"], traj.state["exp_avg"][step - 1, 0])
        assert np.isclose(table["θ after"], traj.params[step, 0])
        (latex,) = at.latex
        assert f"{traj.params[step, 0]:.4g}" in latex.value
    at.radio(key=state.INSPECT_AXIS).set_value("y").run()
    table = at.dataframe[0].value.set_index("quantity")["value"]
    assert np.isclose(table["θ after"], traj.params[5, 1])
    assert not at.exception
