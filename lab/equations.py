"""Each optimizer's update rule in LaTeX, and the same rule with one step's numbers put in.

A rule is a list of :class:`Line`: the quantity it defines, the symbolic right-hand side, a
template of the same expression with the step's numbers, and a function computing its value from
those numbers. Tests check every line's value against what the run recorded, so the equations a
student reads are the ones the code runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import optimizers
from optimizers import Trajectory

from .experiment import RunConfig

Values = dict[str, float]

SYMBOLS = {
    "lr": r"\eta",
    "beta1": r"\beta_1",
    "beta2": r"\beta_2",
    "eps": r"\varepsilon",
    "eps_root": r"\varepsilon_{root}",
    "momentum": r"\mu",
    "dampening": r"\tau",
    "weight_decay": r"\lambda",
    "alpha": r"\gamma",
    "rho": r"\rho",
    "lr_decay": r"d",
    "initial_accumulator_value": r"G_0",
    "momentum_decay": r"\psi",
}


@dataclass(frozen=True)
class Line:
    """``lhs = rule``; with numbers: ``lhs = numbers = value(v)``. ``check`` names the recorded
    quantity the value must equal (None when the line only shows an intermediate)."""

    lhs: str
    rule: str
    numbers: str
    value: Callable[[Values], float]
    check: str | None = None


def rule(config: RunConfig) -> list[Line]:
    """The update rule of a configuration, variants included, in the order it is computed."""
    h = {spec.name: config.value(spec.name) for spec in optimizers.hyperparams(config.optimizer)}
    lines = _gradient_lines(h, config.optimizer)
    lines += _RULES[config.optimizer](h)
    return lines


def rule_latex(config: RunConfig) -> str:
    """The symbolic update rule as one aligned LaTeX block."""
    body = r" \\ ".join(f"{line.lhs} &= {line.rule}" for line in rule(config))
    return r"\begin{aligned}" + body + r"\end{aligned}"


def step_latex(config: RunConfig, values: Values) -> str:
    """The rule with one step's numbers: each line, then its numbers and value."""
    rows = []
    known: dict[str, float] = {}  # intermediate quantities, put in as numbers where used later
    for line in rule(config):
        value = line.value(values)
        numbers = _insert_known(fill(line.numbers, values), known)
        rows.append(f"{line.lhs} &= {line.rule}")
        rows.append(f"&= {numbers} = {num(value)}")
        if line.lhs not in ("g_t", r"\theta_t"):
            known[line.lhs] = value
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def _insert_known(text: str, known: dict[str, float]) -> str:
    """Replace symbols of quantities computed on earlier lines (m̂_t, d_t, Δ_t…) by numbers."""
    for symbol in sorted(known, key=len, reverse=True):
        x = known[symbol]
        shown = f"({num(x)})" if x < 0 else num(x)
        before = r"(?<![A-Za-z\\])" if symbol[0].isalpha() else ""
        text = re.sub(
            before + re.escape(symbol) + r"(?![A-Za-z0-9{])",
            lambda _m, s=shown: rf"\,{s}\,",
            text,
        )
    return text


def step_values(config: RunConfig, traj: Trajectory, t: int, i: int) -> Values:
    """The numbers of step ``t`` (1-based) for coordinate ``i`` of a single run's trajectory."""
    h = {spec.name: config.value(spec.name) for spec in optimizers.hyperparams(config.optimizer)}
    v: Values = {k: float(x) for k, x in h.items() if not isinstance(x, bool)}
    v |= {
        "t": t,
        "grad": float(traj.grads[t - 1, i]),
        "theta_prev": float(traj.params[t - 1, i]),
        "theta": float(traj.params[t, i]),
        "eta": float(np.ravel(traj.lr[t - 1])[0]),
        "lr_eff": float(traj.lr_eff[t - 1, i]),
        "update": float(traj.updates[t - 1, i]),
    }
    initial = {"sum": h.get("initial_accumulator_value", 0.0), "mu_product": 1.0}
    for name, series in traj.state.items():
        pick = lambda k, s=series: float(s[k, i] if s.ndim > 1 else s[k])  # noqa: E731
        v[name] = pick(t - 1)
        v[f"{name}_prev"] = pick(t - 2) if t > 1 else float(initial.get(name, 0.0))
    if "beta2" in v:
        v["rho_inf"] = 2 / (1 - v["beta2"]) - 1
    g = -v["grad"] if h.get("maximize") else v["grad"]
    decoupled = h.get("decoupled_weight_decay") or config.optimizer in ("lion", "adabelief")
    v["g"] = g + (0.0 if decoupled else h.get("weight_decay", 0.0) * v["theta_prev"])
    return v


