"""User formulas (`surfaces.from_expression`): hostile text refused, gradients exact.

Three kinds of checks:
- a table of hostile inputs, each refused quickly with a message naming the problem, while an
  audit hook, patched builtins and a sentinel file prove nothing was run;
- a table of valid formulas whose gradients are compared with hand-derived ones (1e-12);
- property-based tests (hypothesis) on random formulas: refused or built, never anything else;
  the gradient agrees with sympy's symbolic derivative and with central differences; f is
  vectorised and never warns.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import math
import pickle
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import optimizers
import surfaces
from surfaces import expression
from surfaces.expression import FormulaError, check_domain, from_expression, gradient_latex

# --- the audit hook: records every audited event (imports, exec, open, os.system ...) -------------

_RECORDERS: list[list[tuple[str, tuple[object, ...]]]] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _RECORDERS:
        _RECORDERS[-1].append((event, args))


sys.addaudithook(_audit)  # hooks cannot be removed; this one does nothing unless recording


@contextlib.contextmanager
def audited() -> Iterator[list[tuple[str, tuple[object, ...]]]]:
    events: list[tuple[str, tuple[object, ...]]] = []
    _RECORDERS.append(events)
    try:
        yield events
    finally:
        _RECORDERS.pop()


# Audit events that would mean code ran or the system was touched (PEP 578 event names).
RUNNING = ("exec", "import", "open", "builtins.input", "code.__new__", "function.__new__")
SYSTEM = ("os.", "subprocess.", "socket.", "shutil.", "ctypes.", "urllib.", "webbrowser.")


def nothing_ran(events: list[tuple[str, tuple[object, ...]]]) -> bool:
    """True when no audited event runs code or touches the system; the only compile is
    ast.parse of the formula itself (to a syntax tree, see `runners_forbidden`)."""
    for event, args in events:
        if event in RUNNING or event.startswith(SYSTEM):
            return False
        if event == "compile" and args[1] != "<formula>":
            return False
    return True


@contextlib.contextmanager
def runners_forbidden() -> Iterator[None]:
    """Within the block, eval, exec, __import__ and compile (other than to a tree) fail."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"called during from_expression: {args!r}"[:200])

    real_compile = builtins.compile

    def ast_only(source: object, filename: object, mode: object, flags: int = 0, **kw: object):
        if not flags & ast.PyCF_ONLY_AST:
            raise AssertionError(f"compile to byte code during from_expression: {source!r}")
        return real_compile(source, filename, mode, flags, **kw)  # type: ignore[call-overload]

    patched = {"eval": refuse, "exec": refuse, "__import__": refuse, "compile": ast_only}
    saved = {name: getattr(builtins, name) for name in patched}
    try:
        for name, fake in patched.items():
            setattr(builtins, name, fake)
        yield
    finally:
        for name, real in saved.items():
            setattr(builtins, name, real)


def test_the_guards_would_notice_code_running(tmp_path):
    """The checks below are not vacuous: running code is seen by the hook and by the patches."""
    for run in (lambda: eval("1"), lambda: exec("1"), lambda: __import__("json.tool")):
        with audited() as events:
            run()
        assert not nothing_ran(events)
    with audited() as events:
        (tmp_path / "f").write_text("x")  # opening a file is audited too
    assert not nothing_ran(events)
    calls = [lambda: eval("1"), lambda: exec("1"), lambda: compile("1", "<test>", "exec")]
    for call in calls:
        with runners_forbidden(), pytest.raises(AssertionError):
            call()


# --- hostile inputs -------------------------------------------------------------------------------

