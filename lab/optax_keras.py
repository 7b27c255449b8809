"""A run as optax and as Keras code, where the framework has the optimizer, with an honest
comment wherever it differs from the run (ε inside the root, no bias-correction switch, no
Nesterov RMSProp, Adafactor's other definition…). The optimizer module's ``NOTES`` (how torch,
Keras and optax differ) heads every snippet; :data:`OPTAX` and :data:`KERAS` map our names and
hyperparameters to theirs, and their gaps are written for this run's values.

Neither framework is a dependency: the code is checked by ``compile()`` and by reading. The
objective is the PyTorch export's (:mod:`lab.torch_objectives`) with ``torch`` functions renamed
to ``jax.numpy`` or ``keras.ops``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import optimizers

from . import torch_objectives
from .experiment import Experiment

Check = Callable[[dict[str, Any]], bool]


class Port(NamedTuple):
    """One optimizer in another framework: the call (None: the framework has none), our
    hyperparameter -> its keyword (``lr`` is always the learning rate), fixed keywords, and
    gaps: (when, comment) pairs written where ``when(hyperparams)`` holds."""

    call: str | None
    names: Mapping[str, str] = MappingProxyType({})
    gaps: tuple[tuple[Check, str], ...] = ()
    fixed: Mapping[str, Callable[[dict[str, Any]], Any]] = MappingProxyType({})
    update: str = ""  # more arguments of optax's update call ({loss}: the loss function)


def _on(key: str, value: Any = True) -> Check:
    return lambda h: h.get(key) == value


def _nonzero(key: str) -> Check:
    return lambda h: bool(h.get(key))


DAMPENING = (_nonzero("dampening"), "no dampening here: this run's dampening is not applied")
NO_BIAS_SWITCH = (
    _on("bias_correction", False),
    "always corrects the bias: no switch for this run's bias_correction=False, so the paths differ",
)
AMSGRAD = (
    _on("amsgrad"),
    "no AMSGrad switch here: optax.amsgrad is that variant (its maximum is of the "
    "bias-corrected v̂, torch's of the raw v)",
)
LR_DECAY = (_nonzero("lr_decay"), "no lr_decay: this run's η/(1 + (t−1)·lr_decay) is not applied")


OPTAX_MUON_VECTORS = (
    lambda h: True,
    "optax.contrib.muon applies Adam, not Muon, to parameters that are not matrices (biases, "
    "a test function's point); optimizers/muon.py treats such a vector as a 1 × n matrix, as torch "
    "would take p.view(1, -1): on a function the paths differ",
)

KERAS_MUON_VECTORS = (
    lambda h: True,
    "Keras' Muon applies Adam, not Muon, to parameters that are not matrices (biases, a test "
    "function's point); optimizers/muon.py treats such a vector as a 1 × n matrix, as torch "
    "would take p.view(1, -1): on a function the paths differ",
)


OPTAX: dict[str, Port] = {
    "sgd": Port("optax.sgd", {"momentum": "momentum", "nesterov": "nesterov"}, (DAMPENING,)),
    "momentum": Port("optax.sgd", {"momentum": "momentum", "nesterov": "nesterov"}, (DAMPENING,)),
    "nesterov": Port("optax.sgd", {"momentum": "momentum", "nesterov": "nesterov"}, (DAMPENING,)),
    "adagrad": Port(
        "optax.adagrad",
        {"initial_accumulator_value": "initial_accumulator_value", "eps": "eps"},
        (
            (
                _on("eps_inside_sqrt", False),
                "optax puts ε inside the root, √(G + ε); this run has it outside (torch's "
                "form): the paths differ while G is small",
            ),
            LR_DECAY,
        ),
    ),
    "rmsprop": Port(
        "optax.rmsprop",
        {"alpha": "decay", "eps": "eps", "centered": "centered", "nesterov": "nesterov"},
        (
            (
                _nonzero("momentum"),
                "optax applies momentum after the learning rate (its buffer holds η·…): with a "
                "schedule the paths differ from torch's",
            ),
        ),
        {
            "eps_in_sqrt": lambda h: h["eps_inside_sqrt"],
            "momentum": lambda h: h["momentum"] or None,
        },
    ),
    "adadelta": Port("optax.adadelta", {"rho": "rho", "eps": "eps"}),
    "adam": Port(
        "optax.adam",
        {"beta1": "b1", "beta2": "b2"},
        (NO_BIAS_SWITCH, AMSGRAD),
        {
            "eps": lambda h: 0.0 if h["eps_inside_sqrt"] else h["eps"],
            "eps_root": lambda h: h["eps"] if h["eps_inside_sqrt"] else 0.0,
        },
    ),
    "adamw": Port(
        "optax.adamw",
        {"beta1": "b1", "beta2": "b2", "eps": "eps"},
        (
            NO_BIAS_SWITCH,
            AMSGRAD,
            (_on("eps_inside_sqrt"), "optax.adamw's ε is outside the root: not this run's"),
        ),
    ),
    "adamax": Port("optax.adamax", {"beta1": "b1", "beta2": "b2", "eps": "eps"}),
    "nadam": Port(
        "optax.nadam",
        {"beta1": "b1", "beta2": "b2", "eps": "eps"},
        ((lambda h: True, "optax's NAdam has no momentum schedule μ_t (torch's momentum_decay)"),),
    ),
    "radam": Port("optax.radam", {"beta1": "b1", "beta2": "b2", "eps": "eps"}),
    "lion": Port("optax.lion", {"beta1": "b1", "beta2": "b2", "weight_decay": "weight_decay"}),
    "adabelief": Port(
        "optax.adabelief",
        {"beta1": "b1", "beta2": "b2", "eps": "eps", "eps_root": "eps_root"},
        (
            (
                _nonzero("weight_decay"),
                "optax.adabelief has no weight decay: this run's is left out",
            ),
        ),
    ),
    "rprop": Port(
        "optax.rprop",
        {
            "etaminus": "eta_minus",
            "etaplus": "eta_plus",
            "step_size_min": "min_step_size",
            "step_size_max": "max_step_size",
        },
    ),
    "asgd": Port(None),
    "lbfgs": Port(
        "optax.lbfgs",
        {"history_size": "memory_size"},
        (
            (
                lambda h: True,
                "optax.lbfgs does one iteration per update (no max_iter loop: call it max_iter "
                "times), and its zoom line search (which reads the loss through value and "
                "value_fn) is not torch's strong-Wolfe search; it scales its first step "
                "differently: the paths differ",
            ),
        ),
        update=", value={loss}(params), grad=grads, value_fn={loss}",
    ),
    "muon": Port(
        "optax.contrib.muon",
        {"momentum": "beta", "ns_steps": "ns_steps", "eps": "eps", "nesterov": "nesterov"},
        (OPTAX_MUON_VECTORS,),
        {"ns_coeffs": lambda h: (h["ns_a"], h["ns_b"], h["ns_c"])},
    ),
    "adafactor": Port(
        "optax.adafactor",
        {"d": "clipping_threshold"},
        (
            (
                lambda h: True,
                "optax's Adafactor is the paper's: ε₁ = 1e-30 added to g², no η cap, momentum "
                "off and a fixed 0.8 decay by default. It is not torch's rule: the paths differ",
            ),
        ),
    ),
}

KERAS: dict[str, Port] = {
    "sgd": Port(
        "keras.optimizers.SGD", {"momentum": "momentum", "nesterov": "nesterov"}, (DAMPENING,)
    ),
    "momentum": Port(
        "keras.optimizers.SGD", {"momentum": "momentum", "nesterov": "nesterov"}, (DAMPENING,)
    ),
    "nesterov": Port(
        "keras.optimizers.SGD", {"momentum": "momentum", "nesterov": "nesterov"}, (DAMPENING,)
    ),
    "adagrad": Port(
        "keras.optimizers.Adagrad",
        {"initial_accumulator_value": "initial_accumulator_value", "eps": "epsilon"},
        (
            (
                _on("eps_inside_sqrt", False),
                "Keras puts ε inside the root, √(G + ε); this run has it outside (torch's "
                "form): the paths differ while G is small",
            ),
            LR_DECAY,
        ),
    ),
    "rmsprop": Port(
        "keras.optimizers.RMSprop",
        {"alpha": "rho", "eps": "epsilon", "momentum": "momentum", "centered": "centered"},
        (
            (_on("nesterov"), "Keras' RMSprop has no Nesterov momentum: this run's is not applied"),
            (
                _nonzero("momentum"),
                "Keras folds η into its momentum buffer: with a schedule the paths differ",
            ),
            (
                _on("eps_inside_sqrt", False),
                "Keras puts ε inside the root, √(v + ε); this run has it outside (torch's form)",
            ),
        ),
    ),
    "adadelta": Port("keras.optimizers.Adadelta", {"rho": "rho", "eps": "epsilon"}),
    "adam": Port(
        "keras.optimizers.Adam",
        {"beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon", "amsgrad": "amsgrad"},
        (
            NO_BIAS_SWITCH,
            (
                lambda h: True,
                "Keras adds ε to the raw √v (ε-hat), not to √v̂: like a larger ε early on",
            ),
            (_on("eps_inside_sqrt"), "Keras has no ε inside the root: not this run's form"),
        ),
    ),
    "adamw": Port(
        "keras.optimizers.AdamW",
        {"beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon", "amsgrad": "amsgrad"},
        (
            NO_BIAS_SWITCH,
            (
                lambda h: True,
                "Keras adds ε to the raw √v (ε-hat), not to √v̂: like a larger ε early on",
            ),
        ),
    ),
    "adamax": Port(
        "keras.optimizers.Adamax",
        {"beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon"},
        ((lambda h: True, "Keras adds ε after the maximum; torch inside it"),),
    ),
    "nadam": Port(
        "keras.optimizers.Nadam",
        {"beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon"},
        ((lambda h: True, "Keras' Nadam drops ψ (momentum_decay) from the momentum schedule"),),
    ),
    "radam": Port(None),
    "lion": Port("keras.optimizers.Lion", {"beta1": "beta_1", "beta2": "beta_2"}),
    "adabelief": Port(None),
    "rprop": Port(None),
    "asgd": Port(None),
    "lbfgs": Port(None),
    "muon": Port(
        "keras.optimizers.Muon",
        {
            "momentum": "momentum",
            "ns_steps": "ns_steps",
            "nesterov": "nesterov",
            "eps": "epsilon",
            "ns_a": "muon_a",
            "ns_b": "muon_b",
            "ns_c": "muon_c",
        },
        (KERAS_MUON_VECTORS,),
    ),
    "adafactor": Port(
        "keras.optimizers.Adafactor",
        {
            "beta2_decay": "beta_2_decay",
            "eps1": "epsilon_1",
            "eps2": "epsilon_2",
            "d": "clip_threshold",
        },
        (
            (
                lambda h: True,
                "Keras' Adafactor follows the paper's ε placement (ε₁ added to g²), not torch's: "
                "the paths differ",
            ),
        ),
    ),
}

# where our weight decay is coupled (an L2 term on the gradient, torch's default)
DECOUPLED = {"lion", "adabelief", "adafactor", "muon"}
# optax/Keras arguments that already hold this run's decoupled decay
OWN_DECAY = {"optax": {"lion", "adamw"}, "Keras": set()}

_JAX = {
    "torch.from_numpy(": "jnp.asarray(",
    "torch.logsumexp(": "jax.scipy.special.logsumexp(",
    "torch.relu(": "jax.nn.relu(",
    "torch.as_tensor(": "jnp.asarray(",
    "torch.atan(": "jnp.arctan(",
    "torch.": "jnp.",
}
_KERAS = {
    "torch.from_numpy(": "ops.convert_to_tensor(",
    "torch.as_tensor(": "ops.convert_to_tensor(",
    "torch.atan(": "ops.arctan(",
    "DATA_X[idx]": "ops.take(DATA_X, idx)",
    "DATA_Y[idx]": "ops.take(DATA_Y, idx)",
    "X_TRAIN[idx]": "ops.take(X_TRAIN, idx, axis=0)",
    "TARGETS[idx]": "ops.take(TARGETS, idx, axis=0)",
    "torch.": "ops.",
}


def code(exp: Experiment, index: int, framework: str) -> str:
    """Run ``index`` of ``exp`` as ``framework`` ("optax" or "Keras") code."""
    config = exp.runs[index]
    name = config.optimizer
    h = {spec.name: config.value(spec.name) for spec in optimizers.hyperparams(name)}
    port = (OPTAX if framework == "optax" else KERAS).get(name, Port(None))
    notes = textwrap.fill(optimizers.entry(name).notes, 92)
    head = "".join(f"# {line}\n" for line in notes.splitlines())
    title = (
        f"# {exp.labels()[index]}, as {framework} code.\n#\n# How torch, Keras and optax differ:\n"
    )
    if port.call is None:
        return (
            f"{title}{head}#\n# {framework} has no {optimizers.title(name)}: use the PyTorch "
            f"export of this run, which is exact.\n"
        )
    gaps = [text for when, text in port.gaps if when(h)]
    if h.get("maximize"):
        gaps.append("maximize: this code ascends by negating the gradient")
    schedule, schedule_gaps = _schedule(exp, float(h["lr"]), framework)
    gaps += schedule_gaps
    wd = h.get("weight_decay") or 0.0
    decoupled = name in DECOUPLED or h.get("decoupled_weight_decay", False)
    kwargs = {"learning_rate": "LR"}
    kwargs |= {theirs: repr(h[ours]) for ours, theirs in port.names.items() if ours in h}
    kwargs |= {key: repr(value(h)) for key, value in port.fixed.items()}
    if wd and decoupled and name not in OWN_DECAY[framework]:
        if framework == "Keras":
            kwargs["weight_decay"] = repr(wd)
        else:
            gaps.append(
                f"optax's {port.call} has no decoupled weight decay: this run's is left out"
            )
    l2 = wd if wd and not decoupled else 0.0
    call = f"{port.call}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    comments = "".join(f"# NOTE: {line}\n" for line in gaps)
    source, kind = torch_objectives.for_experiment(exp)
    for old, new in (_JAX if framework == "optax" else _KERAS).items():
        source = source.replace(old, new)
    batch = {
        torch_objectives.FULL: "f({})",
        torch_objectives.SURFACE_BATCH: "batch_loss({}, rng)",
        torch_objectives.MODEL_BATCH: "batch_loss({}, sample(step))",
    }[kind]
    template = OPTAX_CODE if framework == "optax" else KERAS_CODE
    loss = "f" if kind == torch_objectives.FULL else f"(lambda q: {batch.format('q')})"
    code = template.format(
        update=port.update.format(loss=loss),
        setup=_setup(exp),
        lr=schedule,
        call=call,
        f=source,
        l2=l2,
        sign=_sign(h),
        loss=loss,
        batch=batch.format("p"),
        before="sample = batches(rng)\n" if kind == torch_objectives.MODEL_BATCH else "",
    )
    return title + head + comments + code


def _sign(h: dict[str, Any]) -> str:
    return "-" if h.get("maximize") else ""


def _setup(exp: Experiment) -> str:
    start = "" if exp.is_model else f"START = {list(exp.start_point())!r}\n"
    return f"STEPS = {exp.steps}\n{start}NOISE = {float(exp.noise)!r}\nSEED = {exp.seed}\n"


def _schedule(exp: Experiment, lr: float, framework: str) -> tuple[str, list[str]]:
    """The learning rate: a number, or the framework's schedule where it has the same one."""
    schedule = exp.lr_schedule()
    p = dict(schedule.params)
    name, n = schedule.name, exp.steps
    if name == "constant":
        return repr(lr), []
    optax_keras = {
        "exponential": (
            f"optax.exponential_decay({lr!r}, transition_steps=1, decay_rate={p.get('gamma')!r})",
            f"keras.optimizers.schedules.ExponentialDecay({lr!r}, decay_steps=1, "
            f"decay_rate={p.get('gamma')!r})",
        ),
        "step": (
            f"optax.exponential_decay({lr!r}, transition_steps={int(p.get('step_size', 1))}, "
            f"decay_rate={p.get('gamma')!r}, staircase=True)",
            f"keras.optimizers.schedules.ExponentialDecay({lr!r}, "
            f"decay_steps={int(p.get('step_size', 1))}, decay_rate={p.get('gamma')!r}, "
            "staircase=True)",
        ),
        "cosine": (
            f"optax.cosine_decay_schedule({lr!r}, decay_steps={max(n, 1)}, "
            f"alpha={p.get('min_factor')!r})",
            f"keras.optimizers.schedules.CosineDecay({lr!r}, decay_steps={max(n, 1)}, "
            f"alpha={p.get('min_factor')!r})",
        ),
    }
    if name in optax_keras:
        return optax_keras[name][0 if framework == "optax" else 1], []
    return repr(lr), [
        f"{framework} has no built-in schedule matching '{schedule.title}' here: the learning "
        "rate stays at its base value (the PyTorch export has the exact schedule)"
    ]


