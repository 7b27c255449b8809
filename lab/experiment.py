"""The setup of one comparison: what the sidebar builds, and what a link or a JSON file carries.

An :class:`Experiment` is a frozen, hashable value (it keys the result cache). It round-trips
through a plain dict, and through that through URL query parameters and JSON. Both are untrusted:
:func:`from_dict` checks every field on its own, keeps what is valid and replaces the rest with
its default, saying so in a warning. Nothing is ever evaluated.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import optimizers
import surfaces
from optimizers import schedules

MAX_RUNS = 12
MAX_STEPS = 5000
MAX_NOISE = 1e3
MAX_TEXT = 200  # characters in any one query value
CUSTOM = "custom"  # the surface of a formula the user typed (surface_params: text, bounds)
DEFAULT_FORMULA = "x^2 + 3*y^2 - x*y"

Params = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class RunConfig:
    """One optimizer configuration: its registry name and the hyperparameters set explicitly."""

    optimizer: str
    hyperparams: Params = ()

    def build(self) -> optimizers.Optimizer:
        """The optimizer; ``ValueError`` (naming the hyperparameter) when a value is invalid."""
        return optimizers.get(self.optimizer, **dict(self.hyperparams))

    def value(self, name: str) -> Any:
        """The hyperparameter's value: the explicit one, else the optimizer's default."""
        return dict(self.hyperparams).get(name, optimizers.defaults(self.optimizer)[name])

    def canonical(self) -> RunConfig:
        defaults = optimizers.defaults(self.optimizer)
        kept = {k: v for k, v in self.hyperparams if k == "lr" or v != defaults[k]}
        kept.setdefault("lr", defaults["lr"])
        return run(self.optimizer, **kept)

    @property
    def label(self) -> str:
        """A short name for legends: the optimizer and the settings that differ from default."""
        defaults = optimizers.defaults(self.optimizer)
        changed = [f"{k}={_short(v)}" for k, v in self.hyperparams if k == "lr" or v != defaults[k]]
        return " ".join([optimizers.title(self.optimizer), *changed])


def run(optimizer: str, **hyperparams: Any) -> RunConfig:
    """Shorthand: ``run("adam", lr=0.01)``, hyperparameters in the optimizer's own order."""
    order = [spec.name for spec in optimizers.hyperparams(optimizer)]
    unknown = set(hyperparams) - set(order)
    if unknown:
        raise TypeError(f"{optimizer} has no hyperparameter {sorted(unknown)[0]!r}")
    return RunConfig(optimizer, tuple((k, hyperparams[k]) for k in order if k in hyperparams))


DEFAULT_RUNS = (
    run("sgd", lr=1e-3),
    run("momentum", lr=1e-3),
    run("rmsprop", lr=1e-2),
    run("adam", lr=5e-2),
)


@dataclass(frozen=True)
class Experiment:
    """Everything that decides what the dashboard computes."""

    surface: str = "rosenbrock"
    surface_params: Params = ()
    start: tuple[float, ...] | None = None  # None: the surface's default start
    steps: int = 500
    runs: tuple[RunConfig, ...] = DEFAULT_RUNS
    noise: float = 0.0
    seed: int = 0
    schedule: str = "constant"
    schedule_params: Params = ()
    tolerance: float = 1e-3  # "reached" threshold on f − f_min for the summary

    def objective(self) -> surfaces.Surface:
        return build_surface(self.surface, self.surface_params)

    def start_point(self) -> tuple[float, ...]:
        return self.start if self.start is not None else tuple(self.objective().start)

    def lr_schedule(self) -> schedules.Schedule:
        return schedules.get(self.schedule, **dict(self.schedule_params))

    def canonical(self) -> Experiment:
        """The same setup written one way only: a default start as None, each run with its lr
        and only the hyperparameters that differ from their defaults (so equal setups compare
        equal, share a cache entry and a link)."""
        start = None if self.start == tuple(self.objective().start) else self.start
        runs = tuple(config.canonical() for config in self.runs)
        return replace(self, start=start, runs=runs)

    def labels(self) -> list[str]:
        """Legend labels, one per run, made unique with a counter where configurations repeat."""
        labels, seen = [], {}
        for config in self.runs:
            base = config.label
            seen[base] = seen.get(base, 0) + 1
            labels.append(base if seen[base] == 1 else f"{base} #{seen[base]}")
        return labels

    # --- plain-dict form (the one mechanism behind URLs and JSON) ---------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "surface": self.surface,
            "surface_params": {
                k: [list(p) for p in v] if k == "bounds" else v for k, v in self.surface_params
            },
            "start": None if self.start is None else list(self.start),
            "steps": self.steps,
            "noise": self.noise,
            "seed": self.seed,
            "schedule": {"name": self.schedule, **dict(self.schedule_params)},
            "tolerance": self.tolerance,
            "runs": [{"optimizer": r.optimizer, **dict(r.hyperparams)} for r in self.runs],
        }