# (text, a regex the message must match). Every message names the problem; `column` is checked
# separately for every case where the problem has a place.
HOSTILE = [
    ("__import__('os').system('x')", r"column 1: underscores"),
    ("x.__class__", r"column 2: '\.' is only allowed inside a number"),
    ("().__class__.__bases__[0]", r"column 3: '\.'"),
    ("x[0]", r"column 2: square brackets"),
    ("lambda: 1", r"column 1: 'lambda' is a Python keyword"),
    ("[i for i in x]", r"column 1: square brackets"),
    ("{1:2}", r"column 1: braces"),
    ('f"{x}"', r"column 1: unknown name 'f'"),
    ("(y:=1)", r"column 3: ':'"),
    ("import os", r"column 1: 'import' is a Python keyword"),
    ("x; y", r"column 2: ';'"),
    ("exec('1')", r"column 1: unknown name 'exec'"),
    ("eval('1')", r"column 1: unknown name 'eval'"),
    ("open('f')", r"column 1: unknown name 'open'"),
    ("globals()", r"column 1: unknown name 'globals'"),
    ("sin(x, y)", r"column 1: sin takes 1 argument; got 2"),
    ("sin(x=1)", r"column 6: '='"),
    ("sin(*x)", r"column 5: \* unpacking"),
    ("sin(**x)", r"column 5: keyword arguments and \*\*"),
    ("z + 1", r"column 1: unknown name 'z'"),
    ("x if y else 1", r"column 3: 'if' is a Python keyword"),
    ("x < y", r"column 3: comparisons"),
    ("x and y", r"column 3: 'and' is a Python keyword"),
    ("not x", r"column 1: 'not' is a Python keyword"),
    ("x @ y", r"column 3: '@'"),
    ("x // y", r"column 3: the operator // is not allowed"),
    ("x % y", r"column 3: '%'"),
    ("~x", r"column 1: '~'"),
    ("'abc'", r"column 1: quotes"),
    ("b'x'", r"column 1: unknown name 'b'"),
    ("1j*x", r"column 2: a number directly followed by 'j'"),
    ("True + x", r"column 1: 'True' is a Python keyword"),
    ("None", r"column 1: 'None' is a Python keyword"),
    ("...", r"column 1: '\.'"),
    ("9**9**9**9", r"column 4: the constant 9\*\*9\*\*9 is infinite"),
    ("9^9^9^9 + x", r"column 3: the constant 9\^9\^9 is infinite"),
    ("(" * 600 + "x" + ")" * 600, r"1201 characters long; at most 500"),
    ("(" * 41 + "x" + ")" * 41, r"column 41: brackets are nested more than 40 deep"),
    ("x" * 10000, r"10000 characters long; at most 500"),
    ("\x00", r"column 1: the invisible or control character U\+0000"),
    ("x\u200b", r"column 2: the invisible or control character U\+200B"),
    ("x\u202e+1", r"column 2: the invisible or control character U\+202E"),
    ("х + 1", r"column 1: the non-ASCII character 'х' \(U\+0445\).*type 'x' instead"),
    ("x − 1", r"column 3: the non-ASCII character '−' \(U\+2212\).*type '-' instead"),
    ("x²", r"column 2: the non-ASCII character '²'.*type '\^2' instead"),
    ("__builtins__", r"column 1: underscores"),
    ("sin.__call__(x)", r"column 4: '\.'"),
    ("getattr(x, 'real')", r"column 1: unknown name 'getattr'"),
    ("x # hi", r"column 3: '#' \(comments\)"),
    ("x\ny", r"column 2: line breaks"),
    ("x\r\n", r"column 2: line breaks"),
    ("**".join(["x"] * 100), r"column \d+: the formula is nested more than 40 levels deep"),
    ("-" * 450 + "x", r"column 41: the formula is nested more than 40 levels deep"),
    ("1e999", r"column 1: the number 1e999 is too large"),
    ("x + 1" + "0" * 400, r"column 5: the number 1000.*… is too large"),
    ("x + 10**400", r"column 5: the constant 10\*\*400 is infinite"),
    ("x**(1/0)", r"column 5: the constant 1/0 is infinite"),
    ("log(-1)*x", r"column 1: the constant log\(-1\) is not a number"),
    ("x.real", r"column 2: '\.'"),
    ("(x, y)", r"column 1: tuples"),
    ("()", r"column 1: tuples"),
    ("sin(x)(y)", r"column 1: calling the result of an expression is not allowed"),
    ("x(2)", r"column 1: x is not a function"),
    ("sin", r"column 1: sin is a function: call it"),
    ("min(x)", r"column 1: min takes 2 arguments; got 1"),
    ("2x", r"column 2: a number directly followed by 'x': write 2\*x"),
    ("0x1F", r"column 2: a number directly followed by 'x'"),
    ("x y", r"column 3: an operator is missing"),
    ("x +", r"ends with '\+': an operand is missing"),
    ("1.2.3", r"column 4: a second '\.'"),
    ("x is y", r"column 3: 'is' is a Python keyword"),
    ("(yield x)", r"column 2: 'yield' is a Python keyword"),
    ("await x", r"column 1: 'await' is a Python keyword"),
    ("breakpoint()", r"column 1: unknown name 'breakpoint'"),
    ("sinn(x)", r"column 1: unknown name 'sinn'; did you mean sin\?"),
    ("xy", r"column 1: unknown name 'xy'; for a product write x\*y"),
    ("x\\y", r"column 2: backslashes"),
    ("`x`", r"column 1: backquotes"),
    ("", r"the formula is empty"),
    ("   ", r"the formula is empty"),
    ("pi + e", r"the formula must use x"),
]
assert len(HOSTILE) >= 30


@pytest.mark.timeout(10)  # a hang (say 9**9**9**9 computed exactly) fails here, not a slow runner
@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=[repr(t)[:40] for t, _ in HOSTILE])
def test_hostile_input_is_refused_and_nothing_runs(text, message):
    with (
        pytest.raises(FormulaError, match=message) as err,
        audited() as events,
        runners_forbidden(),
    ):
        from_expression(text)
    assert isinstance(err.value, ValueError)
    assert nothing_ran(events), events
    if "column" in message:
        assert err.value.column is not None
        assert str(err.value).startswith(f"column {err.value.column}: ")


