"""The stochastic least-squares surface: data, exact minimum, mini-batch gradients."""

from __future__ import annotations

import numpy as np
import pytest

import surfaces
from surfaces.stochastic import sample_batches


@pytest.fixture
def s() -> surfaces.Surface:
    return surfaces.get("least_squares")


def _direct(s, theta):
    """f and ∇f written straight from the definition, one residual per data point."""
    x, y = s.data
    theta = np.asarray(theta, dtype=float)
    r = theta[..., 0:1] * x + theta[..., 1:2] - y
    f = 0.5 * np.mean(r * r, axis=-1)
    g = np.stack([np.mean(r * x, axis=-1), np.mean(r, axis=-1)], axis=-1)
    return f, g


def _points(s, n, seed):
    lo, hi = np.array(s.bounds).T
    return np.random.default_rng(seed).uniform(lo, hi, size=(n, 2))


def test_data_is_reproducible_and_read_only(s):
    x, y = s.data
    assert x.shape == y.shape == (200,)
    assert not x.flags.writeable
    assert not y.flags.writeable
    again = surfaces.get("least_squares", data_seed=0)
    np.testing.assert_array_equal(again.data[0], x)
    np.testing.assert_array_equal(again.data[1], y)
    other = surfaces.get("least_squares", data_seed=1)
    assert not np.array_equal(other.data[0], x)
    assert x.min() >= 0
    assert x.max() <= 4  # inputs not centred on 0
    noiseless = surfaces.get("least_squares", noise=0.0)
    np.testing.assert_array_equal(noiseless.data[0], x)  # same inputs, noise only rescaled
    np.testing.assert_allclose(noiseless.data[1], 2 * x + 1)
    assert noiseless.f_min == pytest.approx(0.0, abs=1e-20)


def test_f_and_grad_equal_the_definition(s):
    theta = _points(s, 40, seed=0)
    f, g = _direct(s, theta)
    np.testing.assert_allclose(s.f(theta), f, rtol=1e-12)
    np.testing.assert_allclose(s.grad(theta), g, rtol=1e-10, atol=1e-12)


def test_minimum_is_the_lstsq_solution(s):
    x, y = s.data
    theta, *_ = np.linalg.lstsq(np.stack([x, np.ones_like(x)], -1), y, rcond=None)
    np.testing.assert_allclose(s.global_minima, [theta], rtol=1e-14)
    assert s.f_min == pytest.approx(float(_direct(s, theta)[0]), rel=1e-12)
    np.testing.assert_allclose(s.grad(theta), 0.0, atol=1e-12)
    np.testing.assert_allclose(theta, [2.0, 1.0], atol=0.1)  # close to the true line


def test_mildly_ill_conditioned(s):
    x, _ = s.data
    hessian = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    assert 10 < np.linalg.cond(hessian) < 100


@pytest.mark.parametrize("params", [{"n_samples": 2, "noise": 30.0}, {"noise": 100.0}, {}])
def test_minimum_and_start_inside_bounds_for_any_data(params):
    s = surfaces.get("least_squares", **params)
    lo, hi = np.array(s.bounds).T
    assert np.all((s.global_minima > lo) & (s.global_minima < hi))
    assert np.all((np.array(s.start) > lo) & (np.array(s.start) < hi))


def test_minibatch_mean_approximates_full_gradient(s):
    theta = np.array([0.5, -1.5])
    runs = np.broadcast_to(theta, (20_000, 2))
    mb = s.minibatch_grad(runs, np.random.default_rng(123))
    full = s.grad(theta)
    sem = mb.std(axis=0) / np.sqrt(len(mb))
    assert np.all(np.abs(mb.mean(axis=0) - full) < 5 * sem)
    assert np.all(mb.std(axis=0) > 0.1 * np.abs(full))  # genuinely noisy


@pytest.mark.parametrize("n_samples", [10, 200])
def test_full_batch_gives_the_full_gradient(n_samples):
    s = surfaces.get("least_squares", n_samples=n_samples, batch_size=n_samples)
    theta = _points(s, 50, seed=1)
    mb = s.minibatch_grad(theta, np.random.default_rng(0))
    np.testing.assert_allclose(mb, s.grad(theta), rtol=1e-12, atol=1e-12)


def test_each_run_draws_its_own_batch(s):
    runs = np.zeros((100, 2))
    mb = s.minibatch_grad(runs, np.random.default_rng(0))
    assert len(np.unique(mb, axis=0)) > 95


def test_deterministic_for_a_seed_and_advancing(s):
    theta = _points(s, 7, seed=2).reshape(7, 1, 2)
    a = s.minibatch_grad(theta, np.random.default_rng(42))
    b = s.minibatch_grad(theta, np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(42)
    first, second = s.minibatch_grad(theta, rng), s.minibatch_grad(theta, rng)
    np.testing.assert_array_equal(first, a)
    assert not np.array_equal(first, second)
    assert a.shape == (7, 1, 2)


def test_single_point_minibatch(s):
    g = s.minibatch_grad(np.array([1.0, 1.0]), np.random.default_rng(0))
    assert g.shape == (2,)


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0)])
def test_minibatch_requires_a_generator(s, rng):
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator"):
        s.minibatch_grad(np.zeros(2), rng)


@pytest.mark.parametrize("k", [1, 2, 8, 20, 21, 150, 200])
def test_sample_batches_without_replacement_and_uniform(k):
    n, runs = 200, 3000
    idx = sample_batches(np.random.default_rng(k), (runs,), n, k)
    assert idx.shape == (runs, k)
    assert idx.min() >= 0
    assert idx.max() < n
    srt = np.sort(idx, axis=-1)
    assert np.all(np.diff(srt, axis=-1) > 0)  # no repeats within a run
    counts = np.bincount(idx.ravel(), minlength=n)
    expected = runs * k / n
    assert np.all(np.abs(counts - expected) < 6 * np.sqrt(expected) + 1)


def test_sample_batches_shapes_and_errors():
    rng = np.random.default_rng(0)
    assert sample_batches(rng, (), 10, 3).shape == (3,)
    assert sample_batches(rng, (2, 3), 10, 3).shape == (2, 3, 3)
    with pytest.raises(ValueError, match="batch size"):
        sample_batches(rng, (2,), 10, 11)
    with pytest.raises(ValueError, match="batch size"):
        sample_batches(rng, (2,), 10, 0)