def from_dict(data: Any) -> tuple[Experiment, list[str]]:
    """Build an experiment from untrusted data, field by field; bad fields fall back to defaults.

    Returns the experiment and the warnings to show (one per value that was replaced).
    """
    warnings: list[str] = []
    if not isinstance(data, Mapping):
        return Experiment(), ["the setup is not a mapping of fields; using the default setup"]
    base = Experiment()
    surface = _choice(data.get("surface", base.surface), surface_names(), "function", warnings)
    if surface is None:
        surface = base.surface
    surface_params = _surface_params(surface, data.get("surface_params", {}), warnings)
    if surface == CUSTOM and not surface_params:
        surface = base.surface
    objective = build_surface(surface, surface_params)
    exp = Experiment(
        surface=surface,
        surface_params=surface_params,
        start=_start(data.get("start"), objective, warnings),
        steps=_number(data, "steps", base.steps, 1, MAX_STEPS, warnings, integer=True),
        noise=_number(data, "noise", base.noise, 0.0, MAX_NOISE, warnings),
        seed=_number(data, "seed", base.seed, 0, 2**32 - 1, warnings, integer=True),
        tolerance=_number(data, "tolerance", base.tolerance, 1e-300, 1e300, warnings),
        runs=_runs(data.get("runs"), warnings),
    )
    name, params = _schedule(data.get("schedule"), warnings)
    return replace(exp, schedule=name, schedule_params=params), warnings


def to_json(exp: Experiment) -> str:
    return json.dumps(exp.to_dict(), indent=2)


def from_json(text: str) -> tuple[Experiment, list[str]]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError, TypeError) as err:
        return Experiment(), [f"the setup file is not valid JSON ({err}); using the default setup"]
    return from_dict(data)


# --- URL query parameters ------------------------------------------------------------------------


def to_query(exp: Experiment) -> dict[str, str | list[str]]:
    """Compact query parameters: ``f``, ``fp``, ``x0``, ``steps``, ``noise``, ``seed``, ``lrs``,
    ``tol`` and one ``run`` per optimizer, e.g. ``run=adam:lr=0.01,beta1=0.8``."""
    query: dict[str, str | list[str]] = {
        "f": exp.surface,
        "steps": str(exp.steps),
        "run": [_pairs(r.optimizer, r.hyperparams) for r in exp.runs],
    }
    if exp.start is not None:
        query["x0"] = ",".join(_exact(v) for v in exp.start)
    if exp.surface == CUSTOM:
        given = dict(exp.surface_params)
        query["expr"] = given["text"]
        query["box"] = ",".join(_exact(v) for pair in given["bounds"] for v in pair)
    elif exp.surface_params:
        query["fp"] = _pairs("", exp.surface_params)[1:]
    if exp.noise:
        query["noise"] = _exact(exp.noise)
    if exp.seed:
        query["seed"] = str(exp.seed)
    if exp.schedule != "constant":
        query["lrs"] = _pairs(exp.schedule, exp.schedule_params)
    if exp.tolerance != Experiment.tolerance:
        query["tol"] = _exact(exp.tolerance)
    return query


