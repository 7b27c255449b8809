"""Code export: the PyTorch scripts are run and must retrace the dashboard's runs; the optax and
Keras code compiles and says where it differs.

Every surface's torch expression is checked against numpy's f and gradient; every optimizer of
the registry runs in an exported
script under several schedules and surfaces, including a typed formula, gradient noise and
mini-batches, and its path must equal ``optimizers.run``'s to 1e-10 relative (relative to the
size of the path's parameters, at least 1e-3 of its largest |θ|, so a coordinate passing
through 0 does not divide by 0). Scripts are run with runpy, several runs each, and one of them
as ``python script.py`` in a subprocess.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import runpy
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

import optimizers
import surfaces
from lab import experiment as ex
from lab import export, optax_keras, simulate, torch_extra, torch_names, torch_objectives

REL = 1e-10
torch.set_num_threads(1)  # tiny tensors: threads only contend (10× slower on a busy machine)
FORMULAS = [
    "sin(2*pi*x) + min(x, 0.5*y) - abs(y)^1.5 + exp(-x^2)/(1 + y^2) + arctan(x*y)",
    "sqrt(x^2 + y^2 + 1) + log(2 + cos(x)) + tanh(x)*sinh(y)/cosh(y) + 2^-x + max(x, y)",
    "x^4 - 3*x^2 + x + tan(x/4)",
    "-(x - 1)^2 * 3 - -y + (x*y)^3/10",
]


def _namespace(source: str) -> dict:
    namespace = {"torch": torch, "np": np, "math": math}
    exec(compile(source, "<export>", "exec"), namespace)  # our own generated code
    return namespace


def _points(surface, n=200, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = np.array(surface.bounds).T
    points = lo + rng.random((n, surface.dim)) * (hi - lo)
    return points[np.abs(points).min(axis=1) > 1e-3]  # off the kinks (slope, Ackley)


def _check_objective(surface):
    f = _namespace(torch_objectives.objective_source(surface))["f"]
    for point in _points(surface):
        p = torch.tensor(point, requires_grad=True)
        value = f(p)
        value.backward()
        want_f, want_g = surface.f(point), surface.grad(point)
        scale = max(abs(float(want_f)), 1e-3)
        assert abs(value.item() - want_f) <= REL * scale, (surface.name, point)
        g_scale = np.maximum(np.abs(want_g), 1e-6 * np.abs(want_g).max() + 1e-12)
        error = np.abs(p.grad.numpy() - want_g) / g_scale
        assert error.max() <= 1e-9, (surface.name, point, p.grad, want_g)


@pytest.mark.parametrize("name", [n for n in surfaces.names() if n != "formula"])
def test_each_surface_in_torch_has_numpys_f_and_gradient(name):
    params = {"kappa": 37.5} if name == "ravine" else {}
    _check_objective(surfaces.get(name, **params))


@pytest.mark.parametrize("text", FORMULAS)
def test_a_typed_formula_in_torch_has_numpys_f_and_gradient(text):
    _check_objective(surfaces.get("formula", text=text))


def test_every_optimizer_has_a_torch_export():
    for name in set(optimizers.names()):
        spec = torch_names.OPTIMIZERS.get(name)
        assert spec is not None or name in torch_extra.EXTRAS, name
        if spec is not None and spec.beyond:  # variants torch lacks: written out
            assert name in torch_extra.EXTRAS, name


def test_every_schedule_has_a_torch_scheduler():
    assert set(torch_names.SCHEDULERS) == set(optimizers.schedules.names())


def _same_path(label, ours, theirs):
    live = np.isfinite(ours).all(axis=-1)
    n = int(np.argmin(live)) if not live.all() else len(ours)
    assert n > 10 and len(theirs) >= n, (label, n, len(theirs))
    ours, theirs = ours[:n], theirs[:n]
    scale = np.maximum(np.abs(ours), 1e-3 * np.abs(ours).max())
    error = np.abs(theirs - ours) / scale
    assert error.max() <= REL, (label, float(error.max()), int(error.max(axis=-1).argmax()))


def _check_scripts(tmp_path, monkeypatch, experiments):
    """Each experiment's setup script run with runpy; each path against ours."""
    monkeypatch.chdir(tmp_path)
    for number, exp in enumerate(experiments):
        path = tmp_path / f"setup_{number}.py"
        path.write_text(export.setup_script(exp))
        with contextlib.redirect_stdout(io.StringIO()):
            paths = runpy.run_path(str(path))["main"]()
        results = simulate.simulate(exp)
        assert list(paths) == [r.label for r in results]
        for result in results:
            assert result.ok, result.error
            _same_path(result.label, result.trajectory.params, paths[result.label])


