"""Our optimizers and schedules as ``torch.optim`` classes and keyword arguments: the one table
that the code export (:mod:`lab.export`) and the live torch tests
(tests/optimizers/test_torch_live.py) read. No torch import: classes are named by their text.

Adding an optimizer that torch has is one entry in :data:`OPTIMIZERS`; one torch lacks (Lion,
AdaBelief) is a class written out in :mod:`lab.torch_extra` and an entry there. ``lbfgs`` and
``muon`` (being added on main) get their entries here: torch's ``LBFGS`` takes a closure in
``step`` (see :func:`lab.export` ``_loop``), and torch ≥ 2.9 has ``Muon``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from optimizers import schedules


class TorchOptimizer(NamedTuple):
    """How one of our optimizers is a ``torch.optim`` class.

    ``pairs``: torch keywords that take a tuple of two of ours (``betas=(beta1, beta2)``).
    ``beyond``: our switches torch's class has no keyword for, each with the value that is
    torch's behaviour; another value is a variant torch lacks. ``coupled``: the class to use
    when our ``decoupled_weight_decay`` is off where torch's class is always decoupled (AdamW).
    """

    cls: str
    pairs: Mapping[str, tuple[str, str]] = {}
    beyond: Mapping[str, Any] = {}
    coupled: str | None = None


BETAS = {"betas": ("beta1", "beta2")}
_ADAM_BEYOND = {"bias_correction": True, "eps_inside_sqrt": False}

OPTIMIZERS: dict[str, TorchOptimizer] = {
    "sgd": TorchOptimizer("SGD"),
    "momentum": TorchOptimizer("SGD"),
    "nesterov": TorchOptimizer("SGD"),
    "adagrad": TorchOptimizer("Adagrad", beyond={"eps_inside_sqrt": False}),
    "rmsprop": TorchOptimizer("RMSprop", beyond={"nesterov": False, "eps_inside_sqrt": False}),
    "adadelta": TorchOptimizer("Adadelta"),
    "adam": TorchOptimizer("Adam", BETAS, _ADAM_BEYOND),
    "adamw": TorchOptimizer("AdamW", BETAS, _ADAM_BEYOND, coupled="Adam"),
    "adamax": TorchOptimizer("Adamax", BETAS),
    "nadam": TorchOptimizer("NAdam", BETAS),
    "radam": TorchOptimizer("RAdam", BETAS),
    "rprop": TorchOptimizer(
        "Rprop",
        {"etas": ("etaminus", "etaplus"), "step_sizes": ("step_size_min", "step_size_max")},
    ),
    "asgd": TorchOptimizer("ASGD"),
    "adafactor": TorchOptimizer("Adafactor", {"eps": ("eps1", "eps2")}),
    # "lbfgs": TorchOptimizer("LBFGS"),  # add after merging main (its step takes a closure)
    # "muon": TorchOptimizer("Muon"),  # add after merging main
}


class TorchCall(NamedTuple):
    """A torch class and its keyword arguments for one run, and the switches of ours set to a
    variant the class lacks (empty: the class is exactly our optimizer)."""

    cls: str
    kwargs: dict[str, Any]
    lacking: dict[str, Any]


def optimizer_call(name: str, hyperparams: Mapping[str, Any]) -> TorchCall | None:
    """``torch.optim.<cls>(params, **kwargs)`` for our optimizer ``name`` with ``hyperparams``
    (every one of them, defaults filled in by the caller); None where torch has no such class.

    >>> optimizer_call("rprop", {"lr": 0.1, "etaminus": 0.5, "etaplus": 1.2,
    ...     "step_size_min": 1e-6, "step_size_max": 50.0, "maximize": False}).kwargs
    {'lr': 0.1, 'etas': (0.5, 1.2), 'step_sizes': (1e-06, 50.0), 'maximize': False}
    """
    spec = OPTIMIZERS.get(name)
    if spec is None:
        return None
    lacking = {k: v for k, v in hyperparams.items() if k in spec.beyond and v != spec.beyond[k]}
    cls = spec.cls
    # torch's class is always decoupled: drop the switch, and where it is off use the other
    if spec.coupled is not None and not hyperparams.get("decoupled_weight_decay", True):
        cls = spec.coupled
    firsts = {a: (pair, b) for pair, (a, b) in spec.pairs.items()}
    seconds = {b for _, (_, b) in spec.pairs.items()}
    kwargs = {}
    for key, value in hyperparams.items():  # in our order, a pair where its first member is
        if key in firsts:
            pair, b = firsts[key]
            kwargs[pair] = (value, hyperparams[b])
        elif key not in seconds and key not in spec.beyond:
            kwargs[key] = value
    if spec.coupled is not None:
        kwargs.pop("decoupled_weight_decay", None)
    return TorchCall(cls, kwargs, lacking)


# --- schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InverseTime:
    """``LambdaLR``'s factor ``1 / (1 + decay·k)``: callable for a live scheduler, and printed
    as the lambda an exported script writes (not a tuple: LambdaLR reads a tuple as one
    function per parameter group)."""

    decay: float

    def __call__(self, k: int) -> float:
        return 1.0 / (1.0 + self.decay * k)

    def __repr__(self) -> str:
        return f"lambda k: 1.0 / (1.0 + {self.decay!r} * k)"


class TorchScheduler(NamedTuple):
    """``torch.optim.lr_scheduler.<cls>(optimizer, **kwargs)``; a keyword's value may be a list
    of TorchSchedulers (SequentialLR's ``schedulers``)."""

    cls: str
    kwargs: dict[str, Any]

    @property
    def reacts_to_loss(self) -> bool:
        return self.cls == "ReduceLROnPlateau"


def scheduler_call(schedule: schedules.Schedule, lr: float, steps: int) -> TorchScheduler | None:
    """torch's scheduler for ``schedule`` on an optimizer of base learning rate ``lr`` over a run
    of ``steps`` steps (None: a constant learning rate). Floors that torch takes as learning
    rates are our fractions times ``lr``; lengths of training are the run's steps.

    >>> scheduler_call(schedules.get("step", step_size=10, gamma=0.5), 0.1, 100)
    TorchScheduler(cls='StepLR', kwargs={'step_size': 10, 'gamma': 0.5})
    """
    name = schedule.name
    p = {k: int(v) if k in schedules.WHOLE else v for k, v in schedule.params}
    n = steps
    if name == "constant":
        return None
    if name == "step":
        return TorchScheduler("StepLR", {"step_size": p["step_size"], "gamma": p["gamma"]})
    if name == "exponential":
        return TorchScheduler("ExponentialLR", {"gamma": p["gamma"]})
    if name == "cosine":
        return TorchScheduler("CosineAnnealingLR", _cosine(max(n, 1), p["min_factor"], lr))
    if name == "warmup":  # min(1, (k + 1)/w)
        w = p["warmup_steps"]
        return TorchScheduler(
            "LinearLR", {"start_factor": 1 / w, "end_factor": 1.0, "total_iters": w - 1}
        )
    if name == "inverse_time":
        return TorchScheduler("LambdaLR", {"lr_lambda": InverseTime(p["decay"])})
    if name.startswith("onecycle"):
        return TorchScheduler(
            "OneCycleLR",
            {
                "max_lr": lr,
                "total_steps": n,
                "pct_start": p["pct_start"],
                "anneal_strategy": "linear" if "linear" in name else "cos",
                "cycle_momentum": False,
                "div_factor": p["div_factor"],
                "final_div_factor": p["final_div_factor"],
                "three_phase": name.endswith("three_phase"),
            },
        )
    if name.startswith("cyclic"):
        return TorchScheduler(
            "CyclicLR",
            {
                "base_lr": p["base_factor"] * lr,
                "max_lr": lr,
                "step_size_up": p["step_size_up"],
                "step_size_down": p["step_size_down"],
                "mode": {"cyclic": "triangular"}.get(name, name.removeprefix("cyclic_")),
                "gamma": p.get("gamma", 1.0),
                "cycle_momentum": False,
            },
        )
    if name == "cosine_warm_restarts":
        return TorchScheduler(
            "CosineAnnealingWarmRestarts",
            {"T_0": p["T_0"], "T_mult": p["T_mult"], "eta_min": p["min_factor"] * lr},
        )
    if name == "polynomial":
        return TorchScheduler(
            "PolynomialLR", {"total_iters": p["total_iters"], "power": p["power"]}
        )
    if name == "linear":
        return TorchScheduler("LinearLR", {k: p[k] for k in _LINEAR})
    if name == "warmup_cosine":
        m = p["warmup_steps"]
        warm = TorchScheduler(
            "LinearLR", {"start_factor": p["start_factor"], "end_factor": 1.0, "total_iters": m}
        )
        cos = TorchScheduler("CosineAnnealingLR", _cosine(max(n - m, 1), p["min_factor"], lr))
        return TorchScheduler("SequentialLR", {"schedulers": [warm, cos], "milestones": [m]})
    if schedule.reacts_to_loss:
        return TorchScheduler(
            "ReduceLROnPlateau",
            {
                "mode": "min",
                "factor": p["factor"],
                "patience": p["patience"],
                "threshold": p["threshold"],
                "threshold_mode": "abs" if name == "plateau_abs" else "rel",
                "cooldown": p["cooldown"],
                "min_lr": p["min_lr"],
                "eps": p["eps"],
            },
        )
    raise KeyError(f"no torch scheduler for schedule {name!r}")  # a new schedule needs one here


_LINEAR = ("start_factor", "end_factor", "total_iters")


def _cosine(t_max: int, min_factor: float, lr: float) -> dict[str, Any]:
    return {"T_max": t_max, "eta_min": min_factor * lr}


def build_scheduler(spec: TorchScheduler, optimizer: Any, lr_scheduler: Any) -> Any:
    """The live torch scheduler of ``spec`` on ``optimizer``; ``lr_scheduler`` is the module
    ``torch.optim.lr_scheduler`` (passed in: this module never imports torch)."""
    kwargs = {
        k: [build_scheduler(s, optimizer, lr_scheduler) for s in v] if k == "schedulers" else v
        for k, v in spec.kwargs.items()
    }
    return getattr(lr_scheduler, spec.cls)(optimizer, **kwargs)


def call_text(head: str, args: list[str], indent: int = 0, width: int = 96, lead: int = 0) -> str:
    """``head(args…)`` on one line when it fits in ``width`` columns after ``indent`` spaces
    and ``lead`` characters before it on its line, else one argument per line.

    >>> print(call_text("f", ["a=1", "b=2"], width=6))
    f(
        a=1,
        b=2,
    )
    """
    line = f"{head}({', '.join(args)})"
    if indent + lead + len(line) <= width:
        return line
    pad = " " * (indent + 4)
    return f"{head}(\n" + "".join(f"{pad}{a},\n" for a in args) + " " * indent + ")"


def scheduler_code(
    spec: TorchScheduler, optimizer: str = "opt", indent: int = 0, lead: int = 0
) -> str:
    """``spec`` as Python source (wrapped to fit after ``indent`` spaces and ``lead``
    characters).

    >>> print(scheduler_code(TorchScheduler("StepLR", {"step_size": 10, "gamma": 0.5})))
    torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    """
    args = [optimizer]
    inner = indent + 8
    for key, value in spec.kwargs.items():
        if key == "schedulers":
            parts = [scheduler_code(s, optimizer, inner) for s in value]
            value = "[" + ", ".join(parts) + "]"
            if any("\n" in part for part in parts) or len(value) + indent > 80:
                pad = " " * inner
                value = "[\n" + "".join(f"{pad}{part},\n" for part in parts) + pad[:-4] + "]"
        else:
            value = repr(value)
        args.append(f"{key}={value}")
    return call_text(f"torch.optim.lr_scheduler.{spec.cls}", args, indent, lead=lead)
