"""Every objective of a function race as PyTorch source: ``f(p)`` for p of shape (..., d), whose
autograd gradient is our analytic one (tests/lab/test_export.py checks each surface's f and
gradient against numpy at many points).

Built-in surfaces are transcribed once each in :data:`EXPRESSIONS` (their formulas are LaTeX
only); a typed formula is printed from its parsed tree by :mod:`surfaces.formula_code`. The
mini-batch least-squares surface regenerates its data with numpy from its seed and draws each
batch as ``surfaces/stochastic.py`` does, from the run's generator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import surfaces
from surfaces import formula_code

from . import torch_models
from .experiment import Experiment, model_title

FULL, SURFACE_BATCH, MODEL_BATCH = "full", "surface_batch", "model_batch"

# name -> f's body in x (and y) given the surface's parameters; one expression each
EXPRESSIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "quadratic": lambda p: "0.5 * (x * x + y * y)",
    "ravine": lambda p: f"0.5 * (x * x + {p['kappa']!r} * y * y)",
    "booth": lambda p: "(x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2",
    "matyas": lambda p: "0.26 * (x * x + y * y) - 0.48 * x * y",
    "rosenbrock": lambda p: "(1 - x) ** 2 + 100 * (y - x * x) ** 2",
    "beale": lambda p: (
        "(1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2"
    ),
    "himmelblau": lambda p: "(x * x + y - 11) ** 2 + (x + y * y - 7) ** 2",
    "three_hump_camel": lambda p: "2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y * y",
    "six_hump_camel": lambda p: (
        "(4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (4 * y**2 - 4) * y**2"
    ),
    "goldstein_price": lambda p: (
        "(1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))"
        "\n        * (30 + (2 * x - 3 * y) ** 2"
        " * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))"
    ),
    "rastrigin": lambda p: (
        "20 + ((x * x - 10 * torch.cos(2 * math.pi * x))"
        " + (y * y - 10 * torch.cos(2 * math.pi * y)))"
    ),
    # at the kinked origin torch's gradient of the norm is NaN; ours returns the subgradient 0
    "ackley": lambda p: (
        "(-20 * torch.exp(-0.2 * torch.sqrt(0.5 * (x * x + y * y)))"
        "\n        - torch.exp(0.5 * (torch.cos(2 * math.pi * x) + torch.cos(2 * math.pi * y)))"
        " + 20 + math.e)"
    ),
    "styblinski_tang": lambda p: "0.5 * ((x**4 - 16 * x**2 + 5 * x) + (y**4 - 16 * y**2 + 5 * y))",
    "saddle": lambda p: "x * x - y * y",
    "monkey_saddle": lambda p: "x**3 - 3 * x * y**2",
    "parabola": lambda p: "0.5 * x * x",
    "slope": lambda p: "torch.where(x > 0, x, -0.1 * x)  # slope 1 right of 0, -0.1 left of it",
    "double_well": lambda p: "x**4 - 3 * x**2 + x",
    "least_squares": lambda p: "0.5 * torch.mean((w * DATA_X + b - DATA_Y) ** 2)",
    "formula": lambda p: formula_code.torch_source(p["text"]),
}

LEAST_SQUARES_DATA = """
# the data set, drawn as surfaces/stochastic.py does: x ~ U(0, 4), y = 2x + 1 + noise·N(0, 1)
_data_rng = np.random.default_rng({data_seed})
_inputs = _data_rng.uniform(0.0, 4.0, size={n_samples})
_targets = 2.0 * _inputs + 1.0 + {noise!r} * _data_rng.standard_normal({n_samples})
DATA_X, DATA_Y = torch.from_numpy(_inputs), torch.from_numpy(_targets)
"""

SAMPLE_BATCH = '''

def sample_batch(rng, n, k):
    """k distinct indices of range(n), increasing, drawn as surfaces/stochastic.py's
    sample_batches does for one run (the same generator calls, so the same batches)."""
    if 4 * k > n:
        keys = rng.random(n)
        return np.sort(np.argpartition(keys, k - 1)[:k])
    idx = rng.integers(0, n, size=k)
    while True:
        idx.sort()
        repeat = np.zeros(idx.shape, dtype=bool)
        np.equal(idx[1:], idx[:-1], out=repeat[1:])
        count = int(np.count_nonzero(repeat))
        if not count:
            return idx
        idx[repeat] = rng.integers(0, n, size=count)


def batch_loss(p, rng):
    """The loss on one mini-batch of {batch_size}: its gradient is the mini-batch gradient."""
    w, b = p[..., 0], p[..., 1]
    idx = torch.from_numpy(sample_batch(rng, {n_samples}, {batch_size}))
    return 0.5 * torch.mean((w * DATA_X[idx] + b - DATA_Y[idx]) ** 2)
'''


def objective_source(surface: surfaces.Surface) -> str:
    """``def f(p)`` for ``surface`` (and its data and ``batch_loss`` where it has mini-batches),
    as module-level source."""
    params = surface.params
    axes = ", ".join(surface.axis_names)
    unpack = ", ".join(f"p[..., {i}]" for i in range(surface.dim))
    parts = []
    if surface.name == "least_squares":
        parts.append(LEAST_SQUARES_DATA.format(**params))
    body = EXPRESSIONS[surface.name](params)
    if "\n" in body:  # a long expression continues inside brackets
        body = f"(\n        {body}\n    )"
    doc = f'r"""{surface.title}: {surface.formula}"""'
    parts.append(f"\n\ndef f(p):\n    {doc}\n    {axes} = {unpack}\n    return {body}\n")
    if surface.stochastic:
        parts.append(SAMPLE_BATCH.format(**params))
    return "".join(parts)


def for_experiment(exp: Experiment) -> tuple[str, str]:
    """The objective of ``exp`` as module-level source (``f``, and what its mini-batches need),
    and how each step's gradient is taken: :data:`FULL`, :data:`SURFACE_BATCH` (a batch drawn
    from the run's generator each step) or :data:`MODEL_BATCH` (epochs of a model's batches)."""
    obj = exp.objective()
    if exp.is_model:
        source = torch_models.objective_source(obj, model_title(exp))
        return source, MODEL_BATCH if obj.stochastic else FULL
    return objective_source(obj), SURFACE_BATCH if obj.stochastic else FULL
