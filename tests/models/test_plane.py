"""The loss-landscape plane of the trajectories (Li et al. 2018, §7)."""

import numpy as np
import pytest

import models
import optimizers
from models.plane import landscape_plane, principal_plane, project, top_two


def _planar_paths(d=12, steps=30, runs=3, seed=0):
    """Paths lying exactly in the 2-D affine plane c + span(u1, u2) of R^d."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, 2)))
    u = q.T  # (2, d) orthonormal
    c = rng.standard_normal(d)
    t = np.linspace(0, 1, steps + 1)[:, None]
    coords = np.stack(
        [
            np.concatenate([3 * (1 - t) * np.cos(k + t), (1 - t) * np.sin(2 * k + 5 * t)], axis=1)
            for k in range(runs)
        ],
        axis=1,
    )  # (steps+1, runs, 2), every run ends at the origin
    return c + coords @ u, c, u, coords


def test_a_planar_trajectory_is_reconstructed_exactly():
    paths, c, u, coords = _planar_paths()
    centre, dirs, explained, run = principal_plane(paths, "final")
    np.testing.assert_allclose(centre, c, atol=1e-12)  # run 0 ends at c
    assert run == 0
    np.testing.assert_allclose(dirs @ dirs.T, np.eye(2), atol=1e-12)
    # the plane found is the plane the paths span: each true direction lies in it
    np.testing.assert_allclose(np.linalg.norm(u @ dirs.T, axis=1), 1.0, atol=1e-12)
    assert explained.sum() == pytest.approx(1.0, abs=1e-12) and explained[0] >= explained[1]
    got, residual = project(paths, centre, dirs)
    assert residual.max() < 1e-12
    # the projections are the true coordinates up to a rotation (or reflection) of the plane
    rot = u @ dirs.T
    np.testing.assert_allclose(got, coords @ rot, atol=1e-12)
    np.testing.assert_allclose(
        np.linalg.norm(got, axis=-1), np.linalg.norm(coords, axis=-1), atol=1e-12
    )


def test_a_path_off_the_plane_shows_in_the_explained_variance_and_residual():
    paths, *_ = _planar_paths()
    rng = np.random.default_rng(1)
    noisy = paths + 0.05 * rng.standard_normal(paths.shape)
    plane = landscape_plane(_Bowl(), noisy, grid=6)
    assert 0.5 < plane.explained.sum() < 1.0
    assert plane.residual.max() > 0.01


class _Bowl:
    def f(self, x):
        return 0.5 * np.sum(np.asarray(x) ** 2, axis=-1)


def test_the_grid_is_one_batched_call_of_f_in_the_plane():
    paths, *_ = _planar_paths()
    calls = []

    class Counting(_Bowl):
        def f(self, x):
            calls.append(np.shape(x))
            return super().f(x)

    plane = landscape_plane(Counting(), paths, centre="mean", grid=7)
    assert calls == [(7, 7, 12)]
    assert plane.loss.shape == (7, 7) and not plane.loss.flags.writeable
    # loss[j, i] is f at centre + alpha[i] u1 + beta[j] u2
    point = (
        plane.centre + plane.alpha[2] * plane.directions[0] + plane.beta[5] * plane.directions[1]
    )
    assert plane.loss[5, 2] == pytest.approx(_Bowl().f(point), rel=1e-13)
    # one scale on both axes, and every projected point inside the grid
    assert np.ptp(plane.alpha) == pytest.approx(np.ptp(plane.beta))
    assert (
        plane.coords[..., 0].min() >= plane.alpha[0]
        and plane.coords[..., 1].max() <= plane.beta[-1]
    )
    assert plane.centre_kind == "mean" and plane.run is None


def test_plane_of_real_runs_skips_diverged_rows():
    obj = models.get("mlp", dataset="spiral", hidden=(6,), n=60)
    lr = np.array([[0.05], [0.2], [1e5]])
    traj = optimizers.run(optimizers.get("sgd", lr=lr), obj, obj.x0, 40)
    assert traj.diverged_at[2] is not None
    plane = landscape_plane(obj, traj.params, centre=1, grid=5)
    assert plane.run == 1 and np.isfinite(plane.loss).all()
    np.testing.assert_array_equal(plane.centre, traj.params[-1, 1])
    assert np.isnan(plane.coords[-1, 2]).all() and np.isfinite(plane.coords[:, :2]).all()
    assert plane.coords[-1, 1] == pytest.approx([0, 0], abs=1e-12)


def test_bad_arguments_are_refused():
    paths, *_ = _planar_paths()
    with pytest.raises(ValueError, match=r"centre must be a run index in \[0, 2\]; got 5"):
        principal_plane(paths, 5)
    with pytest.raises(ValueError, match="centre must be 'final', 'mean' or a run index"):
        principal_plane(paths, "first")
    with pytest.raises(ValueError, match=r"grid must be a whole number in \[2, 400\]; got 1"):
        landscape_plane(_Bowl(), paths, grid=1)
    with pytest.raises(ValueError, match=r"paths must have shape \(steps\+1, runs, d\)"):
        landscape_plane(_Bowl(), np.zeros(3))


def _svd_top_two(m):
    _, s, vt = np.linalg.svd(m, full_matrices=False)
    return s[:2] ** 2, vt[:2]


def _race_matrix(steps=150):
    """The matrix the dashboard's plane takes apart: every recorded point of four runs of the
    spiral MLP (354 parameters) minus the centre, column means removed."""
    obj = models.get("mlp", n=200)
    paths = np.concatenate(
        [
            optimizers.run(optimizers.get(name, lr=lr), obj, obj.x0, steps).params[:, None]
            for name, lr in (("sgd", 0.3), ("momentum", 0.1), ("rmsprop", 0.01), ("adam", 0.01))
        ],
        axis=1,
    )
    m = paths.reshape(-1, obj.dim) - paths[-1, 0]
    return m - m.mean(axis=0)


@pytest.mark.parametrize(
    "shape", [(484, 354), (60, 354), (354, 60), (40, 3), (3, 40)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_the_top_two_directions_equal_the_svds_up_to_sign(shape):
    rng = np.random.default_rng(sum(shape))
    # decaying spectrum, as paths have: a few directions hold most of the spread
    n, d = shape
    k = min(n, d)
    left = np.linalg.qr(rng.standard_normal((n, k)))[0]
    right = np.linalg.qr(rng.standard_normal((d, k)))[0]
    m = (left * 0.7 ** np.arange(k)) @ right.T
    var, u = top_two(m)
    want_var, want_u = _svd_top_two(m)
    np.testing.assert_allclose(var, want_var, rtol=1e-9)
    np.testing.assert_allclose(np.abs(np.sum(u * want_u, axis=1)), 1.0, atol=1e-9)
    np.testing.assert_allclose(u @ u.T, np.eye(2), atol=1e-12)


def test_the_planes_directions_of_a_real_race_equal_the_svds_up_to_sign():
    m = _race_matrix()
    var, u = top_two(m)
    want_var, want_u = _svd_top_two(m)
    np.testing.assert_allclose(var, want_var, rtol=1e-9)
    np.testing.assert_allclose(np.abs(np.sum(u * want_u, axis=1)), 1.0, atol=1e-8)


def test_rank_below_two_gets_an_orthonormal_pair_with_zero_variance():
    for m in (np.zeros((5, 30)), np.outer(np.arange(5.0) - 2, np.ones(30))):
        var, u = top_two(m)
        np.testing.assert_allclose(u @ u.T, np.eye(2), atol=1e-12)
        assert var[1] == 0.0
        assert var[0] == pytest.approx(float((m * m).sum()))
