"""ModelObjective in the run loop: theory on a convex case, epochs of mini-batches, the
registry's checks, and the evaluation the views read."""

import subprocess
import sys

import numpy as np
import pytest

import models
import optimizers
from surfaces.base import Work


def test_logistic_regression_on_separable_data_behaves_as_theory_says():
    # Two far-apart Gaussians are linearly separable: the logistic loss has no finite
    # minimiser, so full-batch GD with a small step decreases it at every step while the weight
    # norm grows without bound (Soudry et al., "The implicit bias of gradient descent on
    # separable data", JMLR 2018: ‖w‖ ~ log t), and every training point ends classified right.
    obj = models.get("logistic", dataset="gaussians", noise=0.2, n=200)
    assert obj.data.n_classes == 2 and not obj.stochastic
    # the loss is convex with Hessian ≤ ¼ mean(‖(x, 1)‖²) I: lr below 2 / that is stable
    smooth = 0.25 * np.mean(np.sum(obj.data.x_train**2, axis=1) + 1)
    lr = 1.0 / smooth
    traj = optimizers.run(optimizers.get("sgd", lr=lr), obj, obj.x0, 2000)
    loss = traj.loss
    assert (np.diff(loss) < 0).all()
    norm = np.linalg.norm(traj.params[:, :2], axis=1)
    assert norm[200] < norm[1000] < norm[2000]
    assert loss[-1] < 1e-2
    assert obj.accuracy(traj.params[-1]) == 1.0
    assert obj.accuracy(traj.params[0]) < 1.0 or loss[0] > 0.3


def test_each_epoch_visits_every_example_once_and_every_run_sees_the_same_batches():
    obj = models.get("mlp", dataset="moons", hidden=(4,), n=52, batch_size=10)  # 39 train
    n = obj.data.n_train
    assert obj.stochastic and obj.steps_per_epoch == 4  # 10 + 10 + 10 + 9
    seq = obj.batches(np.random.default_rng(0))
    epochs = []
    for e in range(3):
        idx = np.concatenate([seq.indices(e * 4 + i) for i in range(4)])
        assert np.array_equal(np.sort(idx), np.arange(n))
        epochs.append(idx)
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled every epoch
    assert [len(seq.indices(i)) for i in range(4)] == [10, 10, 10, 9]
    # the same key gives the same order; the run loop's seed picks the key
    again = obj.batches(np.random.default_rng(0))
    assert np.array_equal(again.indices(5), seq.indices(5))
    # the gradient of step t is the mean gradient over step t's batch, for every run
    x = obj.x0 + 0.1 * np.random.default_rng(1).standard_normal((3, obj.dim))
    batch = seq.indices(6)
    want = obj.network.loss_and_grad(x, obj.data.x_train[batch], obj._y_train[batch])[1]
    np.testing.assert_array_equal(seq(x, 6), want)


def test_the_run_loop_draws_the_batches_by_step():
    obj = models.get("mlp", dataset="xor", hidden=(5,), n=60, batch_size=15)
    opt = optimizers.get("sgd", lr=0.1)
    seed = 4
    traj = optimizers.run(opt, obj, obj.x0, 9, seed=seed)
    seq = obj.batches(np.random.default_rng(seed))  # the sampler the loop made
    x = np.array(obj.x0)
    for t in range(9):
        g = seq(x, t)
        np.testing.assert_array_equal(traj.grads[t], g)
        x = x - 0.1 * g
        np.testing.assert_allclose(traj.params[t + 1], x, rtol=1e-15)
    # same seed: same run; several runs in one call see the same batches
    lr = np.array([[0.1], [0.1]])
    both = optimizers.run(optimizers.get("sgd", lr=lr), obj, obj.x0, 9, seed=seed)
    np.testing.assert_array_equal(both.params[:, 0], traj.params)
    np.testing.assert_array_equal(both.params[:, 1], traj.params)
    other = optimizers.run(opt, obj, obj.x0, 9, seed=seed + 1)
    assert not np.array_equal(other.params, traj.params)


def test_adam_sweep_over_learning_rates_in_one_call_both_records():
    obj = models.get("mlp", dataset="spiral", hidden=(8, 8), n=80)
    lr = np.geomspace(1e-3, 3.0, 6)[:, None]
    opt = optimizers.get("adam", lr=lr)
    traj = optimizers.run(opt, obj, np.broadcast_to(obj.x0, (6, obj.dim)), 70)
    assert traj.params.shape == (71, 6, obj.dim) and traj.loss.shape == (71, 6)
    out = optimizers.run(opt, obj, obj.x0, 70, record="outcome")
    # the outcome gives the trajectory's numbers bit for bit
    kept = ~np.isnan(out.final_loss)
    np.testing.assert_array_equal(out.final_loss[kept], traj.loss[-1][kept])
    assert traj.loss[-1, 2] < traj.loss[0, 2]  # lr = 0.02 learns
    # the loss the loop records is the objective's f
    np.testing.assert_allclose(traj.loss[10], obj.f(traj.params[10]), rtol=1e-14)
    # mini-batches too
    mini = models.get("mlp", dataset="spiral", hidden=(8, 8), n=80, batch_size=16)
    out = optimizers.run(opt, mini, mini.x0, 70, record="outcome")
    assert out.final_loss.shape == (6,) and np.isfinite(out.final_loss[:4]).all()


