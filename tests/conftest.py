"""Test-wide settings: Hypothesis profiles.

- ``ci`` (picked automatically when ``CI`` is set): derandomized, so every CI run draws the same
  examples and a red build is reproducible; no per-example deadline, because a shared 2-core
  runner has timing hiccups that are not bugs.
- ``dev`` (default elsewhere): Hypothesis's random search, also without the deadline.

Choose one explicitly with ``HYPOTHESIS_PROFILE=ci python -m pytest``.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _default)

# tests/data/ holds reference data and the scripts that generated it (they import torch, which is
# not a dependency); --doctest-modules would otherwise import them as modules.
collect_ignore = ["data"]