OPTAX_CODE = """
import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_enable_x64", True)  # float64, as the dashboard

{setup}L2 = {l2!r}  # coupled weight decay (torch's): added to the gradient as λ·θ
{f}

LR = {lr}
opt = {call}
params = jnp.array(START)
state = opt.init(params)
rng = np.random.default_rng(SEED)
{before}path = [params]
for step in range(STEPS):
    grads = {sign}jax.grad({loss})(params) + L2 * params
    if NOISE:
        grads = grads + NOISE * rng.standard_normal(np.shape(START))
    updates, state = opt.update(grads, state, params{update})
    params = optax.apply_updates(params, updates)
    path.append(params)
print(path[-1], f(path[-1]))
"""

KERAS_CODE = """
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import base64
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

keras.config.set_floatx("float64")  # float64, as the dashboard

{setup}L2 = {l2!r}  # coupled weight decay (torch's): added to the gradient as λ·θ
{f}

LR = {lr}
opt = {call}
p = keras.Variable(START, dtype="float64")
rng = np.random.default_rng(SEED)
{before}path = [p.numpy().copy()]
for step in range(STEPS):
    with tf.GradientTape() as tape:
        loss = {batch}
    grad = {sign}tape.gradient(loss, p) + L2 * p
    if NOISE:
        grad = grad + NOISE * rng.standard_normal(np.shape(START))
    opt.apply_gradients([(grad, p)])
    path.append(p.numpy().copy())
print(path[-1], f(p).numpy())
"""
