"""Registry tests: names, errors for bad names and parameters, registration, purity."""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import math
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import surfaces

NAMES = surfaces.names()
WRITTEN = [n for n in NAMES if n != "formula"]  # hand-written f/f_grad pairs; a formula compiles
ROOT = Path(surfaces.__file__).resolve().parent.parent


def test_display_order_2d_then_1d_then_stochastic_then_your_formula():
    assert NAMES[-1] == "formula"
    kinds = [(surfaces.get(n).stochastic, surfaces.get(n).dim == 1) for n in NAMES[:-1]]
    # deterministic 2-D (False, False) < 1-D (False, True) < stochastic (True, False)
    order = [{(False, False): 0, (False, True): 1, (True, False): 2}[k] for k in kinds]
    assert order == sorted(order)
    assert NAMES[:5] == ["quadratic", "ravine", "booth", "matyas", "rosenbrock"]


def test_names_cover_the_required_surfaces():
    required = {
        "quadratic",
        "ravine",
        "rosenbrock",
        "beale",
        "himmelblau",
        "booth",
        "matyas",
        "three_hump_camel",
        "six_hump_camel",
        "goldstein_price",
        "rastrigin",
        "ackley",
        "styblinski_tang",
        "saddle",
        "monkey_saddle",
        "parabola",
        "slope",
        "double_well",
        "least_squares",
    }
    assert required <= set(NAMES)
    assert len(NAMES) == len(set(NAMES))


def test_names_filters():
    assert surfaces.names(dim=1) == ["parabola", "slope", "double_well"]
    assert surfaces.names(dim=2) == [n for n in NAMES if n not in surfaces.names(dim=1)]
    assert surfaces.names(stochastic=True) == ["least_squares"]
    assert surfaces.names(stochastic=False) == [n for n in NAMES if n != "least_squares"]
    assert surfaces.names(dim=1, stochastic=True) == []
    assert surfaces.names() is not surfaces.names()  # a fresh list each call


@pytest.mark.parametrize("dim", [0, 3, "2"])
def test_names_bad_dim(dim):
    with pytest.raises(ValueError, match="dim must be 1, 2 or None"):
        surfaces.names(dim=dim)


@pytest.mark.parametrize("name", NAMES)
def test_name_attribute_matches_registry_key(name):
    assert surfaces.get(name).name == name


@pytest.mark.parametrize("bad", ["rosenbrok", "", "Rosenbrock", None, 3])
def test_unknown_name_lists_choices(bad):
    with pytest.raises(KeyError) as err:
        surfaces.get(bad)
    msg = str(err.value)
    assert f"unknown surface {bad!r}" in msg
    assert "choose from: " + ", ".join(sorted(NAMES)) in msg


BAD_PARAMS = [
    ("ravine", "kappa", 0),
    ("ravine", "kappa", 0.5),
    ("ravine", "kappa", -1),
    ("ravine", "kappa", math.nan),
    ("ravine", "kappa", math.inf),
    ("ravine", "kappa", np.float64("nan")),
    ("ravine", "kappa", "10"),
    ("ravine", "kappa", True),
    ("ravine", "kappa", None),
    ("least_squares", "batch_size", 0),
    ("least_squares", "batch_size", 201),
    ("least_squares", "batch_size", 2.5),
    ("least_squares", "batch_size", -3),
    ("least_squares", "n_samples", 1),
    ("least_squares", "n_samples", 1_000_000),
    ("least_squares", "n_samples", math.nan),
    ("least_squares", "noise", -0.1),
    ("least_squares", "noise", math.inf),
    ("least_squares", "data_seed", -1),
    ("least_squares", "data_seed", 0.5),
]


@pytest.mark.parametrize(("name", "param", "value"), BAD_PARAMS)
def test_bad_params_raise_value_error_naming_param_and_value(name, param, value):
    with pytest.raises(ValueError) as err:
        surfaces.get(name, **{param: value})
    msg = str(err.value)
    assert msg.startswith(f"{param} must be")
    assert " in [" in msg  # the valid range
    shown = f"{value:g}" if isinstance(value, float) else repr(value)  # 1e6 as typed: 1000000
    assert msg.endswith(f"got {shown}")


@pytest.mark.parametrize(
    ("name", "param", "value", "message"),
    [
        ("ravine", "kappa", np.array([1.0, 2.0]), "kappa must be a single number in [1, 1e+06]"),
        ("ravine", "kappa", [[3.0]], "kappa must be a single number in [1, 1e+06]"),
        ("least_squares", "noise", np.ones(2), "noise must be a single number in [0, 100]"),
        ("least_squares", "n_samples", [5, 6], "n_samples must be a whole number in [2, 100000]"),
    ],
)
def test_an_array_where_one_number_belongs_is_refused_naming_its_shape(name, param, value, message):
    with pytest.raises(ValueError) as err:
        surfaces.get(name, **{param: value})
    assert str(err.value) == f"{message}; got an array of shape {np.shape(value)}"


@pytest.mark.parametrize(
    ("param", "value", "shown"),
    [("kappa", 10**400, "1e+400"), ("kappa", -(10**400), "-1e+400"), ("kappa", 10**20, "1e+20")],
)
def test_a_huge_python_int_is_shown_in_float_notation(param, value, shown):
    with pytest.raises(ValueError) as err:
        surfaces.get("ravine", **{param: value})
    assert str(err.value) == f"{param} must be in [1, 1e+06]; got {shown}"


