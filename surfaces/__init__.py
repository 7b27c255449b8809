"""Test functions for comparing optimizers: f, analytic gradient, plotting window, minima.

>>> import surfaces
>>> s = surfaces.get("rosenbrock")
>>> s.title, s.dim, s.start
('Rosenbrock', 2, (-1.2, 1.0))
>>> float(s.f(s.start))
24.2

Imports numpy only (never Streamlit, pandas or Altair).
"""

from surfaces.base import Surface
from surfaces.registry import defaults, get, names

__all__ = ["Surface", "defaults", "get", "names"]