def test_losses_remembered_from_gradients_are_the_losses_bit_for_bit():
    obj = models.get("mlp", dataset="moons", hidden=(5, 4), n=60)
    fresh = models.get("mlp", dataset="moons", hidden=(5, 4), n=60)
    x = obj.x0 + 0.1 * np.random.default_rng(2).standard_normal((4, 3, obj.dim))
    obj.grad(x[1])
    obj.grad(x[3])
    assert len(obj._memo) == 2 and not fresh._memo
    np.testing.assert_array_equal(obj.f(x), fresh.f(x))  # rows 1 and 3 remembered, 0, 2 not
    np.testing.assert_array_equal(obj.f(x[3]), fresh.f(x[3]))
    y = x[1].copy()
    y[0, 0] += 1e-12  # another point: computed afresh
    np.testing.assert_array_equal(obj.f(y), fresh.f(y))
    import pickle

    again = pickle.loads(pickle.dumps(obj))
    assert again == obj and not again._memo
    np.testing.assert_array_equal(again.grad(x[1]), obj.grad(x[1]))


def test_a_diverging_run_is_caught_by_the_box_or_non_finite_values():
    obj = models.get("mlp", dataset="spiral", hidden=(8,), activation="relu", n=80)
    lr = np.array([[1e-2], [1e4]])
    traj = optimizers.run(optimizers.get("sgd", lr=lr), obj, obj.x0, 50)
    assert traj.diverged_at[0] is None and traj.diverged_at[1] is not None
    assert np.isnan(obj.accuracy(traj.params[-1]))[1]
    low = np.asarray(obj.bounds)[:, 0]
    assert np.allclose(obj.x0 - low, 100.0)


def test_evaluation_for_the_views():
    obj = models.get("mlp", dataset="spiral", hidden=(6,), n=100)
    x = obj.x0 + 0.2 * np.random.default_rng(0).standard_normal((4, 3, obj.dim))
    assert obj.test_loss(x).shape == (4, 3) and obj.test_accuracy(x).shape == (4, 3)
    np.testing.assert_allclose(obj.loss(x, "train"), obj.f(x), rtol=1e-15)
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-2, 2, 7)), -1).reshape(-1, 2)
    p = obj.predict(x, grid)
    assert p.shape == (4, 3, 35, 2)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)
    # accuracy = share of argmax(predicted probability) == label
    want = (obj.predict(x[1, 2], obj.data.x_test).argmax(-1) == obj.data.y_test).mean()
    assert obj.test_accuracy(x)[1, 2] == want
    logistic = models.get("logistic")
    q = logistic.predict(logistic.x0, grid)
    assert q.shape == (35, 2)
    sine = models.get("mlp", dataset="sine", hidden=(4,))
    assert sine.predict(sine.x0, np.zeros((9, 1))).shape == (9, 1)
    with pytest.raises(ValueError, match="accuracy needs a classification data set"):
        sine.accuracy(sine.x0)
    with pytest.raises(ValueError, match=r"points must have shape \(G, 2\); got \(3, 4\)"):
        obj.predict(obj.x0, np.zeros((3, 4)))


def test_work_scales_with_batch_and_parameters():
    full = models.get("mlp", n=400)
    mini = models.get("mlp", n=400, batch_size=30)
    wide = models.get("mlp", n=400, hidden=(64, 64))
    assert isinstance(full.work, Work)
    forward = 2 * 16 + 16 * 16 + 16 * 2  # multiply-adds per example
    assert full.work.values > 3 * 300 * forward  # forward, backward, weight gradients
    # a mini-batch's gradient is cheaper, but the loop's loss of each step is a pass over all
    assert 300 * forward < mini.work.values < full.work.values
    assert wide.work.values > 10 * full.work.values


def test_registry_checks_names_parameters_and_choices():
    assert models.names() == ["linear", "logistic", "softmax", "mlp"]
    with pytest.raises(KeyError, match="unknown model 'cnn'; choose from: linear, logistic"):
        models.get("cnn")
    with pytest.raises(TypeError, match=r"unexpected parameter.*'hidden'"):
        models.get("logistic", hidden=(3,))
    bad = [
        (
            {"dataset": "iris"},
            "dataset must be one of circle, xor, gaussians, spiral, moons; got 'iris'",
        ),
        ({"loss": "hinge"}, "loss must be one of cross_entropy, squared; got 'hinge'"),
        ({"batch_size": 0}, r"batch_size must be a whole number in \[1, 100000\]; got 0"),
        ({"batch_size": 301}, r"batch_size must be None \(full batch\) or .* \[1, 300\].*got 301"),
        ({"init_seed": 1.5}, r"init_seed must be a whole number in \[0, 2147483647\]; got 1.5"),
        ({"n": 10**6}, r"n must be a whole number in \[10, 100000\]; got 1000000"),
    ]
    for kwargs, message in bad:
        with pytest.raises(ValueError, match=message):
            models.get("logistic", **kwargs)
    with pytest.raises(ValueError, match=r"hidden must be 0 to 6 widths.*got \(16, 0\)"):
        models.get("mlp", hidden=(16, 0))
    with pytest.raises(ValueError, match="activation must be one of tanh, relu; got 'gelu'"):
        models.get("mlp", activation="gelu")
    with pytest.raises(ValueError, match="loss must be 'squared' on the regression set 'sine'"):
        models.get("mlp", dataset="sine", loss="cross_entropy")
    a, b = models.get("mlp", hidden=[8]), models.get("mlp", hidden=8)
    assert a == b and hash(a) == hash(b) and a != models.get("mlp", hidden=(9,))
    assert a.params["hidden"] == (8,)


def test_models_imports_numpy_only():
    code = (
        "import models, sys; assert 'streamlit' not in sys.modules and 'pandas' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