def hyperparameter_rows(config: RunConfig) -> list[dict[str, Any]]:
    """Symbol, value and meaning of each hyperparameter (for a table next to the rule)."""
    rows = []
    for spec in optimizers.hyperparams(config.optimizer):
        value = config.value(spec.name)
        rows.append(
            {
                "symbol": SYMBOLS.get(spec.name, ""),
                "name": spec.name,
                "value": value if isinstance(value, bool) else num(value, latex=False),
                "meaning": spec.label.split(" (")[0] + (f": {spec.help}" if spec.help else ""),
            }
        )
    return rows


LIBRARY_NOTES = {
    "sgd": "As `torch.optim.SGD`: the momentum buffer starts at the first gradient (so dampening "
    "applies from step 2), and Nesterov is the Bengio et al. reformulation evaluated at the "
    "stored parameters. Keras folds η into its velocity; with a constant η the paths agree.",
    "adagrad": "As `torch.optim.Adagrad`: ε outside the root and the accumulator starting at 0. "
    "Keras and optax put ε inside the root and start the sum at 0.1 (tick 'ε inside the square "
    "root' and set G₀ for their form).",
    "rmsprop": "As `torch.optim.RMSprop`: ε outside the root, decay γ = 0.99 by default, the "
    "momentum buffer without η. Keras and TensorFlow put ε inside the root (the textbook "
    "variant) and default to γ = 0.9; Nesterov momentum follows optax.",
    "adadelta": "As `torch.optim.Adadelta` (and Zeiler's paper with η = 1): ε inside both roots. "
    "Zeiler used ρ = 0.95; torch defaults to 0.9. Keras's default η = 0.001 moves 1000× slower.",
    "adam": "As `torch.optim.Adam` and Kingma & Ba's Algorithm 1: ε added after bias "
    "correction. Keras adds ε to the raw √v (its 'ε hat'), which acts like a larger ε early on. "
    "AMSGrad takes the maximum of the raw v, as torch does (optax: of the corrected one). "
    "Course notes often drop the bias correction or put ε inside the root: both are options.",
    "adamax": "As `torch.optim.Adamax`: ε inside the maximum. Keras adds ε after it.",
    "nadam": "As `torch.optim.NAdam`: Dozat's momentum schedule μ_t = β₁(1 − ½·0.96^{tψ}) with "
    "ψ = 0.004, which keeps μ near β₁/2 for thousands of steps. Keras drops ψ; optax has no "
    "schedule.",
    "radam": "As `torch.optim.RAdam`: the first steps (while ρ_t ≤ 5) are momentum SGD on the "
    "bias-corrected m; ε is added to the raw √v. The paper rectifies from ρ_t > 4.",
    "lion": "As `optax.lion` (torch has no Lion): a sign step, with decoupled weight decay "
    "λ = 0.001 by default.",
    "adabelief": "As `optax.adabelief` (torch has no AdaBelief): ε_root is added to s every step.",
}
LIBRARY_NOTES["momentum"] = LIBRARY_NOTES["nesterov"] = LIBRARY_NOTES["sgd"]
LIBRARY_NOTES["adamw"] = (
    "As `torch.optim.AdamW`: θ ← θ·(1 − ηλ) before the Adam step (decoupled decay, "
    "λ = 0.01 by default). " + LIBRARY_NOTES["adam"]
)


