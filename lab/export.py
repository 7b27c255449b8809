"""Code to take home: every run of a setup as a PyTorch script that reproduces it, and as optax
and Keras code where those frameworks have the optimizer.

The PyTorch script is exact: ``torch.optim`` (or, where torch lacks an optimizer or a variant, a
class written out from :mod:`lab.torch_extra`) with ``torch.optim.lr_scheduler``, the objective
written as torch code (:mod:`lab.torch_objectives`), float64, the same start and steps, and the
gradient noise and mini-batches drawn from ``numpy.random.default_rng(seed)`` in the order the
run loop draws them (optimizers/run.py ``_path``). Its paths equal the dashboard's to rounding
(tests/lab/test_export.py runs them). Names and keywords come from :mod:`lab.torch_names`.

A model's training (the "Train a model" page) is exported the same way: its training set, the
network's layout and initialisation, its loss and its epochs of mini-batches
(:mod:`lab.torch_models`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import optimizers

from . import optax_keras, torch_extra, torch_names, torch_objectives
from .experiment import Experiment, RunConfig, model_title

FRAMEWORKS = ("PyTorch", "optax", "Keras")
PATHS_FILE = "optimizer_lab_paths.npz"


def hyperparams(config: RunConfig) -> dict[str, Any]:
    """Every hyperparameter of a run, defaults filled in, in the optimizer's order."""
    return {spec.name: config.value(spec.name) for spec in optimizers.hyperparams(config.optimizer)}


def run_code(exp: Experiment, index: int, framework: str = "PyTorch") -> str:
    """Run ``index`` of ``exp`` as code for ``framework`` (one of :data:`FRAMEWORKS`)."""
    if framework == "PyTorch":
        return torch_script(exp, [index])
    if framework in ("optax", "Keras"):
        return optax_keras.code(exp, index, framework)
    raise KeyError(f"unknown framework {framework!r}; choose from: {', '.join(FRAMEWORKS)}")


def setup_script(exp: Experiment) -> str:
    """Every run of ``exp`` in one PyTorch script."""
    return torch_script(exp, range(len(exp.runs)))


def torch_script(exp: Experiment, indices: Sequence[int]) -> str:
    """A PyTorch script for runs ``indices`` of ``exp``: ``main()`` returns each run's path
    (label -> array of shape (steps + 1, d)), prints where each ends and saves them all."""
    objective, kind = torch_objectives.for_experiment(exp)
    labels = exp.labels()
    chosen = [(labels[i], exp.runs[i]) for i in indices]
    calls = [_optimizer_source(config) for _, config in chosen]
    extras = dict.fromkeys("\n" + source for _, source, _ in calls if source)
    if any(config.optimizer == "muon" for _, config in chosen):
        extras[MUON_FLOAT64] = None
    schedule = exp.lr_schedule()
    plateau = schedule.reacts_to_loss
    runs = []
    for number, ((label, config), (call, _, comment)) in enumerate(
        zip(chosen, calls, strict=True), start=1
    ):
        lr = float(config.value("lr"))
        spec = torch_names.scheduler_call(schedule, lr, exp.steps)
        lead = "lambda opt: "
        code = None if spec is None else torch_names.scheduler_code(spec, indent=8, lead=len(lead))
        sched = "None" if code is None else lead + code
        comment = "".join(f"    # {line}\n" for line in comment)
        matrix = f"        shapes={_muon_shapes(exp)!r},\n" if config.optimizer == "muon" else ""
        runs.append(
            f"\n\ndef run_{number}():\n"
            f'    """{label}"""\n'
            f"{comment}"
            f"    return race(\n"
            f"        lambda params: {call},\n"
            f"        {sched},\n"
            f"{matrix}"
            f"    )\n"
        )
    table = "".join(f"    {label!r}: run_{n},\n" for n, (label, _) in enumerate(chosen, start=1))
    return "".join(
        [
            _header(exp, [label for label, _ in chosen]),
            "".join(extras),
            objective,
            _loop(kind, plateau),
            *runs,
            f"\n\nRUNS = {{\n{table}}}\n",
            MAIN.format(paths=PATHS_FILE),
        ]
    )


