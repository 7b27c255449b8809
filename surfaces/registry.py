"""The registry: every surface by name, with its plotting window, start, minima and lesson.

Adding a surface = a function pair in a family module + one `@_register` factory here, with the
surface's parameters declared as `params.Param`s (range, label, symbol, scale): `get` checks
them and the dashboard builds its controls from them. Values of minima are from the SFU Virtual
Library of test functions (Surjanovic & Bingham) and Wikipedia's "Test functions for
optimization", polished to float64 precision with Newton steps on the analytic gradient.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from functools import cache, partial

import numpy as np

from params import Param
from surfaces import camels, classic, expression, multimodal, one_d, quadratic, saddles, stochastic
from surfaces.base import Surface, Work

_FACTORIES: dict[str, Callable[..., Surface]] = {}  # filled once at import; display order
_PARAMS: dict[str, tuple[Param, ...]] = {}

KAPPA = Param(
    "kappa",
    "Condition number κ (kappa)",
    symbol=r"\kappa",
    low=1.0,
    high=1e6,
    high_inclusive=True,
    ui_range=(1.0, 1e4),
    help="How many times steeper the valley's walls are than its floor.",
)
N_SAMPLES = Param(
    "n_samples", "Data points n (n_samples)", kind=int, low=2, high=100_000, high_inclusive=True
)
BATCH_SIZE = Param(
    "batch_size",
    "Mini-batch size B (batch_size)",
    kind=int,
    low=1,
    high=100_000,
    high_inclusive=True,
    help="Points per gradient, at most n; the whole data set gives the exact gradient.",
)
DATA_NOISE = Param("noise", "Noise in the data σ (noise)", low=0.0, high=100.0, high_inclusive=True)
DATA_SEED = Param(
    "data_seed", "Data seed (data_seed)", kind=int, low=0, high=2**31 - 1, high_inclusive=True
)


def _register(
    name: str, params: tuple[Param, ...] = ()
) -> Callable[[Callable[..., Surface]], Callable[..., Surface]]:
    def add(factory: Callable[..., Surface]) -> Callable[..., Surface]:
        _FACTORIES[name] = factory
        _PARAMS[name] = params
        return factory

    return add


def parameters(name: str) -> tuple[Param, ...]:
    """The declared numeric parameters of surface `name` (range, label, symbol, scale).

    >>> [p.name for p in parameters("least_squares")]
    ['n_samples', 'batch_size', 'noise', 'data_seed']
    """
    defaults(name)  # the KeyError listing the choices
    return _PARAMS[name]


def names(dim: int | None = None, stochastic: bool | None = None) -> list[str]:
    """Registry names in display order: 2-D classics, then 1-D, then stochastic surfaces.

    Args:
        dim: keep only surfaces of this dimension (1 or 2); None keeps all.
        stochastic: keep only stochastic (True) or deterministic (False) ones; None keeps all.

    >>> names(dim=1)
    ['parabola', 'slope', 'double_well']
    """
    if dim not in (None, 1, 2):
        raise ValueError(f"dim must be 1, 2 or None; got {dim!r}")
    return [
        name
        for name in _FACTORIES
        if (dim is None or _kind(name)[0] == dim)
        and (stochastic is None or _kind(name)[1] == stochastic)
    ]


@cache
def _kind(name: str) -> tuple[int, bool]:
    """(dim, stochastic) of a registered surface with its default parameters, found once: the
    registry is fixed at import, and building some surfaces (data, a formula) takes time."""
    s = _FACTORIES[name]()
    return s.dim, s.stochastic


def defaults(name: str) -> dict[str, object]:
    """The parameters surface `name` takes, with their defaults (empty for most surfaces).

    >>> defaults("ravine")
    {'kappa': 10.0}
    """
    params = inspect.signature(_factory(name)).parameters.values()
    return {p.name: p.default for p in params}


def get(name: str, **params: object) -> Surface:
    """The surface called `name`, built with its parameters (defaults for the rest).

    Raises:
        KeyError: unknown name (the message lists the choices).
        TypeError: a parameter the surface does not have.
        ValueError: a parameter out of range (the message names it, the range and the value).

    >>> s = get("ravine", kappa=50)
    >>> s.params, float(s.f([1.0, 1.0]))
    ({'kappa': 50.0}, 25.5)
    """
    factory = _factory(name)
    valid = list(inspect.signature(factory).parameters)
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise TypeError(
            f"surface {name!r} got unexpected parameter(s) {', '.join(map(repr, unknown))}; "
            f"valid: {', '.join(valid) or 'none'}"
        )
    specs = {p.name: p for p in _PARAMS[name]}
    optional = {k for k, v in defaults(name).items() if v is None}  # None: "work it out"
    checked = {
        k: v
        if k not in specs or (v is None and k in optional)
        else specs[k].validate(v, scalar=True)
        for k, v in params.items()
    }
    return factory(**checked)


def _factory(name: str) -> Callable[..., Surface]:
    """The factory of surface `name`; `KeyError` listing the choices for any other value."""
    try:
        return _FACTORIES[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name such as a list
        choices = ", ".join(sorted(_FACTORIES))
        raise KeyError(f"unknown surface {name!r}; choose from: {choices}") from None


# --- 2-D: convex quadratics -------------------------------------------------------------------


@_register("quadratic")
def _quadratic() -> Surface:
    return Surface(
        name="quadratic",
        title="Quadratic bowl",
        dim=2,
        fun=quadratic.quadratic,
        jac=quadratic.quadratic_grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-4.0, 3.0),
        global_minima=[[0.0, 0.0]],
        f_min=0.0,
        formula=r"f(x,y) = \tfrac{1}{2}\,(x^2 + y^2)",
        lesson="With the same curvature in every direction the gradient points straight at the "
        "minimum, so every optimizer walks a straight line and only the step size matters.",
    )


@_register("ravine", (KAPPA,))
def _ravine(kappa: float = 10.0) -> Surface:
    kappa = float(kappa)
    return Surface(
        name="ravine",
        title="Ill-conditioned ravine",
        dim=2,
        fun=partial(quadratic.ravine, kappa=kappa),
        jac=partial(quadratic.ravine_grad, kappa=kappa),
        bounds=((-5.0, 5.0), (-2.0, 2.0)),
        start=(-4.0, 1.0),
        global_minima=[[0.0, 0.0]],
        f_min=0.0,
        formula=rf"f(x,y) = \tfrac{{1}}{{2}}\,(x^2 + \kappa\,y^2),\quad \kappa = {kappa:g}",
        lesson="One direction is κ times steeper than the other: a learning rate stable across "
        "the valley (lr < 2/κ) crawls along it, which momentum and per-coordinate scaling fix.",
        param_items=(("kappa", kappa),),
    )


@_register("booth")
def _booth() -> Surface:
    return Surface(
        name="booth",
        title="Booth",
        dim=2,
        fun=quadratic.booth,
        jac=quadratic.booth_grad,
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        start=(-5.0, -5.0),
        global_minima=[[1.0, 3.0]],
        f_min=0.0,
        formula=r"f(x,y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        lesson="A tilted valley (condition number 9) makes plain gradient descent zig-zag, "
        "because the steepest direction is not the direction to the minimum.",
        log_scale=True,
    )


@_register("matyas")
def _matyas() -> Surface:
    return Surface(
        name="matyas",
        title="Matyas",
        dim=2,
        fun=quadratic.matyas,
        jac=quadratic.matyas_grad,
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        start=(-8.0, 6.0),
        global_minima=[[0.0, 0.0]],
        f_min=0.0,
        formula=r"f(x,y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
        lesson="A shallow ravine along the diagonal y = x (condition number 25): because it is "
        "not aligned with the axes, per-coordinate step sizes cannot straighten it out.",
    )


# --- 2-D: non-convex classics -----------------------------------------------------------------


@_register("rosenbrock")
def _rosenbrock() -> Surface:
    return Surface(
        name="rosenbrock",
        title="Rosenbrock",
        dim=2,
        fun=classic.rosenbrock,
        jac=classic.rosenbrock_grad,
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.2, 1.0),
        global_minima=[[1.0, 1.0]],
        f_min=0.0,
        formula=r"f(x,y) = (1-x)^2 + 100\,(y-x^2)^2",
        lesson="Reaching the curved valley is easy but following its flat floor to (1, 1) is "
        "slow, and a step that is too large bounces between its steep walls.",
        log_scale=True,
    )


@_register("beale")
def _beale() -> Surface:
    return Surface(
        name="beale",
        title="Beale",
        dim=2,
        fun=classic.beale,
        jac=classic.beale_grad,
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        start=(1.0, 1.5),
        global_minima=[[3.0, 0.5]],
        f_min=0.0,
        formula=r"f(x,y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        lesson="Flat plateaus beside walls with gradients up to 10⁵ punish a fixed learning "
        "rate: small steps stall on the plateau and large ones are flung off the map.",
        log_scale=True,
    )


@_register("himmelblau")
def _himmelblau() -> Surface:
    return Surface(
        name="himmelblau",
        title="Himmelblau",
        dim=2,
        fun=classic.himmelblau,
        jac=classic.himmelblau_grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(0.0, 0.0),
        global_minima=[
            [3.0, 2.0],
            [-2.805118086952745, 3.131312518250573],
            [-3.779310253377747, -3.2831859912861696],
            [3.5844283403304917, -1.8481265269644036],
        ],
        f_min=0.0,
        formula=r"f(x,y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        lesson="Four equally good minima: which one an optimizer reaches depends on where it "
        "starts and on how far its momentum carries it.",
        log_scale=True,
    )


@_register("three_hump_camel")
def _three_hump_camel() -> Surface:
    return Surface(
        name="three_hump_camel",
        title="Three-hump camel",
        dim=2,
        fun=camels.three_hump_camel,
        jac=camels.three_hump_camel_grad,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.5, 1.5),
        global_minima=[[0.0, 0.0]],
        local_minima=[
            [-1.747552345830289, 0.8737761729151445],
            [1.747552345830289, -0.8737761729151445],
        ],
        f_min=0.0,
        formula=r"f(x,y) = 2x^2 - 1.05\,x^4 + \tfrac{1}{6}x^6 + xy + y^2",
        lesson="A global minimum between two shallow side basins: from this start plain "
        "gradient descent settles in the left basin and never sees the origin.",
    )


@_register("six_hump_camel")
def _six_hump_camel() -> Surface:
    g = (0.08984201310031807, -0.7126564030207396)
    a = (1.7036067149699807, -0.7960835686726251)
    b = (1.6071047529201972, 0.5686514548841314)
    return Surface(
        name="six_hump_camel",
        title="Six-hump camel",
        dim=2,
        fun=camels.six_hump_camel,
        jac=camels.six_hump_camel_grad,
        bounds=((-2.0, 2.0), (-1.0, 1.0)),
        start=(-1.5, 0.9),
        global_minima=[g, np.negative(g)],
        local_minima=[np.negative(a), a, b, np.negative(b)],
        f_min=-1.0316284534898774,
        formula=r"f(x,y) = \left(4 - 2.1\,x^2 + \tfrac{1}{3}x^4\right)x^2 + xy + (4y^2 - 4)\,y^2",
        lesson="Six minima, and a stationary point at the origin where the gradient is exactly "
        "zero, so an optimizer started there never moves.",
    )


@_register("goldstein_price")
def _goldstein_price() -> Surface:
    return Surface(
        name="goldstein_price",
        title="Goldstein–Price",
        dim=2,
        fun=classic.goldstein_price,
        jac=classic.goldstein_price_grad,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-0.5, 0.5),
        global_minima=[[0.0, -1.0]],
        local_minima=[[-0.6, -0.4], [1.8, 0.2], [1.2, 0.8]],
        f_min=3.0,
        formula=r"f(x,y) = \left[1 + (x+y+1)^2\,(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
        r"\left[30 + (2x-3y)^2\,(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]",
        lesson="Values span 3 to about 10⁶, so a learning rate safe on the steep rim barely "
        "moves in the basins, and three local minima wait beside the global one.",
        log_scale=True,
    )


# --- 2-D: many local minima -------------------------------------------------------------------


@_register("rastrigin")
def _rastrigin() -> Surface:
    r = 0.9949586376523348
    return Surface(
        name="rastrigin",
        title="Rastrigin",
        dim=2,
        fun=multimodal.rastrigin,
        jac=multimodal.rastrigin_grad,
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        start=(3.2, -2.7),
        global_minima=[[0.0, 0.0]],
        local_minima=[[r, 0.0], [-r, 0.0], [0.0, r], [0.0, -r], [r, r]],
        f_min=0.0,
        formula=r"f(x,y) = 20 + \sum_{i=1}^{2}\left(x_i^2 - 10\cos 2\pi x_i\right)",
        lesson="An egg box of local minima on a bowl: gradient descent stops in the nearest "
        "dimple, and only large steps or noise hop from one dimple to the next.",
    )


@_register("ackley")
def _ackley() -> Surface:
    r = 0.9521665459501717
    return Surface(
        name="ackley",
        title="Ackley",
        dim=2,
        fun=multimodal.ackley,
        jac=multimodal.ackley_grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-3.5, 1.5),
        global_minima=[[0.0, 0.0]],
        local_minima=[[r, 0.0], [-r, 0.0], [0.0, r], [0.0, -r]],
        f_min=0.0,
        formula=r"f(x,y) = -20\,e^{-0.2\sqrt{\frac{1}{2}(x^2+y^2)}}"
        r" - e^{\frac{1}{2}(\cos 2\pi x + \cos 2\pi y)} + 20 + e",
        lesson="A nearly flat plain full of dimples around one sharp funnel: the dimples trap "
        "small steps, and at the kinked minimum the gradient never shrinks to zero.",
        kinks=[[0.0, 0.0]],
    )


@_register("styblinski_tang")
def _styblinski_tang() -> Surface:
    lo, hi = -2.9035340277711774, 2.746802770990837  # roots of 4x³ − 32x + 5
    return Surface(
        name="styblinski_tang",
        title="Styblinski–Tang",
        dim=2,
        fun=multimodal.styblinski_tang,
        jac=multimodal.styblinski_tang_grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(4.0, 4.0),
        global_minima=[[lo, lo]],
        local_minima=[[hi, lo], [lo, hi], [hi, hi]],
        f_min=-78.33233140754284,
        formula=r"f(x,y) = \tfrac{1}{2}\sum_{i=1}^{2}\left(x_i^4 - 16x_i^2 + 5x_i\right)",
        lesson="Each coordinate has a deep and a shallow well, so the start decides which of "
        "four minima an optimizer ends in; from (4, 4) plain descent finds the shallowest.",
    )


# --- 2-D: saddles -------------------------------------------------------------------------------


@_register("saddle")
def _saddle() -> Surface:
    return Surface(
        name="saddle",
        title="Saddle",
        dim=2,
        fun=saddles.saddle,
        jac=saddles.saddle_grad,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.5, 0.01),
        global_minima=[],
        f_min=None,
        formula=r"f(x,y) = x^2 - y^2",
        lesson="Near a saddle the gradient is tiny, so gradient descent escapes only as fast as "
        "its small y offset grows, and never from exactly y = 0.",
    )


@_register("monkey_saddle")
def _monkey_saddle() -> Surface:
    return Surface(
        name="monkey_saddle",
        title="Monkey saddle",
        dim=2,
        fun=saddles.monkey_saddle,
        jac=saddles.monkey_saddle_grad,
        bounds=((-1.5, 1.5), (-1.5, 1.5)),
        start=(0.5, 0.1),
        global_minima=[],
        f_min=None,
        formula=r"f(x,y) = x^3 - 3xy^2",
        lesson="A degenerate saddle with zero curvature and three downhill valleys: gradients "
        "vanish near the origin, so optimizers creep through it before sliding away.",
    )


# --- 1-D ----------------------------------------------------------------------------------------


@_register("parabola")
def _parabola() -> Surface:
    return Surface(
        name="parabola",
        title="Parabola",
        dim=1,
        fun=one_d.parabola,
        jac=one_d.parabola_grad,
        bounds=((-6.0, 6.0),),
        start=(5.0,),
        global_minima=[[0.0]],
        f_min=0.0,
        formula=r"f(x) = \tfrac{1}{2}x^2",
        lesson="Gradient descent gives x ← (1 − lr)·x: below lr = 1 it converges smoothly, "
        "between 1 and 2 it oscillates, and above 2 it diverges.",
    )


@_register("slope")
def _slope() -> Surface:
    return Surface(
        name="slope",
        title="Asymmetric V",
        dim=1,
        fun=one_d.slope,
        jac=one_d.slope_grad,
        bounds=((-3.0, 3.0),),
        start=(2.0,),
        global_minima=[[0.0]],
        f_min=0.0,
        formula=r"f(x) = \begin{cases} x & x > 0 \\ -0.1\,x & \text{otherwise} \end{cases}",
        lesson="Slopes of 1 and −0.1 that never shrink near the minimum make constant-step "
        "SGD circle around 0, while adaptive and sign-based methods even out the asymmetry.",
        kinks=[[0.0]],
    )


@_register("double_well")
def _double_well() -> Surface:
    return Surface(
        name="double_well",
        title="Double well",
        dim=1,
        fun=one_d.double_well,
        jac=one_d.double_well_grad,
        bounds=((-2.5, 2.5),),
        start=(2.0,),
        global_minima=[[-1.300839565941577]],  # roots of 4x³ − 6x + 1
        local_minima=[[1.1309011226299859]],
        f_min=-3.513905038934789,
        formula=r"f(x) = x^4 - 3x^2 + x",
        lesson="Started on the right, plain gradient descent settles in the shallow well near "
        "x = 1.13, while momentum can carry it over the bump to the deeper one near x = −1.30.",
    )


# --- stochastic ---------------------------------------------------------------------------------


@_register("least_squares", (N_SAMPLES, BATCH_SIZE, DATA_NOISE, DATA_SEED))
def _least_squares(
    n_samples: int = 200, batch_size: int | None = None, noise: float = 0.5, data_seed: int = 0
) -> Surface:
    """Linear regression y = w·x + b on `n_samples` synthetic points drawn from `data_seed`.

    Args:
        n_samples: data set size, in [2, 100000].
        batch_size: mini-batch size, in [1, n_samples]; None means min(8, n_samples).
        noise: standard deviation of the label noise, in [0, 10].
        data_seed: seed of the data set (not of the batches), in [0, 2^31 − 1].

    `get` has checked each against its declared `Param`; only batch_size ≤ n_samples, which
    ties two parameters together, is checked here.
    """
    n_samples, noise, data_seed = int(n_samples), float(noise), int(data_seed)
    batch_size = min(8, n_samples) if batch_size is None else int(batch_size)
    if batch_size > n_samples:
        raise ValueError(f"batch_size must be a whole number in [1, {n_samples}]; got {batch_size}")
    data_x, data_y = stochastic.make_regression_data(n_samples, noise, data_seed)
    for arr in (data_x, data_y):
        arr.setflags(write=False)  # shared by f, grad, minibatch_grad and `data`
    theta = stochastic.least_squares_solution(data_x, data_y)
    f_min = float(stochastic.least_squares(theta, data_x, data_y))
    # A fixed window around the true line (2, 1); widened only if a noisy fit lands outside.
    bounds = tuple(
        (min(lo, math.floor(t - 1.0)), max(hi, math.ceil(t + 1.0)))
        for t, (lo, hi) in zip(theta, ((-1.0, 5.0), (-3.0, 5.0)), strict=True)
    )
    data = {"data_x": data_x, "data_y": data_y}
    moments = stochastic.centred_moments(data_x, data_y)  # once: f and grad are O(1) per point
    full = batch_size == n_samples  # the whole data set as the batch: the full gradient
    minibatch = partial(stochastic.least_squares_minibatch_grad, **data, batch_size=batch_size)
    return Surface(
        name="least_squares",
        title="Least squares (linear regression)",
        dim=2,
        fun=partial(stochastic.least_squares, **data, moments=moments),
        jac=partial(stochastic.least_squares_grad, **data, moments=moments),
        bounds=bounds,
        start=(0.0, 0.0),
        global_minima=[theta],
        f_min=f_min,
        formula=r"f(w,b) = \frac{1}{n}\sum_{i=1}^{n} \tfrac{1}{2}\,(w\,x_i + b - y_i)^2",
        lesson="Mini-batch gradients are noisy estimates of the full gradient, so constant-step "
        "SGD jitters around the fit instead of settling, and inputs far from 0 make the valley "
        "narrow.",
        log_scale=True,
        param_items=(
            ("n_samples", n_samples),
            ("batch_size", batch_size),
            ("noise", noise),
            ("data_seed", data_seed),
        ),
        minibatch_jac=None if full else minibatch,
        data=(data_x, data_y),
        axis_names=("w", "b"),
        work=Work() if full else Work(*stochastic.batch_work(n_samples, batch_size)),
    )


# --- a formula typed by a user ----------------------------------------------------------------


@_register("formula")
def _formula(text: str = expression.DEFAULT_TEXT, bounds: object = None) -> Surface:
    """The user's formula in x (1-D) or x and y (2-D): see `surfaces.expression`."""
    return expression.from_expression(text, bounds)