def from_query(query: Mapping[str, list[str]]) -> tuple[Experiment, list[str]]:
    """Parse query parameters (each key to the list of its values) into an experiment.

    Unknown keys are ignored; every value is length-limited and parsed as plain numbers and names.
    """
    warnings: list[str] = []

    def one(key: str, limit: int = MAX_TEXT) -> str | None:
        values = query.get(key) or []
        value = values[-1] if values else None
        if value is not None and len(value) > limit:
            warnings.append(f"'{key}' in the link is too long; using the default")
            return None
        return value

    data: dict[str, Any] = {}
    if (f := one("f")) is not None:
        data["surface"] = f
    if data.get("surface") == CUSTOM:
        text = one("expr", surfaces.expression.MAX_LENGTH)
        data["surface_params"] = {"text": text or "", "bounds": _split(one("box"))}
    elif (fp := one("fp")) is not None:
        data["surface_params"] = _parse_pairs(fp, "function parameters", warnings)
    if (x0 := one("x0")) is not None:
        data["start"] = x0.split(",")
    for key, name in (
        ("steps", "steps"),
        ("noise", "noise"),
        ("seed", "seed"),
        ("tol", "tolerance"),
    ):
        if (value := one(key)) is not None:
            data[name] = value
    if (lrs := one("lrs")) is not None:
        name, _, rest = lrs.partition(":")
        data["schedule"] = {"name": name, **_parse_pairs(rest, "schedule", warnings)}
    runs = [v for v in (query.get("run") or []) if isinstance(v, str)]
    if runs:
        parsed = []
        for text in runs[:MAX_RUNS]:
            if len(text) > MAX_TEXT:
                warnings.append("a run in the link is too long; it was left out")
                continue
            name, _, rest = text.partition(":")
            parsed.append({"optimizer": name, **_parse_pairs(rest, f"run {name!r}", warnings)})
        if len(runs) > MAX_RUNS:
            warnings.append(f"the link has {len(runs)} runs; only the first {MAX_RUNS} are kept")
        data["runs"] = parsed
    exp, more = from_dict(data)
    return exp, warnings + more


# --- field checks -------------------------------------------------------------------------------


def _choice(value: Any, choices: list[str], what: str, warnings: list[str]) -> str | None:
    if isinstance(value, str) and value in choices:
        return value
    warnings.append(f"unknown {what} {_show(value)}; choose from: {', '.join(choices)}")
    return None


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def _number(
    data: Mapping[str, Any],
    key: str,
    default: Any,
    low: float,
    high: float,
    warnings: list[str],
    integer: bool = False,
) -> Any:
    if key not in data:
        return default
    try:
        number = _float(data[key])
        if integer and not number.is_integer():
            raise ValueError
        if not low <= number <= high:
            raise ValueError
    except (ValueError, OverflowError):
        kind = "a whole number" if integer else "a number"
        warnings.append(
            f"{key} must be {kind} in [{_short(low)}, {_short(high)}]; got "
            f"{_show(data[key])}, using {_short(default)}"
        )
        return default
    return int(number) if integer else number


def surface_names() -> list[str]:
    """Every function a setup may name: the built-in surfaces and a typed formula."""
    return [*surfaces.names(), CUSTOM]


@functools.lru_cache(maxsize=64)
def build_surface(name: str, params: Params) -> surfaces.Surface:
    """The surface of a setup: a built-in one by name, or the user's formula.

    Memoised: surfaces are immutable values, and a rerun asks for its setup's surface a dozen
    times (a typed formula is parsed and compiled each time otherwise).
    """
    if name == CUSTOM:
        given = dict(params)
        return surfaces.from_expression(given.get("text", DEFAULT_FORMULA), given.get("bounds"))
    return surfaces.get(name, **dict(params))


def formula_params(text: str, bounds: Any = None) -> Params:
    """Validated parameters of a formula surface; ``FormulaError``/``ValueError`` when refused."""
    built = surfaces.from_expression(text, bounds)
    return (("text", built.params["text"]), ("bounds", built.params["bounds"]))


def _formula(raw: Any, warnings: list[str]) -> Params:
    try:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("text"), str):
            raise ValueError("a formula needs its text")
        bounds = raw.get("bounds")
        if bounds is not None:
            flat = [
                _float(v)
                for v in (bounds if isinstance(bounds, list | tuple) else [])
                for v in (v if isinstance(v, list | tuple) else [v])
            ]
            bounds = [tuple(flat[i : i + 2]) for i in range(0, len(flat), 2)] or None
        return formula_params(raw["text"], bounds)
    except (ValueError, TypeError, OverflowError) as err:
        warnings.append(f"formula refused ({_why(err)}); using the default function")
        return ()


