"""Every model lesson's text states what its runs do: each number is checked here."""

import dataclasses

import numpy as np
import pytest

from lab import lessons, sweeps
from lab.simulate import simulate


def setup(key):
    return lessons.BY_KEY[key].experiment


def runs(exp):
    return [r.trajectory for r in simulate(exp)]


def test_model_lessons_are_registered_and_open_their_setup():
    for lesson in (lessons.BY_KEY[x.key] for x in lessons.MODEL_LESSONS):
        assert lesson.experiment.is_model
        assert lessons.find(lesson.experiment) is lesson


def test_minibatch_noise_hurts_adam_not_sgd():
    exp = setup("minibatch_noise")
    assert exp.objective().data.n_train == 150 and exp.objective().steps_per_epoch == 19
    sgd, adam = runs(exp)
    full = dataclasses.replace(exp, model_params=(("dataset", "moons"), ("n", 200)))
    sgd_full, adam_full = runs(full)
    assert sgd.loss[-1] == pytest.approx(0.285, abs=0.005)
    assert sgd_full.loss[-1] == pytest.approx(0.283, abs=0.005)
    assert adam_full.loss[-1] == pytest.approx(0.013, abs=0.003)
    assert adam.loss[-1] == pytest.approx(0.25, abs=0.01)
    assert adam.loss[-1] > 10 * adam_full.loss[-1]  # the claim does not hold here
    bigger = dataclasses.replace(
        exp, model_params=(("dataset", "moons"), ("n", 200), ("batch_size", 32))
    )
    assert runs(bigger)[1].loss[-1] < adam.loss[-1]  # a larger batch: Adam recovers


def test_usable_learning_rate_ranges_on_the_spiral():
    exp = setup("lr_range")
    assert exp.steps == 100
    df = sweeps.lr_sweep(exp, np.geomspace(1e-5, 10, 25))
    ranges = {}
    for run, rows in df.groupby("run", sort=False):
        ok = rows[~rows["diverged"] & (rows["final"] < 0.5)]
        ranges[run.split()[0]] = (ok["lr"].min(), ok["lr"].max()) if len(ok) else None
    assert ranges["SGD"] is None
    assert ranges["Adam"] == pytest.approx((0.01, 0.56), rel=0.01)
    assert ranges["Momentum"] == pytest.approx((0.178, 1.78), rel=0.01)
    assert ranges["RMSProp"] == pytest.approx((0.0056, 0.056), rel=0.01)
    decades = {k: np.log10(v[1] / v[0]) for k, v in ranges.items() if v}
    assert decades["Adam"] == pytest.approx(1.75)
    assert decades["Momentum"] == pytest.approx(1.0) == decades["RMSProp"]


def test_rmsprop_beats_adam_on_logistic_regression():
    exp = setup("rmsprop_simple")
    rmsprop, adam = runs(exp)
    obj = exp.objective()
    assert rmsprop.loss[-1] == pytest.approx(0.049, abs=0.002)
    assert adam.loss[-1] == pytest.approx(0.13, abs=0.005)
    assert obj.test_accuracy(rmsprop.params[-1]) == 1.0 == obj.test_accuracy(adam.params[-1])


def test_adam_trains_the_mlp_lower_but_does_not_generalise_better():
    exp = setup("adam_deep")
    rmsprop, adam = runs(exp)
    obj = exp.objective()
    assert adam.loss[-1] == pytest.approx(0.32, abs=0.01)
    assert rmsprop.loss[-1] == pytest.approx(0.49, abs=0.01)
    assert obj.test_accuracy(rmsprop.params[-1]) == pytest.approx(0.64)
    assert obj.test_accuracy(adam.params[-1]) == pytest.approx(0.60)


def test_l2_in_adam_shrinks_weights_more_than_adamw_with_ten_times_the_decay():
    exp = setup("l2_vs_adamw")
    plain, l2, adamw = runs(exp)
    obj = exp.objective()
    norms = [np.linalg.norm(t.params[-1]) for t in (plain, l2, adamw)]
    assert norms == pytest.approx([11.5, 4.9, 10.5], abs=0.05)
    held_out = [float(obj.test_loss(t.params[-1])) for t in (plain, l2, adamw)]
    assert held_out[0] == min(held_out)  # the decay buys nothing here


def test_muon_trains_the_spiral_mlp_lower_and_generalises_better_than_adam():
    exp = setup("muon_spiral")
    adam, muon = runs(exp)
    obj = exp.objective()
    assert muon.loss[-1] == pytest.approx(0.20, abs=0.01)
    assert adam.loss[-1] == pytest.approx(0.32, abs=0.01)
    assert obj.test_accuracy(muon.params[-1]) == pytest.approx(0.76)
    assert obj.test_accuracy(adam.params[-1]) == pytest.approx(0.60)
    # the 16 × 16 hidden layer: singular values over seven decades in the gradient, under two
    # in the orthogonalised step
    where, shape = obj.blocks[2]
    assert shape == (16, 16)
    spread = {}
    for name, rows in (("step", muon.state["ortho"]), ("gradient", muon.grads)):
        sv = np.linalg.svd(rows[-1, where].reshape(shape), compute_uv=False)
        spread[name] = np.log10(sv.max() / sv.min())
    assert spread["gradient"] == pytest.approx(7.0, abs=0.05) and spread["step"] < 2
