"""`ModelObjective`: a network's training loss on a data set, as an objective for the run loop.

It has what :func:`optimizers.run` reads from a surface: vectorised ``f`` and ``grad`` on points
of shape (..., dim) (the leading axes a batch of runs), ``dim``, ``bounds``, ``stochastic``,
``minibatch_grad`` and ``work``; and what a model's views read: held-out loss, accuracy,
predictions on a grid, and the epoch-wise mini-batch order.

Mini-batches: with ``batch_size`` below the training set's size, the run loop takes its
gradients from :meth:`ModelObjective.batches`: each epoch is a fresh permutation of the training
set, drawn from a key the run's seed fixes, cut into consecutive batches (the last one smaller
when the batch size does not divide the set, as ``torch.utils.data.DataLoader`` with
``shuffle=True, drop_last=False`` does). Every run of a batch of runs sees the same batches in
the same order, so runs differ only by their optimizer; two calls with the same seed see the
same sequence too.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from surfaces.base import Work

from .datasets import Dataset
from .networks import Array, Network

CHUNK = 2**19  # activation values (runs × examples × width) one chunk of runs computes at once
BOX = 100.0  # bounds: the init ± BOX per parameter; the run loop widens it by its margin
MEMO = 160  # full-batch losses remembered (by parameters) from the latest gradient evaluations


class BatchSequence:
    """The mini-batch order of one run-loop call: epoch e is the permutation drawn from
    ``default_rng((key, e))``, cut into consecutive batches of ``batch_size``.

    Calling it, ``sequence(x, step)``, gives the gradient of every run in ``x`` on step
    ``step``'s batch (0-based).
    """

    def __init__(self, objective: ModelObjective, key: int) -> None:
        self.objective = objective
        self.key = key
        self._epoch = -1
        self._order: NDArray[np.intp] = np.empty(0, dtype=np.intp)

    def order(self, epoch: int) -> NDArray[np.intp]:
        """The training examples' order in ``epoch`` (0-based): a permutation of range(n)."""
        if epoch != self._epoch:
            rng = np.random.default_rng((self.key, epoch))
            self._order = rng.permutation(self.objective.data.n_train)
            self._epoch = epoch
        return self._order

    def indices(self, step: int) -> NDArray[np.intp]:
        """The training examples of step ``step``'s batch (0-based step)."""
        per = self.objective.steps_per_epoch
        epoch, i = divmod(step, per)
        size = self.objective.batch_size
        return self.order(epoch)[i * size : (i + 1) * size]

    def __call__(self, x: ArrayLike, step: int) -> Array:
        return self.objective._grad_on(x, self.indices(step))


