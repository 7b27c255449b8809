"""Plain textbook loops written out here, and identities between optimizers.

Sources: optax ``lion``/``adabelief`` (alias.py, transform.py); Sutskever et al. 2013 (NAG);
Polyak 1964 (heavy ball); CS231n notes (Adam without bias correction); d2l.ai (ε inside the root).
"""

import numpy as np
import pytest

import optimizers
import surfaces

ROSEN = surfaces.get("rosenbrock")
HIMMEL = surfaces.get("himmelblau")
START = np.array([[-1.2, 1.0], [0.5, -0.5]])


def trajectory(opt, surface=ROSEN, x0=START, steps=100):
    return optimizers.run(opt, surface, x0, steps, bounds_margin=None).params


def loop(rule, state, surface=ROSEN, x0=START, steps=100):
    """Run a textbook ``rule(x, g, state, t) -> (x, state)`` and collect the path."""
    x, path = x0.copy(), [x0.copy()]
    for t in range(1, steps + 1):
        x, state = rule(x, surface.grad(x), state, t)
        path.append(x.copy())
    return np.stack(path)


def test_lion_follows_optax():
    lr, b1, b2, wd = 3e-3, 0.9, 0.99, 0.01

    def rule(x, g, m, t):
        c = np.sign((1 - b1) * g + b1 * m)
        return x - lr * (c + wd * x), (1 - b2) * g + b2 * m

    ours = trajectory(optimizers.get("lion", lr=lr, weight_decay=wd))
    np.testing.assert_allclose(ours, loop(rule, np.zeros(2)), rtol=1e-13, atol=1e-15)


def test_adabelief_follows_optax():
    lr, b1, b2, eps, eps_root = 0.02, 0.9, 0.999, 1e-16, 1e-16

    def rule(x, g, state, t):
        m, s = state
        m = (1 - b1) * g + b1 * m
        s = (1 - b2) * (g - m) ** 2 + b2 * s + eps_root
        step = (m / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + eps)
        return x - lr * step, (m, s)

    ours = trajectory(optimizers.get("adabelief", lr=lr), HIMMEL)
    np.testing.assert_allclose(ours, loop(rule, (0, 0), HIMMEL), rtol=1e-12)


def test_rmsprop_nesterov_follows_the_issue_rule():
    lr, alpha, mu, eps = 1e-3, 0.9, 0.8, 1e-8

    def rule(x, g, state, t):
        v, b = state
        v = alpha * v + (1 - alpha) * g * g
        scaled = g / (np.sqrt(v) + eps)
        b = mu * b + scaled
        return x - lr * (scaled + mu * b), (v, b)

    opt = optimizers.get("rmsprop", lr=lr, alpha=alpha, momentum=mu, nesterov=True)
    np.testing.assert_allclose(trajectory(opt), loop(rule, (0, 0)), rtol=1e-12)


def test_adam_without_bias_correction_is_the_cs231n_loop():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8

    def rule(x, g, state, t):
        m, v = state
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        return x - lr * m / (np.sqrt(v) + eps), (m, v)

    opt = optimizers.get("adam", lr=lr, bias_correction=False)
    np.testing.assert_allclose(trajectory(opt), loop(rule, (0, 0)), rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "kwargs", "denominator"),
    [
        ("adagrad", {"lr": 0.5}, lambda s, t: np.sqrt(s["G"] + s["eps"])),
        ("rmsprop", {"lr": 0.01, "alpha": 0.9}, lambda s, t: np.sqrt(s["v"] + s["eps"])),
        (
            "adam",
            {"lr": 0.05},
            lambda s, t: np.sqrt(s["v"] / (1 - 0.999**t) + s["eps"]) * (1 - 0.9**t),
        ),
    ],
)
def test_eps_inside_sqrt_is_the_tutorial_form(name, kwargs, denominator):
    eps = 1e-4  # large, so the placement shows

    def rule(x, g, s, t):
        s = dict(s)
        s["G"] = s["G"] + g * g
        s["v"] = (0.9 if name == "rmsprop" else 0.999) * s["v"] + (
            0.1 if name == "rmsprop" else 0.001
        ) * g * g
        s["m"] = 0.9 * s["m"] + 0.1 * g
        direction = s["m"] if name == "adam" else g
        return x - kwargs["lr"] * direction / denominator(s, t), s

    opt = optimizers.get(name, eps=eps, eps_inside_sqrt=True, **kwargs)
    expected = loop(rule, {"G": 0, "v": 0, "m": 0, "eps": eps}, HIMMEL, steps=60)
    np.testing.assert_allclose(trajectory(opt, HIMMEL, steps=60), expected, rtol=1e-11)
    torch_form = trajectory(optimizers.get(name, eps=eps, **kwargs), HIMMEL, steps=60)
    assert np.max(np.abs(torch_form - expected)) > 1e-6  # the two placements do differ