@given(kappa=st.text(max_size=5) | st.none() | st.booleans() | st.lists(st.text(), min_size=1))
def test_anything_but_a_number_for_kappa_is_a_value_error_naming_it(kappa):
    with pytest.raises(ValueError) as err:
        surfaces.get("ravine", kappa=kappa)
    assert str(err.value).startswith("kappa must be a number in [1, 1e+06]; got ")


@pytest.mark.parametrize("bad", [123, None, ["ravine"], {"a": 1}, 2.5])
def test_any_unknown_name_is_a_key_error_listing_choices_everywhere(bad):
    choices = "choose from: " + ", ".join(sorted(NAMES))
    for lookup in (surfaces.get, surfaces.defaults, surfaces.parameters):
        with pytest.raises(KeyError) as err:
            lookup(bad)
        assert f"unknown surface {bad!r}; {choices}" in str(err.value)


@pytest.mark.parametrize("x", ["x", ["a", "b"], [10**400, 1], {"x": 1}, object()])
def test_points_that_are_not_numbers_are_named(x):
    s = surfaces.get("rosenbrock")
    for method in (s.f, s.grad):
        with pytest.raises(ValueError) as err:
            method(x)
        assert str(err.value).startswith(
            "rosenbrock: x must be an array of numbers of shape (..., 2); got "
        )


def test_batch_size_checked_against_n_samples():
    with pytest.raises(ValueError, match=r"batch_size must be a whole number in \[1, 10\]; got 11"):
        surfaces.get("least_squares", n_samples=10, batch_size=11)


GOOD_PARAMS = [
    ("ravine", {"kappa": 1}, {"kappa": 1.0}),
    ("ravine", {"kappa": 50}, {"kappa": 50.0}),
    ("ravine", {"kappa": np.float64(1e6)}, {"kappa": 1e6}),
    ("ravine", {}, {"kappa": 10.0}),
    (
        "least_squares",
        {"n_samples": 5},
        {"n_samples": 5, "batch_size": 5, "noise": 0.5, "data_seed": 0},
    ),
    (
        "least_squares",
        {"batch_size": None},
        {"n_samples": 200, "batch_size": 8, "noise": 0.5, "data_seed": 0},
    ),
    (
        "least_squares",
        {},
        {"n_samples": 200, "batch_size": 8, "noise": 0.5, "data_seed": 0},
    ),
    (
        "least_squares",
        {"n_samples": 10, "batch_size": 10.0, "noise": 0, "data_seed": np.int64(7)},
        {"n_samples": 10, "batch_size": 10, "noise": 0.0, "data_seed": 7},
    ),
]


@pytest.mark.parametrize(("name", "given", "expected"), GOOD_PARAMS)
def test_good_params(name, given, expected):
    s = surfaces.get(name, **given)
    assert s.params == expected
    assert all(type(v) is type(expected[k]) for k, v in s.params.items())


def test_params_change_the_function():
    x = np.array([1.0, 1.0])
    assert surfaces.get("ravine", kappa=50).f(x) == 25.5
    np.testing.assert_array_equal(surfaces.get("ravine", kappa=50).grad(x), [1.0, 50.0])
    assert surfaces.get("ravine", kappa=50) != surfaces.get("ravine")
    assert "50" in surfaces.get("ravine", kappa=50).formula


@pytest.mark.parametrize(("name", "param"), [("rosenbrock", "kappa"), ("ravine", "kapa")])
def test_unknown_parameter_raises_type_error_naming_it(name, param):
    with pytest.raises(
        TypeError,
        match=rf"surface '{name}' got unexpected parameter\(s\) "
        rf"'{param}'; valid: ",
    ):
        surfaces.get(name, **{param: 3})


def _function_pairs():
    """Every public f / f_grad pair defined in a module of the surfaces package."""
    pairs = []
    for info in pkgutil.iter_modules(surfaces.__path__):
        module = importlib.import_module(f"surfaces.{info.name}")
        funcs = {
            n: f
            for n, f in inspect.getmembers(module, inspect.isfunction)
            if f.__module__ == module.__name__ and not n.startswith("_")
        }
        pairs += [(f, funcs[n + "_grad"]) for n, f in funcs.items() if n + "_grad" in funcs]
    return pairs


def _unwrap(fn):
    return fn.func if isinstance(fn, functools.partial) else fn


def test_every_surface_function_pair_is_registered():
    """Fails when a new surface function pair is written but not added to the registry."""
    registered = {(_unwrap(surfaces.get(n).fun), _unwrap(surfaces.get(n).jac)) for n in WRITTEN}
    pairs = _function_pairs()
    assert len(pairs) >= len(WRITTEN)
    missing = [f"{f.__module__}.{f.__name__}" for f, g in pairs if (f, g) not in registered]
    assert not missing, f"surface functions not in surfaces/registry.py: {missing}"


@pytest.mark.parametrize("name", WRITTEN)
def test_registered_fun_and_jac_are_a_pair(name):
    s = surfaces.get(name)
    fun, jac = _unwrap(s.fun), _unwrap(s.jac)
    assert jac.__name__ == fun.__name__ + "_grad"
    assert jac.__module__ == fun.__module__
    assert fun.__doc__
    assert jac.__doc__


def test_import_pulls_in_numpy_only():
    """`import surfaces` in a fresh interpreter adds no third-party module but numpy."""
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import surfaces\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(json.dumps(sorted(new - set(sys.stdlib_module_names))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    added = set(json.loads(out))
    assert not added & {"streamlit", "pandas", "altair", "scipy", "matplotlib"}
    assert added <= {"numpy", "params", "surfaces"}, added
