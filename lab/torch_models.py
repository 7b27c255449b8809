"""A model's training loss as PyTorch source, for the code export: the training set as the
dashboard holds it (standardised features, the exact float64 bits in base64), the flat parameter
vector laid out as ``models.networks.Network`` lays it out, initialised as ``Network.init`` does
(``torch.nn.Linear``'s bounds, drawn with numpy from the seed), the loss written with ``torch``
functions that frameworks share (``torch.*`` is renamed for jax and Keras), and mini-batches cut
from each epoch's permutation as ``models.objective.BatchSequence`` draws it.
"""

from __future__ import annotations

import base64
import textwrap

import numpy as np

from models import ModelObjective

DATA = '''

def _decode(text, dtype, shape):
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape).copy()


# the training set of {title}, as the dashboard holds it (features standardised)
X_TRAIN = torch.from_numpy(_decode(
{x}, "<f8", {x_shape}))
TARGETS = torch.from_numpy(_decode(
{y}, "<f8", {y_shape}))  # {targets}
LAYERS = {layers}  # (inputs, outputs) of each layer; W row-major (outputs, inputs), then b


def init_params(seed):
    """Every run's start, as PyTorch's nn.Linear initialises (U(±1/√fan_in)), from numpy's seed."""
    rng = np.random.default_rng(seed)
    parts = []
    for fan_in, fan_out in LAYERS:
        bound = 1.0 / math.sqrt(fan_in)
        parts.append(rng.uniform(-bound, bound, fan_out * fan_in))
        parts.append(rng.uniform(-bound, bound, fan_out))
    return np.concatenate(parts)


START = init_params({init_seed})


def outputs(p, inputs):
    """The network's outputs for inputs (B, {n_in}) at the flat parameters p."""
    a, start = inputs, 0
    for i, (fan_in, fan_out) in enumerate(LAYERS):
        w = torch.reshape(p[start : start + fan_in * fan_out], (fan_out, fan_in))
        start += fan_in * fan_out
        b = p[start : start + fan_out]
        start += fan_out
        a = torch.matmul(a, torch.swapaxes(w, 0, 1)) + b
        if i < len(LAYERS) - 1:
            a = {activation}
    return a


def loss_on(p, inputs, targets):
    """{loss_title}, the mean over the examples."""
    z = outputs(p, inputs)
    return {loss} / {n_rows}


def f(p):
    """The training loss: the mean over the whole training set."""
    return loss_on(p, X_TRAIN, TARGETS)
'''

BATCHES = '''

def batches(rng):
    """The mini-batch order of one run, as models/objective.py's BatchSequence: one key drawn
    from the run's generator; epoch e is the permutation default_rng((key, e)) cut into
    consecutive batches of {batch_size} (the last one smaller)."""
    key = int(rng.integers(2**63))

    def indices(step):
        epoch, i = divmod(step, {per_epoch})
        order = np.random.default_rng((key, epoch)).permutation({n_train})
        return torch.from_numpy(order[i * {batch_size} : (i + 1) * {batch_size}])

    return indices


def batch_loss(p, idx):
    """The loss on one mini-batch: its gradient is the mini-batch gradient."""
    return loss_on(p, X_TRAIN[idx], TARGETS[idx])
'''

LOSSES = {
    "squared": ("Half the squared error", "0.5 * torch.sum((z - targets) ** 2)"),
    "logistic": (
        "The logistic loss softplus(z) − y·z",
        "torch.sum(torch.logaddexp(torch.zeros_like(z), z) - targets * z)",
    ),
    "cross_entropy": (
        "Softmax cross-entropy",
        "torch.sum(torch.logsumexp(z, -1) - torch.sum(z * targets, -1))",
    ),
}


def _bits(a: np.ndarray) -> str:
    text = base64.b64encode(np.ascontiguousarray(a, dtype="<f8").tobytes()).decode()
    return "\n".join(f'    "{line}"' for line in textwrap.wrap(text, 88))


def objective_source(obj: ModelObjective, title: str) -> str:
    """``f(p)``, ``START`` and, with mini-batches, ``batches(rng)`` and ``batch_loss(p, idx)``
    for model ``obj`` as module-level source."""
    net, data = obj.network, obj.data
    targets = np.asarray(net.encode_targets(data.y_train, data.n_classes))
    if net.loss == "squared":
        kind, what = "squared", "targets: one column per output (one-hot for classes)"
    elif net.n_outputs == 1:
        kind, what = "logistic", "targets: 0 or 1, one column"
    else:
        kind, what = "cross_entropy", "targets: one-hot rows of the classes"
        targets = np.eye(net.n_outputs)[targets]
    loss_title, loss = LOSSES[kind]
    activation = "torch.tanh(a)" if net.activation == "tanh" else "torch.relu(a)"
    source = DATA.format(
        title=title,
        x=_bits(data.x_train),
        x_shape=data.x_train.shape,
        y=_bits(targets),
        y_shape=targets.shape,
        targets=what,
        layers=[(layer.fan_in, layer.fan_out) for layer in net.layers],
        init_seed=obj.init_seed,
        n_in=net.sizes[0],
        activation=activation,
        loss_title=loss_title,
        loss=loss,
        n_rows="inputs.shape[0]",
    )
    if obj.stochastic:
        source += BATCHES.format(
            batch_size=obj.batch_size, per_epoch=obj.steps_per_epoch, n_train=data.n_train
        )
    return source
