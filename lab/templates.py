"""Chart specs built once per shape of setup, then filled with each setup's data.

Building a chart with Altair costs 0.1 to 0.5 s of CPU (schema copies and checks), while the
spec it makes depends on a setup mostly through its data. :func:`spec` calls a chart builder
through a process-wide cache of templates:

- **DataFrame arguments are the data.** They become named datasets, swapped for each setup.
- **Run labels and colours** (of a :class:`~lab.run_style.RunStyle` argument) vary between
  setups of one shape (``Adam lr=0.01``; a swapped optimizer's colour): they are built as
  placeholders (labels all as long as :func:`lab.charts.label_chars`, from which legends are
  sized) and written in afterwards. They may appear in the spec only as whole strings (a
  scale's domain or range, a select's options), never inside an expression.
- **A whole number wrapped in** :class:`Hole` (the race's last step) likewise: it may appear
  only as a whole value (a param's value, a slider's end), never inside an expression or in
  arithmetic done by the builder.
- **Every other argument is the shape**, the template's key: the surface, the colours, the
  number of steps. It must be hashable.

A builder is template-safe when the spec depends on its DataFrames only through the datasets:
whatever it reads from the data to make decisions (an axis domain, a filter) must come in as an
argument instead. ``tests/lab/test_templates.py`` checks every templated builder by filling one
setup's template with another's data and comparing with a fresh build.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd

from . import charts
from .run_style import RunStyle

MAX_TEMPLATES = 256  # a map's template is about 15 KB

_MARK = "\ue000"  # private-use characters: no label or spec text holds them
_PAD = "\ue001"


class Hole(NamedTuple):
    """A whole number that varies between setups of one shape (see the module docstring)."""

    value: int


_NUMBER = 2**52 + 7919  # a hole's stand-in: exact as a float, and no step count a page allows


class _Template(NamedTuple):
    spec: dict  # without datasets
    frames: dict[str, int]  # dataset name -> index of the DataFrame argument it holds
    constants: dict[str, pd.DataFrame]  # datasets made from the shape alone


_CACHE: OrderedDict[tuple, _Template] = OrderedDict()
_LOCK = threading.Lock()
_STATS = {"hits": 0, "misses": 0}


def spec(builder: Callable[..., Any], *args: Any) -> dict:
    """``charts.to_spec(builder(*args))``, built once per shape (see the module docstring).

    Args:
        builder: a pure function returning an Altair chart.
        args: its arguments: DataFrames (the data), run styles (whose labels and colours are
            replaced by placeholders before building, then written back) and hashable values
            (the shape).

    Raises:
        ValueError: if the built spec holds a label or colour inside a longer string (an
            expression), where writing it back could not be done safely.
    """
    styles = [a for a in args if isinstance(a, RunStyle)]
    labels = [label for style in styles for label in style.labels]
    colours = [colour for style in styles for colour in style.colours]
    width = charts.label_chars(labels)
    holes: dict[str, str] = {}
    for label in labels:
        holes.setdefault(label, _placeholder(len(holes), width))
    for colour in colours:
        holes.setdefault(colour, _placeholder(len(holes), len(colour)))
    numbers = {_NUMBER + i: int(a.value) for i, a in enumerate(args) if isinstance(a, Hole)}
    shaped = tuple(
        _NUMBER + i if isinstance(a, Hole) else _swap(a, holes) for i, a in enumerate(args)
    )
    key = (
        builder.__module__,
        builder.__qualname__,
        tuple(_shape(a) for a in shaped),
    )
    with _LOCK:
        template = _CACHE.get(key)
        if template is not None:
            _CACHE.move_to_end(key)
            _STATS["hits"] += 1
    if template is None:
        template = _build(builder, shaped, set(holes.values()), set(numbers))
        with _LOCK:
            _STATS["misses"] += 1
            _CACHE[key] = template
            while len(_CACHE) > MAX_TEMPLATES:
                _CACHE.popitem(last=False)
    back = {hole: label for label, hole in holes.items()}
    filled = _fill(template.spec, back, numbers)
    filled["datasets"] = {
        **template.constants,
        **{name: args[i] for name, i in template.frames.items()},
    }
    return filled


def stats() -> dict[str, int]:
    """Template hits and misses in this process so far (for benchmarks)."""
    with _LOCK:
        return dict(_STATS, size=len(_CACHE))


def clear() -> None:
    """Forget every template (tests)."""
    with _LOCK:
        _CACHE.clear()
        _STATS.update(hits=0, misses=0)


def _placeholder(i: int, width: int) -> str:
    """A stand-in for label ``i``, ``width`` characters long where possible."""
    core = f"{_MARK}{i}{_MARK}"
    return core + _PAD * max(0, width - len(core))


def _swap(value: Any, holes: dict[str, str]) -> Any:
    """``value`` with every string found in ``holes`` replaced, through tuples, lists, dicts and
    frozen dataclasses; DataFrames are left as they are (they are the data)."""
    if not holes or isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, str):
        return holes.get(value, value)
    if isinstance(value, tuple | list):
        return type(value)(_swap(v, holes) for v in value)
    if isinstance(value, dict):
        return {k: _swap(v, holes) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _swap(getattr(value, f.name), holes)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


def _shape(value: Any) -> Any:
    """The part of an argument a template depends on: a DataFrame's columns and types, or the
    value itself (which must then be hashable)."""
    if isinstance(value, pd.DataFrame):
        return ("DataFrame", tuple(value.columns), tuple(str(t) for t in value.dtypes))
    hash(value)  # TypeError here names an argument that cannot be part of the key
    return value


def _build(
    builder: Callable[..., Any], args: tuple, holes: set[str], numbers: set[int]
) -> _Template:
    built = charts.to_spec(builder(*args))
    datasets = built.pop("datasets", {})
    by_id = {id(a): i for i, a in enumerate(args) if isinstance(a, pd.DataFrame)}
    frames = {name: by_id[id(d)] for name, d in datasets.items() if id(d) in by_id}
    constants = {name: d for name, d in datasets.items() if name not in frames}
    _check_holes(built, holes, {str(n) for n in numbers})
    return _Template(built, frames, constants)


def _check_holes(value: Any, holes: set[str], numbers: set[str]) -> None:
    """Placeholders only as whole strings, and hole numbers never inside a string."""
    if isinstance(value, str):
        if _MARK in value and value not in holes:
            raise ValueError(
                f"a run label or colour appears inside the string {value!r}: a template can "
                "only fill whole strings; pass it in the data instead"
            )
        if any(n in value for n in numbers):
            raise ValueError(
                f"a template's number appears inside the string {value!r}: a template can "
                "only fill whole values; make it a param the expression reads"
            )
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_holes(k, set(), numbers)  # a label as a key could not be written back
            _check_holes(v, holes, numbers)
    elif isinstance(value, list):
        for v in value:
            _check_holes(v, holes, numbers)


def _fill(value: Any, back: dict[str, str], numbers: dict[int, int]) -> Any:
    """A copy of the spec with placeholders written back (a fresh copy each call: callers and
    caches may hold on to it)."""
    if isinstance(value, dict):
        return {k: _fill(v, back, numbers) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, back, numbers) for v in value]
    if isinstance(value, str):
        return back.get(value, value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value in numbers:
        return numbers[value]
    return value
