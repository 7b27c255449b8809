"""Our optimizers and schedules as ``torch.optim`` classes and keyword arguments: the one table
that the code export (:mod:`lab.export`) and the live torch tests
(tests/optimizers/test_torch_live.py) read. No torch import: classes are named by their text.

Adding an optimizer that torch has is one entry in :data:`OPTIMIZERS`; one torch lacks (Lion,
AdaBelief) is a class written out in :mod:`lab.torch_extra` and an entry there. A schedule is
one entry in :data:`SCHEDULERS`. torch's ``LBFGS`` takes a closure in ``step``, which the
exported loop always passes (:func:`lab.export._loop`); ``Muon`` takes matrices only, so an
exported function race hands it the point as a 1 × d matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from optimizers import schedules


class TorchOptimizer(NamedTuple):
    """How one of our optimizers is a ``torch.optim`` class.

    ``pairs``: torch keywords that take a tuple of two of ours (``betas=(beta1, beta2)``).
    ``beyond``: our switches torch's class has no keyword for, each with the value that is
    torch's behaviour; another value is a variant torch lacks. ``coupled``: the class to use
    when our ``decoupled_weight_decay`` is off where torch's class is always decoupled (AdamW).
    ``convert``: torch's keywords from ours where they are not one-to-one (L-BFGS's switch is
    torch's ``line_search_fn``; Muon's three coefficients are one tuple).
    """

    cls: str
    pairs: Mapping[str, tuple[str, str]] = {}
    beyond: Mapping[str, Any] = {}
    coupled: str | None = None
    convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def _lbfgs(kw: dict[str, Any]) -> dict[str, Any]:
    kw["line_search_fn"] = "strong_wolfe" if kw.pop("line_search") else None
    return kw


def _muon(kw: dict[str, Any]) -> dict[str, Any]:
    """torch's Muon keywords, in its signature's order."""
    return {
        **{k: kw[k] for k in ("lr", "weight_decay", "momentum", "nesterov")},
        "ns_coefficients": (kw["ns_a"], kw["ns_b"], kw["ns_c"]),
        "eps": kw["eps"],
        "ns_steps": kw["ns_steps"],
        "adjust_lr_fn": "match_rms_adamw" if kw["match_rms_adamw"] else "original",
    }


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
    "lbfgs": TorchOptimizer("LBFGS", convert=_lbfgs),
    "muon": TorchOptimizer("Muon", convert=_muon),
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
    if spec.convert is not None:
        kwargs = spec.convert(kwargs)
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


Params = dict[str, Any]
S = TorchScheduler


def _one_cycle(linear: bool, three_phase: bool) -> Callable[[Params, float, int], S]:
    def call(p: Params, lr: float, n: int) -> S:
        return S(
            "OneCycleLR",
            {
                "max_lr": lr,
                "total_steps": n,
                "pct_start": p["pct_start"],
                "anneal_strategy": "linear" if linear else "cos",
                "cycle_momentum": False,
                "div_factor": p["div_factor"],
                "final_div_factor": p["final_div_factor"],
                "three_phase": three_phase,
            },
        )

    return call


def _cyclic(mode: str) -> Callable[[Params, float, int], S]:
    def call(p: Params, lr: float, n: int) -> S:
        return S(
            "CyclicLR",
            {
                "base_lr": p["base_factor"] * lr,
                "max_lr": lr,
                "step_size_up": p["step_size_up"],
                "step_size_down": p["step_size_down"],
                "mode": mode,
                "gamma": p.get("gamma", 1.0),
                "cycle_momentum": False,
            },
        )

    return call


def _plateau(mode: str) -> Callable[[Params, float, int], S]:
    keys = ("factor", "patience", "threshold", "cooldown", "min_lr", "eps")
    return lambda p, lr, n: S(
        "ReduceLROnPlateau", {"mode": "min", **{k: p[k] for k in keys}, "threshold_mode": mode}
    )


def _cosine(t_max: int, min_factor: float, lr: float) -> S:
    return S("CosineAnnealingLR", {"T_max": t_max, "eta_min": min_factor * lr})


def _warmup_cosine(p: Params, lr: float, n: int) -> S:
    m = p["warmup_steps"]
    warm = S("LinearLR", {"start_factor": p["start_factor"], "end_factor": 1.0, "total_iters": m})
    cos = _cosine(max(n - m, 1), p["min_factor"], lr)
    return S("SequentialLR", {"schedulers": [warm, cos], "milestones": [m]})


# our schedule -> torch's scheduler, given the schedule's parameters p (step counts as ints),
# the optimizer's base lr and the run's steps n; one entry per schedule (None: constant)
SCHEDULERS: dict[str, Callable[[Params, float, int], S] | None] = {
    "constant": None,
    "step": lambda p, lr, n: S("StepLR", {"step_size": p["step_size"], "gamma": p["gamma"]}),
    "exponential": lambda p, lr, n: S("ExponentialLR", {"gamma": p["gamma"]}),
    "cosine": lambda p, lr, n: _cosine(max(n, 1), p["min_factor"], lr),
    "warmup": lambda p, lr, n: S(  # min(1, (k + 1)/w)
        "LinearLR",
        {
            "start_factor": 1 / p["warmup_steps"],
            "end_factor": 1.0,
            "total_iters": p["warmup_steps"] - 1,
        },
    ),
    "inverse_time": lambda p, lr, n: S("LambdaLR", {"lr_lambda": InverseTime(p["decay"])}),
    "onecycle": _one_cycle(linear=False, three_phase=False),
    "onecycle_linear": _one_cycle(linear=True, three_phase=False),
    "onecycle_three_phase": _one_cycle(linear=False, three_phase=True),
    "onecycle_linear_three_phase": _one_cycle(linear=True, three_phase=True),
    "cyclic": _cyclic("triangular"),
    "cyclic_triangular2": _cyclic("triangular2"),
    "cyclic_exp_range": _cyclic("exp_range"),
    "cosine_warm_restarts": lambda p, lr, n: S(
        "CosineAnnealingWarmRestarts",
        {"T_0": p["T_0"], "T_mult": p["T_mult"], "eta_min": p["min_factor"] * lr},
    ),
    "polynomial": lambda p, lr, n: S(
        "PolynomialLR", {"total_iters": p["total_iters"], "power": p["power"]}
    ),
    "linear": lambda p, lr, n: S(
        "LinearLR", {k: p[k] for k in ("start_factor", "end_factor", "total_iters")}
    ),
    "warmup_cosine": _warmup_cosine,
    "plateau": _plateau("rel"),
    "plateau_abs": _plateau("abs"),
}


def scheduler_call(schedule: schedules.Schedule, lr: float, steps: int) -> TorchScheduler | None:
    """torch's scheduler for ``schedule`` on an optimizer of base learning rate ``lr`` over a run
    of ``steps`` steps (None: a constant learning rate). Floors that torch takes as learning
    rates are our fractions times ``lr``; lengths of training are the run's steps.

    >>> scheduler_call(schedules.get("step", step_size=10, gamma=0.5), 0.1, 100)
    TorchScheduler(cls='StepLR', kwargs={'step_size': 10, 'gamma': 0.5})
    """
    if schedule.name not in SCHEDULERS:  # a new schedule needs its entry
        raise KeyError(f"no torch scheduler for schedule {schedule.name!r}: add it to SCHEDULERS")
    call = SCHEDULERS[schedule.name]
    p = {k: int(v) if k in schedules.WHOLE else v for k, v in schedule.params}
    return None if call is None else call(p, lr, steps)


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