def test_a_sentinel_file_is_never_created(tmp_path):
    sentinel = tmp_path / "sentinel"
    attempts = [
        f"__import__('os').system('touch {sentinel}')",
        f"open('{sentinel}', 'w').write('x')",
        f"[c for c in ().__class__.__base__.__subclasses__()][0]('{sentinel}')",
        f"eval(\"open('{sentinel}', 'w')\")",
        f"x + exec(\"open('{sentinel}', 'w')\")",
        f"lambda: open('{sentinel}', 'w')",
    ]
    for text in attempts:
        with pytest.raises(FormulaError), audited() as events, runners_forbidden():
            from_expression(text)
        assert nothing_ran(events), events
    assert not sentinel.exists()


# Python expressions outside the grammar, given straight to the tree validator, bypassing the
# scanner that refuses most of them first: the second gate holds on its own.
VALIDATOR_ONLY = [
    ("x.real", "attribute access"),
    ("x[0]", "subscripts"),
    ("lambda: 1", "lambda"),
    ("[i for i in x]", "comprehensions"),
    ("{i for i in x}", "comprehensions"),
    ("{i: 1 for i in x}", "comprehensions"),
    ("(i for i in x)", "generator expressions"),
    ("{1: 2}", "dicts"),
    ("{1}", "sets"),
    ("[x]", "lists"),
    ("f'{x}'", "f-strings"),
    ("(y := 1)", r"assignment expressions \(:=\)"),
    ("x if y else 1", "if/else"),
    ("x < y", "comparisons"),
    ("x and y", "and/or"),
    ("not x", "the operator not"),
    ("~x", "the operator ~"),
    ("x @ y", "the operator @"),
    ("x // y", "the operator //"),
    ("x % y", "the operator %"),
    ("x ^ y", "the operator xor"),
    ("x << y", "the operator <<"),
    ("'abc'", "strings"),
    ("b'x'", "strings"),
    ("1j * x", "complex numbers"),
    ("True + x", "True and False"),
    ("None", "None"),
    ("...", r"'\.\.\.'"),
    ("__import__('os')", "unknown name '__import__'"),
    ("open('f')", "unknown name 'open'"),
    ("x.__class__.__bases__", "attribute access"),
    ("sin.__call__(x)", "calling attribute access"),
    ("sin(x=1)", "keyword arguments"),
    ("sin(*x)", r"\* unpacking"),
    ("sin(**x)", r"keyword arguments and \*\*"),
    ("(x, y)", "tuples"),
    ("await x", "await"),
    ("(yield x)", "yield"),
    ("z", "unknown name 'z'"),
    ("sin(x)(y)", "calling the result of an expression"),
    ("1e999 * x", "the number 1e999 is too large"),
    ("2 ** 10000 * x", r"the constant 2 \*\* 10000 is infinite"),
]


@pytest.mark.parametrize(("text", "message"), VALIDATOR_ONLY)
def test_tree_validator_refuses_on_its_own(text, message):
    tree = ast.parse(text, mode="eval")  # trusted test text, parsed only
    with pytest.raises(FormulaError, match=message):
        expression._convert(tree.body, expression._Source(text), set())


def test_bad_type_is_a_type_error():
    for bad in (None, 5, b"x", ["x"]):
        with pytest.raises(TypeError, match="the formula must be a str"):
            from_expression(bad)  # type: ignore[arg-type]


@pytest.mark.timeout(10)
def test_worst_cases_within_the_limits_build_fast():
    cases = [
        "*".join(["x"] * 250)[:499],
        "+".join(["x*y"] * 125)[:499],
        "**".join(["x"] * 20),
        "sin(" * 39 + "x" + ")" * 39,
        "(" * 39 + "x" + ")**x" * 39,
        "1/(" * 39 + "x" + ")" * 39,
        "(2*x)**(2**1000)",  # an exact integer power would hang; floats do not
        "(2*x)**(2**1000)**(-1)",
        "(" * 40 + "x" + ")" * 40,
    ]
    grid = np.stack(np.meshgrid(np.linspace(-5, 5, 101), np.linspace(-5, 5, 101)), axis=-1)
    for text in cases:
        assert len(text) <= expression.MAX_LENGTH
        s = from_expression(text)
        pts = grid[..., : s.dim]
        s.f(pts)
        s.grad(pts)
        gradient_latex(s)
        check_domain(s, pts)


# --- valid formulas: gradients against hand-derived ones ------------------------------------------


def _rosenbrock_grad(x, y):
    return np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], -1)


