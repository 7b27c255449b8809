"""Server-side time of a dashboard rerun, measured with Streamlit's AppTest.

Warm: the same setup again (every result cached). Changed: one learning rate moved, so the runs
are simulated and their charts built anew. Goal (issue 3): a warm rerun of the default page at
most 150 ms.

    python benchmarks/bench_rerun.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

DASHBOARD = str(Path(__file__).parents[1] / "dashboard.py")


def timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    assert not at.exception, at.exception
    return time.perf_counter() - start


def main(repeats: int = 15) -> None:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    first = timed(at)
    warm = [timed(at) for _ in range(repeats)]
    lrs = at.select_slider(key="run.3.adam.lr").options
    changed = []
    for i in range(min(repeats, 8)):
        at.select_slider(key="run.3.adam.lr").set_value(float(lrs[i]))
        changed.append(timed(at))
    print(f"first run (cold caches, imports): {first * 1e3:.0f} ms")
    print(
        f"warm rerun of the default page:   median {statistics.median(warm) * 1e3:.0f} ms, "
        f"max {max(warm) * 1e3:.0f} ms over {repeats} (goal <= 150 ms)"
    )
    print(f"rerun after changing a learning rate: median {statistics.median(changed) * 1e3:.0f} ms")
    at.session_state["tab"] = "Sweep"
    sweep = timed(at)
    print(
        f"Sweep tab, caches cold (lr sweep 4×25×500, 40×40 map, 30×30 basins): "
        f"{sweep * 1e3:.0f} ms (goal <= 2000 ms); warm {timed(at) * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
