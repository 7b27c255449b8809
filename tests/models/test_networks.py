"""Networks: exact gradients, the batch of runs, torch-like initialisation, pack and unpack."""

import itertools

import numpy as np
import pytest

import models
from models.networks import Network

# Every model × loss × activation the registry builds, on small data (gradient checks are
# central differences over every parameter, so the networks stay small).
CASES = (
    [
        ("linear", {"dataset": "sine"}),
        ("linear", {"dataset": "spiral"}),
        ("logistic", {"loss": "cross_entropy"}),
        ("logistic", {"loss": "squared"}),
        ("softmax", {"dataset": "iris", "loss": "cross_entropy"}),
        ("softmax", {"dataset": "iris", "loss": "squared"}),
        ("softmax", {"dataset": "moons", "loss": "cross_entropy"}),
    ]
    + [
        ("mlp", {"dataset": data, "hidden": hidden, "activation": act, "loss": loss})
        for act, loss, (data, hidden) in itertools.product(
            ("tanh", "relu"),
            ("cross_entropy", "squared"),
            (("spiral", (6, 5)), ("iris", (4,))),
        )
    ]
    + [
        ("mlp", {"dataset": "sine", "hidden": (5, 4), "activation": "tanh"}),
        ("mlp", {"dataset": "sine", "hidden": (5,), "activation": "relu"}),
    ]
)
IDS = [f"{name}-" + "-".join(str(v) for v in kw.values()) for name, kw in CASES]


def _objective(name, kw, **more):
    return models.get(name, n=40, **kw, **more)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_gradient_matches_central_differences_for_several_runs_at_once(name, kw):
    obj = _objective(name, kw)
    rng = np.random.default_rng(7)
    x = obj.x0 + 0.3 * rng.standard_normal((3, obj.dim))  # three runs, away from the init
    g = obj.grad(x)
    assert g.shape == (3, obj.dim)
    h = 1e-6
    eye = np.eye(obj.dim)
    fd = (obj.f(x[:, None, :] + h * eye) - obj.f(x[:, None, :] - h * eye)) / (2 * h)
    # ReLU kinks: a central difference straddling one is wrong; none lies within h here
    err = np.linalg.norm(fd - g, axis=-1) / np.linalg.norm(g, axis=-1)
    assert (err < 1e-6).all(), err


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_a_batch_of_runs_equals_the_runs_one_by_one(name, kw):
    obj = _objective(name, kw)
    x = obj.x0 + 0.5 * np.random.default_rng(3).standard_normal((2, 3, obj.dim))
    x.flags.writeable = False  # inputs are never modified
    f, g = obj.f(x), obj.grad(x)
    loss, g2 = obj.value_and_grad(x)
    assert f.shape == (2, 3) and g.shape == (2, 3, obj.dim)
    for i, j in itertools.product(range(2), range(3)):
        np.testing.assert_allclose(obj.f(x[i, j]), f[i, j], rtol=1e-14, atol=0)
        np.testing.assert_allclose(obj.grad(x[i, j]), g[i, j], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(loss, f, rtol=1e-14)
    np.testing.assert_array_equal(g2, g)


def test_init_is_torch_like_bounded_by_fan_in_and_shared_by_every_run():
    obj = models.get("mlp", dataset="iris", hidden=(16, 8))
    net = obj.network
    theta = obj.x0
    assert not theta.flags.writeable
    for layer in net.layers:
        bound = 1 / np.sqrt(layer.fan_in)
        w, b = theta[layer.weight], theta[layer.bias]
        assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
        # uniform over the interval, not a narrower one: the extremes come near the bound
        assert np.abs(w).max() > 0.8 * bound
    # every run of a batch starts at x0; the seed fixes it, another seed changes it
    assert np.array_equal(models.get("mlp", dataset="iris", hidden=(16, 8)).x0, theta)
    other = models.get("mlp", dataset="iris", hidden=(16, 8), init_seed=1).x0
    assert not np.array_equal(other, theta)
    lr = np.geomspace(1e-3, 1e-1, 4)[:, None]
    import optimizers

    traj = optimizers.run(optimizers.get("sgd", lr=lr), obj, obj.x0, 1)
    assert (traj.params[0] == theta).all()


def test_layout_is_torch_parameters_order_and_pack_inverts_unpack():
    net = Network((3, 4, 2))
    assert [(layer.weight, layer.bias) for layer in net.layers] == [
        (slice(0, 12), slice(12, 16)),
        (slice(16, 24), slice(24, 26)),
    ]
    x = np.arange(2 * 26, dtype=float).reshape(2, 26)
    (w1, b1), (w2, b2) = net.unpack(x)
    assert w1.shape == (2, 4, 3) and b1.shape == (2, 4) and w2.shape == (2, 2, 4)
    assert w1[1, 0, 2] == x[1, 2] and w1[1, 1, 0] == x[1, 3]  # row-major (out, in), as torch
    assert np.array_equal(net.pack(net.unpack(x)), x)
    # the forward pass is z = a Wᵀ + b, layer by layer
    inputs = np.random.default_rng(0).standard_normal((5, 3))
    out = net.forward(x, inputs)[-1]
    want = np.tanh(inputs @ w1[0].T + b1[0]) @ w2[0].T + b2[0]
    np.testing.assert_allclose(out[0], want, rtol=1e-13)


def test_losses_are_stable_for_huge_logits():
    for loss_net in (Network((2, 3), loss="cross_entropy"), Network((2, 1), loss="cross_entropy")):
        k = loss_net.n_outputs
        x = np.zeros((1, loss_net.dim))
        x[0, loss_net.layers[0].bias] = 1e4 * np.arange(1, k + 1) * (1 if k > 1 else -1)
        y = loss_net.encode_targets(np.array([0, 1]), 3 if k > 1 else 2)
        loss, g = loss_net.loss_and_grad(x, np.zeros((2, 2)), y)
        assert np.isfinite(loss).all() and np.isfinite(g).all()
        assert loss[0] > 1e3  # a confident wrong answer costs about its margin


def test_bad_networks_are_refused_with_the_range_and_value():
    with pytest.raises(ValueError, match=r"sizes must be .*got \(2,\)"):
        Network((2,))
    with pytest.raises(ValueError, match="activation must be one of tanh, relu; got 'sigmoid'"):
        Network((2, 2), activation="sigmoid")
    with pytest.raises(ValueError, match="loss must be one of cross_entropy, squared; got 'hinge'"):
        Network((2, 2), loss="hinge")
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 13\)"):
        Network((2, 3, 1)).unpack(np.zeros(8))