VALID = [  # (text, dim, f, hand-derived gradient) on numpy coordinate arrays
    ("(1 - x)**2 + 100*(y - x**2)**2", 2, lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
     _rosenbrock_grad),
    ("x**4 - 3*x**2 + x", 1, lambda x: x**4 - 3 * x**2 + x, lambda x: 4 * x**3 - 6 * x + 1),
    ("x^2 + y^2", 2, lambda x, y: x**2 + y**2, lambda x, y: np.stack([2 * x, 2 * y], -1)),
    ("sin(x)*cos(y)", 2, lambda x, y: np.sin(x) * np.cos(y),
     lambda x, y: np.stack([np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)], -1)),
    ("exp(-(x**2+y**2))", 2, lambda x, y: np.exp(-(x**2 + y**2)),
     lambda x, y: np.stack([-2 * x, -2 * y], -1) * np.exp(-(x**2 + y**2))[..., None]),
    ("log(1 + x**2)", 1, lambda x: np.log(1 + x**2), lambda x: 2 * x / (1 + x**2)),
    ("sqrt(x**2 + y**2 + 1)", 2, lambda x, y: np.sqrt(x**2 + y**2 + 1),
     lambda x, y: np.stack([x, y], -1) / np.sqrt(x**2 + y**2 + 1)[..., None]),
    ("abs(x) + abs(y)", 2, lambda x, y: abs(x) + abs(y),
     lambda x, y: np.stack([np.sign(x), np.sign(y)], -1)),
    ("max(x, y)", 2, np.maximum, lambda x, y: np.stack([x > y, y > x], -1).astype(float)),
    ("min(x**2, 1)", 1, lambda x: np.minimum(x**2, 1), lambda x: np.where(x**2 < 1, 2 * x, 0.0)),
    ("tanh(x)", 1, np.tanh, lambda x: 1 / np.cosh(x) ** 2),
    ("arctan(y/x)", 2, lambda x, y: np.arctan(y / x),
     lambda x, y: np.stack([-y, x], -1) / (x**2 + y**2)[..., None]),
    ("pi*x", 1, lambda x: np.pi * x, lambda x: np.full_like(x, np.pi)),
    ("e**x", 1, np.exp, np.exp),
    ("e^x * y", 2, lambda x, y: np.exp(x) * y,
     lambda x, y: np.stack([np.exp(x) * y, np.exp(x)], -1)),
    ("tan(x) + sinh(y) - cosh(x*y)", 2, lambda x, y: np.tan(x) + np.sinh(y) - np.cosh(x * y),
     lambda x, y: np.stack([1 / np.cos(x) ** 2 - y * np.sinh(x * y),
                            np.cosh(y) - x * np.sinh(x * y)], -1)),
    ("x**y", 2, lambda x, y: x**y, lambda x, y: np.stack([y * x ** (y - 1), x**y * np.log(x)], -1)),
    ("2**x / x", 1, lambda x: 2**x / x, lambda x: 2**x * (np.log(2) * x - 1) / x**2),
    ("-x^-2 + 1.5e-3*y", 2, lambda x, y: -(x**-2.0) + 1.5e-3 * y,
     lambda x, y: np.stack([2 * x**-3.0, np.full_like(y, 1.5e-3)], -1)),
    ("x*x*x*y*2*3", 2, lambda x, y: 6 * x**3 * y,
     lambda x, y: np.stack([18 * x**2 * y, 6 * x**3], -1)),
]  # fmt: skip


def _random_points(dim: int, n: int = 200, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 4.9, size=(n, dim)) * np.array([1, -1][:dim])


@pytest.mark.parametrize(("text", "dim", "f", "grad"), VALID, ids=[v[0] for v in VALID])
def test_valid_formula_matches_hand_derived_gradient(text, dim, f, grad):
    s = from_expression(text)
    assert s.dim == dim
    pts = _random_points(dim)
    cols = [pts[:, i] for i in range(dim)]
    np.testing.assert_allclose(s.f(pts), f(*cols), rtol=1e-12, atol=1e-12)
    expected = np.reshape(grad(*cols), (len(pts), dim))  # 1-D hand gradients are scalars
    np.testing.assert_allclose(s.grad(pts), expected, rtol=1e-12, atol=1e-12)


def test_rosenbrock_typed_equals_the_built_in_one():
    typed = from_expression("(1 - x)^2 + 100*(y - x^2)^2", bounds=((-2, 2), (-1, 3)))
    built_in = surfaces.get("rosenbrock")
    pts = np.random.default_rng(1).uniform(-2, 2, size=(500, 2))
    np.testing.assert_allclose(typed.f(pts), built_in.f(pts), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(typed.grad(pts), built_in.grad(pts), rtol=1e-12, atol=1e-10)


def test_usable_wherever_a_built_in_surface_is():
    """optimizers.run on the typed Rosenbrock follows the built-in one step for step."""
    typed = from_expression("(1 - x)^2 + 100*(y - x^2)^2")
    built_in = surfaces.get("rosenbrock")
    opt = optimizers.get("adam", lr=0.01)
    a = optimizers.run(opt, typed, built_in.start, 200)
    b = optimizers.run(opt, built_in, built_in.start, 200)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-9, atol=1e-12)


