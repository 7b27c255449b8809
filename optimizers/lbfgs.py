"""L-BFGS, as ``torch.optim.LBFGS``: one step is up to ``max_iter`` quasi-Newton iterations.

torch's ``step(closure)`` evaluates the objective several times per call (its line search, and
each inner iteration's new gradient). Here the run loop gives the optimizer the objective
through :meth:`~optimizers.base.Optimizer.bind`, and each run of a batch keeps its own history
of pairs and counters, as one torch optimizer per run would: the runs of a batch take different
numbers of iterations and evaluations, so they are stepped one after another.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import _rules as r
from . import hyperparams as hp
from ._math import fma, fma_float
from .base import Array, Hyperparam, Optimizer, Oracle, Scalar, Step, validate
from .description import Line, StateField

HYPERPARAMS = (
    hp.lr((1e-3, 10.0)),
    Hyperparam(
        "max_iter",
        "Iterations per step (max_iter)",
        kind=int,
        low=1,
        ui_range=(1, 50),
        help="Quasi-Newton iterations in one optimizer step (torch's step(closure) call).",
        symbol="K",
    ),
    Hyperparam(
        "max_eval",
        "Evaluations per step (max_eval)",
        kind=int,
        low=1,
        ui_range=(1, 60),
        help="Most function evaluations in one step (torch's default None is max_iter·5/4 = 25).",
        symbol="E",
    ),
    Hyperparam(
        "tolerance_grad",
        "Gradient tolerance (tolerance_grad)",
        log=True,
        ui_range=(1e-12, 1e-2),
        help="The step stops when every |g| is at most this.",
        symbol=r"\tau_g",
    ),
    Hyperparam(
        "tolerance_change",
        "Change tolerance (tolerance_change)",
        log=True,
        ui_range=(1e-15, 1e-3),
        help="The step stops when the loss or the parameters change by less than this.",
        symbol=r"\tau_\Delta",
    ),
    Hyperparam(
        "history_size",
        "History size m (history_size)",
        kind=int,
        low=1,
        ui_range=(1, 100),
        help="How many (s, y) pairs the inverse-Hessian estimate remembers.",
        symbol="m",
    ),
    Hyperparam(
        "line_search",
        "Strong-Wolfe line search (line_search_fn)",
        kind=bool,
        help="torch's line_search_fn='strong_wolfe': each iteration searches its step length "
        "(several evaluations) instead of taking α = η.",
    ),
)

STATE = (
    StateField("d", "d", "d (direction of the last iteration)", given=True),
    StateField("t", r"\alpha", "α (t, its step length; 0: no iteration moved)", given=True),
    StateField("x_init", r"\tilde\theta", "θ̃ (where the last iteration started)", given=True),
    StateField("H_diag", r"\gamma", "γ (H_diag, the inverse-Hessian scale)", 1.0, given=True),
    StateField("n_iter", "k", "k (n_iter, iterations so far)", given=True),
    StateField("func_evals", "e", "e (func_evals, evaluations so far)", given=True),
)
# what steers or counts the inner loop: no per-coordinate line shows it (NOTES describes it)
LOOP = ("lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change", "history_size")
LOOP += ("H_diag", "n_iter", "func_evals")
SWEEP_PARTNER = "tolerance_grad"  # the map pairs floats: how soon a step gives up
NOTES = (
    "As `torch.optim.LBFGS`. One step is torch's `step(closure)`: up to `max_iter` (K) "
    "iterations, each with the direction d = −H·g from the two-loop recursion over the last "
    "`history_size` (m) pairs s = α·d, y = Δg (a pair is kept when sᵀy > 1e-10), with "
    "`H_diag` γ = sᵀy/yᵀy scaling the initial inverse Hessian, and a step of length α = η (the "
    "very first iteration: α = η·min(1, 1/‖g‖₁)), or with `line_search` the strong-Wolfe "
    "search's α (which starts its search from η, `lr`). A step stops early at `max_eval` (E) "
    "evaluations, when every |g| ≤ "
    "`tolerance_grad`, or when the loss or the parameters move less than `tolerance_change`. "
    "`n_iter` and `func_evals` count iterations and evaluations over the whole run, as torch's "
    "state does. torch's `max_eval=None` is max_iter·5/4, our default 25; its `line_search_fn` "
    "is the switch `line_search`. Each run has its own history; the gradient noise is drawn "
    "afresh at every evaluation. Mini-batches are refused: the line search compares losses "
    "of one function. optax has `optax.lbfgs` (with a zoom line search of its own), Keras has "
    "no L-BFGS."
)


def rule(h: dict) -> list[Line]:
    """The update rule for hyperparameter values ``h``, as display lines: the last iteration
    of the step, from where it started along its direction."""
    d, t, x_init, *_ = STATE
    return [
        r.gradient(h, HYPERPARAMS, coupled=False),
        r.theta(x_init.now + t.now * d.now),
    ]


class Memory(NamedTuple):
    """One run's memory between steps: torch's ``state`` of its LBFGS optimizer."""

    dirs: tuple[Array, ...] = ()  # y pairs (old_dirs)
    stps: tuple[Array, ...] = ()  # s pairs (old_stps)
    ro: tuple[float, ...] = ()  # 1/(yᵀs)
    H_diag: float = 1.0
    d: Array | None = None
    t: float = 0.0
    prev_flat_grad: Array | None = None
    prev_loss: float = 0.0
    n_iter: int = 0
    func_evals: int = 0


class LBFGSState(NamedTuple):
    d: Array  # the direction of each run's last iteration that moved it (0 if none this step)
    t: Array  # its step length α (0 if no iteration moved the run this step), per coordinate
    x_init: Array  # where that iteration started (θ_{t−1} if none moved)
    H_diag: Array  # γ, per coordinate
    n_iter: Array  # iterations so far, per coordinate
    func_evals: Array  # evaluations so far, per coordinate
    memory: tuple[Memory, ...]  # each run's history, in the batch's C order
    step: int


def lbfgs(
    lr: Scalar = 1.0,
    max_iter: int = 20,
    max_eval: int = 25,
    tolerance_grad: Scalar = 1e-7,
    tolerance_change: Scalar = 1e-9,
    history_size: int = 100,
    line_search: bool = False,
) -> Optimizer:
    r"""L-BFGS: quasi-Newton steps from the last m gradient changes, several per step.

    Each inner iteration k takes the direction :math:`d_k = -H_k g_k`, where :math:`H_k` is the
    inverse-Hessian estimate from the last m pairs :math:`s = \alpha d,\ y = \Delta g` (the
    two-loop recursion, started from :math:`\gamma I` with :math:`\gamma = s^\top y / y^\top y`),
    and moves :math:`\theta \leftarrow \theta + \alpha_k d_k` with :math:`\alpha_k = \eta`, or
    the strong-Wolfe line search's :math:`\alpha_k`. One step is up to ``max_iter`` such
    iterations (torch's ``step(closure)``), so it calls the objective several times.

    Effective learning rate: ``η·γ`` per parameter, the learning rate times the scale of the
    initial inverse-Hessian estimate (γ = 1 until the first pair is kept): the factor of g in
    the step the recursion would take with no pairs. The quasi-Newton direction turns and
    scales g further, coordinate by coordinate.

    Args:
        lr: η in [0, inf).
        max_iter: iterations per step, a whole number ≥ 1.
        max_eval: function evaluations per step, a whole number ≥ 1 (torch's default None is
            max_iter·5/4).
        tolerance_grad: stop a step when max |g| ≤ this, in [0, inf).
        tolerance_change: stop a step when the loss or the parameters change less, in [0, inf).
        history_size: m, pairs remembered, a whole number ≥ 1.
        line_search: torch's ``line_search_fn="strong_wolfe"``.

    Returns:
        An :class:`Optimizer` whose ``bind(oracle)`` gives the optimizer that steps (the run
        loop binds it); stepping it unbound raises ``ValueError``.

    >>> import surfaces
    >>> from optimizers.run import oracle
    >>> bowl = surfaces.get("quadratic")
    >>> opt = lbfgs(line_search=True).bind(oracle(bowl))
    >>> x = np.array([1.0, 1.0])
    >>> updates, state = opt.update(bowl.grad(x), opt.init(x), x)
    >>> bool(bowl.f(x + updates) < 1e-12), int(state.func_evals[0])
    (True, 3)

    References:
        Liu & Nocedal, "On the limited memory BFGS method for large scale optimization",
        Mathematical Programming 1989; Nocedal & Wright, "Numerical Optimization", ch. 7.
    """
    h = validate(HYPERPARAMS, locals())

    def init(params: Array) -> LBFGSState:
        shape = np.shape(params)
        zeros, ones = np.zeros(shape), np.ones(shape)
        runs = math.prod(shape[:-1])
        return LBFGSState(zeros, zeros, zeros, ones, zeros, zeros, (Memory(),) * runs, 0)

    def unbound(grads: Array, state: LBFGSState, params: Array, lr: Scalar) -> Step:
        raise ValueError(
            "lbfgs evaluates the objective during its step: run it with optimizers.run, or "
            "bind it first with optimizer.bind(optimizers.run.oracle(objective))"
        )

    def bind(oracle: Oracle) -> Optimizer:
        if oracle.value_and_grad is None:
            raise ValueError(
                "lbfgs needs the full-batch objective (its line search compares losses of one "
                "function); got a mini-batch objective: use the full batch"
            )
        evaluate = oracle.value_and_grad

        def step(grads: Array, state: LBFGSState, params: Array, lr: Scalar) -> Step:
            shape = np.shape(params)
            rows, x0 = np.reshape(grads, (-1, shape[-1])), np.reshape(params, (-1, shape[-1]))
            lrs = np.broadcast_to(lr, (*shape[:-1], 1)).reshape(-1)
            out = np.empty((7, *rows.shape))  # new θ, d, t, x_init, H_diag, n_iter, evals
            memory = []
            for i, (g, x) in enumerate(zip(rows.copy(), x0.copy(), strict=True)):
                loss = float(oracle.f(x))  # torch's first closure: its gradient is `grads`
                h_i = _one_run(h, shape[:-1], i)
                mem, moved = _step(h_i, float(lrs[i]), x, loss, g, state.memory[i], evaluate)
                memory.append(mem)
                for k, value in enumerate((*moved, mem.H_diag, mem.n_iter, mem.func_evals)):
                    out[k, i] = value
            new, d, t, x_init, gamma, n_iter, evals = (a.reshape(shape) for a in out)
            lr_eff = np.broadcast_to(lr, shape) * gamma
            state = LBFGSState(d, t, x_init, gamma, n_iter, evals, tuple(memory), state.step + 1)
            return Step(new - params, state, lr_eff)

        return Optimizer("lbfgs", h, init, step, per_run=per_run)

    def per_run(dim: int, noisy: bool = False) -> tuple[int, int]:
        """Work of one run's step: its iterations, each one evaluation and the two-loop
        recursion over a full history. On a test function without gradient noise a step
        typically takes TYPICAL iterations (measured over 500 steps with torch's defaults: 0
        to 1.35 a step on every function here, as it converges within a few steps), NOISY with
        gradient noise (4.5 on Rosenbrock with σ = 1: its tolerances end steps early); on a
        model (more than SHORT parameters) it keeps iterating: max_iter."""
        most = min(h["max_iter"], h["max_eval"])
        iterations = most if dim > SHORT else min(most, NOISY if noisy else TYPICAL)
        pair = PAIR_OPS * max(1, dim // 2) if dim <= SHORT else PAIR_OPS_ARRAYS
        return iterations + 1, iterations * (ITERATION_OPS + pair * h["history_size"])

    return Optimizer("lbfgs", h, init, unbound, bind, per_run)


TYPICAL, NOISY = 2, 5  # iterations of a typical step on a test function (the cost estimate)
ITERATION_OPS = 60  # operations of an iteration besides its two-loop recursion (µs-sized)
PAIR_OPS = 6  # per pair and two coordinates: both loops of the recursion in Python floats
PAIR_OPS_ARRAYS = 45  # per pair: both loops in numpy (two dots and two fused multiply-adds)


Evaluate = Callable[[Array], tuple[Array, Array]]


def _one_run(h: dict, batch: tuple[int, ...], i: int) -> dict:
    """Run ``i``'s hyperparameters (in the batch's C order): a sweep's arrays hold one value
    per run (whole numbers stay whole)."""
    out = dict(h)
    for key, value in h.items():
        if isinstance(value, np.ndarray):
            one = np.broadcast_to(value, (*batch, 1)).reshape(-1)[i]
            out[key] = type(h[key].flat[0].item())(one)
    return out


def _step(
    h: dict, lr: float, x: Array, loss: float, g: Array, mem: Memory, evaluate: Evaluate
) -> tuple[Memory, tuple[Array, Array, float, Array]]:
    """One torch ``LBFGS.step`` of one run from θ = ``x`` with loss and gradient there: the
    run's new memory, and (θ after the step, the direction, step length and start of the last
    iteration that moved it)."""
    tol_grad, tol_change = h["tolerance_grad"], h["tolerance_change"]
    max_iter, max_eval = h["max_iter"], h["max_eval"]
    func_evals, current_evals = mem.func_evals + 1, 1
    none = (x, np.zeros_like(x), 0.0, x)
    if np.abs(g).max() <= tol_grad:
        return mem._replace(func_evals=func_evals), none
    d, t, H_diag = mem.d, mem.t, mem.H_diag
    dirs, stps, ro = mem.dirs, mem.stps, mem.ro
    prev_flat_grad, prev_loss, total = mem.prev_flat_grad, mem.prev_loss, mem.n_iter
    moved = none
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        total += 1
        if total == 1:
            d = -g
            dirs, stps, ro, H_diag = (), (), (), 1.0
        else:
            y = g - prev_flat_grad
            s = d * t
            ys = float(y @ s)
            if ys > 1e-10:
                if len(dirs) == h["history_size"]:
                    dirs, stps, ro = dirs[1:], stps[1:], ro[1:]
                dirs, stps, ro = (*dirs, y), (*stps, s), (*ro, 1.0 / ys)
                H_diag = ys / float(y @ y)
            d = _two_loop(g, dirs, stps, ro, H_diag)
        prev_flat_grad, prev_loss = g, loss
        t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if total == 1 else lr
        gtd = float(g @ d)
        if gtd > -tol_change:
            break
        start = x
        if h["line_search"]:

            def along(t: float, start: Array = start, d: Array = d) -> tuple[float, Array]:
                f, grad = evaluate(fma(t, d, start))
                return float(f), grad

            most = max_eval - current_evals
            loss, g, t, ls_evals = _strong_wolfe(along, t, d, loss, g, gtd, most)
            x = fma(t, d, start)
            opt_cond = np.abs(g).max() <= tol_grad
        else:
            x = fma(t, d, start)
            ls_evals = 0
            opt_cond = False
            if n_iter != max_iter:
                f, g = evaluate(x)
                loss, ls_evals = float(f), 1
                opt_cond = np.abs(g).max() <= tol_grad
        moved = (x, d, t, start)
        current_evals += ls_evals
        func_evals += ls_evals
        if n_iter == max_iter or current_evals >= max_eval or opt_cond:
            break
        if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
            break
    memory = Memory(dirs, stps, ro, H_diag, d, t, prev_flat_grad, prev_loss, total, func_evals)
    return memory, moved


def _two_loop(
    g: Array, dirs: tuple[Array, ...], stps: tuple[Array, ...], ro: tuple[float, ...], H: float
) -> Array:
    """d = −H·g by the two-loop recursion over the pairs (torch's order of operations, and its
    fused multiply-adds). A short vector is worked in Python floats: numpy's per-call overhead
    on two coordinates is ten times the arithmetic."""
    if g.size > SHORT:
        return _two_loop_arrays(g, dirs, stps, ro, H)
    al = [0.0] * len(dirs)
    q = [-v for v in g.tolist()]
    ys, ss = [y.tolist() for y in dirs], [s.tolist() for s in stps]
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = _dot(ss[i], q) * ro[i]
        q = [fma_float(-al[i], y, v) for y, v in zip(ys[i], q, strict=True)]
    r = [v * H for v in q]
    for i in range(len(dirs)):
        be_i = _dot(ys[i], r) * ro[i]
        r = [fma_float(al[i] - be_i, s, v) for s, v in zip(ss[i], r, strict=True)]
    return np.array(r)


SHORT = 16  # coordinates up to which the two-loop recursion runs in Python floats


def _dot(a: list[float], b: list[float]) -> float:
    """``a @ b`` summed left to right, as numpy and torch sum a short vector."""
    total = 0.0
    for x, y in zip(a, b, strict=True):
        total += x * y
    return total


def _two_loop_arrays(
    g: Array, dirs: tuple[Array, ...], stps: tuple[Array, ...], ro: tuple[float, ...], H: float
) -> Array:
    al = [0.0] * len(dirs)
    q = -g
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = float(stps[i] @ q) * ro[i]
        q = fma(-al[i], dirs[i], q)
    r = q * H
    for i in range(len(dirs)):
        be_i = float(dirs[i] @ r) * ro[i]
        r = fma(al[i] - be_i, stps[i], r)
    return r


def _cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """The minimiser of the cubic through two points with their slopes, clamped to ``bounds``
    (torch's ``_cubic_interpolate``)."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(
    along: Callable[[float], tuple[float, Array]],
    t: float,
    d: Array,
    f: float,
    g: Array,
    gtd: float,
    max_ls: int,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,  # torch passes no tolerance here: always its default
) -> tuple[float, Array, float, int]:
    """torch's ``_strong_wolfe``: a step length meeting the strong Wolfe conditions along d,
    by bracketing then zooming with cubic interpolation. Returns (f, g, t, evaluations)."""
    d_norm = float(np.abs(d).max())
    f_new, g_new = along(t)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Array] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = along(t)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = along(t)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