def num(x: float, latex: bool = True) -> str:
    """A number to 4 significant digits; powers of ten in LaTeX."""
    if isinstance(x, bool):
        return str(x)
    if not math.isfinite(x):
        return r"\infty" if latex and x > 0 else str(x)
    text = f"{x:.4g}"
    if "e" in text and latex:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def fill(template: str, values: Values) -> str:
    """Put numbers into a template: ``{name}`` becomes the value (negatives in parentheses);
    every other brace is LaTeX and stays."""

    def number(match: re.Match) -> str:
        if match[1] not in values:
            return match[0]
        x = values[match[1]]
        return f"({num(x)})" if x < 0 else num(x)

    return re.sub(r"\{(\w+)\}", number, template)


# --- the rules ---------------------------------------------------------------------------------


def _gradient_lines(h: dict[str, Any], name: str) -> list[Line]:
    coupled = h.get("weight_decay", 0) and not h.get("decoupled_weight_decay")
    if name in ("lion", "adabelief") or not coupled:
        if h.get("maximize"):
            return [Line("g_t", r"-\nabla f(\theta_{t-1})", "-{grad}", lambda v: v["g"])]
        return [Line("g_t", r"\nabla f(\theta_{t-1})", "{grad}", lambda v: v["g"])]
    sign = "-" if h.get("maximize") else ""
    return [
        Line(
            "g_t",
            sign + r"\nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}",
            sign + r"{grad} + {weight_decay}\cdot{theta_prev}",
            lambda v: v["g"],
        )
    ]


def _ema(lhs: str, prev: str, decay: str, sym: str, what: str, key: str, squared: bool) -> Line:
    power = "^2" if squared else ""
    return Line(
        lhs,
        rf"{sym}\,{prev} + (1-{sym})\,{what}{power}",
        rf"{{{decay}}}\cdot{{{key}_prev}} + (1-{{{decay}}})\cdot{{g}}{power}",
        lambda v: v[decay] * v[f"{key}_prev"] + (1 - v[decay]) * v["g"] ** (2 if squared else 1),
        check=key,
    )


def _theta(rule: str, numbers: str, value: Callable[[Values], float]) -> Line:
    return Line(r"\theta_t", rule, numbers, value, check="theta")


def _sgd(h: dict[str, Any]) -> list[Line]:
    if not h["momentum"]:
        return [
            _theta(
                r"\theta_{t-1} - \eta\,g_t",
                r"{theta_prev} - {eta}\cdot{g}",
                lambda v: v["theta_prev"] - v["eta"] * v["g"],
            )
        ]
    buffer = Line(
        "b_t",
        r"\mu\,b_{t-1} + (1-\tau)\,g_t \quad (b_1 = g_1)",
        r"{momentum}\cdot{momentum_buffer_prev} + (1-{dampening})\cdot{g}",
        lambda v: (
            v["g"]
            if v["t"] == 1
            else v["momentum"] * v["momentum_buffer_prev"] + (1 - v["dampening"]) * v["g"]
        ),
        check="momentum_buffer",
    )
    if h["nesterov"]:
        step = _theta(
            r"\theta_{t-1} - \eta\,(g_t + \mu\,b_t)",
            r"{theta_prev} - {eta}\cdot({g} + {momentum}\cdot{momentum_buffer})",
            lambda v: v["theta_prev"] - v["eta"] * (v["g"] + v["momentum"] * v["momentum_buffer"]),
        )
    else:
        step = _theta(
            r"\theta_{t-1} - \eta\,b_t",
            r"{theta_prev} - {eta}\cdot{momentum_buffer}",
            lambda v: v["theta_prev"] - v["eta"] * v["momentum_buffer"],
        )
    return [buffer, step]


