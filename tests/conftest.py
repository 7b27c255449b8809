"""Test-wide settings: Hypothesis profiles.

- ``ci`` (picked automatically when ``CI`` is set): derandomized, so every CI run draws the same
  examples and a red build is reproducible; no per-example deadline, because a shared 2-core
  runner has timing hiccups that are not bugs.
- ``dev`` (default elsewhere): Hypothesis's random search, also without the deadline.

Choose one explicitly with ``HYPOTHESIS_PROFILE=ci python -m pytest``.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _default)

# tests/data/ holds reference data and the scripts that generated it (they are scripts, run by
# hand with torch); --doctest-modules would otherwise import them as modules.
collect_ignore = ["data"]


# The load harness's client and server helpers (benchmarks/load/), importable by the tests that
# start servers (``import stclient, stserver``): loaded once, so stserver's caches are shared.
for _name in ("stclient", "stserver"):
    _spec = importlib.util.spec_from_file_location(
        _name, Path(__file__).parents[1] / "benchmarks" / "load" / f"{_name}.py"
    )
    assert _spec and _spec.loader
    sys.modules[_name] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_name])


@pytest.fixture
def float64_muon(monkeypatch):
    """torch's Muon with its Newton–Schulz iteration in float64 instead of bfloat16, the one
    place where it computes differently from optimizers/muon.py (which runs in float64); fails
    if torch stops casting there (then this patch is stale)."""
    import torch
    from torch.optim import _muon

    original = _muon._zeropower_via_newtonschulz
    assert "bfloat16" in original.__code__.co_names

    def float64(grad, ns_coefficients, ns_steps, eps):
        cast = torch.Tensor.bfloat16
        torch.Tensor.bfloat16 = lambda self, *a, **k: self.clone()  # a copy, as a cast makes
        try:
            return original(grad, ns_coefficients, ns_steps, eps)
        finally:
            torch.Tensor.bfloat16 = cast

    monkeypatch.setattr(_muon, "_zeropower_via_newtonschulz", float64)