def test_nesterov_equals_sutskevers_velocity_form():
    lr, mu = 1e-3, 0.9

    def rule(x, g_unused, v, t):  # gradient at the look-ahead point θ + μv
        v = mu * v - lr * ROSEN.grad(x + mu * v)
        return x + v, v

    # the reformulated variable θ' = θ + μv is what torch stores
    reformulated = trajectory(optimizers.get("nesterov", lr=lr, momentum=mu))
    path = loop(rule, np.zeros(2))
    velocities = np.diff(path, axis=0)
    look_ahead = path[1:] + mu * velocities
    np.testing.assert_allclose(reformulated[1:], look_ahead, rtol=1e-10, atol=1e-12)


def test_momentum_is_polyaks_heavy_ball():
    lr, mu = 1e-3, 0.9

    def rule(x, g, prev, t):
        return x - lr * g + mu * (x - prev), x

    ours = trajectory(optimizers.get("momentum", lr=lr, momentum=mu))
    np.testing.assert_allclose(ours, loop(rule, START.copy()), rtol=1e-10, atol=1e-12)


IDENTITIES = [
    (("momentum", {"momentum": 0.0, "lr": 1e-3}), ("sgd", {"lr": 1e-3})),
    (("nesterov", {"lr": 1e-3}), ("sgd", {"lr": 1e-3, "momentum": 0.9, "nesterov": True})),
    (
        ("adamw", {"lr": 0.01}),
        ("adam", {"lr": 0.01, "weight_decay": 0.01, "decoupled_weight_decay": True}),
    ),
    (
        ("adam", {"lr": 0.01, "beta1": 0.0, "beta2": 0.9, "bias_correction": False}),
        ("rmsprop", {"lr": 0.01, "alpha": 0.9}),
    ),
    (("radam", {"lr": 0.01, "beta2": 0.0}), ("momentum", {"lr": 0.01})),
]


@pytest.mark.parametrize(("left", "right"), IDENTITIES, ids=lambda pair: pair[0])
def test_identities(left, right):
    a = trajectory(optimizers.get(left[0], **left[1]))
    b = trajectory(optimizers.get(right[0], **right[1]))
    if left[0] == "radam":  # β₂ = 0 never rectifies: momentum SGD on the bias-corrected m
        b = trajectory(optimizers.get("sgd", lr=0.01))
        a = trajectory(optimizers.get("radam", lr=0.01, beta1=0.0, beta2=0.0))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adadelta"])
def test_lr_eff_times_gradient_is_the_step_without_momentum(name):
    traj = optimizers.run(optimizers.get(name, lr=0.01), HIMMEL, START, 50)
    np.testing.assert_allclose(traj.updates, -traj.lr_eff * traj.grads, rtol=1e-12)


@pytest.mark.parametrize("name", ["adam", "adamw", "adamax", "adabelief", "radam"])
def test_lr_eff_times_bias_corrected_first_moment_is_the_step(name):
    """CONVENTIONS §2: lr_eff multiplies m̂ = m / (1 − β₁ᵗ), not the raw m."""
    traj = optimizers.run(optimizers.get(name, lr=0.01, weight_decay=0.0), HIMMEL, START, 50)
    t = np.arange(1, 51)[:, None, None]
    m_hat = traj.state["exp_avg"] / (1 - 0.9**t)
    np.testing.assert_allclose(traj.updates, -traj.lr_eff * m_hat, rtol=1e-12)