def _adagrad(h: dict[str, Any]) -> list[Line]:
    def clr(v: Values) -> float:
        return v["eta"] / (1 + (v["t"] - 1) * v["lr_decay"])

    def den(v: Values) -> float:
        if h["eps_inside_sqrt"]:
            return math.sqrt(v["sum"] + v["eps"])
        return math.sqrt(v["sum"]) + v["eps"]

    root = r"\sqrt{G_t + \varepsilon}" if h["eps_inside_sqrt"] else r"(\sqrt{G_t} + \varepsilon)"
    lines = [
        Line(
            "G_t",
            r"G_{t-1} + g_t^2",
            r"{sum_prev} + {g}^2",
            lambda v: v["sum_prev"] + v["g"] ** 2,
            check="sum",
        ),
        Line(r"\eta_t", r"\eta\,/\,(1 + (t-1)\,d)", r"{eta}\,/\,(1 + ({t}-1)\cdot{lr_decay})", clr),
    ]
    lines.append(
        _theta(
            rf"\theta_{{t-1}} - \eta_t\,g_t\,/\,{root}",
            r"{theta_prev} - "
            + r"\eta_t\cdot{g}\,/\,"
            + root.replace("G_t", "{sum}").replace(r"\varepsilon", "{eps}"),
            lambda v: v["theta_prev"] - clr(v) * v["g"] / den(v),
        )
    )
    return lines


def _rmsprop(h: dict[str, Any]) -> list[Line]:
    lines = [_ema("v_t", "v_{t-1}", "alpha", r"\gamma", "g_t", "square_avg", squared=True)]
    var = "v_t"
    if h["centered"]:
        lines.append(
            _ema(r"\bar g_t", r"\bar g_{t-1}", "alpha", r"\gamma", "g_t", "grad_avg", squared=False)
        )
        var = r"v_t - \bar g_t^2"

    def den(v: Values) -> float:
        x = v["square_avg"] - (v["grad_avg"] ** 2 if h["centered"] else 0.0)
        return math.sqrt(x + v["eps"]) if h["eps_inside_sqrt"] else math.sqrt(x) + v["eps"]

    sym = (
        rf"\sqrt{{{var} + \varepsilon}}"
        if h["eps_inside_sqrt"]
        else rf"\sqrt{{{var}}} + \varepsilon"
    )
    lines.append(
        Line(
            "d_t",
            sym,
            sym.replace("v_t", "{square_avg}")
            .replace(r"\bar g_t", "{grad_avg}")
            .replace(r"\varepsilon", "{eps}"),
            den,
        )
    )
    if not h["momentum"]:
        lines.append(
            _theta(
                r"\theta_{t-1} - \eta\,g_t\,/\,d_t",
                r"{theta_prev} - {eta}\cdot{g}\,/\,d_t",
                lambda v: v["theta_prev"] - v["eta"] * v["g"] / den(v),
            )
        )
        return lines
    lines.append(
        Line(
            "b_t",
            r"\mu\,b_{t-1} + g_t\,/\,d_t",
            r"{momentum}\cdot{momentum_buffer_prev} + {g}\,/\,d_t",
            lambda v: v["momentum"] * v["momentum_buffer_prev"] + v["g"] / den(v),
            check="momentum_buffer",
        )
    )
    if h["nesterov"]:
        lines.append(
            _theta(
                r"\theta_{t-1} - \eta\,(g_t/d_t + \mu\,b_t)",
                r"{theta_prev} - {eta}\cdot({g}/d_t + {momentum}\cdot{momentum_buffer})",
                lambda v: (
                    v["theta_prev"]
                    - v["eta"] * (v["g"] / den(v) + v["momentum"] * v["momentum_buffer"])
                ),
            )
        )
    else:
        lines.append(
            _theta(
                r"\theta_{t-1} - \eta\,b_t",
                r"{theta_prev} - {eta}\cdot{momentum_buffer}",
                lambda v: v["theta_prev"] - v["eta"] * v["momentum_buffer"],
            )
        )
    return lines