def test_kink_conventions():
    """abs'(0) = sign(0) = 0; min and max split the derivative evenly on a tie."""
    np.testing.assert_array_equal(from_expression("abs(x)").grad([[0.0], [2.0], [-2.0]]),
                                  [[0.0], [1.0], [-1.0]])  # fmt: skip
    np.testing.assert_array_equal(from_expression("max(x, y)").grad([1.0, 1.0]), [0.5, 0.5])
    np.testing.assert_array_equal(from_expression("min(x, y)").grad([1.0, 1.0]), [0.5, 0.5])
    np.testing.assert_array_equal(from_expression("max(x, -x)").grad([0.0]), [0.0])
    np.testing.assert_array_equal(from_expression("min(2*x, y)").grad([1.0, 3.0]), [2.0, 0.0])
    np.testing.assert_array_equal(from_expression("x^0").grad([0.0]), [0.0])  # not 0 * inf


# --- the Surface ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["x/(0*y)", "0*x/(0*y)", "x*0", "(0*x)^0.5", "0^x", "x^0", "1/(x-x)", "0/(2*x)"]
)
def test_degenerate_formulas_are_built_and_contained(text):
    s = from_expression(text)
    pts = _random_points(s.dim, n=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert s.f(pts).shape == (5,)
        assert s.grad(pts).shape == (5, s.dim)
    assert all(isinstance(t, str) for t in gradient_latex(s))


def test_surface_metadata():
    s = from_expression("x^2 + 3*y")
    assert isinstance(s, surfaces.Surface)
    assert (s.name, s.title, s.dim) == ("formula", "Your formula", 2)
    assert s == surfaces.get("formula", text="x^2 + 3*y")
    assert s.bounds == ((-5.0, 5.0), (-5.0, 5.0))
    assert s.start == (1.0, 1.0)  # 60% along each axis, off the centre
    assert s.global_minima.shape == s.minima.shape == (0, 2)
    assert s.f_min is None
    assert s.log_scale is False
    assert not s.stochastic
    assert s.axis_names == ("x", "y")
    assert s.formula == "f(x, y) = x^{2} + 3 y"
    assert s.params == {"text": "x^2+3*y", "bounds": ((-5.0, 5.0), (-5.0, 5.0))}
    assert s.lesson.endswith(".")
    one = from_expression("x^2")
    assert (one.dim, one.bounds, one.start, one.formula) == (
        1,
        ((-5.0, 5.0),),
        (1.0,),
        "f(x) = x^{2}",
    )
    assert from_expression("y^2").dim == 2  # y alone still means a function of (x, y)


@pytest.mark.parametrize("text", ["x^4 - 3*x^2 + x", "sin(x)*y + max(x, y)"])
def test_shapes_purity_and_fresh_outputs_like_every_surface(text):
    s = from_expression(text)
    pts = _random_points(s.dim, n=24).reshape(2, 3, 4, s.dim)
    before = pts.copy()
    pts.flags.writeable = False
    f, g = s.f(pts), s.grad(pts)
    assert f.shape == (2, 3, 4)
    assert g.shape == (2, 3, 4, s.dim)
    np.testing.assert_array_equal(pts, before)
    for out in (f, g):
        assert out.flags.writeable
        assert not np.shares_memory(out, pts)
    assert np.shape(s.f(s.start)) == ()
    assert np.shape(s.grad(list(s.start))) == (s.dim,)
    assert s.f(np.ones(s.dim, dtype=int)) == s.f(np.ones(s.dim))
    np.testing.assert_array_equal(s.minibatch_grad(pts, np.random.default_rng(0)), g)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., \d\)"):
        s.f(np.zeros((4, 3)))
    identity = from_expression("x")  # f is the coordinate itself: still a fresh array
    x = np.array([[1.0], [2.0]])
    assert not np.shares_memory(identity.f(x), x)


def test_equal_formulas_give_equal_surfaces_and_round_trip():
    a = from_expression("x^2 + (y)")
    b = from_expression("x ** 2+y")
    assert a == b
    assert hash(a) == hash(b)
    assert a.params["text"] == "x^2+y"
    assert from_expression(a.params["text"], bounds=a.params["bounds"]) == a
    assert a != from_expression("x^2 + y", bounds=(-1, 1))  # the window is part of the surface
    assert a != from_expression("x^2 - y")
    copy = pickle.loads(pickle.dumps(a))
    assert copy == a
    pts = _random_points(2, n=10)
    np.testing.assert_array_equal(copy.f(pts), a.f(pts))
    np.testing.assert_array_equal(copy.grad(pts), a.grad(pts))


def test_bounds():
    assert from_expression("x", bounds=(-2, 3)).bounds == ((-2.0, 3.0),)
    assert from_expression("x*y", bounds=(-2, 3)).bounds == ((-2.0, 3.0), (-2.0, 3.0))
    s = from_expression("x*y", bounds=[[0, 1], [-4, -3]])
    assert s.bounds == ((0.0, 1.0), (-4.0, -3.0))
    assert s.start == (0.6, -3.4)


