"""Regenerate ``torch_extra.npz``: torch.optim trajectories for the options the shared reference
set does not cover (dampening, centered RMSprop, AMSGrad, decoupled decay, lr_decay, ...).

Needs torch (``pip install torch``); the tests only read the saved file. Same protocol as the
shared reference: float64, analytic gradients of the named function fed to torch every step.

    python tests/data/make_torch_extra.py
"""

import json
from pathlib import Path

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

GRADS = {
    "rosenbrock": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
    "booth": lambda x, y: (10 * x + 8 * y - 34, 8 * x + 10 * y - 38),
    "himmelblau": lambda x, y: (
        4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
        2 * (x * x + y - 11) + 4 * y * (x + y * y - 7),
    ),
}
STARTS = {
    "rosenbrock": [[-1.5, 2.0], [0.0, 0.0]],
    "booth": [[-5.0, 5.0], [8.0, -6.0]],
    "himmelblau": [[0.0, 0.0], [-1.0, -1.0]],
}

CASES = [
    (
        "sgd",
        "SGD",
        {"lr": 5e-4, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05},
        "rosenbrock",
    ),
    ("sgd", "SGD", {"lr": 0.01, "maximize": True}, "booth"),
    (
        "nesterov",
        "SGD",
        {"lr": 0.01, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1},
        "booth",
    ),
    (
        "adagrad",
        "Adagrad",
        {
            "lr": 0.5,
            "lr_decay": 0.01,
            "weight_decay": 0.01,
            "initial_accumulator_value": 0.1,
            "eps": 1e-6,
        },
        "himmelblau",
    ),
    ("rmsprop", "RMSprop", {"lr": 0.01, "alpha": 0.95, "centered": True}, "rosenbrock"),
    (
        "rmsprop",
        "RMSprop",
        {"lr": 0.002, "alpha": 0.9, "centered": True, "momentum": 0.8, "weight_decay": 0.01},
        "himmelblau",
    ),
    ("adadelta", "Adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.1}, "booth"),
    ("adam", "Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}, "himmelblau"),
    (
        "adam",
        "Adam",
        {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.1, "decoupled_weight_decay": True},
        "rosenbrock",
    ),
    ("adamw", "AdamW", {"lr": 0.05, "amsgrad": True}, "booth"),
    ("adamax", "Adamax", {"lr": 0.05, "weight_decay": 0.05}, "rosenbrock"),
    (
        "nadam",
        "NAdam",
        {"lr": 0.02, "momentum_decay": 0.01, "weight_decay": 0.05, "decoupled_weight_decay": True},
        "himmelblau",
    ),
    ("nadam", "NAdam", {"lr": 0.01, "weight_decay": 0.02}, "rosenbrock"),
    ("radam", "RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, "booth"),
    ("radam", "RAdam", {"lr": 0.005, "betas": (0.9, 0.99), "weight_decay": 0.01}, "rosenbrock"),
    ("rprop", "Rprop", {"lr": 0.01}, "rosenbrock"),
    (
        "rprop",
        "Rprop",
        {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True},
        "himmelblau",
    ),
    ("asgd", "ASGD", {"lr": 0.01}, "booth"),
    (
        "asgd",
        "ASGD",
        {"lr": 1e-3, "lambd": 0.01, "alpha": 0.5, "t0": 20.0, "weight_decay": 0.05},
        "rosenbrock",
    ),
    ("adafactor", "Adafactor", {}, "rosenbrock"),
    (
        "adafactor",
        "Adafactor",
        {"lr": 0.5, "beta2_decay": -0.5, "eps": (1e-5, 0.1), "d": 2.0, "weight_decay": 0.1},
        "himmelblau",
    ),
]


def trajectory(cls, kwargs, surface, steps=150):
    """One torch parameter vector per start (each start is an independent run: Adafactor, for
    one, treats a matrix parameter differently from a vector)."""
    starts = torch.tensor(STARTS[surface])
    out = [starts.numpy().copy()]
    params = [torch.nn.Parameter(start.clone()) for start in starts]
    opt = getattr(torch.optim, cls)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            p.grad = torch.stack(GRADS[surface](*p.detach()), dim=-1)
        opt.step()
        out.append(np.stack([p.detach().numpy().copy() for p in params]))
    return np.stack(out)


def main():
    here = Path(__file__).parent
    arrays, index = {}, []
    for i, (name, cls, kwargs, surface) in enumerate(CASES):
        key = f"extra{i:02d}"
        arrays[key] = trajectory(cls, kwargs, surface)
        index.append(
            {
                "key": key,
                "optimizer": name,
                "torch": f"torch.optim.{cls}",
                "torch_kwargs": kwargs,
                "surface": surface,
                "starts": STARTS[surface],
                "steps": 150,
            }
        )
    np.savez_compressed(here / "torch_extra.npz", **arrays)
    (here / "torch_extra.json").write_text(
        json.dumps(
            {"generated_with": f"torch {torch.__version__}, float64", "cases": index}, indent=1
        )
    )


if __name__ == "__main__":
    main()
