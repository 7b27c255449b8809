"""Test functions for comparing optimizers: f, analytic gradient, plotting window, minima.

>>> import surfaces
>>> s = surfaces.get("rosenbrock")
>>> s.title, s.dim, s.start
('Rosenbrock', 2, (-1.2, 1.0))
>>> float(s.f(s.start))
24.2

`get("formula", text="x^2 + y^2")` makes a surface from a formula typed by a user (see
`surfaces.expression`: it is parsed and differentiated here, never run as Python).

Imports numpy only (never Streamlit, pandas or Altair).
"""

from surfaces.base import Surface
from surfaces.expression import FormulaError, check_domain, from_expression, gradient_latex
from surfaces.registry import defaults, get, names, parameters

__all__ = [
    "FormulaError",
    "Surface",
    "check_domain",
    "defaults",
    "from_expression",
    "get",
    "gradient_latex",
    "names",
    "parameters",
]