MUON_FLOAT64 = """
# torch's Muon runs its Newton-Schulz iteration in bfloat16 (about 3 significant digits); the
# dashboard runs it in float64. This makes torch's run in float64 too, so the paths agree;
# delete it to see torch's own rounding (the paths then differ at about 1e-2).
from torch.optim import _muon  # noqa: E402

_bfloat16_newton_schulz = _muon._zeropower_via_newtonschulz


def _float64_newton_schulz(grad, ns_coefficients, ns_steps, eps):
    cast = torch.Tensor.bfloat16
    torch.Tensor.bfloat16 = lambda self, *args, **kwargs: self.clone()
    try:
        return _bfloat16_newton_schulz(grad, ns_coefficients, ns_steps, eps)
    finally:
        torch.Tensor.bfloat16 = cast


_muon._zeropower_via_newtonschulz = _float64_newton_schulz
"""


def _muon_shapes(exp: Experiment) -> list[tuple[int, ...]]:
    """The tensors Muon sees: a model's weight matrices and its biases as 1 × n rows, or a
    function's point as one 1 × d row (as optimizers/muon.py treats a vector)."""
    blocks = getattr(exp.objective(), "blocks", None) or ((None, (exp.objective().dim,)),)
    return [shape if len(shape) == 2 else (1, *shape) for _, shape in blocks]


def _optimizer_source(config: RunConfig) -> tuple[str, str | None, list[str]]:
    """The call that builds the run's optimizer on ``params``, the source of a class the script
    must define first (or None), and comment lines on it."""
    h = hyperparams(config)
    call = torch_names.optimizer_call(config.optimizer, h)
    if call is not None and not call.lacking:
        kwargs = {k: v for k, v in call.kwargs.items() if not (k == "maximize" and not v)}
        return _call(f"torch.optim.{call.cls}", kwargs), None, []
    extra = torch_extra.EXTRAS.get(config.optimizer)
    if extra is None:
        raise KeyError(
            f"no torch export for optimizer {config.optimizer!r}: add it to "
            "lab/torch_names.py OPTIMIZERS (or lab/torch_extra.py EXTRAS)"
        )
    if call is None:
        why = f"torch has no {optimizers.title(config.optimizer)}: {extra.cls} (above) is its rule"
    else:
        switches = ", ".join(f"{k}={v!r}" for k, v in call.lacking.items())
        why = (
            f"torch.optim.{call.cls} has no {switches}: {extra.cls} (above) is "
            f"{optimizers.title(config.optimizer)} with our switches"
        )
    kwargs = {k: v for k, v in h.items() if not (k == "maximize" and not v)}
    return _call(extra.cls, kwargs), extra.source, [why]


def _call(head: str, kwargs: dict[str, Any]) -> str:
    """``head(params, **kwargs)`` as it stands after ``lambda params: `` in a run function."""
    args = ["params", *(f"{k}={_literal(v)}" for k, v in kwargs.items())]
    return torch_names.call_text(head, args, indent=8, lead=len("lambda params: "))


def _literal(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ")"
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float | int):
        return repr(float(value)) if isinstance(value, float) else repr(value)
    return repr(value)


def _header(exp: Experiment, labels: list[str]) -> str:
    obj = exp.objective()
    schedule = exp.lr_schedule()
    extra = []
    if exp.noise:
        extra.append(f"gradient noise sigma = {exp.noise!r}")
    if obj.stochastic:
        batch = obj.batch_size if exp.is_model else obj.params["batch_size"]
        extra.append(f"mini-batches of {batch}")
    randomness = f" ({', '.join(extra)}, seed {exp.seed})" if extra else ""
    runs = "\n".join(f"  - {label}" for label in labels)
    if exp.is_model:
        title, start = model_title(exp), "from the model's shared initialisation (START below)"
        imports, start_line = "import base64\nimport math", ""
    else:
        title, start = obj.title, f"at {list(exp.start_point())}"
        imports, start_line = "import math", f"START = {list(exp.start_point())!r}\n"
    about = textwrap.fill(
        f"Every run starts {start} and uses torch.optim in float64; its path is the "
        "dashboard's (to rounding). Needs numpy and torch. `python this_file.py` prints where "
        f"each run ends and saves every path to {PATHS_FILE}; `main()` returns them.",
        92,
    )
    return f'''"""Optimizer Lab, as a PyTorch script: {title}, {exp.steps} steps.

Runs:
{runs}

Learning-rate schedule: {schedule.title}{randomness}.
{about}
"""

{imports}

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

STEPS = {exp.steps}
{start_line}NOISE = {float(exp.noise)!r}  # sigma of the Gaussian noise on every gradient component
SEED = {exp.seed}  # seeds the noise and mini-batches, as the dashboard does
'''