@pytest.mark.parametrize("name", ["adam", "adamw", "adabelief", "radam"])
def test_adam_family_lr_eff_at_step_one_is_about_lr_not_ten_times(name):
    """At step 1 m̂ = g and √v̂ = |g|: the factor on m̂ is η/|g| (η itself in RAdam's SGD
    phase), not the 10·η/|g| it would be on the raw m with β₁ = 0.9."""
    traj = optimizers.run(optimizers.get(name, lr=0.01, weight_decay=0.0), HIMMEL, START, 3)
    gain = traj.lr_eff[0] * (1.0 if name == "radam" else np.abs(traj.grads[0]))
    expected = 0.01 / 0.9 if name == "adabelief" else 0.01  # AdaBelief: √ŝ₁ = 0.9·|g|
    np.testing.assert_allclose(gain, expected, rtol=1e-6)


def test_rmsprop_momentum_buffer_gains_its_gradient_at_lr_eff():
    traj = optimizers.run(optimizers.get("rmsprop", lr=0.01, momentum=0.5), HIMMEL, START, 30)
    buf = traj.state["momentum_buffer"]
    np.testing.assert_allclose(buf[1:] - 0.5 * buf[:-1], traj.grads[1:] * traj.lr_eff[1:] / 0.01)


def test_adam_first_step_is_lr_times_sign():
    opt = optimizers.get("adam", lr=0.1)
    g = np.array([1e-3, -5.0, 300.0])
    updates, _ = opt.update(g, opt.init(np.zeros(3)), np.zeros(3))
    np.testing.assert_allclose(updates, -0.1 * np.sign(g), rtol=1e-5)


def test_lion_steps_have_size_lr():
    traj = optimizers.run(optimizers.get("lion", lr=0.01, weight_decay=0.0), HIMMEL, START, 40)
    np.testing.assert_allclose(np.abs(traj.updates), 0.01)
    np.testing.assert_allclose(traj.lr_eff, 0.01)


def test_adagrad_effective_rate_only_shrinks_rmsprop_does_not():
    """The lesson: on ½x² from 5 with lr 1, Adagrad's steps die, RMSProp's keep their size."""
    parabola = surfaces.get("parabola")
    ada = optimizers.run(optimizers.get("adagrad", lr=1.0), parabola, [5.0], 50)
    rms = optimizers.run(optimizers.get("rmsprop", lr=1.0, alpha=0.9), parabola, [5.0], 50)
    assert (np.diff(ada.lr_eff[:, 0]) <= 0).all()  # never grows back
    assert ada.lr_eff[-1, 0] < ada.lr_eff[0, 0] / 1.5
    assert rms.lr_eff[-1, 0] > 5 * rms.lr_eff[0, 0]  # forgets the large early gradients
    assert rms.lr_eff[-1, 0] > 50 * ada.lr_eff[-1, 0]


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_heavy_ball_stability_boundary_on_a_parabola(mu):
    """Heavy ball on ½x² converges iff 0 < lr < 2(1 + μ).

    Polyak 1964; Goh, "Why momentum really works", Distill 2017.
    """
    parabola = surfaces.get("parabola")
    edge = 2 * (1 + mu)
    lrs = np.array([0.9 * edge, 0.99 * edge, 1.01 * edge, 1.1 * edge])[:, None]
    opt = optimizers.get("sgd", lr=lrs, momentum=mu)
    traj = optimizers.run(opt, parabola, [1.0], 3000, bounds_margin=None)
    final = np.abs(traj.params[-1, :, 0])
    assert (final[:2] < 1e-3).all()
    assert not (final[2:] < 1.0).any()  # blown up, or stopped as diverged (NaN)
