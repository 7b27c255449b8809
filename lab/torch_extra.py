"""PyTorch classes, as source text, for what ``torch.optim`` lacks: Lion and AdaBelief (optax's
rules), and the textbook variants of ours (ε inside the root, Adam without bias correction,
RMSProp with Nesterov momentum). An exported script that needs one writes its class out; each
follows our numpy rule operation for operation (optimizers/<name>.py), so the script's run
matches ours. Each takes our hyperparameter names as keywords.
"""

from __future__ import annotations

from typing import NamedTuple


class Extra(NamedTuple):
    cls: str
    source: str


_LION = '''
class Lion(torch.optim.Optimizer):
    """optax.lion's rule (torch has no Lion), as optimizers/lion.py computes it."""

    def __init__(self, params, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=1e-3,
                 maximize=False):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2,
                                      weight_decay=weight_decay, maximize=maximize))

{step}
        for group in self.param_groups:
            b1, b2, wd = group["beta1"], group["beta2"], group["weight_decay"]
            for p in group["params"]:
                g = -p.grad if group["maximize"] else p.grad
                m = self.state[p].setdefault("exp_avg", torch.zeros_like(p))
                c = torch.sign((1.0 - b1) * g + b1 * m)
                m.copy_((1 - b2) * g + b2 * m)
                direction = c + wd * p if wd else c
                p.add_(-group["lr"] * direction)
'''

_ADABELIEF = '''
class AdaBelief(torch.optim.Optimizer):
    """optax.adabelief's rule (torch has no AdaBelief), as optimizers/adabelief.py computes it."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-16, eps_root=1e-16,
                 weight_decay=0.0, maximize=False):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                                      eps_root=eps_root, weight_decay=weight_decay,
                                      maximize=maximize))

{step}
        for group in self.param_groups:
            b1, b2, wd = group["beta1"], group["beta2"], group["weight_decay"]
            for p in group["params"]:
                g = -p.grad if group["maximize"] else p.grad
                state = self.state[p]
                t = state["step"] = state.get("step", 0) + 1
                m = state.setdefault("exp_avg", torch.zeros_like(p))
                s = state.setdefault("exp_avg_var", torch.zeros_like(p))
                m.copy_((1 - b1) * g + b1 * m)
                error = g - m
                s.copy_((1 - b2) * (error * error) + b2 * s + group["eps_root"])
                den = torch.sqrt(s / (1 - b2**t)) + group["eps"]
                direction = (m / (1 - b1**t)) / den
                if wd:
                    direction = direction + wd * p
                p.add_(-group["lr"] * direction)
'''

_ADAM = '''
class LabAdam(torch.optim.Optimizer):
    """Adam with the textbook switches torch lacks (bias_correction, eps_inside_sqrt), as
    optimizers/adam.py computes it; with both at torch's behaviour it is torch.optim.Adam."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                 amsgrad=False, decoupled_weight_decay=False, bias_correction=True,
                 eps_inside_sqrt=False, maximize=False):
        super().__init__(params, dict(
            lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
            amsgrad=amsgrad, decoupled_weight_decay=decoupled_weight_decay,
            bias_correction=bias_correction, eps_inside_sqrt=eps_inside_sqrt,
            maximize=maximize))

{step}
        for h in self.param_groups:
            b1, b2, eps, wd, lr = h["beta1"], h["beta2"], h["eps"], h["weight_decay"], h["lr"]
            for p in h["params"]:
                g = -p.grad if h["maximize"] else p.grad
                if wd and not h["decoupled_weight_decay"]:
                    g = g + wd * p
                state = self.state[p]
                t = state["step"] = state.get("step", 0) + 1
                m = state.setdefault("exp_avg", torch.zeros_like(p))
                v = state.setdefault("exp_avg_sq", torch.zeros_like(p))
                m.lerp_(g, 1 - b1)
                v.copy_(v * b2 + (1 - b2) * (g * g))
                used = v
                if h["amsgrad"]:
                    v_max = state.setdefault("max_exp_avg_sq", torch.zeros_like(p))
                    v_max.copy_(torch.maximum(v_max, v))
                    used = v_max
                bc1, bc2 = (1 - b1**t, 1 - b2**t) if h["bias_correction"] else (1.0, 1.0)
                if h["eps_inside_sqrt"]:
                    den = torch.sqrt(used / bc2 + eps)
                else:
                    den = torch.sqrt(used) / bc2**0.5 + eps
                update = -(lr / bc1) * (m / den)
                if wd and h["decoupled_weight_decay"]:
                    update = update + (p * (1 - lr * wd) - p)
                p.add_(update)
'''