def _loop(kind: str, plateau: bool) -> str:
    """``race``: the run loop, as optimizers/run.py runs it (noise drawn after the mini-batch,
    from one generator per run; ReduceLROnPlateau stepped with the loss at the step's point).
    The gradient comes from a closure that ``step`` calls: once for most optimizers, at every
    evaluation for L-BFGS (each with fresh noise, as our run loop draws it). With ``shapes``
    the optimizer sees the point as tensors of those shapes (Muon takes matrices only)."""
    loss = {
        torch_objectives.FULL: "f(p)",
        torch_objectives.SURFACE_BATCH: "batch_loss(p, rng)",
        torch_objectives.MODEL_BATCH: "batch_loss(p, sample(step))",
    }[kind]
    lines = [
        "\n\ndef race(make_optimizer, make_scheduler=None, shapes=None):",
        '    """One run: its path of parameters, shape (STEPS + 1, d); it stops where the',
        "    parameters leave finite values. With ``shapes``, the optimizer sees the point as",
        '    tensors of these shapes, in order (Muon takes matrices only)."""',
        "    start = torch.tensor(START)",
        "    shapes = shapes or [start.shape]",
        "    sizes = [math.prod(shape) for shape in shapes]",
        "    params = [",
        "        torch.nn.Parameter(part.reshape(shape).clone())",
        "        for part, shape in zip(start.split(sizes), shapes)",
        "    ]",
        "",
        "    def point():",
        "        return torch.cat([q.reshape(-1) for q in params])",
        "",
        "    opt = make_optimizer(params)",
        "    scheduler = make_scheduler(opt) if make_scheduler else None",
        "    rng = np.random.default_rng(SEED)",
        "    path = [point().detach().clone()]",
    ]
    if kind == torch_objectives.MODEL_BATCH:
        lines.append("    sample = batches(rng)  # this run's epochs of mini-batches")
    lines += [
        "    for step in range(STEPS):",
    ]
    if plateau:
        lines.append("        with torch.no_grad():")
        lines.append("            value = f(point()).item()  # ReduceLROnPlateau watches f here")
    lines += [
        "",
        "        def closure(step=step):",
        "            opt.zero_grad()",
        "            p = point()",
        f"            loss = {loss}",
        "            loss.backward()",
        "            if NOISE:",
        "                noise = torch.from_numpy(rng.standard_normal(sum(sizes))).split(sizes)",
        "                for q, z in zip(params, noise):",
        "                    q.grad += NOISE * z.reshape(q.shape)",
        "            return loss",
        "",
        "        opt.step(closure)",
        "        if scheduler is not None:",
        f"            scheduler.step({'value' if plateau else ''})",
        "        path.append(point().detach().clone())",
        "        if not torch.isfinite(path[-1]).all():",
        "            break",
        "    return torch.stack(path)",
        "",
    ]
    return "\n".join(lines)


MAIN = """

def main():
    paths = {{}}
    for label, run in RUNS.items():
        path = run()
        paths[label] = path.numpy()
        end, value = path[-1], f(path[-1]).item()
        print(f"{{label}}: {{len(path) - 1}} steps, ends at {{end.tolist()}}, f = {{value:.6g}}")
    np.savez("{paths}", **{{f"run_{{i}}": a for i, a in enumerate(paths.values(), start=1)}})
    return paths


if __name__ == "__main__":
    main()
"""