def _adadelta(h: dict[str, Any]) -> list[Line]:
    def delta(v: Values) -> float:
        return (
            math.sqrt(v["acc_delta_prev"] + v["eps"])
            / math.sqrt(v["square_avg"] + v["eps"])
            * v["g"]
        )

    return [
        _ema(r"E[g^2]_t", r"E[g^2]_{t-1}", "rho", r"\rho", "g_t", "square_avg", squared=True),
        Line(
            r"\Delta_t",
            r"\frac{\sqrt{E[\Delta^2]_{t-1} + \varepsilon}}{\sqrt{E[g^2]_t + \varepsilon}}\,g_t",
            r"\frac{{\sqrt{{{acc_delta_prev} + {eps}}}}}{{\sqrt{{{square_avg} + {eps}}}}}\cdot{g}",
            delta,
        ),
        Line(
            r"E[\Delta^2]_t",
            r"\rho\,E[\Delta^2]_{t-1} + (1-\rho)\,\Delta_t^2",
            r"{rho}\cdot{acc_delta_prev} + (1-{rho})\cdot\Delta_t^2",
            lambda v: v["rho"] * v["acc_delta_prev"] + (1 - v["rho"]) * delta(v) ** 2,
            check="acc_delta",
        ),
        _theta(
            r"\theta_{t-1} - \eta\,\Delta_t",
            r"{theta_prev} - {eta}\cdot\Delta_t",
            lambda v: v["theta_prev"] - v["eta"] * delta(v),
        ),
    ]


def _moments(h: dict[str, Any]) -> list[Line]:
    return [
        _ema("m_t", "m_{t-1}", "beta1", r"\beta_1", "g_t", "exp_avg", squared=False),
        _ema("v_t", "v_{t-1}", "beta2", r"\beta_2", "g_t", "exp_avg_sq", squared=True),
    ]


def _decay_prefix(h: dict[str, Any]) -> tuple[str, str, Callable[[Values], float]]:
    """The decoupled-decay part of a θ update: (symbolic, numbers, value)."""
    if h.get("decoupled_weight_decay") and h.get("weight_decay"):
        return (
            r"\theta_{t-1}(1 - \eta\lambda)",
            r"{theta_prev}\cdot(1 - {eta}\cdot{weight_decay})",
            lambda v: v["theta_prev"] * (1 - v["eta"] * v["weight_decay"]),
        )
    return r"\theta_{t-1}", "{theta_prev}", lambda v: v["theta_prev"]


def _adam(h: dict[str, Any]) -> list[Line]:
    lines = _moments(h)
    v_name = "v_t"
    if h["amsgrad"]:
        lines.append(
            Line(
                r"v^{max}_t",
                r"\max(v^{max}_{t-1}, v_t)",
                r"\max({max_exp_avg_sq_prev}, {exp_avg_sq})",
                lambda v: max(v["max_exp_avg_sq_prev"], v["exp_avg_sq"]),
                check="max_exp_avg_sq",
            )
        )
        v_name = r"v^{max}_t"
    vkey = "max_exp_avg_sq" if h["amsgrad"] else "exp_avg_sq"
    corrected = h["bias_correction"]

    def m_hat(v: Values) -> float:
        return v["exp_avg"] / (1 - v["beta1"] ** v["t"]) if corrected else v["exp_avg"]

    def v_hat(v: Values) -> float:
        return v[vkey] / (1 - v["beta2"] ** v["t"]) if corrected else v[vkey]

    if corrected:
        lines.append(
            Line(r"\hat m_t", r"m_t\,/\,(1-\beta_1^t)", r"{exp_avg}\,/\,(1-{beta1}^{{{t}}})", m_hat)
        )
        lines.append(
            Line(
                r"\hat v_t",
                rf"{v_name}\,/\,(1-\beta_2^t)",
                "{" + vkey + r"}\,/\,(1-{beta2}^{{{t}}})",
                v_hat,
            )
        )
    mh, vh = (r"\hat m_t", r"\hat v_t") if corrected else ("m_t", v_name)
    root = (
        rf"\sqrt{{{vh} + \varepsilon}}"
        if h["eps_inside_sqrt"]
        else rf"(\sqrt{{{vh}}} + \varepsilon)"
    )

    def den(v: Values) -> float:
        return (
            math.sqrt(v_hat(v) + v["eps"])
            if h["eps_inside_sqrt"]
            else math.sqrt(v_hat(v)) + v["eps"]
        )

    base, base_numbers, base_value = _decay_prefix(h)
    lines.append(
        _theta(
            rf"{base} - \eta\,{mh}\,/\,{root}",
            base_numbers + rf" - {{eta}}\cdot {mh}\,/\," + root.replace(r"\varepsilon", "{eps}"),
            lambda v: base_value(v) - v["eta"] * m_hat(v) / den(v),
        )
    )
    return lines


