"""An experiment as a plain dict, as JSON and as URL query parameters, and back.

The plain dict is the one mechanism: JSON and links go through it. Both are untrusted input:
:func:`from_dict` checks every field on its own against the same declarations the widgets use
(``params.Param`` of the setup, the surfaces and the optimizers), keeps what is valid and replaces
the rest with its default, naming the field and the value in a warning. Nothing is ever evaluated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import models
import optimizers
import surfaces
from optimizers import schedules
from params import Param

from .experiment import (
    DEFAULT_RUNS,
    FORMULA,
    MAX_RUNS,
    NOISE,
    SEED,
    STEPS,
    TOLERANCE,
    Experiment,
    Params,
    RunConfig,
    build_surface,
    model_params,
    run_config,
    short,
)
from .experiment import (
    MODEL_DEFAULT as MODEL_FALLBACK,
)

MAX_TEXT = 200  # characters in any one query value
LEGACY_NAMES = {"custom": FORMULA}  # links written before the formula was a registered surface


def to_dict(exp: Experiment) -> dict[str, Any]:
    """The experiment as plain JSON-ready data (a model's setup under ``model``)."""
    if exp.model:
        return {
            "model": {
                "name": exp.model,
                **{k: list(v) if k == "hidden" else v for k, v in exp.model_params},
            },
            "steps": exp.steps,
            "noise": exp.noise,
            "seed": exp.seed,
            "schedule": {"name": exp.schedule, **dict(exp.schedule_params)},
            "runs": [{"optimizer": r.optimizer, **dict(r.hyperparams)} for r in exp.runs],
        }
    return {
        "surface": exp.surface,
        "surface_params": {
            k: [list(p) for p in v] if k == "bounds" else v for k, v in exp.surface_params
        },
        "start": None if exp.start is None else list(exp.start),
        "steps": exp.steps,
        "noise": exp.noise,
        "seed": exp.seed,
        "schedule": {"name": exp.schedule, **dict(exp.schedule_params)},
        "tolerance": exp.tolerance,
        "runs": [{"optimizer": r.optimizer, **dict(r.hyperparams)} for r in exp.runs],
    }


def from_dict(data: Any) -> tuple[Experiment, list[str]]:
    """Build an experiment from untrusted data, field by field; bad fields fall back to defaults.

    Returns the experiment and the warnings to show (one per value that was replaced).
    """
    warnings: list[str] = []
    if not isinstance(data, Mapping):
        return Experiment(), ["the setup is not a mapping of fields; using the default setup"]
    base = Experiment()
    if "model" in data:
        name, params = _model(data["model"], warnings)
        model_base = MODEL_FALLBACK
        exp = Experiment(
            model=name,
            model_params=params,
            steps=_number(data, STEPS, model_base.steps, warnings),
            noise=_number(data, NOISE, base.noise, warnings),
            seed=_number(data, SEED, base.seed, warnings),
            runs=_runs(data.get("runs"), warnings, model_base.runs),
        )
        name, params = _schedule(data.get("schedule"), warnings)
        return replace(exp, schedule=name, schedule_params=params).canonical(), warnings
    name = data.get("surface", base.surface)
    name = LEGACY_NAMES.get(name, name) if isinstance(name, str) else name
    surface = _choice(name, surfaces.names(), "function", warnings)
    if surface is None:
        surface = base.surface
    surface_params = _surface_params(surface, data.get("surface_params", {}), warnings)
    if surface == FORMULA and not surface_params:
        surface = base.surface
    objective = build_surface(surface, surface_params)
    exp = Experiment(
        surface=surface,
        surface_params=surface_params,
        start=_start(data.get("start"), objective, warnings),
        steps=_number(data, STEPS, base.steps, warnings),
        noise=_number(data, NOISE, base.noise, warnings),
        seed=_number(data, SEED, base.seed, warnings),
        tolerance=_number(data, TOLERANCE, base.tolerance, warnings),
        runs=_runs(data.get("runs"), warnings),
    )
    name, params = _schedule(data.get("schedule"), warnings)
    return replace(exp, schedule=name, schedule_params=params), warnings


def to_json(exp: Experiment) -> str:
    return json.dumps(to_dict(exp), indent=2)


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
    if exp.model:
        query = {"m": exp.model, "steps": str(exp.steps)}
        query["run"] = [_pairs(r.optimizer, r.hyperparams) for r in exp.runs]
        if exp.model_params:
            query["mp"] = ",".join(f"{k}={_model_text(v)}" for k, v in exp.model_params)
        if exp.noise:
            query["noise"] = _exact(exp.noise)
        if exp.seed:
            query["seed"] = str(exp.seed)
        if exp.schedule != "constant":
            query["lrs"] = _pairs(exp.schedule, exp.schedule_params)
        return query
    query: dict[str, str | list[str]] = {
        "f": exp.surface,
        "steps": str(exp.steps),
        "run": [_pairs(r.optimizer, r.hyperparams) for r in exp.runs],
    }
    if exp.start is not None:
        query["x0"] = ",".join(_exact(v) for v in exp.start)
    if exp.surface == FORMULA:
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
    if (m := one("m")) is not None:
        data["model"] = {"name": m, **_parse_pairs(one("mp") or "", "model", warnings)}
    if (f := one("f")) is not None:
        data["surface"] = LEGACY_NAMES.get(f, f)
    if data.get("surface") == FORMULA:
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


def grouped(warnings: list[str], limit: int = 8) -> list[str]:
    """The warnings once each, in order, at most ``limit`` of them: the last line says how many
    more there were (a hostile link cannot fill the page with boxes).

    >>> grouped(["a", "b", "a", "c", "d"], limit=2)
    ['a', 'b', 'and 2 more']
    """
    unique = list(dict.fromkeys(warnings))
    if len(unique) <= limit:
        return unique
    return [*unique[:limit], f"and {len(unique) - limit} more"]


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


def _number(data: Mapping[str, Any], spec: Param, default: Any, warnings: list[str]) -> Any:
    """Field ``spec.name`` of ``data`` checked by its declaration; the default, with a warning
    naming the field, its range and the value, when it is refused."""
    if spec.name not in data:
        return default
    raw = data[spec.name]
    try:
        value = _float(raw) if spec.kind is not bool else raw
        return spec.validate(value)
    except (ValueError, OverflowError):
        kind = "a whole number" if spec.kind is int else "a number"
        warnings.append(
            f"{spec.name} must be {kind} in {spec.interval()}; got {_show(raw)}, "
            f"using {short(default)}"
        )
        return default


def formula_params(text: str, bounds: Any = None) -> Params:
    """Validated parameters of a formula surface; ``FormulaError``/``ValueError`` when refused."""
    built = surfaces.get(FORMULA, text=text, bounds=bounds)
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
    if surface == FORMULA:
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


def _model_text(value: Any) -> str:
    """A model parameter in a link: hidden widths as ``16x16``, numbers exactly."""
    if isinstance(value, tuple | list):
        return "x".join(str(v) for v in value) or "none"
    return value if isinstance(value, str) else _exact(value)


def _model(raw: Any, warnings: list[str]) -> tuple[str, Params]:
    """A model's name and parameters from untrusted data, each parameter checked on its own by
    the model's registry (its declared range or choices); a refused one is named in a warning
    and left at its default."""
    fallback = MODEL_FALLBACK
    if not isinstance(raw, Mapping):
        warnings.append(f"model {_show(raw)} is not a mapping of fields; using the default model")
        return fallback.model, fallback.model_params
    name = _choice(raw.get("name"), models.names(), "model", warnings)
    if name is None:
        return fallback.model, fallback.model_params
    specs = {p.name: p for p in models.parameters(name)}
    defaults = models.defaults(name)
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "name":
            continue
        if key not in defaults:
            warnings.append(f"model {name!r} has no parameter {_show(key)}; ignored")
            continue
        try:
            typed = _model_value(key, value, specs.get(key))
            models.get(name, **{**kept, key: typed})
        except (ValueError, TypeError, OverflowError) as err:
            warnings.append(f"{name}: {_why(err)}; using {_show(defaults[key])}")
            continue
        kept[key] = typed
    try:
        models.get(name, **kept)  # together (a batch larger than the training set, say)
    except (ValueError, TypeError) as err:
        warnings.append(f"{name}: {_why(err)}; using its full batch")
        kept.pop("batch_size", None)
    return name, model_params(name, kept)


def _model_value(key: str, value: Any, spec: Param | None) -> Any:
    if key == "hidden":
        if isinstance(value, str):
            text = value.strip().lower()
            parts = [] if text in ("", "none") else text.replace(",", "x").split("x")
            return tuple(int(_float(p)) if _float(p).is_integer() else _float(p) for p in parts)
        if isinstance(value, list | tuple):
            return tuple(int(v) if isinstance(v, float) and v.is_integer() else v for v in value)
        return value
    if key == "batch_size" and (value is None or value in ("full", "none", "")):
        return None
    if spec is None:  # a choice: dataset, activation, loss
        return value if not isinstance(value, str) else value[:40]
    number = _float(value)
    return int(number) if spec.kind is int and number.is_integer() else number


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
        window = " × ".join(f"[{short(lo)}, {short(hi)}]" for lo, hi in objective.bounds)
        warnings.append(
            f"start must be {objective.dim} number(s) inside {window}; got "
            f"{_show(raw)}, using the function's default start"
        )
        return None
    return None if point == tuple(objective.start) else point


def _runs(
    raw: Any, warnings: list[str], default: tuple[RunConfig, ...] = DEFAULT_RUNS
) -> tuple[RunConfig, ...]:
    if raw is None:
        return default
    if not isinstance(raw, list | tuple) or not raw:
        warnings.append("no valid runs given; using the default runs")
        return default
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
            config = run_config(name, **kept)
            config.build()
        except ValueError as err:
            warnings.append(f"{name}: {err}; using its defaults")
            config = run_config(name, **({"lr": kept["lr"]} if "lr" in kept else {}))
        configs.append(config)
    return tuple(configs) or default


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
