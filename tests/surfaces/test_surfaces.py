"""Generic, registry-driven tests: every surface gets every check."""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surfaces

NAMES = surfaces.names()


def _smooth_minima(s: surfaces.Surface) -> np.ndarray:
    """The listed minima that are not kinks (where the gradient is defined and vanishes)."""
    return np.array([m for m in s.minima if not any(np.array_equal(m, k) for k in s.kinks)])


# Each check runs on exactly the surfaces it applies to (no skips): these lists are computed from
# the registry, so a new surface is picked up by every check whose precondition it meets.
BOUNDED = [n for n in NAMES if surfaces.get(n).f_min is not None]
WITH_MINIMA = [n for n in NAMES if len(surfaces.get(n).minima) > 0]
WITH_LOCAL = [n for n in NAMES if len(surfaces.get(n).local_minima) > 0]
WITH_SMOOTH_MINIMA = [n for n in NAMES if len(_smooth_minima(surfaces.get(n))) > 0]
DETERMINISTIC = [n for n in NAMES if not surfaces.get(n).stochastic]

BAD_SHAPES = [(), (3,), (4, 3), (0,)]
# (surface, shape) pairs whose last axis really is wrong for that surface's dimension.
WRONG_SHAPE_CASES = [
    pytest.param(n, shape, id=f"{n}-bad_shape{i}")
    for n in NAMES
    for i, shape in enumerate(BAD_SHAPES)
    if not (shape and shape[-1] == surfaces.get(n).dim)
]

FILTERED = {
    "BOUNDED": BOUNDED,
    "WITH_MINIMA": WITH_MINIMA,
    "WITH_LOCAL": WITH_LOCAL,
    "WITH_SMOOTH_MINIMA": WITH_SMOOTH_MINIMA,
    "DETERMINISTIC": DETERMINISTIC,
    "WRONG_SHAPE_CASES": WRONG_SHAPE_CASES,
}


def lows_highs(s: surfaces.Surface) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([b[0] for b in s.bounds])
    hi = np.array([b[1] for b in s.bounds])
    return lo, hi


def random_points(s: surfaces.Surface, n: int = 50, seed: int = 0, margin: float = 1e-3):
    """n uniform points inside the bounds, at least `margin` away from every kink."""
    rng = np.random.default_rng(seed)
    lo, hi = lows_highs(s)
    pts = rng.uniform(lo, hi, size=(4 * n, s.dim))
    if len(s.kinks):
        dist = np.linalg.norm(pts[:, None, :] - s.kinks[None, :, :], axis=-1).min(axis=1)
        pts = pts[dist > margin]
    return pts[:n]


def grid(s: surfaces.Surface, n: int = 201) -> np.ndarray:
    """A meshgrid stack over the bounds: (n, n, 2) for 2-D surfaces, (n, 1) for 1-D ones."""
    axes = [np.linspace(lo, hi, n) for lo, hi in s.bounds]
    if s.dim == 1:
        return axes[0][:, None]
    gx, gy = np.meshgrid(*axes)
    return np.stack([gx, gy], axis=-1)


def central_differences(s: surfaces.Surface, pts: np.ndarray) -> np.ndarray:
    h = 1e-6 * np.maximum(1.0, np.abs(pts))
    out = np.empty_like(pts)
    for i in range(s.dim):
        step = np.zeros_like(pts)
        step[:, i] = h[:, i]
        out[:, i] = (s.f(pts + step) - s.f(pts - step)) / (2 * h[:, i])
    return out


@pytest.fixture(params=NAMES)
def s(request: pytest.FixtureRequest) -> surfaces.Surface:
    return surfaces.get(request.param)


@pytest.mark.parametrize("label", FILTERED)
def test_filtered_lists_are_not_empty(label):
    """Guard: a filter that matches nothing would silently drop its check from the run."""
    assert FILTERED[label], f"{label} selects no surfaces"


# --- gradient ------------------------------------------------------------------------------------


def test_grad_matches_central_differences(s):
    pts = random_points(s, n=50, seed=1)
    assert len(pts) == 50
    g = s.grad(pts)
    fd = central_differences(s, pts)
    scale = 1.0 + np.abs(g).max(axis=-1, keepdims=True)
    err = np.abs(fd - g) / scale
    assert err.max() < 1e-5, f"worst point {pts[err.max(axis=-1).argmax()]}"


