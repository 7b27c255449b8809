"""Data sets: seeded, split, standardised with the training statistics, read-only."""

import hashlib

import numpy as np
import pytest

from models import datasets
from models.datasets import IRIS_PATH, IRIS_SHA256, make


@pytest.mark.parametrize("name", datasets.names())
def test_every_set_is_deterministic_split_and_standardised_on_train(name):
    a, b = make(name, n=200, data_seed=3), make(name, n=200, data_seed=3)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
        assert not getattr(a, field).flags.writeable
    c = make(name, n=200, data_seed=4)
    assert not np.array_equal(a.x_train, c.x_train)
    np.testing.assert_allclose(a.x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(a.x_train.std(axis=0), 1, rtol=1e-12)
    total = 150 if name == "iris" else 200
    assert a.n_train + a.n_test == total
    assert a.n_test == round(0.25 * total)
    # the held-out part is scaled with the training statistics: raw = x · scale + mean
    raw = a.x_test * a.scale + a.mean
    np.testing.assert_allclose(a.standardise(raw), a.x_test, atol=1e-12)
    if a.task == "classification":
        assert a.y_train.dtype.kind == "i" and set(np.unique(a.y_train)) <= set(range(a.n_classes))
        assert len(a.class_names) == a.n_classes >= 2
    else:
        assert a.n_classes == 0 and a.y_train.dtype.kind == "f"
    assert len(a.feature_names) == a.n_features


def test_generated_sets_have_their_shape():
    raw = lambda d: d.x_train * d.scale + d.mean  # noqa: E731
    circle = make("circle", noise=0.0)
    r = np.linalg.norm(raw(circle), axis=1)
    np.testing.assert_allclose(r, np.where(circle.y_train == 1, 0.5, 1.0), rtol=1e-12)
    xor = make("xor", noise=0.0)
    p = raw(xor)
    assert np.array_equal(xor.y_train, (p[:, 0] * p[:, 1] > 0).astype(int))
    sine = make("sine", noise=0.0)
    np.testing.assert_allclose(sine.y_train, np.sin(raw(sine)[:, 0]), atol=1e-12)
    gauss = make("gaussians", noise=0.1)  # far apart: linearly separable by x1 + x2
    g = raw(gauss)
    assert np.array_equal(g.sum(axis=1) > 0, gauss.y_train == 1)


def test_iris_is_the_vendored_file_with_fishers_values():
    assert hashlib.sha256(IRIS_PATH.read_bytes()).hexdigest() == IRIS_SHA256
    x, y, features, classes = datasets.load_iris()
    assert x.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]
    assert classes == ("setosa", "versicolor", "virginica") and len(features) == 4
    assert x[34].tolist() == [4.9, 3.1, 1.5, 0.2] and x[37].tolist() == [4.9, 3.6, 1.4, 0.1]
    np.testing.assert_allclose(x.mean(axis=0), [5.8433, 3.0573, 3.758, 1.1993], atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "digits"}, "dataset must be one of circle, .*; got 'digits'"),
        ({"name": "xor", "n": 5}, r"n must be a whole number in \[10, 100000\]; got 5"),
        ({"name": "xor", "noise": -1.0}, r"noise must be in \[0, 10\]; got -1"),
        ({"name": "xor", "test_fraction": 0.0}, r"test_fraction must be in \(0, 0.9\]; got 0"),
        ({"name": "xor", "data_seed": -1}, r"data_seed must be a whole number in \[0, "),
    ],
)
def test_bad_parameters_are_refused(kwargs, message):
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=message):
        make(name, **kwargs)