def _adamax(h: dict[str, Any]) -> list[Line]:
    return [
        _ema("m_t", "m_{t-1}", "beta1", r"\beta_1", "g_t", "exp_avg", squared=False),
        Line(
            "u_t",
            r"\max(\beta_2\,u_{t-1},\ |g_t| + \varepsilon)",
            r"\max({beta2}\cdot{exp_inf_prev},\ |{g}| + {eps})",
            lambda v: max(v["beta2"] * v["exp_inf_prev"], abs(v["g"]) + v["eps"]),
            check="exp_inf",
        ),
        _theta(
            r"\theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}",
            r"{theta_prev} - \frac{{{eta}}}{{1-{beta1}^{{{t}}}}}\cdot\frac{{{exp_avg}}}{{{exp_inf}}}",
            lambda v: (
                v["theta_prev"]
                - v["eta"] / (1 - v["beta1"] ** v["t"]) * v["exp_avg"] / v["exp_inf"]
            ),
        ),
    ]


def _nadam(h: dict[str, Any]) -> list[Line]:
    def mu(v: Values, k: int = 0) -> float:
        return v["beta1"] * (1 - 0.5 * 0.96 ** ((v["t"] + k) * v["momentum_decay"]))

    def den(v: Values) -> float:
        return math.sqrt(v["exp_avg_sq"] / (1 - v["beta2"] ** v["t"])) + v["eps"]

    base, base_numbers, base_value = _decay_prefix(h)
    return [
        Line(
            r"\mu_t",
            r"\beta_1\,(1 - \tfrac12\,0.96^{t\psi})",
            r"{beta1}\cdot(1 - 0.5\cdot 0.96^{{{t}\cdot{momentum_decay}}})",
            mu,
        ),
        Line(
            r"\Pi_t",
            r"\Pi_{t-1}\,\mu_t",
            r"{mu_product_prev}\cdot\mu_t",
            lambda v: v["mu_product_prev"] * mu(v),
            check="mu_product",
        ),
        *_moments(h),
        Line(
            "d_t",
            r"\sqrt{v_t/(1-\beta_2^t)} + \varepsilon",
            r"\sqrt{{{exp_avg_sq}/(1-{beta2}^{{{t}}})}} + {eps}",
            den,
        ),
        _theta(
            rf"{base} - \eta\Big(\frac{{1-\mu_t}}{{1-\Pi_t}}\,g_t + \frac{{\mu_{{t+1}}}}{{1-\Pi_t\mu_{{t+1}}}}\,m_t\Big)/d_t",
            base_numbers
            + r" - {eta}\cdot\Big(\frac{{1-\mu_t}}{{1-{mu_product}}}\cdot{g} + \frac{{\mu_{{t+1}}}}{{1-{mu_product}\,\mu_{{t+1}}}}\cdot{exp_avg}\Big)/d_t",
            lambda v: (
                base_value(v)
                - v["eta"]
                * (
                    (1 - mu(v)) / (1 - v["mu_product"]) * v["g"]
                    + mu(v, 1) / (1 - v["mu_product"] * mu(v, 1)) * v["exp_avg"]
                )
                / den(v)
            ),
        ),
    ]


