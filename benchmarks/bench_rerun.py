"""Server-side time of a dashboard rerun, measured with Streamlit's AppTest.

Warm: the same setup again (every result cached), on every tab, for the default race on a test
function and for the default model. Changed: one learning rate moved, so the runs are simulated
and their charts filled anew (process time: the CPU a server spends). Goals (issue 13): a warm
rerun of every tab within 150 ms; a changed rerun of the default tab as cheap as possible.

    python benchmarks/bench_rerun.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lab import views

DASHBOARD = str(Path(__file__).parents[1] / "dashboard.py")
MODEL_LINK = {"m": "mlp"}  # the default model: an MLP on the spiral


def timed(at: AppTest, clock=time.perf_counter) -> float:
    start = clock()
    at.run()
    assert not at.exception, at.exception
    return clock() - start


def warm_tabs(at: AppTest, repeats: int) -> dict[str, float]:
    """Median wall time of a rerun that changes nothing, for each tab (opened once first)."""
    out = {}
    for title in views.TITLES:
        at.session_state["tab"] = title
        at.run()
        out[title] = statistics.median(timed(at) for _ in range(repeats))
    at.session_state["tab"] = views.TRAJECTORIES.title
    at.run()
    return out


def main(repeats: int = 7) -> None:
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    first = timed(at)
    print(f"first run (cold caches, imports): {first * 1e3:.0f} ms")
    for title, seconds in warm_tabs(at, repeats).items():
        print(f"warm rerun, function page, {title:24} {seconds * 1e3:6.0f} ms (goal <= 150 ms)")
    key = "run.3.adam.lr"
    lrs = at.select_slider(key=key).options
    changed = []
    for i in range(min(repeats, 8)):
        at.select_slider(key=key).set_value(float(lrs[i]))
        changed.append(timed(at, time.process_time))
    print(
        f"rerun after changing a learning rate (CPU): median {statistics.median(changed) * 1e3:.0f}"
        " ms"
    )
    at.session_state["tab"] = "Sweep"
    sweep = timed(at)
    print(
        f"Sweep tab, caches cold (lr sweep 4×25×500, 40×40 map, 30×30 basins): "
        f"{sweep * 1e3:.0f} ms (goal <= 2000 ms); warm {timed(at) * 1e3:.0f} ms"
    )
    model = AppTest.from_file(DASHBOARD, default_timeout=180)
    model.query_params.update(MODEL_LINK)
    print(f"model page, first run: {timed(model) * 1e3:.0f} ms")
    for title, seconds in warm_tabs(model, repeats).items():
        print(f"warm rerun, model page,    {title:24} {seconds * 1e3:6.0f} ms (goal <= 150 ms)")


if __name__ == "__main__":
    main()