def _surface_params(surface: str, raw: Any, warnings: list[str]) -> Params:
    if surface == CUSTOM:
        return _formula(raw, warnings)
    if not isinstance(raw, Mapping) or not raw:
        return ()
    try:
        params = {str(k): _float(v) for k, v in raw.items()}
        params = {k: int(v) if v.is_integer() else v for k, v in params.items()}
        built = surfaces.get(surface, **params)
    except (ValueError, TypeError, OverflowError) as err:
        warnings.append(
            f"function parameters {_show(dict(raw))} refused ({_why(err)}); using the defaults"
        )
        return ()
    return tuple((k, built.params[k]) for k in params)


def _start(raw: Any, objective: surfaces.Surface, warnings: list[str]) -> tuple[float, ...] | None:
    if raw is None:
        return None
    try:
        if not isinstance(raw, list | tuple) or len(raw) != objective.dim:
            raise ValueError
        point = tuple(_float(v) for v in raw)
        if not all(lo <= v <= hi for v, (lo, hi) in zip(point, objective.bounds, strict=True)):
            raise ValueError
    except (ValueError, OverflowError):
        window = " × ".join(f"[{_short(lo)}, {_short(hi)}]" for lo, hi in objective.bounds)
        warnings.append(
            f"start must be {objective.dim} number(s) inside {window}; got "
            f"{_show(raw)}, using the function's default start"
        )
        return None
    return None if point == tuple(objective.start) else point


def _runs(raw: Any, warnings: list[str]) -> tuple[RunConfig, ...]:
    if raw is None:
        return DEFAULT_RUNS
    if not isinstance(raw, list | tuple) or not raw:
        warnings.append("no valid runs given; using the default runs")
        return DEFAULT_RUNS
    configs = []
    for item in list(raw)[:MAX_RUNS]:
        if not isinstance(item, Mapping):
            warnings.append(f"run {_show(item)} is not a mapping; left out")
            continue
        name = _choice(item.get("optimizer"), optimizers.names(), "optimizer", warnings)
        if name is None:
            continue
        specs = {s.name: s for s in optimizers.hyperparams(name)}
        kept = {}
        for key, value in item.items():
            if key == "optimizer":
                continue
            if key not in specs:
                warnings.append(f"{name} has no hyperparameter {_show(key)}; ignored")
                continue
            try:
                kept[key] = specs[key].validate(_typed(value, specs[key].kind))
            except ValueError as err:
                warnings.append(f"{name}: {err}; using the default")
        try:
            config = run(name, **kept)
            config.build()
        except ValueError as err:
            warnings.append(f"{name}: {err}; using its defaults")
            config = run(name, **({"lr": kept["lr"]} if "lr" in kept else {}))
        configs.append(config)
    return tuple(configs) or DEFAULT_RUNS


def _schedule(raw: Any, warnings: list[str]) -> tuple[str, Params]:
    if raw is None:
        return "constant", ()
    try:
        if not isinstance(raw, Mapping):
            raise ValueError("not a mapping")
        params = {str(k): _float(v) for k, v in raw.items() if k != "name"}
        sched = schedules.get(raw.get("name"), **params)
    except (KeyError, ValueError, TypeError, OverflowError) as err:
        warnings.append(
            f"learning-rate schedule {_show(raw)} refused ({_why(err)}); "
            "using a constant learning rate"
        )
        return "constant", ()
    return sched.name, sched.params


def _typed(value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        return value  # refused by validation, with its message
    try:
        return _float(value)
    except (ValueError, OverflowError):
        return value if not isinstance(value, str) else value[:40]


def _parse_pairs(text: str, what: str, warnings: list[str]) -> dict[str, str]:
    pairs = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition("=")
        if not sep or not key:
            warnings.append(f"{what}: {_show(part)} is not name=value; ignored")
            continue
        pairs[key.strip()] = value.strip()
    return pairs


def _split(text: str | None) -> list[str] | None:
    return None if not text else text.split(",")


def _pairs(head: str, params: Params) -> str:
    body = ",".join(f"{k}={_exact(v)}" for k, v in params)
    return f"{head}:{body}" if body else head


def _short(value: Any) -> str:
    """A number as people read it in a legend (4 significant digits)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _exact(value: Any) -> str:
    """A number in the shortest text that reads back to the same float (for links)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)) if isinstance(value, float) else str(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _why(err: BaseException) -> str:
    text = str(err.args[0]) if err.args else type(err).__name__
    return text if len(text) <= 160 else text[:157] + "..."