def _runs(*configs):
    return tuple(ex.run_config(name, **h) for name, h in configs)


EVERY_OPTIMIZER = _runs(
    ("sgd", {"lr": 1e-3, "weight_decay": 0.1}),
    ("momentum", {"lr": 1e-3, "dampening": 0.3}),
    ("nesterov", {"lr": 1e-3, "maximize": False}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("adadelta", {"lr": 1.0, "weight_decay": 0.01}),
    ("adam", {"lr": 0.02, "amsgrad": True}),
    ("adamw", {"lr": 0.02}),
    ("adamax", {"lr": 0.02}),
    ("nadam", {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("radam", {"lr": 5e-4, "weight_decay": 0.01}),
    ("lion", {"lr": 0.005}),
    ("adabelief", {"lr": 0.02, "weight_decay": 0.01}),
    ("rprop", {"lr": 0.01, "etaminus": 0.4, "etaplus": 1.3, "step_size_max": 1.0}),
    ("asgd", {"lr": 1e-3, "t0": 20.0}),
    ("adafactor", {"lr": 0.05, "weight_decay": 0.01}),
    ("muon", {"lr": 0.02, "weight_decay": 0.01}),
)
# several gradient evaluations per step: checked on a function whose autograd gradient is
# numpy's to the last bit (a quadratic), since each step's iterations amplify the last bit
CLOSURES = _runs(
    ("lbfgs", {"lr": 0.2, "max_iter": 3, "history_size": 2}),
    ("lbfgs", {"lr": 1.0, "max_iter": 2, "line_search": True}),
)
VARIANTS = _runs(
    ("adagrad", {"lr": 0.1, "eps_inside_sqrt": True, "eps": 1e-3}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "nesterov": True}),
    ("rmsprop", {"lr": 0.01, "eps_inside_sqrt": True, "eps": 1e-4, "centered": True}),
    ("adam", {"lr": 0.02, "bias_correction": False}),
    ("adam", {"lr": 0.02, "eps_inside_sqrt": True, "eps": 1e-4, "amsgrad": True}),
    ("adamw", {"lr": 0.02, "decoupled_weight_decay": False, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.02, "bias_correction": False, "weight_decay": 0.1}),
    ("sgd", {"lr": 1e-3, "maximize": True}),
)


def test_every_optimizer_and_variant_in_its_script_retraces_our_run(tmp_path, monkeypatch):
    from torch.optim import _muon  # the script runs Muon's iteration in float64 (see export)

    monkeypatch.setattr(_muon, "_zeropower_via_newtonschulz", _muon._zeropower_via_newtonschulz)
    assert {c.optimizer for c in EVERY_OPTIMIZER + CLOSURES} == set(optimizers.names())
    step = (("step_size", 40.0), ("gamma", 0.5))
    _check_scripts(
        tmp_path,
        monkeypatch,
        [
            ex.Experiment("himmelblau", steps=120, runs=EVERY_OPTIMIZER[:8], schedule="cosine"),
            ex.Experiment(
                "rosenbrock",
                steps=120,
                runs=EVERY_OPTIMIZER[8:],
                schedule="step",
                schedule_params=step,
            ),
            ex.Experiment("booth", steps=100, runs=VARIANTS, start=(-3.0, 4.0)),
            ex.Experiment("quadratic", steps=30, runs=CLOSURES, noise=0.5, start=(-3.0, 4.0)),
        ],
    )


SOME = _runs(("sgd", {"lr": 0.01}), ("adam", {"lr": 0.05}), ("rmsprop", {"lr": 0.01}))


@pytest.mark.parametrize(
    "schedules_",
    [
        [n for n in optimizers.schedules.names() if n not in ("constant",)][:9],
        [n for n in optimizers.schedules.names() if n not in ("constant",)][9:],
    ],
)
def test_every_schedule_in_a_script_retraces_our_runs(tmp_path, monkeypatch, schedules_):
    """Each schedule with parameters that make it act within the run (a typed formula, 1-D)."""
    small = {  # steps-counting parameters shorter than the run
        "step_size": 15.0,
        "warmup_steps": 10.0,
        "step_size_up": 10.0,
        "step_size_down": 7.0,
        "T_0": 12.0,
        "T_mult": 2.0,
        "total_iters": 30.0,
        "patience": 3.0,
        "cooldown": 2.0,
    }
    exps = []
    for name in schedules_:
        params = {k: small.get(k, v) for k, v in optimizers.schedules.defaults(name).items()}
        sched = optimizers.schedules.get(name, **params)
        surface = (
            "formula",
            (("text", "x^4 - 3*x^2 + x + 0.3*sin(5*x)"), ("bounds", ((-2.5, 2.5),))),
        )
        exps.append(
            ex.Experiment(
                surface[0],
                surface_params=surface[1],
                steps=60,
                runs=SOME,
                schedule=name,
                schedule_params=sched.params,
            )
        )
    _check_scripts(tmp_path, monkeypatch, exps)


def test_noise_and_mini_batches_are_drawn_as_the_dashboard_draws_them(tmp_path, monkeypatch):
    least = (("n_samples", 200), ("batch_size", 8), ("noise", 0.5), ("data_seed", 3))
    keys_branch = (("n_samples", 40), ("batch_size", 30), ("noise", 0.5), ("data_seed", 0))
    plateau = optimizers.schedules.get("plateau", patience=2.0)
    _check_scripts(
        tmp_path,
        monkeypatch,
        [
            ex.Experiment("quadratic", steps=80, runs=SOME, noise=0.3, seed=7),
            ex.Experiment("least_squares", surface_params=least, steps=80, runs=SOME, seed=11),
            ex.Experiment(
                "least_squares",
                surface_params=keys_branch,
                steps=60,
                runs=SOME,
                noise=0.1,
                seed=5,
                schedule="plateau",
                schedule_params=plateau.params,
            ),
        ],
    )


def test_a_setup_script_runs_on_its_own(tmp_path):
    exp = ex.Experiment("ravine", surface_params=(("kappa", 20.0),), steps=30, runs=SOME)
    script = tmp_path / "optimizer_lab.py"
    script.write_text(export.setup_script(exp))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    for label in exp.labels():
        assert f"{label}: 30 steps, ends at" in done.stdout
    saved = np.load(tmp_path / export.PATHS_FILE)
    ours = simulate.simulate(exp)
    for i, result in enumerate(ours, start=1):
        _same_path(result.label, result.trajectory.params, saved[f"run_{i}"])


def one_line(code: str) -> str:
    """Code with its wrapped calls joined: ``f(\n    a,\n    b,\n)`` reads ``f(a, b,)``."""
    return re.sub(r"\(\s+", "(", re.sub(r"\s+", " ", code))


def test_one_runs_code_is_a_script_of_that_run_only():
    exp = ex.Experiment(runs=SOME)
    raw = export.run_code(exp, 1, "PyTorch")
    code = one_line(raw)
    assert "torch.optim.Adam(params, lr=0.05" in code
    assert "torch.optim.SGD" not in code
    assert "RMSprop" not in code
    compile(raw, "run.py", "exec")


SETUPS = [
    ex.Experiment(),
    ex.Experiment(
        "formula", surface_params=(("text", FORMULAS[0]), ("bounds", ((-2, 2), (-2, 2))))
    ),
    ex.Experiment(
        "least_squares",
        surface_params=(("n_samples", 100), ("batch_size", 10), ("noise", 0.5), ("data_seed", 0)),
        noise=0.2,
        schedule="cosine",
    ),
    ex.Experiment("double_well", schedule="onecycle"),
]


@pytest.mark.parametrize("framework", ["optax", "Keras"])
def test_optax_and_keras_code_compiles_for_every_optimizer(framework):
    for setup in SETUPS:
        exp = replace(setup, runs=EVERY_OPTIMIZER + VARIANTS)
        for i in range(len(exp.runs)):
            code = export.run_code(exp, i, framework)
            compile(code, f"{framework}.py", "exec")
            name = exp.runs[i].optimizer
            first = optimizers.entry(name).notes.split()[:3]
            assert " ".join(first) in code.replace("\n# ", " ")  # the module's NOTES head it
            table = optax_keras.OPTAX if framework == "optax" else optax_keras.KERAS
            if table[name].call is None:
                assert f"{framework} has no {optimizers.title(name)}" in code
            else:
                assert table[name].call + "(" in code


def _code(framework, name, **h):
    return export.run_code(ex.Experiment(runs=_runs((name, h))), 0, framework)


def test_optax_and_keras_code_says_where_it_differs():
    for framework in ("optax", "Keras"):
        assert "always corrects the bias" in _code(framework, "adam", bias_correction=False)
        assert "always corrects the bias" not in _code(framework, "adam")
        assert "paths differ" in _code(framework, "adafactor")
        assert "this run has it outside" in _code(framework, "adagrad")
        assert "this run has it outside" not in _code(framework, "adagrad", eps_inside_sqrt=True)
        assert f"{framework} has no ASGD" in _code(framework, "asgd")
        assert "dampening is not applied" in _code(framework, "momentum", dampening=0.5)
    assert "has no Nesterov momentum" in _code("Keras", "rmsprop", momentum=0.9, nesterov=True)
    assert "has no Nesterov" not in _code("optax", "rmsprop", momentum=0.9, nesterov=True)
    assert "eps_in_sqrt=True" in _code("optax", "rmsprop", eps_inside_sqrt=True)
    assert "eps_root=1e-08" in _code("optax", "adam", eps_inside_sqrt=True)
    assert "optax.amsgrad is that variant" in _code("optax", "adam", amsgrad=True)
    assert "optax.amsgrad" not in _code("optax", "adam")
    assert "Keras has no Rprop" in _code("Keras", "rprop")
    assert "optax.rprop(" in _code("optax", "rprop")
    assert "weight_decay=0.001" in _code("Keras", "lion")  # decoupled, as Keras' own
    exp = ex.Experiment(runs=SOME, schedule="cyclic")
    assert "no built-in schedule" in export.run_code(exp, 0, "optax")
    assert "optax.cosine_decay_schedule(" in export.run_code(
        ex.Experiment(runs=SOME, schedule="cosine"), 0, "optax"
    )


MODELS = [
    replace(ex.MODEL_DEFAULT, steps=40),  # an MLP (tanh, cross-entropy) on the spiral
    ex.Experiment(
        model="logistic",
        model_params=(("batch_size", 32),),
        steps=40,
        noise=0.1,
        seed=3,
        runs=ex.MODEL_RUNS,
    ),
    ex.Experiment(
        model="linear",
        model_params=(("batch_size", 50),),
        steps=40,
        runs=ex.MODEL_RUNS,
        schedule="plateau",
        schedule_params=optimizers.schedules.get("plateau", patience=2.0).params,
    ),
    ex.Experiment(model="softmax", steps=40, runs=ex.MODEL_RUNS),
    ex.Experiment(
        model="mlp",
        model_params=(("activation", "relu"), ("loss", "squared"), ("hidden", (8,))),
        steps=40,
        seed=9,
        runs=ex.MODEL_RUNS,
    ).canonical(),
]


def test_a_models_training_in_its_script_retraces_our_runs(tmp_path, monkeypatch):
    """Each loss (softmax and logistic cross-entropy, squared), tanh and ReLU, full batches
    and epochs of mini-batches, noise, and a plateau schedule watching the training loss."""
    mini = replace(MODELS[-1], model_params=(*MODELS[-1].model_params, ("batch_size", 64)))
    _check_scripts(tmp_path, monkeypatch, [m.canonical() for m in [*MODELS, mini]])


@pytest.mark.parametrize("framework", ["optax", "Keras"])
def test_a_models_optax_and_keras_code_compiles(framework):
    for exp in MODELS:
        stochastic = replace(exp, model_params=(*exp.model_params, ("batch_size", 30)))
        for setup in (exp, stochastic.canonical()):
            code = export.run_code(setup, 3, framework)
            compile(code, f"{framework}.py", "exec")
            assert not re.findall(r"torch\.[\w.]+\(", code)  # every torch call renamed