@pytest.mark.parametrize(
    "bounds",
    [(1, 1), (2, -2), (0, math.inf), (math.nan, 1), ((-1, 1),) * 3, "ab", (-1e10, 0), [[0, 1]],
     ((0, 1), (1, 0)), (None, 1)],
)  # fmt: skip
def test_bad_bounds(bounds):
    with pytest.raises(ValueError, match=r"bounds must be \(low, high\) or 2 such pair"):
        from_expression("x*y", bounds=bounds)


def test_start_avoids_undefined_points():
    s = from_expression("sqrt(-x)")  # defined only for x <= 0: 60% along is x = 1
    assert s.start == (-1.0,)
    assert np.isfinite(s.f(s.start))
    s = from_expression("log(-x-y)")  # (1, 1) is outside the domain, and so is (1, -1): log 0
    assert s.start == (1.0, -2.0)  # the next candidate: 60% along x, 30% along y
    assert np.isfinite(s.f(s.start))
    assert np.all(np.isfinite(s.grad(s.start)))


# --- containment and the domain message -----------------------------------------------------------


def test_evaluation_never_warns_and_nan_stays_nan():
    s = from_expression("log(x) + sqrt(y) + 1/(x - 1) + exp(1000*x)")
    pts = np.array([[-1.0, 1.0], [1.0, 1.0], [2.0, -1.0], [0.5, 0.5], [0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f, g = s.f(pts), s.grad(pts)
        check_domain(s, pts)
    assert np.isnan(f[0]) and np.isnan(f[2])
    assert np.isinf(f[1])
    assert np.isfinite(f[3])
    assert np.all(np.isnan(g[np.isnan(f)]))  # the gradient of an undefined f is undefined


def _grid(s: surfaces.Surface, n: int = 41) -> np.ndarray:
    axes = [np.linspace(lo, hi, n) for lo, hi in s.bounds]
    return axes[0][:, None] if s.dim == 1 else np.stack(np.meshgrid(*axes), axis=-1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x^2 + y^2", None),
        ("log(x)", r"^log of a negative number: f is undefined on 49% of the window \(shown as "
                   r"gaps\); log of zero: f is infinite on 2% of the window \(shown as gaps\)$"),
        ("sqrt(x*y)", r"^square root of a negative number: f is undefined on 4\d% of the window"),
        ("x^0.5", r"^a negative number to a fractional power: f is undefined on 49%"),
        ("1/x", r"^division by zero: f is infinite on 2% of the window"),
        ("x/x", r"^0/0 or ∞/∞: f is undefined on 2% of the window"),
        ("exp(200*x)", r"^overflow \(a value beyond ±1\.8e308\): f is infinite on 15%"),
        ("exp(200*x) - exp(200*x)", r"^∞ − ∞: f is undefined on 15%"),
        ("arctan(y/x)", r"^0/0 or ∞/∞: f is undefined on less than 1% of the window"),
    ],
)  # fmt: skip
def test_check_domain_names_the_cause(text, message):
    s = from_expression(text)
    result = check_domain(s, _grid(s))
    if message is None:
        assert result is None
    else:
        assert isinstance(result, str)
        assert re.search(message, result), result


def test_check_domain_on_built_in_surfaces():
    s = surfaces.get("rosenbrock")
    assert check_domain(s, _grid(s)) is None


# --- LaTeX ----------------------------------------------------------------------------------------

LATEX = [
    ("(1 - x)^2 + 100*(y - x^2)^2",
     r"f(x, y) = \left(1 - x\right)^{2} + 100 \left(y - x^{2}\right)^{2}",
     (r"\frac{\partial f}{\partial x} = -2 \left(1 - x\right) - 400 \left(y - x^{2}\right) x",
      r"\frac{\partial f}{\partial y} = 200 \left(y - x^{2}\right)")),
    ("x^4 - 3*x^2 + x", "f(x) = x^{4} - 3 x^{2} + x", ("f'(x) = 4 x^{3} - 6 x + 1",)),
    ("sqrt(x)", r"f(x) = \sqrt{x}", (r"f'(x) = \frac{1}{2 \sqrt{x}}",)),
    ("exp(-x^2)", "f(x) = e^{-x^{2}}", ("f'(x) = -2 e^{-x^{2}} x",)),
    ("abs(x)", r"f(x) = \left|x\right|", (r"f'(x) = \operatorname{sign}\left(x\right)",)),
    ("max(x, y)", r"f(x, y) = \max\left(x, y\right)",
     (r"\frac{\partial f}{\partial x} = \theta\left(x - y\right)",
      r"\frac{\partial f}{\partial y} = \theta\left(y - x\right)")),
    ("arctan(x)", r"f(x) = \arctan\left(x\right)", (r"f'(x) = \frac{1}{1 + x^{2}}",)),
    ("x/(2*y)", r"f(x, y) = \frac{x}{2 y}",
     (r"\frac{\partial f}{\partial x} = \frac{1}{2 y}",
      r"\frac{\partial f}{\partial y} = -\frac{2 x}{\left(2 y\right)^{2}}")),
    ("2*pi*x*1e-5", r"f(x) = 2 \pi x \cdot 10^{-5}", (r"f'(x) = 2 \cdot 10^{-5} \pi",)),
    ("(-x)^2 - -x", r"f(x) = \left(-x\right)^{2} - \left(-x\right)", ("f'(x) = 2 x + 1",)),
    ("x^y", "f(x, y) = x^{y}", (r"\frac{\partial f}{\partial x} = y x^{y - 1}",
                                r"\frac{\partial f}{\partial y} = x^{y} \log\left(x\right)")),
    ("e^x^2", "f(x) = e^{x^{2}}", ("f'(x) = 2 e^{x^{2}} x",)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "formula", "gradient"), LATEX, ids=[t for t, _, _ in LATEX])
def test_latex(text, formula, gradient):
    s = from_expression(text)
    assert s.formula == formula
    assert gradient_latex(s) == gradient
    assert gradient_latex(text) == gradient


def test_gradient_latex_of_a_huge_derivative_is_a_note():
    s = from_expression("*".join(["sin(x)"] * 60))
    assert gradient_latex(s) == (r"f'(x) = \text{(too long to show)}",)


def test_gradient_latex_needs_a_custom_surface():
    with pytest.raises(ValueError, match="made by from_expression"):
        gradient_latex(surfaces.get("rosenbrock"))


# --- no eval, no sympify: statically and at run time ----------------------------------------------


def test_module_source_never_names_a_code_runner():
    """surfaces/expression.py never refers to eval, exec, sympify, lambdify and the like."""
    source = Path(expression.__file__).read_text()
    tree = ast.parse(source)
    builtins_ = {"eval", "exec", "compile", "__import__", "getattr", "setattr", "globals",
                 "locals", "vars", "open", "breakpoint", "input"}  # fmt: skip
    attributes = {"sympify", "parse_expr", "lambdify", "import_module", "system", "popen",
                  "literal_eval"}  # fmt: skip
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    imports = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            imports |= {a.name.split(".")[0] for a in n.names}
        elif isinstance(n, ast.ImportFrom):
            imports.add((n.module or "").split(".")[0])
    assert not names & builtins_
    assert not attrs & attributes
    assert imports <= {"__future__", "ast", "difflib", "itertools", "keyword", "math", "re",
                       "collections", "functools", "typing", "numpy", "surfaces"}  # fmt: skip


def test_valid_formulas_run_nothing():
    from_expression("x^2")  # warm up any lazy state outside the audited block
    for text, *_ in VALID:
        with audited() as events, runners_forbidden():
            s = from_expression(text)
            gradient_latex(s)
            check_domain(s, _random_points(s.dim, n=5))
        assert nothing_ran(events), (text, events)


# --- property-based -------------------------------------------------------------------------------

X, Y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
UNARY = sorted(name for name, arity in expression.FUNCTIONS.items() if arity == 1)
SYMPY_FUNCTIONS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp, "log": sympy.log,
    "sqrt": sympy.sqrt, "abs": sympy.Abs, "tanh": sympy.tanh, "sinh": sympy.sinh,
    "cosh": sympy.cosh, "arctan": sympy.atan, "min": sympy.Min, "max": sympy.Max,
}  # fmt: skip
LEAVES = ["x", "y", "pi", "e", "0", "1", "2", "3", "0.5", "1.5", "10", "1e-3"]

# A formula is drawn as a small tree, then rendered twice: as text for from_expression (random
# spacing, ^ or **) and straight into a sympy expression (floats for numbers, real symbols), so
# the oracle never parses text and never shares code with the module under test.
leaf = st.sampled_from(LEAVES).map(lambda t: ("leaf", t))


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(
            st.just("bin"), st.sampled_from(["+", "-", "*", "/", "**", "^"]), children, children
        ),
        st.tuples(st.just("fn"), st.sampled_from(UNARY), children),
        st.tuples(st.just("fn"), st.sampled_from(["min", "max"]), children, children),
        st.tuples(st.just("neg"), children),
    )