_RMSPROP = '''
class LabRMSprop(torch.optim.Optimizer):
    """RMSprop with the switches torch lacks (Nesterov momentum as optax, eps_inside_sqrt), as
    optimizers/rmsprop.py computes it; with both off it is torch.optim.RMSprop."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, nesterov=False, eps_inside_sqrt=False, maximize=False):
        super().__init__(params, dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, nesterov=nesterov, eps_inside_sqrt=eps_inside_sqrt,
            maximize=maximize))

{step}
        for h in self.param_groups:
            alpha, eps, mu, wd = h["alpha"], h["eps"], h["momentum"], h["weight_decay"]
            for p in h["params"]:
                g = -p.grad if h["maximize"] else p.grad
                if wd:
                    g = g + wd * p
                state = self.state[p]
                v = state.setdefault("square_avg", torch.zeros_like(p))
                v.copy_(v * alpha + (1 - alpha) * (g * g))
                var = v
                if h["centered"]:
                    avg = state.setdefault("grad_avg", torch.zeros_like(p))
                    avg.lerp_(g, 1 - alpha)
                    var = v - avg * avg
                if h["eps_inside_sqrt"]:
                    den = torch.sqrt(var + eps)
                else:
                    den = torch.sqrt(var) + eps
                direction = g / den
                if mu:
                    buf = state.setdefault("momentum_buffer", torch.zeros_like(p))
                    buf.copy_(buf * mu + direction)
                    direction = direction + mu * buf if h["nesterov"] else buf.clone()
                p.add_(-h["lr"] * direction)
'''

_ADAGRAD = '''
class LabAdagrad(torch.optim.Optimizer):
    """Adagrad with ε inside the root (Keras' and optax's form; torch lacks it), as
    optimizers/adagrad.py computes it; with eps_inside_sqrt off it is torch.optim.Adagrad."""

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, eps_inside_sqrt=False,
                 maximize=False):
        super().__init__(params, dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps,
            eps_inside_sqrt=eps_inside_sqrt, maximize=maximize))

{step}
        for h in self.param_groups:
            eps, wd = h["eps"], h["weight_decay"]
            for p in h["params"]:
                g = -p.grad if h["maximize"] else p.grad
                if wd:
                    g = g + wd * p
                state = self.state[p]
                t = state["step"] = state.get("step", 0) + 1
                total = state.setdefault(
                    "sum", torch.full_like(p, h["initial_accumulator_value"]))
                clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
                total.copy_(total + g * g)
                std = torch.sqrt(total + eps) if h["eps_inside_sqrt"] else torch.sqrt(total) + eps
                p.add_(-clr * (g / std))
'''

# our optimizer name -> the class written out when torch lacks it or a variant of it
# every class's step starts alike: it takes the closure the exported loop passes
_STEP = """    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:  # the gradient, as torch.optim's own optimizers take it
            with torch.enable_grad():
                closure()"""
_LION, _ADABELIEF, _ADAM, _RMSPROP, _ADAGRAD = (
    source.replace("{step}", _STEP) for source in (_LION, _ADABELIEF, _ADAM, _RMSPROP, _ADAGRAD)
)

EXTRAS: dict[str, Extra] = {
    "lion": Extra("Lion", _LION),
    "adabelief": Extra("AdaBelief", _ADABELIEF),
    "adam": Extra("LabAdam", _ADAM),
    "adamw": Extra("LabAdam", _ADAM),
    "rmsprop": Extra("LabRMSprop", _RMSPROP),
    "adagrad": Extra("LabAdagrad", _ADAGRAD),
}