def _radam(h: dict[str, Any]) -> list[Line]:
    def rho_t(v: Values) -> float:
        rho_inf = 2 / (1 - v["beta2"]) - 1
        return rho_inf - 2 * v["t"] * v["beta2"] ** v["t"] / (1 - v["beta2"] ** v["t"])

    def factor(v: Values) -> float:
        r, rho_inf = rho_t(v), 2 / (1 - v["beta2"]) - 1
        if r <= 5:
            return 1.0
        rect = math.sqrt((r - 4) * (r - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * r))
        return rect * math.sqrt(1 - v["beta2"] ** v["t"]) / (math.sqrt(v["exp_avg_sq"]) + v["eps"])

    base, base_numbers, base_value = _decay_prefix(h)
    return [
        *_moments(h),
        Line(
            r"\rho_t",
            r"\rho_\infty - 2t\beta_2^t/(1-\beta_2^t)",
            r"{rho_inf} - 2\cdot{t}\cdot{beta2}^{{{t}}}/(1-{beta2}^{{{t}}})",
            rho_t,
        ),
        Line(
            "a_t",
            r"r_t\sqrt{1-\beta_2^t}/(\sqrt{v_t}+\varepsilon)\ \text{if}\ \rho_t > 5\ \text{else}\ 1",
            r"\text{(rectified adaptive factor)}",
            factor,
        ),
        _theta(
            rf"{base} - \eta\,a_t\,m_t/(1-\beta_1^t)",
            base_numbers + r" - {eta}\cdot a_t\cdot{exp_avg}/(1-{beta1}^{{{t}}})",
            lambda v: (
                base_value(v) - v["eta"] * factor(v) * v["exp_avg"] / (1 - v["beta1"] ** v["t"])
            ),
        ),
    ]


def _lion(h: dict[str, Any]) -> list[Line]:
    def c(v: Values) -> float:
        return float(np.sign(v["beta1"] * v["exp_avg_prev"] + (1 - v["beta1"]) * v["g"]))

    return [
        Line(
            "c_t",
            r"\operatorname{sign}(\beta_1\,m_{t-1} + (1-\beta_1)\,g_t)",
            r"\operatorname{{sign}}({beta1}\cdot{exp_avg_prev} + (1-{beta1})\cdot{g})",
            c,
        ),
        _ema("m_t", "m_{t-1}", "beta2", r"\beta_2", "g_t", "exp_avg", squared=False),
        _theta(
            r"\theta_{t-1} - \eta\,(c_t + \lambda\,\theta_{t-1})",
            r"{theta_prev} - {eta}\cdot(c_t + {weight_decay}\cdot{theta_prev})",
            lambda v: v["theta_prev"] - v["eta"] * (c(v) + v["weight_decay"] * v["theta_prev"]),
        ),
    ]


def _adabelief(h: dict[str, Any]) -> list[Line]:
    def step(v: Values) -> float:
        m_hat = v["exp_avg"] / (1 - v["beta1"] ** v["t"])
        s_hat = v["exp_avg_var"] / (1 - v["beta2"] ** v["t"])
        return m_hat / (math.sqrt(s_hat) + v["eps"]) + v["weight_decay"] * v["theta_prev"]

    return [
        _ema("m_t", "m_{t-1}", "beta1", r"\beta_1", "g_t", "exp_avg", squared=False),
        Line(
            "s_t",
            r"\beta_2\,s_{t-1} + (1-\beta_2)(g_t - m_t)^2 + \varepsilon_{root}",
            r"{beta2}\cdot{exp_avg_var_prev} + (1-{beta2})\cdot({g} - {exp_avg})^2 + {eps_root}",
            lambda v: (
                v["beta2"] * v["exp_avg_var_prev"]
                + (1 - v["beta2"]) * (v["g"] - v["exp_avg"]) ** 2
                + v["eps_root"]
            ),
            check="exp_avg_var",
        ),
        _theta(
            r"\theta_{t-1} - \eta\Big(\frac{m_t/(1-\beta_1^t)}{\sqrt{s_t/(1-\beta_2^t)} + \varepsilon} + \lambda\theta_{t-1}\Big)",
            r"{theta_prev} - {eta}\cdot(\ldots)",
            lambda v: v["theta_prev"] - v["eta"] * step(v),
        ),
    ]


_RULES: dict[str, Callable[[dict[str, Any]], list[Line]]] = {
    "sgd": _sgd,
    "momentum": _sgd,
    "nesterov": _sgd,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adadelta": _adadelta,
    "adam": _adam,
    "adamw": _adam,
    "adamax": _adamax,
    "nadam": _nadam,
    "radam": _radam,
    "lion": _lion,
    "adabelief": _adabelief,
}
