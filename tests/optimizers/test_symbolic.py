"""The rule DSL: one tree, printed with the right parentheses, with numbers put in, evaluated."""

import math

import pytest

from optimizers.symbolic import (
    Num,
    Sym,
    abs_,
    cases,
    eq,
    evaluate,
    gt,
    latex,
    maximum,
    number,
    sign,
    sqrt,
)

A, B, C = Sym("a", "a"), Sym("b", "b"), Sym("c", "c")
V = {"a": 2.0, "b": -3.0, "c": 0.5}


@pytest.mark.parametrize(
    ("expr", "tex", "value"),
    [
        (A + B * C, r"a + b\,c", 0.5),
        ((A + B) * C, r"(a + b)\,c", -0.5),
        (A - (B - C), "a - (b - c)", 5.5),
        (A - B + C, "a - b + c", 5.5),
        (-(A + B), "-(a + b)", 1.0),
        (A * -B, r"a\,(-b)", 6.0),
        ((A + B) ** 2, "(a + b)^{2}", 1.0),
        (A / (B + C), r"\frac{a}{b + c}", -0.8),
        ((A / B) ** 2, r"(\frac{a}{b})^{2}", 4 / 9),
        (sqrt(A + C) + C, r"\sqrt{a + c} + c", math.sqrt(2.5) + 0.5),
        (maximum(A, abs_(B)), r"\max\left(a,\ \left|b\right|\right)", 3.0),
        (sign(B), r"\operatorname{sign}\left(b\right)", -1.0),
        (1 - Num(0.5, r"\tfrac12") * A, r"1 - \tfrac12\,a", 0.0),
        (2**A, "2^{a}", 4.0),
    ],
)
def test_latex_and_value_of_one_tree(expr, tex, value):
    assert latex(expr) == tex
    assert evaluate(expr, V) == pytest.approx(value)


def test_numbers_put_in_negatives_in_parentheses_and_powers_of_ten():
    expr = A * B + C**2
    assert latex(expr, V) == r"2\cdot (-3) + 0.5^{2}"
    assert latex(A**2, {"a": 1.5e-7}) == r"(1.5\times 10^{-7})^{2}"
    assert latex(A + B, {"a": 1.0}) == "1 + b"  # unknown symbols stay symbols


def test_a_case_distinction_shows_the_branch_taken_with_numbers():
    expr = cases(gt(A, 1), B, C)
    assert r"\begin{cases}" in latex(expr) and r"a > 1" in latex(expr)
    assert latex(expr, V) == "(-3)"
    assert evaluate(expr, V) == -3.0
    assert evaluate(cases(eq(A, 1), B, C), V) == 0.5


def test_number_formatting():
    assert number(1.23456e-7) == r"1.235\times 10^{-7}"
    assert number(0.5) == "0.5" and number(-2.0) == "-2"
    assert number(123456.0) == r"1.235\times 10^{5}"
    assert number(float("inf")) == r"\infty" and number(1e-7, latex=False) == "1e-07"


def test_only_expressions_and_numbers_combine():
    with pytest.raises(TypeError):
        A + "1"
    with pytest.raises(KeyError):
        evaluate(A + Sym("z", "z"), V)