trees = st.recursive(leaf, _extend, max_leaves=8)


def render(tree: tuple, space: str = "") -> str:
    kind = tree[0]
    if kind == "leaf":
        return tree[1]
    if kind == "neg":
        return f"-({render(tree[1], space)})"
    if kind == "bin":
        return f"({render(tree[2], space)}){space}{tree[1]}{space}({render(tree[3], space)})"
    return f"{tree[1]}({f',{space}'.join(render(c, space) for c in tree[2:])})"


def to_sympy(tree: tuple) -> sympy.Expr:
    kind = tree[0]
    if kind == "leaf":
        named = {"x": X, "y": Y, "pi": sympy.Float(math.pi), "e": sympy.Float(math.e)}
        return named[tree[1]] if tree[1] in named else sympy.Float(tree[1])
    if kind == "neg":
        return -to_sympy(tree[1])
    if kind == "bin":
        a, b = to_sympy(tree[2]), to_sympy(tree[3])
        if tree[1] == "+":
            return a + b
        if tree[1] == "-":
            return a - b
        if tree[1] == "*":
            return a * b
        return a / b if tree[1] == "/" else a**b
    return SYMPY_FUNCTIONS[tree[1]](*(to_sympy(c) for c in tree[2:]))


def uses_y(tree: tuple) -> bool:
    return tree == ("leaf", "y") or any(isinstance(c, tuple) and uses_y(c) for c in tree[1:])


