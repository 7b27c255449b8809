"""Every lesson shows the effect its text describes (checked on the runs themselves)."""

import numpy as np
import pytest

from lab import lessons
from lab.simulate import simulate


def runs(key):
    return [r.trajectory for r in simulate(lessons.BY_KEY[key].experiment)]


def test_there_are_at_least_eight_lessons_with_unique_setups():
    assert len(lessons.LESSONS) >= 8
    assert len({lesson.experiment for lesson in lessons.LESSONS}) == len(lessons.LESSONS)
    for lesson in lessons.LESSONS:
        assert lessons.find(lesson.experiment) is lesson
        assert lesson.text.count(". ") + 1 >= 2 and len(lesson.text) < 700


def test_adagrad_dies_rmsprop_does_not():
    adagrad, rmsprop = runs("adagrad_dies")
    assert (np.diff(adagrad.lr_eff[:, 0]) <= 0).all()
    assert rmsprop.lr_eff[-1, 0] > 10 * adagrad.lr_eff[-1, 0]
    assert abs(rmsprop.params[6, 0]) < 0.1 < abs(adagrad.params[6, 0])
    assert rmsprop.lr_eff[-1, 0] > rmsprop.lr_eff[0, 0]  # climbs back


def test_the_slope_that_turns():
    gd, mom, _nag, _rms, rms_mom, _rms_nag, _adadelta, adam = runs("slope_turns")
    adam_x, rms_x = adam.params[:, 0], rms_mom.params[:, 0]
    nag_min = min(_nag.params[:, 0].min(), _rms_nag.params[:, 0].min())
    assert nag_min < adam_x.min()  # the Nesterov runs overshoot furthest
    speed = -np.diff(adam_x[adam_x > 0])
    np.testing.assert_allclose(speed[:150], 0.01, rtol=1e-4)  # constant from the first step
    rms_speed = -np.diff(rms_x)
    assert rms_speed[0] == pytest.approx(0.01 / np.sqrt(10), rel=1e-3)  # a third of ...
    assert rms_speed[60] == pytest.approx(0.01, rel=0.03)  # ... the speed it reaches
    assert adam_x.min() < rms_x.min() < 0  # Adam runs furthest past the turn
    adam_back = adam_x.argmin() - np.argmax(adam_x <= 0)
    rms_back = rms_x.argmin() - np.argmax(rms_x <= 0)
    assert adam_back > rms_back  # and is slower to turn back
    assert gd.params[-1, 0] > 1.9 and mom.params[-1, 0] > 1.5  # barely move


def test_ravine_zigzag():
    sgd, momentum = runs("ravine_zigzag")
    signs = np.sign(sgd.params[1:, 1])
    assert (signs[1:] != signs[:-1]).all()  # bounces wall to wall at every step
    m_signs = np.sign(momentum.params[1:, 1])
    assert (m_signs[1:] != m_signs[:-1]).sum() < 20  # slow swings
    assert np.abs(momentum.params[30:, 1]).max() < 0.1 * np.abs(momentum.params[:10, 1]).max()
    assert momentum.loss[-1] < sgd.loss[-1] / 100


def test_one_learning_rate_for_all():
    sgd, rmsprop, adam = runs("one_lr_for_all")
    assert 1.0 < abs(sgd.params[-1, 0]) < 1.5  # two thirds of the way from x = −4
    assert abs(rmsprop.params[-1, 0]) < 0.2 and abs(adam.params[-1, 0]) < 0.2
    ratio = sgd.lr_eff[-1, 0] / sgd.lr_eff[-1, 1]
    assert ratio == 1.0 and adam.lr_eff[50, 0] / adam.lr_eff[50, 1] > 10


def test_bias_correction_first_steps():
    corrected, raw = runs("bias_correction")
    np.testing.assert_allclose(np.abs(corrected.updates[0]), 0.3, rtol=1e-6)
    np.testing.assert_allclose(np.abs(raw.updates[0]), 0.3 * np.sqrt(1000) / 10, rtol=1e-6)
    assert raw.loss[-1] > 2.5 * corrected.loss[-1]


def test_noisy_gradients_jitter():
    sgd, momentum, adam = runs("noisy_gradients")
    for traj in (sgd, momentum):
        tail = traj.loss[-100:]
        assert (np.diff(tail) > 0).sum() > 20  # keeps jittering up and down
        assert tail.min() - 0.1303 < 0.01  # around the fit
    assert (np.diff(adam.loss[-100:]) < 0).sum() > 60  # still approaching


def test_rosenbrock_momentum_beats_sgd():
    sgd, momentum, _nesterov, rmsprop, adam = runs("rosenbrock")
    assert momentum.loss[-1] < 1e-3 < sgd.loss[-1]
    assert adam.loss[-1] < rmsprop.loss[-1] < sgd.loss[-1]


def test_saddle_gd_lingers_adam_escapes():
    sgd, momentum, adam = runs("saddle")
    near = np.linalg.norm(sgd.params, axis=-1) < 0.5
    assert near.sum() >= 25  # GD lingers by the saddle
    assert momentum.params[:, 0].max() > 0.5  # rushes past it
    assert (np.linalg.norm(adam.params, axis=-1) > 0.8).all()  # never comes near
    escape = [int(np.argmax(np.abs(t.params[:, 1]) > 1)) for t in (sgd, momentum, adam)]
    assert escape[2] < escape[1] < escape[0]
    assert all(t.diverged_at is None for t in (sgd, momentum, adam))


def test_himmelblau_reaches_different_minima():
    finals = {tuple(np.round(t.params[-1], 2)) for t in runs("himmelblau")}
    assert len(finals) >= 2


def test_too_high_diverges():
    slow, oscillating, diverging = runs("too_high")
    assert slow.diverged_at is None and oscillating.diverged_at is None
    assert (np.diff(np.sign(oscillating.params[:10, 0])) != 0).all()
    assert diverging.diverged_at is not None


@pytest.mark.parametrize(
    ("text", "hidden"),
    [("optimizers,run", {"optimizers", "run"}), ("bogus,sidebar", {"sidebar"}), (None, set())],
)
def test_hidden_controls_parse(text, hidden):
    assert lessons.parse_hidden(text) == hidden


def test_lbfgs_learns_the_valleys_curvature():
    search, fixed, momentum, adam = runs("lbfgs_curvature")
    assert int(np.argmax(search.loss < 1e-8)) == 34
    assert search.state["func_evals"][33, 0] == 76  # evaluations up to step 34
    assert (np.diff(search.state["n_iter"][:, 0]) <= 1).all()  # one iteration a step
    assert int(np.argmax(fixed.loss < 1e-8)) == 61 and fixed.loss[50] > 1e-2
    assert momentum.loss[-1] == pytest.approx(0.07, abs=0.005)
    assert adam.loss[-1] == pytest.approx(3.9, abs=0.05)


def test_rprop_reads_only_the_sign():
    rprop, gd, adam = runs("rprop_signs")
    np.testing.assert_allclose(np.abs(rprop.updates[:5]), [[0.01 * 1.2**k] * 2 for k in range(5)])
    assert rprop.loss[30] < 0.01 and rprop.loss[-1] < 1e-11
    assert gd.loss[-1] == pytest.approx(10, rel=0.05)
    assert adam.loss[-1] == pytest.approx(0.005, rel=0.1)
    # a flip halves the step: the y step after its first sign change
    flips = np.flatnonzero(np.diff(np.sign(rprop.grads[:, 1])) != 0)
    assert rprop.lr_eff[flips[0] + 1, 1] == pytest.approx(0.5 * rprop.lr_eff[flips[0], 1])
