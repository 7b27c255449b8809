"""Data sets for the model objectives: seeded 2-D classification sets, a 1-D regression set, and
Fisher's Iris measurements, each split into a training and a held-out part and standardised.

Every generated set draws its points from ``numpy.random.default_rng(data_seed)`` and then its
held-out split from the same generator, so a seed fixes both. Features are standardised with
the *training* part's mean and standard deviation (the held-out part is scaled with those too,
as it would be for data not seen yet); targets are not scaled.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from params import Param

Array = NDArray[np.float64]
Generator = Callable[[int, float, np.random.Generator], tuple[Array, NDArray[Any]]]

IRIS_PATH = Path(__file__).parent / "data" / "iris.csv"
IRIS_SHA256 = "b6b8efc86732bc48c9fbddba53e2c191fd4f263c0ee98e2b1b7d3543e8d2121d"

N = Param("n", "Data points n (n)", kind=int, low=10, high=100_000, high_inclusive=True)
NOISE = Param(
    "noise",
    "Noise in the data σ (noise)",
    low=0.0,
    high=10.0,
    high_inclusive=True,
    ui_range=(0.0, 1.0),
    help="Standard deviation of the Gaussian noise added to each point (the sine: to y).",
)
TEST_FRACTION = Param(
    "test_fraction",
    "Held-out fraction (test_fraction)",
    low=0.0,
    low_inclusive=False,
    high=0.9,
    high_inclusive=True,
    help="Share of the points kept out of training to measure held-out loss and accuracy.",
)
DATA_SEED = Param(
    "data_seed", "Data seed (data_seed)", kind=int, low=0, high=2**31 - 1, high_inclusive=True
)


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A data set split into training and held-out parts; arrays are read-only.

    Attributes:
        name: registry name, e.g. ``"spiral"``.
        task: ``"classification"`` or ``"regression"``.
        x_train, x_test: standardised features, shapes (n_train, p) and (n_test, p).
        y_train, y_test: class labels 0..n_classes-1 (int) or real targets (float), (n,).
        n_classes: number of classes; 0 for regression.
        feature_names: one name per feature column.
        class_names: one name per class (empty for regression).
        mean, scale: the training features' mean and standard deviation, (p,): raw features are
            ``x * scale + mean``.
        param_items: how it was made, as (name, value) pairs.
    """

    name: str
    task: str
    x_train: Array
    y_train: NDArray[Any]
    x_test: Array
    y_test: NDArray[Any]
    n_classes: int
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    mean: Array
    scale: Array
    param_items: tuple[tuple[str, Any], ...] = ()

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_train(self) -> int:
        return self.x_train.shape[0]

    @property
    def n_test(self) -> int:
        return self.x_test.shape[0]

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.param_items)

    def standardise(self, raw: ArrayLike) -> Array:
        """Raw features (..., p) in the data set's units -> the standardised features models see."""
        return (np.asarray(raw, dtype=float) - self.mean) / self.scale

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return (self.name, self.param_items) == (other.name, other.param_items)

    def __hash__(self) -> int:
        return hash((self.name, self.param_items))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.param_items)
        return f"Dataset({self.name!r}{args})"


