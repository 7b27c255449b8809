"""Registry-driven properties every optimizer must have: a new optimizer joins by registering."""

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import optimizers
import surfaces
from optimizers.base import Optimizer
from optimizers.run import oracle

NAMES = optimizers.names()
SURFACES = ["quadratic", "rosenbrock", "himmelblau", "parabola", "slope"]
# a learning rate per optimizer that makes a visible but stable run on the surfaces above
LR = {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adadelta": 1.0, "lion": 1e-3, "radam": 1e-3}
LR["asgd"] = 1e-3


def make(name, **kwargs):
    return optimizers.get(name, **{"lr": LR.get(name, 1e-2), **kwargs})


def readonly(a):
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


def test_registry_lists_every_optimizer_module():
    """An optimizer file that is not registered fails here."""
    registered = {entry.factory.__module__ for entry in map(optimizers.entry, NAMES)}
    helpers = {"base", "registry", "run", "trajectory", "schedules", "hyperparams", "_math"}
    helpers |= {"_rules", "description", "symbolic"}  # how optimizers describe themselves
    modules = {
        f"optimizers.{m.name}"
        for m in pkgutil.iter_modules([str(Path(optimizers.__file__).parent)])
        if m.name not in helpers
    }
    assert modules == registered


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_hyperparameter_specs(name):
    params = inspect.signature(optimizers.entry(name).factory).parameters
    assert list(params) == [spec.name for spec in optimizers.hyperparams(name)]
    opt = optimizers.get(name)
    assert isinstance(opt, Optimizer) and opt.name == name
    assert dict(opt.hyperparams) == optimizers.defaults(name)
    assert all("(" in spec.label or spec.kind is bool for spec in opt_specs(name))


def opt_specs(name):
    return optimizers.hyperparams(name)


@pytest.mark.parametrize("name", NAMES)
def test_docstring_defines_the_effective_learning_rate(name):
    doc = optimizers.entry(name).factory.__doc__
    assert "Effective learning rate" in doc or "effective learning rate" in doc


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("name", NAMES)
def test_runs_downhill_and_records_everything(name, surface):
    s = surfaces.get(surface)
    traj = optimizers.run(make(name), s, s.start, 200)
    assert traj.params.shape == (201, s.dim)
    assert traj.loss.shape == (201,)
    for a in (traj.grads, traj.updates, traj.lr_eff):
        assert a.shape == (200, s.dim)
    assert traj.diverged_at is None
    assert np.isfinite(traj.params).all() and np.isfinite(traj.lr_eff).all()
    assert (traj.lr_eff > 0).all()
    assert traj.loss[-1] < traj.loss[0]
    np.testing.assert_allclose(traj.params[1:] - traj.params[:-1], traj.updates, atol=1e-12)
    np.testing.assert_allclose(traj.loss, s.f(traj.params))
    for value in traj.state.values():
        assert value.shape[0] == 200


@pytest.mark.parametrize("name", NAMES)
def test_update_is_pure(name):
    decay = {"weight_decay": 0.01} if "weight_decay" in optimizers.defaults(name) else {}
    opt = make(name, **decay)  # torch's Rprop has no weight decay
    if opt.bind is not None:  # L-BFGS evaluates the objective, here one whose gradient is 3θ − 1
        opt = opt.bind(oracle(surfaces.get("quadratic")))
    params = readonly([[0.5, -1.0], [2.0, 3.0]])
    state = opt.init(params)
    for _ in range(3):  # later steps read state arrays the first step wrote
        grads = readonly(params * 3 - 1)
        before = (params.copy(), grads.copy())
        updates, state = opt.update(grads, state, params)
        for field in state:
            if isinstance(field, np.ndarray):
                field.flags.writeable = False
        np.testing.assert_array_equal(params, before[0])
        np.testing.assert_array_equal(grads, before[1])
        params = readonly(params + updates)


@pytest.mark.parametrize("name", NAMES)
def test_batch_equals_runs_one_by_one(name):
    s = surfaces.get("himmelblau")
    starts = np.array([[0.0, 0.0], [-1.0, 1.0], [1.0, -4.0]])
    batch = optimizers.run(make(name), s, starts, 100)
    for i, start in enumerate(starts):
        alone = optimizers.run(make(name), s, start, 100)
        np.testing.assert_array_equal(batch.params[:, i], alone.params)
        np.testing.assert_array_equal(batch.lr_eff[:, i], alone.lr_eff)
        one = batch.run(i)
        np.testing.assert_array_equal(one.params, alone.params)
        for key, value in alone.state.items():
            np.testing.assert_array_equal(one.state[key], value)


@pytest.mark.parametrize("name", NAMES)
def test_array_hyperparameters_broadcast_over_the_batch(name):
    s = surfaces.get("rosenbrock")
    lrs = np.array([1e-4, 1e-3, 3e-3])
    swept = optimizers.run(optimizers.get(name, lr=lrs[:, None]), s, s.start, 60)
    assert swept.params.shape == (61, 3, 2)
    for i, lr in enumerate(lrs):
        alone = optimizers.run(optimizers.get(name, lr=lr), s, s.start, 60)
        np.testing.assert_allclose(swept.params[:, i], alone.params, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_hyperparameters_are_validated_when_built(name):
    for spec in optimizers.hyperparams(name):
        bad = "yes" if spec.kind is bool else -1.0 if spec.low == 0 else spec.low - 1
        with pytest.raises(ValueError, match=spec.name):
            optimizers.get(name, **{spec.name: bad})
        if spec.kind is float:
            for value in (float("nan"), float("inf")):
                with pytest.raises(ValueError, match=rf"{spec.name} must be in .*got (nan|inf)"):
                    optimizers.get(name, **{spec.name: value})
    with pytest.raises(TypeError, match="betas"):
        optimizers.get(name, betas=(0.9, 0.99))


def test_import_pulls_in_no_ui_library():
    code = (
        "import sys, optimizers; "
        "print(sorted(m for m in ('streamlit', 'pandas', 'altair') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_module_has_a_docstring():
    for info in pkgutil.iter_modules([str(Path(optimizers.__file__).parent)]):
        module = importlib.import_module(f"optimizers.{info.name}")
        assert module.__doc__, info.name