class ModelObjective:
    """The mean training loss of ``network`` on ``data`` as a function of its parameters.

    Its minimum value is unknown (``f_min`` is None), as for a surface without a known minimum.

    Args:
        network: the model (widths, activation, loss).
        data: the data set; the network's inputs and outputs must fit it.
        batch_size: examples per gradient, whole number in [1, n_train], or None (full batch).
        init_seed: seed of the torch-like initialisation every run starts from (``x0``).
        name: registry name of the model, e.g. ``"mlp"``.
        param_items: how the registry built it, as (name, value) pairs (equality and hashing).

    >>> from models.datasets import make
    >>> data = make("gaussians", n=40)
    >>> obj = ModelObjective(Network((2, 1)), data)
    >>> obj.dim, obj.f(np.zeros((3, 3))).round(4)
    (3, array([0.6931, 0.6931, 0.6931]))
    """

    f_min = None  # the least training loss is not known: charts show the loss itself

    def __init__(
        self,
        network: Network,
        data: Dataset,
        *,
        batch_size: int | None = None,
        init_seed: int = 0,
        name: str = "model",
        param_items: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        if network.sizes[0] != data.n_features:
            raise ValueError(
                f"the network's inputs must equal the data set's features "
                f"({data.n_features}); got {network.sizes[0]}"
            )
        n = data.n_train
        if batch_size is not None and not (
            isinstance(batch_size, int | np.integer) and 1 <= batch_size <= n
        ):
            raise ValueError(
                f"batch_size must be None (full batch) or a whole number in [1, {n}] "
                f"(the training set); got {batch_size!r}"
            )
        self.network = network
        self.data = data
        self.name = name
        self.param_items = tuple(param_items)
        self.batch_size = n if batch_size is None else int(batch_size)
        self.init_seed = init_seed
        self._y_train = network.encode_targets(data.y_train, data.n_classes)
        self._y_test = network.encode_targets(data.y_test, data.n_classes)
        self.x0 = network.init(init_seed)
        bounds = np.stack([self.x0 - BOX, self.x0 + BOX], axis=1)
        bounds.flags.writeable = False
        self.bounds = bounds
        self._memo: dict[bytes, Array] = {}
        self._lock = threading.Lock()

    # What the run loop reads.

    @property
    def dim(self) -> int:
        return self.network.dim

    @property
    def start(self) -> Array:
        """The shared initial parameters (``x0``), shape (dim,), read-only."""
        return self.x0

    @property
    def blocks(self) -> tuple[tuple[slice, tuple[int, ...]], ...]:
        """How the parameter vector splits into tensors, in order: each layer's weight matrix
        (fan_out, fan_in) and bias (fan_out,) (what Muon orthogonalises, matrix by matrix)."""
        return tuple(
            part
            for layer in self.network.layers
            for part in ((layer.weight, layer.weight_shape), (layer.bias, (layer.fan_out,)))
        )

    @property
    def stochastic(self) -> bool:
        """Whether gradients come from mini-batches smaller than the training set."""
        return self.batch_size < self.data.n_train

    @property
    def steps_per_epoch(self) -> int:
        """Steps (batches) per pass over the training set: ⌈n_train / batch_size⌉."""
        return -(-self.data.n_train // self.batch_size)

    @property
    def work(self) -> Work:
        """What one gradient evaluation costs per run (see :class:`surfaces.base.Work`).

        Per layer, a batch of B examples costs B·fan_in·fan_out multiply-adds three times
        (forward, weight gradient, backward; the first layer skips the last), counted as values
        (a BLAS multiply-add costs less than an elementwise pass's value), plus about six
        elementwise passes over its B × fan_out activations; the loss about ten passes over the
        B × outputs; the gradient vector is written once. With mini-batches, add the forward
        pass over the whole training set that the run loop's loss of every step costs (with the
        full batch that loss comes with the gradient: see :meth:`f`). Held: each layer's
        activations and deltas, and the loss's temporaries.
        """
        b, n, net = self.batch_size, self.data.n_train, self.network
        layers = net.layers
        forward = sum(layer.fan_in * layer.fan_out for layer in layers)
        widths = sum(layer.fan_out for layer in layers)
        macs = 3 * forward - layers[0].fan_in * layers[0].fan_out
        values = b * (macs + 6 * widths + 10 * net.n_outputs) + 2 * net.dim
        calls = 10 * len(layers) + 16
        if self.stochastic:  # the loop's loss of each step is a forward pass over all n
            values += n * (forward + 6 * widths + 6 * net.n_outputs)
            calls += 6 * len(layers) + 14
        held = max(b, n) * (2 * widths + 3 * net.n_outputs + net.sizes[0]) + 3 * net.dim
        return Work(calls=calls, values=int(values), held=int(held))

    def f(self, x: ArrayLike) -> Array:
        """Mean loss over the training set at parameters x (..., dim); returns (...).

        A full-batch gradient computes this loss on its way (the forward pass), and the run
        loop asks for the loss of the same points a few steps later: the losses of the last
        ``MEMO`` gradient evaluations are remembered, keyed by a digest of their parameters'
        bytes, and ``f`` of those points (whole, or rows ``x[i]`` of a stack of them) returns
        them instead of a second forward pass. The numbers are the same bit for bit.
        """
        x = self._points(x)
        inputs, targets = self.data.x_train, self._y_train
        if not self._memo:
            return self._loss_on(x, inputs, targets)
        whole = self._recall(x)
        if whole is not None:
            return whole.copy()
        if x.ndim < 2:
            return self._loss_on(x, inputs, targets)
        known = [self._recall(row) for row in x]
        miss = [i for i, k in enumerate(known) if k is None]
        if len(miss) == len(x):
            return self._loss_on(x, inputs, targets)
        out = np.empty(x.shape[:-1])
        for i, k in enumerate(known):
            if k is not None:
                out[i] = k
        if miss:
            out[miss] = self._loss_on(x[miss], inputs, targets)
        return out

    def grad(self, x: ArrayLike) -> Array:
        """Full-batch gradient at x (..., dim); returns (..., dim)."""
        return self._grad_on(x, None)

    def value_and_grad(self, x: ArrayLike) -> tuple[Array, Array]:
        """Full-batch loss (...) and gradient (..., dim) in one pass."""
        x = self._points(x)
        lead = x.shape[:-1]
        flat = x.reshape(-1, self.dim)
        parts = [
            self.network.loss_and_grad(chunk, self.data.x_train, self._y_train)
            for chunk in self._chunks(flat, self.data.n_train)
        ]
        loss = np.concatenate([p[0] for p in parts]).reshape(lead)
        g = np.concatenate([p[1] for p in parts]).reshape(x.shape)
        self._remember(x, loss)
        return loss, g

    def batches(self, rng: np.random.Generator) -> BatchSequence:
        """A fresh mini-batch order for one call of the run loop, keyed by one draw from
        ``rng`` (the run's seed): see :class:`BatchSequence`."""
        return BatchSequence(self, int(rng.integers(2**63)))

    def minibatch_grad(self, x: ArrayLike, rng: np.random.Generator | None = None) -> Array:
        """Gradient on ``batch_size`` distinct examples drawn from ``rng``, the same for every
        run in ``x`` (the surfaces' protocol, without epochs; the run loop uses
        :meth:`batches`). The full gradient when the batch is the training set."""
        if not self.stochastic:
            return self.grad(x)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                "rng must be a numpy.random.Generator (np.random.default_rng(seed)); "
                f"got {type(rng).__name__}"
            )
        idx = np.sort(rng.choice(self.data.n_train, self.batch_size, replace=False))
        return self._grad_on(x, idx)

    # What the views read.

    def loss(self, x: ArrayLike, split: str = "train") -> Array:
        """Mean loss on the ``"train"`` or ``"test"`` (held-out) part, (..., dim) -> (...)."""
        inputs, targets = self._split(split)
        return self._loss_on(x, inputs, targets)

    def test_loss(self, x: ArrayLike) -> Array:
        """Mean loss on the held-out part, (..., dim) -> (...)."""
        return self.loss(x, "test")

    def accuracy(self, x: ArrayLike, split: str = "train") -> Array:
        """Share of the ``split``'s examples classified right, (..., dim) -> (...); NaN where
        the parameters are not finite (a diverged run's blanked rows)."""
        if self.data.n_classes == 0:
            raise ValueError(f"accuracy needs a classification data set; got {self.data.name!r}")
        inputs = self.data.x_train if split == "train" else self._split(split)[0]
        labels = self.data.y_train if split == "train" else self.data.y_test
        x = self._points(x)
        flat = x.reshape(-1, self.dim)
        out = np.empty(len(flat))
        i = 0
        for chunk in self._chunks(flat, len(inputs)):
            z = self.network.forward(chunk, inputs)[-1]
            if z.shape[-1] == 1:
                cut = 0.5 if self.network.loss == "squared" else 0.0
                guess = (z[..., 0] > cut).astype(np.intp)
            else:
                guess = z.argmax(axis=-1)
            out[i : i + len(chunk)] = (guess == labels).mean(axis=-1)
            i += len(chunk)
        out[~np.isfinite(flat).all(axis=-1)] = np.nan
        return out.reshape(x.shape[:-1])

    def test_accuracy(self, x: ArrayLike) -> Array:
        """Share of held-out examples classified right, (..., dim) -> (...)."""
        return self.accuracy(x, "test")

    def predict(self, x: ArrayLike, points: ArrayLike) -> Array:
        """What each run predicts at ``points`` (G, n_features), standardised features as in
        ``data.x_train`` (``data.standardise`` maps raw ones): (..., G, columns), class
        probabilities for cross-entropy (two columns for logistic regression), raw outputs
        for squared error (scores per class, or the fitted value for regression)."""
        points = np.asarray(points, dtype=float)
        p = self.data.n_features
        if points.ndim != 2 or points.shape[1] != p:
            raise ValueError(f"points must have shape (G, {p}); got {points.shape}")
        x = self._points(x)
        flat = x.reshape(-1, self.dim)
        parts = [self.network.probabilities(c, points) for c in self._chunks(flat, len(points))]
        out = np.concatenate(parts)
        return out.reshape(*x.shape[:-1], *out.shape[1:])

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.param_items)

    # Internals.

    def _split(self, split: str) -> tuple[Array, NDArray[Any]]:
        if split == "train":
            return self.data.x_train, self._y_train
        if split == "test":
            return self.data.x_test, self._y_test
        raise ValueError(f"split must be one of 'train', 'test'; got {split!r}")

    def _loss_on(self, x: ArrayLike, inputs: Array, targets: NDArray[Any]) -> Array:
        x = self._points(x)
        flat = x.reshape(-1, self.dim)
        parts = [
            self.network.loss_value(c, inputs, targets) for c in self._chunks(flat, len(inputs))
        ]
        return np.concatenate(parts).reshape(x.shape[:-1])

    def _grad_on(self, x: ArrayLike, idx: NDArray[np.intp] | None) -> Array:
        x = self._points(x)
        inputs, targets = self.data.x_train, self._y_train
        if idx is not None:
            inputs, targets = inputs[idx], targets[idx]
        flat = x.reshape(-1, self.dim)
        parts = [
            self.network.loss_and_grad(c, inputs, targets) for c in self._chunks(flat, len(inputs))
        ]
        if idx is None:
            self._remember(x, np.concatenate([p[0] for p in parts]).reshape(x.shape[:-1]))
        return np.concatenate([p[1] for p in parts]).reshape(x.shape)

    def _key(self, x: Array) -> bytes:
        digest = hashlib.blake2b(np.ascontiguousarray(x).data, digest_size=16)
        digest.update(repr(x.shape).encode())
        return digest.digest()

    def _remember(self, x: Array, loss: Array) -> None:
        key = self._key(x)
        with self._lock:
            self._memo[key] = loss
            while len(self._memo) > MEMO:
                del self._memo[next(iter(self._memo))]

    def _recall(self, x: Array) -> Array | None:
        key = self._key(x)
        with self._lock:
            return self._memo.get(key)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_memo"], state["_lock"] = {}, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _chunks(self, flat: Array, examples: int) -> list[Array]:
        """Consecutive groups of runs whose activations stay within CHUNK values each."""
        rows = max(1, CHUNK // max(1, examples * max(self.network.sizes)))
        if len(flat) <= rows:
            return [flat]
        return [flat[i : i + rows] for i in range(0, len(flat), rows)]

    def _points(self, x: ArrayLike) -> Array:
        x = np.asarray(x, dtype=float)
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: x must have shape (..., {self.dim}): a last axis of "
                f"{self.dim} parameters; got shape {x.shape}"
            )
        return x

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelObjective):
            return NotImplemented
        return (self.name, self.param_items) == (other.name, other.param_items)

    def __hash__(self) -> int:
        return hash((self.name, self.param_items))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.param_items)
        return f"ModelObjective({self.name!r}{args})"