def _halves(n: int) -> NDArray[np.int64]:
    """Labels for n points, two classes of sizes n//2 and n - n//2."""
    return (np.arange(n) >= n // 2).astype(np.int64)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, NDArray[np.int64]]:
    """Class 0 on the unit circle, class 1 on a circle of radius ½ inside it, plus noise."""
    y = _halves(n)
    angle = rng.uniform(0.0, 2 * math.pi, n)
    radius = np.where(y == 1, 0.5, 1.0)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return x + noise * rng.standard_normal((n, 2)), y


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, NDArray[np.int64]]:
    """Points uniform in [-1, 1]², class 1 where x·y > 0 (the XOR of the signs), plus noise."""
    x = rng.uniform(-1.0, 1.0, (n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x + noise * rng.standard_normal((n, 2)), y


def gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, NDArray[np.int64]]:
    """Two round Gaussian blobs of standard deviation ``noise`` centred at (-1, -1) and (1, 1)."""
    y = _halves(n)
    centre = np.where(y[:, None] == 1, 1.0, -1.0)
    return centre + noise * rng.standard_normal((n, 2)), y


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, NDArray[np.int64]]:
    """Two interleaved arms of 1½ turns, r = t and θ = 3πt + πc for t ~ U(0, 1), plus noise."""
    y = _halves(n)
    t = rng.uniform(0.0, 1.0, n)
    angle = 3 * math.pi * t + math.pi * y
    x = t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return x + noise * rng.standard_normal((n, 2)), y


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, NDArray[np.int64]]:
    """Two interleaving half circles (scikit-learn's ``make_moons`` shape), plus noise."""
    y = _halves(n)
    t = rng.uniform(0.0, math.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(y[:, None] == 1, lower, upper)
    return x + noise * rng.standard_normal((n, 2)), y


def sine(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: x ~ U(-3, 3), y = sin(x) + noise·ε, ε ~ N(0, 1); x has shape (n, 1)."""
    x = rng.uniform(-3.0, 3.0, (n, 1))
    return x, np.sin(x[:, 0]) + noise * rng.standard_normal(n)


_GENERATED: dict[str, tuple[Generator, str]] = {
    "circle": (circle, "classification"),
    "xor": (xor, "classification"),
    "gaussians": (gaussians, "classification"),
    "spiral": (spiral, "classification"),
    "moons": (moons, "classification"),
    "sine": (sine, "regression"),
}
REAL = ("iris",)


def names() -> list[str]:
    """Data set names: the generated ones in display order, then the real ones.

    >>> names()
    ['circle', 'xor', 'gaussians', 'spiral', 'moons', 'sine', 'iris']
    """
    return [*_GENERATED, *REAL]


def task(name: str) -> str:
    """``"classification"`` or ``"regression"`` for data set ``name``."""
    _check_name(name)
    return "classification" if name in REAL else _GENERATED[name][1]


def make(
    name: str,
    *,
    n: int = 400,
    noise: float = 0.1,
    test_fraction: float = 0.25,
    data_seed: int = 0,
) -> Dataset:
    """Data set ``name``: points drawn from ``data_seed``, split, features standardised.

    Args:
        name: one of :func:`names`.
        n: number of points in all, whole number in [10, 100000] (ignored by ``"iris"``: 150).
        noise: σ ≥ 0 of the Gaussian noise, in the units of the points before standardising
            (ignored by ``"iris"``); ``"gaussians"`` uses it as the blobs' spread.
        test_fraction: share held out, in (0, 0.9]; at least one point is held out.
        data_seed: seed of the points and of the split, whole number in [0, 2³¹ - 1].

    Returns:
        A :class:`Dataset`.

    >>> d = make("spiral", n=100)
    >>> d.x_train.shape, d.x_test.shape, d.n_classes
    ((75, 2), (25, 2), 2)
    >>> bool(np.allclose(d.x_train.mean(axis=0), 0) and np.allclose(d.x_train.std(axis=0), 1))
    True
    """
    _check_name(name)
    n = N.validate(n)
    noise = NOISE.validate(noise, scalar=True)
    test_fraction = TEST_FRACTION.validate(test_fraction, scalar=True)
    data_seed = DATA_SEED.validate(data_seed)
    rng = np.random.default_rng(data_seed)
    if name == "iris":
        x, y, features, classes = load_iris()
        kind = "classification"
        items: tuple[tuple[str, Any], ...] = (
            ("test_fraction", test_fraction),
            ("data_seed", data_seed),
        )
    else:
        generate, kind = _GENERATED[name]
        x, y = generate(n, noise, rng)
        features = ("x",) if x.shape[1] == 1 else ("x1", "x2")
        classes = ("0", "1") if kind == "classification" else ()
        items = (
            ("n", n),
            ("noise", noise),
            ("test_fraction", test_fraction),
            ("data_seed", data_seed),
        )
    total = len(x)
    n_test = min(max(1, round(test_fraction * total)), total - 2)
    order = rng.permutation(total)
    test, train = order[:n_test], order[n_test:]
    mean = x[train].mean(axis=0)
    scale = x[train].std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    arrays = {
        "x_train": (x[train] - mean) / scale,
        "y_train": y[train],
        "x_test": (x[test] - mean) / scale,
        "y_test": y[test],
        "mean": mean,
        "scale": scale,
    }
    for a in arrays.values():
        a.flags.writeable = False
    return Dataset(
        name=name,
        task=kind,
        n_classes=len(classes),
        feature_names=tuple(features),
        class_names=tuple(classes),
        param_items=items,
        **arrays,
    )


def load_iris() -> tuple[Array, NDArray[np.int64], tuple[str, ...], tuple[str, ...]]:
    """Fisher's Iris data from the vendored CSV (see ``models/data/README.md``).

    Returns:
        (features (150, 4) in cm, labels (150,) in 0..2, feature names, class names).

    >>> x, y, features, classes = load_iris()
    >>> x.shape, np.bincount(y).tolist(), classes
    ((150, 4), [50, 50, 50], ('setosa', 'versicolor', 'virginica'))
    """
    raw = IRIS_PATH.read_bytes()
    if hashlib.sha256(raw).hexdigest() != IRIS_SHA256:
        raise ValueError(f"{IRIS_PATH} does not match its recorded SHA-256; reinstall the package")
    lines = raw.decode("ascii").splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:] if line]
    classes = tuple(dict.fromkeys(r[-1] for r in rows))
    x = np.array([[float(v) for v in r[:-1]] for r in rows])
    y = np.array([classes.index(r[-1]) for r in rows], dtype=np.int64)
    return x, y, tuple(header[:-1]), classes


def _check_name(name: Any) -> None:
    if not (isinstance(name, str) and name in names()):
        raise ValueError(f"dataset must be one of {', '.join(names())}; got {name!r}")