def uses_var(tree: tuple) -> bool:
    return tree in (("leaf", "x"), ("leaf", "y")) or any(
        isinstance(c, tuple) and uses_var(c) for c in tree[1:]
    )


@settings(max_examples=150, deadline=None)
@given(tree=trees, space=st.sampled_from(["", " "]), seed=st.integers(0, 2**32 - 1))
def test_random_formulas_are_built_or_refused_and_gradients_are_exact(tree, space, seed):
    text = render(tree, space)
    try:
        s = from_expression(text)
    except FormulaError as err:  # e.g. a constant part that overflows, or no x at all
        assert "column" in str(err) or "must use x" in str(err)
        return
    assert s.dim == (2 if uses_y(tree) else 1)
    assert uses_var(tree)
    pts = np.random.default_rng(seed).uniform(-4.9, 4.9, size=(8, s.dim))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither f nor grad may warn, whatever the formula
        f, g = s.f(pts), s.grad(pts)
        one_by_one = np.array([s.f(p) for p in pts]), np.array([s.grad(p) for p in pts])
    np.testing.assert_allclose(f, one_by_one[0], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(g, one_by_one[1], rtol=1e-12, equal_nan=True)
    assert from_expression(s.params["text"]) == s  # the canonical text round-trips
    assert all(isinstance(t, str) for t in gradient_latex(s))

    oracle = to_sympy(tree)
    variables = [X, Y][: s.dim]
    derivatives = [sympy.diff(oracle, v) for v in variables]
    unusable = (sympy.Derivative, sympy.Subs, sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
    assume(not any(d.has(*unusable) for d in derivatives))  # e.g. x/0: nothing to compare
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # sympy cannot turn every expression into numpy code (zoo inside Min, …)
            columns = [sympy.lambdify(variables, d, "numpy")(*pts.T) for d in derivatives]
        except (KeyError, TypeError, NameError, ValueError, AttributeError):
            assume(False)
        exact = np.stack([np.broadcast_to(c, f.shape) for c in columns], -1).astype(complex)
    real = np.where(np.abs(exact.imag) <= 1e-12 * (1 + np.abs(exact.real)), exact.real, np.nan)
    both = np.isfinite(real) & np.isfinite(g) & (np.abs(real) < 1e8)
    np.testing.assert_allclose(g[both], real[both], rtol=1e-7, atol=1e-7, err_msg=text)


def central(s: surfaces.Surface, pts: np.ndarray, i: int, h: float) -> np.ndarray:
    step = np.zeros(s.dim)
    step[i] = h
    return (s.f(pts + step) - s.f(pts - step)) / (2 * h)


@settings(max_examples=150, deadline=None)
@given(tree=trees, seed=st.integers(0, 2**32 - 1))
def test_random_formulas_gradient_matches_central_differences(tree, seed):
    try:
        s = from_expression(render(tree, " "))
    except FormulaError:
        return
    pts = np.random.default_rng(seed).uniform(-4.9, 4.9, size=(8, s.dim))
    g = s.grad(pts)
    with np.errstate(all="ignore"):  # inf - inf in the differences is expected; skipped below
        estimates = [[central(s, pts, i, h) for h in (1e-5, 5e-6)] for i in range(s.dim)]
    for i, (fd1, fd2) in enumerate(estimates):
        # Compare where both are finite and f is smooth near the point: both step sizes agree.
        # (An exact gradient can still be NaN where f is finite only because a part of it
        # overflowed, as in 1/exp(exp(10*x)) for x > 0.7; that is contained, not compared.)
        smooth = np.isfinite(fd1) & np.isfinite(fd2) & np.isfinite(g[:, i])
        smooth &= np.abs(fd1 - fd2) <= 1e-6 * (1 + np.abs(fd2))
        smooth &= np.abs(fd2) < 1e6
        np.testing.assert_allclose(g[smooth, i], fd2[smooth], rtol=1e-4, atol=1e-4)


ALPHABET = list("xy0123456789.+-*/^(), episncotalgqrbhmd_[]'\"#:;=<>@%~!\\\n\tj")


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(ALPHABET), max_size=60) | st.text(max_size=60))
def test_any_text_is_built_or_refused_with_a_formula_error(text):
    with audited() as events:
        try:
            s = from_expression(text)
        except FormulaError as err:
            assert str(err)
            assert err.column is None or 1 <= err.column <= len(text) + 1
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                s.f(s.start)
                s.grad(s.start)
    assert nothing_ran(events), events
