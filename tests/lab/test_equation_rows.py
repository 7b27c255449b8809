"""Long equations with numbers break into rows that fit the Inside-a-step box, never mid-number."""

import re

import pytest

import optimizers
import surfaces
from lab import equations
from lab import experiment as ex

from .test_equations import VARIANTS

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:\\times 10\^\{-?\d+\})?")
START = {"rosenbrock": (-1.2, 1.0), "himmelblau": (0.5, -1.5), "quadratic": (-4.0, 3.0)}


def _rows(latex: str) -> list[str]:
    return latex.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}").split(r" \\ ")


CONFIGS = VARIANTS + [ex.run_config(n) for n in optimizers.names()]


@pytest.mark.parametrize(
    "config", CONFIGS, ids=lambda c: f"{c.optimizer} " + " ".join(map(str, c.hyperparams))
)
def test_no_row_is_wider_than_the_box_and_no_number_is_split(config):
    for name, start in START.items():
        traj = optimizers.run(config.build(), surfaces.get(name), start, 12)
        for t in (1, 2, 7, 12):
            for i in (0, 1):
                values = equations.step_values(config, traj, t, i)
                for row in _rows(equations.step_latex(config, values)) + _rows(
                    equations.rule_latex(config)
                ):
                    assert equations.width(row) <= equations.ROW_BUDGET, row
                for line in equations.rule(config):
                    whole = f"&= {line.latex(values)} = {equations.num(values[line.lhs.key])}"
                    rows = equations.rows(whole)
                    # every number of the line is whole on one row, in the same order
                    assert [n for r in rows for n in NUMBER.findall(r)] == NUMBER.findall(whole)
                    assert all(r.startswith(equations.CONTINUE) for r in rows[1:])
                    assert not any(r.rstrip().endswith(("+", "-", "=")) for r in rows)


def test_the_adabelief_line_that_was_cut_at_1e_minus_keeps_its_epsilon_whole():
    config = ex.run_config("adabelief", lr=0.001)
    traj = optimizers.run(config.build(), surfaces.get("rosenbrock"), (-1.2, 1.0), 3)
    latex = equations.step_latex(config, equations.step_values(config, traj, 2, 0))
    rows = [r for r in _rows(latex) if r"10^{-16}" in r]
    assert rows and all(r"1\times 10^{-16}" in r for r in rows)
    assert all(equations.width(r) <= equations.ROW_BUDGET for r in rows)
    assert len(_rows(latex)) > 2 * len(equations.rule(config))  # it was broken, not cut


def test_width_counts_what_is_drawn():
    assert equations.width(r"0.9\cdot (-21.56)") == 12  # 3 + 1 + 8
    assert equations.width(r"\frac{1}{1 - 0.9^{2}}") == pytest.approx(5.7)
    assert equations.width(r"\beta_1\,m_{t-1}") == pytest.approx(1 + 0.7 + 1 + 0.7 * 3)
    assert equations.width(r"{\small 0123456789}") == pytest.approx(10 * equations.SMALL)
