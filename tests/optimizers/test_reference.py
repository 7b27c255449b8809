"""Our optimizers against torch.optim, step by step (tests/data/REFERENCE.md says why).

``torch_trajectories`` is the shared reference set; ``torch_extra`` covers the options it does
not (made by ``tests/data/make_torch_extra.py`` with the same protocol).
"""

import json
from pathlib import Path

import numpy as np
import pytest

import optimizers
import surfaces

DATA = Path(__file__).parents[1] / "data"
SURFACES = {"ravine": {"kappa": 25.0}}  # the reference's ravine is ½(x² + 25y²)


def _cases(stem):
    index = json.loads((DATA / f"{stem}.json").read_text())["cases"]
    arrays = np.load(DATA / f"{stem}.npz")
    return [
        pytest.param(case, arrays[case["key"]], id=f"{case['key']}-{case['optimizer']}")
        for case in index
    ]


CASES = _cases("torch_trajectories") + _cases("torch_extra")


def _kwargs(torch_kwargs):
    """Our keywords for torch's: its pairs are split (``betas``, Rprop's ``etas`` and
    ``step_sizes``, Adafactor's ``eps``, whose None is our default)."""
    kwargs = dict(torch_kwargs)
    pairs = {
        "betas": ("beta1", "beta2"),
        "etas": ("etaminus", "etaplus"),
        "step_sizes": ("step_size_min", "step_size_max"),
    }
    if isinstance(kwargs.get("eps"), list | tuple):
        pairs["eps"] = ("eps1", "eps2")
    for pair, names in pairs.items():
        if pair in kwargs:
            kwargs |= {k: v for k, v in zip(names, kwargs.pop(pair), strict=True) if v is not None}
    return kwargs


def _surface(name):
    return surfaces.get(name, **SURFACES.get(name, {}))


@pytest.mark.parametrize(("case", "ref"), CASES)
def test_each_step_matches_torch(case, ref):
    opt = optimizers.get(case["optimizer"], **_kwargs(case["torch_kwargs"]))
    surface = _surface(case["surface"])
    assert ref.shape == (case["steps"] + 1, len(case["starts"]), surface.dim)
    np.testing.assert_array_equal(ref[0], case["starts"])
    state = opt.init(ref[0])
    worst = 0.0
    for t in range(case["steps"]):
        updates, state = opt.update(surface.grad(ref[t]), state, ref[t])
        ours = ref[t] + updates
        scale = np.maximum(np.abs(ref[t + 1]), np.abs(ref[t]))
        worst = max(worst, float(np.max(np.abs(ours - ref[t + 1]) / np.maximum(scale, 1e-300))))
    assert worst < 1e-14, f"largest relative step error {worst:.3g}"


@pytest.mark.parametrize(("case", "ref"), CASES)
def test_run_loop_reproduces_the_first_fifty_steps(case, ref):
    opt = optimizers.get(case["optimizer"], **_kwargs(case["torch_kwargs"]))
    traj = optimizers.run(opt, _surface(case["surface"]), ref[0], 50, bounds_margin=None)
    np.testing.assert_allclose(traj.params, ref[:51], rtol=1e-10, atol=1e-12)


def test_every_torch_optimizer_has_reference_cases():
    covered = {case.values[0]["optimizer"] for case in CASES}
    beyond_torch = {"lion", "adabelief"}  # checked against optax's rule in test_textbook.py
    # L-BFGS (a closure) and Muon (matrices) need the objective, not a recorded gradient
    # sequence: test_torch_live.py runs torch's own beside them
    live_only = {"lbfgs", "muon"}
    assert covered == set(optimizers.names()) - beyond_torch - live_only