@pytest.mark.parametrize("s", WITH_SMOOTH_MINIMA, indirect=True)
def test_grad_matches_central_differences_near_minima(s):
    smooth = _smooth_minima(s)
    assert len(smooth) > 0
    rng = np.random.default_rng(2)
    pts = np.concatenate([m + 0.05 * rng.standard_normal((5, s.dim)) for m in smooth])
    g = s.grad(pts)
    scale = 1.0 + np.abs(g).max(axis=-1, keepdims=True)
    assert (np.abs(central_differences(s, pts) - g) / scale).max() < 1e-5


# --- vectorisation, shapes, purity ---------------------------------------------------------------


def test_batch_equals_point_by_point(s):
    pts = random_points(s, n=20, seed=3)
    f_batch, g_batch = s.f(pts), s.grad(pts)
    assert f_batch.shape == (20,)
    assert g_batch.shape == (20, s.dim)
    np.testing.assert_allclose(f_batch, [s.f(p) for p in pts], rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(g_batch, [s.grad(p) for p in pts], rtol=1e-13, atol=1e-300)


def test_single_point_gives_scalar_and_vector(s):
    assert np.shape(s.f(s.start)) == ()
    assert np.shape(s.grad(s.start)) == (s.dim,)
    assert np.shape(s.f(list(s.start))) == ()  # plain lists are fine


def test_meshgrid_stack(s):
    g = grid(s, n=9)
    lead = g.shape[:-1]
    values, grads = s.f(g), s.grad(g)
    assert values.shape == lead
    assert grads.shape == (*lead, s.dim)
    flat = g.reshape(-1, s.dim)
    np.testing.assert_allclose(values.reshape(-1), s.f(flat), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(grads.reshape(-1, s.dim), s.grad(flat), rtol=1e-13, atol=1e-300)


def test_any_leading_shape(s):
    pts = random_points(s, n=24, seed=4).reshape(2, 3, 4, s.dim)
    assert s.f(pts).shape == (2, 3, 4)
    assert s.grad(pts).shape == (2, 3, 4, s.dim)
    assert s.minibatch_grad(pts, np.random.default_rng(0)).shape == (2, 3, 4, s.dim)


def test_inputs_are_not_mutated_and_outputs_are_fresh(s):
    pts = random_points(s, n=10, seed=5)
    before = pts.copy()
    pts.flags.writeable = False
    s.f(pts)
    g = s.grad(pts)
    mb = s.minibatch_grad(pts, np.random.default_rng(0))
    np.testing.assert_array_equal(pts, before)
    for out in (g, mb):
        assert out.flags.writeable
        assert not np.shares_memory(out, pts)


def test_integer_input_is_converted(s):
    p = np.zeros(s.dim, dtype=int) + 1
    assert s.f(p) == s.f(np.ones(s.dim))


@pytest.mark.parametrize(("name", "bad_shape"), WRONG_SHAPE_CASES)
def test_wrong_last_axis_raises(name, bad_shape):
    s = surfaces.get(name)
    assert not (bad_shape and bad_shape[-1] == s.dim)
    x = np.zeros(bad_shape)
    for call in (s.f, s.grad, lambda a: s.minibatch_grad(a, np.random.default_rng(0))):
        with pytest.raises(ValueError, match=r"shape \(\.\.\., \d\)"):
            call(x)


# --- minima ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("s", BOUNDED, indirect=True)
def test_f_at_global_minima_is_f_min(s):
    assert s.f_min is not None
    np.testing.assert_allclose(s.f(s.global_minima), s.f_min, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("s", WITH_LOCAL, indirect=True)
def test_local_minima_are_above_f_min(s):
    assert len(s.local_minima) > 0
    assert np.all(s.f(s.local_minima) > s.f_min + 1e-6)


@pytest.mark.parametrize("s", WITH_SMOOTH_MINIMA, indirect=True)
def test_grad_vanishes_at_minima(s):
    pts = _smooth_minima(s)
    assert len(pts) > 0
    np.testing.assert_allclose(s.grad(pts), 0.0, atol=1e-7)


@pytest.mark.parametrize("s", WITH_MINIMA, indirect=True)
def test_minima_are_minima(s):
    """f rises in every direction around each listed minimum (not a saddle or a maximum)."""
    assert len(s.minima) > 0
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    dirs = (
        np.array([[1.0], [-1.0]]) if s.dim == 1 else np.stack([np.cos(angles), np.sin(angles)], -1)
    )
    for m in s.minima:
        around = m + 1e-4 * dirs
        assert np.all(s.f(around) > s.f(m)), m


@pytest.mark.parametrize("s", BOUNDED, indirect=True)
def test_f_min_is_the_minimum_over_the_window(s):
    assert s.f_min is not None
    assert s.f(grid(s)).min() >= s.f_min - 1e-9


def test_minima_and_start_inside_bounds(s):
    lo, hi = lows_highs(s)
    assert np.all((s.minima >= lo) & (s.minima <= hi))
    start = np.array(s.start)
    assert np.all((start > lo) & (start < hi)), "start must lie strictly inside the window"


def test_start_is_not_stationary(s):
    assert np.linalg.norm(s.grad(s.start)) > 1e-3


def test_f_min_none_iff_no_minima(s):
    assert (s.f_min is None) == (len(s.minima) == 0) == (len(s.global_minima) == 0)
    assert (s.f_min is None) == (s.name in {"saddle", "monkey_saddle", "formula"})


def test_minima_arrays_are_read_only(s):
    for arr in (s.minima, s.global_minima, s.local_minima, s.kinks):
        assert isinstance(arr, np.ndarray)
        assert arr.dtype == np.float64
        assert arr.ndim == 2
        assert arr.shape[1] == s.dim
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0.0
    np.testing.assert_array_equal(s.minima[: len(s.global_minima)], s.global_minima)
    np.testing.assert_array_equal(s.minima[len(s.global_minima) :], s.local_minima)


# --- metadata -------------------------------------------------------------------------------------


def test_metadata_types(s):
    assert isinstance(s, surfaces.Surface)
    assert s.name in NAMES
    assert isinstance(s.title, str)
    assert s.title
    assert s.dim in (1, 2)
    assert isinstance(s.dim, int)
    assert isinstance(s.bounds, tuple)
    assert len(s.bounds) == s.dim
    for lo, hi in s.bounds:
        assert isinstance(lo, float)
        assert isinstance(hi, float)
        assert lo < hi
    assert isinstance(s.start, tuple)
    assert len(s.start) == s.dim
    assert all(isinstance(v, float) for v in s.start)
    assert s.f_min is None or isinstance(s.f_min, float)
    assert isinstance(s.formula, str)
    assert s.formula.startswith("f(")
    assert isinstance(s.lesson, str)
    assert len(s.lesson) > 20
    assert s.lesson.endswith(".")
    assert isinstance(s.log_scale, bool)
    assert isinstance(s.params, dict)
    assert isinstance(s.stochastic, bool)
    assert isinstance(s.axis_names, tuple)
    assert len(s.axis_names) == s.dim
    assert (s.data is not None) == s.stochastic


def test_log_scale_only_for_nonnegative_f(s):
    if s.log_scale:
        assert s.f_min is not None
        assert s.f_min >= 0
        assert s.f(grid(s)).min() >= 0


def test_frozen_hashable_and_equal_by_name_and_params(s):
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "other"  # type: ignore[misc]
    again = surfaces.get(s.name)
    assert again == s
    assert hash(again) == hash(s)
    assert len({s, again}) == 1
    assert s.name in repr(s)


def test_pickle_round_trip_keeps_arrays_read_only(s):
    copy = pickle.loads(pickle.dumps(s))
    assert copy == s
    np.testing.assert_array_equal(copy.minima, s.minima)
    assert not copy.minima.flags.writeable
    assert not copy.global_minima.flags.writeable
    if copy.data is not None:
        assert not copy.data[0].flags.writeable
    pts = random_points(s, n=5, seed=7)
    np.testing.assert_array_equal(copy.f(pts), s.f(pts))
    np.testing.assert_array_equal(copy.grad(pts), s.grad(pts))


def test_params_is_a_copy(s):
    p = s.params
    p["extra"] = 1
    assert "extra" not in s.params


@pytest.mark.parametrize("s", DETERMINISTIC, indirect=True)
def test_deterministic_minibatch_grad_is_grad(s):
    assert not s.stochastic
    pts = random_points(s, n=5, seed=6)
    np.testing.assert_array_equal(s.minibatch_grad(pts, np.random.default_rng(0)), s.grad(pts))
    np.testing.assert_array_equal(s.minibatch_grad(pts), s.grad(pts))


# --- property-based -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_finite_everywhere_in_bounds(name, data):
    s = surfaces.get(name)
    x = [
        data.draw(st.floats(lo, hi, allow_nan=False), label=f"x{i}")
        for i, (lo, hi) in enumerate(s.bounds)
    ]
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value = s.f(x)
        g = s.grad(x)
    assert np.isfinite(value)
    assert np.all(np.isfinite(g))
    assert g.shape == (s.dim,)
