"""Live checks against torch (float64): random valid settings, our code and torch side by side.

Hypothesis draws, for every registry optimizer that torch has, hyperparameters from each
Hyperparam's declared span (log-uniform where the control is logarithmic; switches that go
beyond torch are held at torch's behaviour), a surface (2-D and 1-D), two starts and two learning
rates (ours run as one batch with an ``lr`` of shape (2, 1); torch runs one optimizer per run),
and compares:

- teacher-forced, over STEPS steps: torch's parameters of row t, one step of ours, torch's row
  t + 1 (the state is built from the same gradient sequence, as tests/data/REFERENCE.md
  describes), within 1e-12 relative to the parameters' size, counted as at least 1e-3 of the
  largest |θ| of the run so far (see ``relative_error``: 1e-15 of that largest |θ| absolute);
- free-running, over the first FREE steps: our run loop from the same starts against torch's
  trajectory, within 1e-12 likewise, except where the path is chaotic (an iterate zig-zagging
  across a valley or a hump amplifies last-bit differences, up to ~2.5× a step): there ours must
  stay as close to torch's run as torch's own run does with θ moved by 1e-12 (relative) after
  every step. Ours differs from torch by ~1e-16 per step, so this bound is 10⁴ times looser than
  what a correct implementation needs, and a wrong rule still misses it by orders of magnitude.
  (A run that settles on a fixed point that later turns unstable, as RMSprop's does when v
  decays, amplifies whatever last-bit difference it carries: a perturbation of the start alone
  would be rounded away while it settles, and miss that.)

Centered RMSprop is not drawn (its variance v − ḡ² is ill-conditioned where the gradient barely
changes: see ``settings_for``); the recorded reference cases check it.

Comparison stops where torch's run leaves finite arithmetic (|θ| or |g| beyond 1e100): a
diverging setting is compared up to there. Each scheduler is compared with torch's
``lr_scheduler`` class value for value, and ReduceLROnPlateau with a synthetic loss sequence per
run and through the run loop.

``lion`` and ``adabelief`` are not here: torch has neither (test_textbook.py checks them against
optax's rule).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import optimizers
import surfaces
from lab import torch_names
from optimizers import lbfgs, schedules
from optimizers.run import oracle

torch.set_default_dtype(torch.float64)
lr_scheduler = torch.optim.lr_scheduler

STEPS = 300  # teacher-forced steps
FREE = 50  # free-running steps
REL = 1e-12
ZERO = 1e-15  # of the base lr: the absolute tolerance of a scheduled lr that reaches 0
SEEN = 1e-3  # a parameter's size is at least this share of the largest |θ| of its run so far
NUDGE = 1e-12  # relative move of θ after each step that measures how chaotic a free run is
HUGE = 1e100
SURFACES = ["rosenbrock", "himmelblau", "beale", "booth", "parabola", "double_well"]
BEYOND_TORCH = {"lion", "adabelief"}
# our switches torch lacks, held at torch's behaviour
TORCH_BEHAVIOUR = {"eps_inside_sqrt": False, "bias_correction": True}
# our names as torch's classes and keywords: the table the code export uses too
# L-BFGS (a closure) and Muon (matrices) are checked by their own tests below
BOUND = {"lbfgs": "LBFGS", "muon": "Muon"}
TORCH_CLASS = {n: spec.cls for n, spec in torch_names.OPTIMIZERS.items() if n not in BOUND}


def test_every_torch_optimizer_is_checked_live():
    assert set(TORCH_CLASS) == set(optimizers.names()) - BEYOND_TORCH - set(BOUND)
    assert all(hasattr(torch.optim, cls) for cls in TORCH_CLASS.values())


def number(spec, draw):
    """A value of ``spec`` from its declared span, log-uniform for a logarithmic control."""
    lo, hi = spec.span()
    if spec.log:
        value = math.exp(draw(st.floats(math.log(lo), math.log(hi))))
    else:
        value = draw(st.floats(lo, hi))
    value = min(max(value, lo), hi)
    assume(spec.contains(value))
    return value


@st.composite
def settings_for(draw, name):
    """Our keywords for ``name`` (two learning rates as an array of shape (2, 1)), and the
    keyword sets of the two torch optimizers."""
    h = {}
    for spec in optimizers.hyperparams(name):
        if spec.kind is bool:
            h[spec.name] = TORCH_BEHAVIOUR.get(spec.name, draw(st.booleans()))
        elif spec.name == "lr":
            h["lr"] = np.array([[number(spec, draw)], [number(spec, draw)]])
        else:
            h[spec.name] = number(spec, draw)
    if name == "rmsprop":
        h["nesterov"] = False  # RMSProp with Nesterov momentum is beyond torch
        # centered with α → 0 estimates the variance of one sample, v − m² = g² − g²: torch's
        # fused multiply-add rounds it to ±ulp(g²) (NaN when negative; it depends on the CPU's
        # FMA), ours to 0; neither is meaningful, and √ of it makes a relative error of any size
        # and more generally: where the gradient barely changes, v − ḡ² is a difference of two
        # nearly equal numbers, and an ulp of v (torch fuses its multiply-adds, numpy does not)
        # becomes a relative error of ulp(v)/(v − ḡ²) in the step, of any size: torch itself
        # gives different answers on CPUs with and without FMA. Centered RMSprop is checked by
        # the recorded cases (tests/data/torch_extra.json), whose conditioning is mild.
        assume(not h["centered"])
    try:
        optimizers.get(name, **h)
    except ValueError:  # a combination torch refuses too (Nesterov without momentum...)
        assume(False)
    return h, [torch_kwargs(name, h, float(lr)) for lr in h["lr"][:, 0]], draw(st.booleans())


def torch_kwargs(name, h, lr):
    call = torch_names.optimizer_call(name, {**h, "lr": lr})
    assert not call.lacking, call.lacking  # held at torch's behaviour by settings_for
    return call.kwargs


def torch_class(name, h):
    """torch's class (AdamW with coupled decay is torch's Adam)."""
    return getattr(torch.optim, torch_names.optimizer_call(name, {**h, "lr": 0.0}).cls)


def starts(surface, draw):
    (lo, hi) = np.asarray(surface.bounds, dtype=float).T
    point = st.tuples(*(st.floats(a, b) for a, b in zip(lo, hi, strict=True)))
    return np.array([draw(point), draw(point)])


def torch_trajectory(name, h, kwargs, foreach, surface, x0, steps, nudge=0.0):
    """torch's run from each start, one optimizer per run, analytic gradients fed each step:
    shape (steps + 1, 2, d), rows after a run leaves finite arithmetic are NaN. With ``nudge``,
    θ is multiplied by 1 ± nudge after every step (the sign alternating by step and
    coordinate)."""
    out = np.full((steps + 1, *x0.shape), np.nan)
    out[0] = x0
    for run, (start, kw) in enumerate(zip(x0, kwargs, strict=True)):
        p = torch.nn.Parameter(torch.tensor(start))
        opt = torch_class(name, h)([p], **kw, foreach=foreach)
        for t in range(steps):
            with np.errstate(all="ignore"):  # a diverging run overflows: it stops below
                g = surface.grad(p.detach().numpy())
            if not (np.all(np.abs(g) < HUGE) and np.all(np.abs(out[t, run]) < HUGE)):
                break
            p.grad = torch.tensor(g)
            opt.step()
            if nudge:
                with torch.no_grad():
                    p.mul_(torch.tensor(1 + nudge * (-1.0) ** (t + np.arange(len(start)))))
            out[t + 1, run] = p.detach().numpy()
    return out


def largest(rows):
    """The largest |θ| of each run over ``rows`` (steps, runs, d), shape (runs, 1)."""
    return np.nanmax(np.abs(rows), axis=(0, 2))[:, None]


def relative_error(ours, ref, before, seen):
    """|ours − ref| relative to the parameters' size: the larger of |θ_t| and |θ_{t+1}|, but
    at least SEEN of the largest |θ| the run has had (``seen``). A state that remembers an
    earlier, larger θ or g keeps its last-bit rounding from then (torch's CPU kernels fuse
    multiply-adds in lerp, addcmul and addcdiv; numpy rounds twice), and a θ that shrinks
    faster than that memory fades (θ·(1 − ηλ) = 0 with ηλ = 1, say) would show that old
    rounding as a relative error of any size."""
    scale = np.maximum(np.maximum(np.abs(ref), np.abs(before)), SEEN * seen)
    return np.abs(ours - ref) / np.maximum(scale, 1e-300)


@pytest.mark.parametrize("name", sorted(TORCH_CLASS))
@settings(max_examples=8)
@given(data=st.data())
def test_each_step_and_the_first_fifty_match_torch(name, data):
    h, kwargs, foreach = data.draw(settings_for(name))
    surface = surfaces.get(data.draw(st.sampled_from(SURFACES)))
    x0 = starts(surface, data.draw)
    ref = torch_trajectory(name, h, kwargs, foreach, surface, x0, STEPS)

    opt = optimizers.get(name, **h)
    state = opt.init(ref[0])
    worst = 0.0
    for t in range(STEPS):
        live = np.isfinite(ref[t + 1]).all(axis=-1)
        if not live.all():
            break  # a run left finite arithmetic: compare up to here
        with np.errstate(all="ignore"):  # as torch's run: compared below while finite
            updates, state = opt.update(surface.grad(ref[t]), state, ref[t])
        error = relative_error(ref[t] + updates, ref[t + 1], ref[t], largest(ref[: t + 2]))
        worst = max(worst, float(error.max()))
    assert worst < REL, f"teacher-forced: largest relative step error {worst:.3g}"

    traj = optimizers.run(opt, surface, x0, FREE, bounds_margin=None)
    # torch's own spread: its run with θ moved by NUDGE (relative) after every step, as rounding
    # does by ~1e-16: where the path is chaotic it drifts from torch's run, and ours may too
    spreads = [torch_trajectory(name, h, kwargs, foreach, surface, x0, FREE, nudge=NUDGE)]
    rows = np.isfinite(ref[: FREE + 1]).all(axis=(1, 2))
    for spread in spreads:
        rows &= np.isfinite(spread).all(axis=(1, 2))
    n = int(np.argmin(rows)) if not rows.all() else FREE + 1
    before = ref[np.maximum(np.arange(n) - 1, 0)]
    seen = np.maximum.accumulate(np.abs(ref[:n]).max(axis=-1), axis=0)[..., None]
    error = relative_error(traj.params[:n], ref[:n], before, seen)
    # where the path is chaotic, torch's own nudged runs drift further than REL
    bound = REL
    for spread in spreads:
        bound = np.maximum(bound, relative_error(spread[:n], ref[:n], before, seen))
    worst = (error / bound).max(initial=0.0)
    assert worst < 1, f"free-running: relative error {float(error.max()):.3g} beyond the bound"


# --- schedulers -----------------------------------------------------------------------------------


def schedule_params(name, draw):
    values = {}
    for spec in schedules.hyperparams(name):
        if spec.name in schedules.WHOLE:
            lo, hi = spec.span()
            values[spec.name] = draw(st.integers(int(lo), int(min(hi, 400))))
        else:
            values[spec.name] = number(spec, draw)
    return values


def torch_scheduler(name, p, opt, lr, n):
    """torch's scheduler for our schedule ``name`` with parameters ``p``, on ``opt`` (lr ``lr``)
    for a run of ``n`` steps, as the code export writes it; None for a constant learning rate."""
    spec = torch_names.scheduler_call(schedules.get(name, **p), lr, n)
    return None if spec is None else torch_names.build_scheduler(spec, opt, lr_scheduler)


def torch_lrs(name, p, lr, n):
    """The learning rate torch uses at each of ``n`` steps."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    sched = torch_scheduler(name, p, opt, lr, n)
    out = []
    for _ in range(n):
        out.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        if sched is not None:
            sched.step()
    return np.array(out)


PLATEAUS = {"plateau", "plateau_abs"}


def test_every_schedule_is_checked_live():
    assert set(schedules.names()) - PLATEAUS <= set(_checked_by_name())


def _checked_by_name():
    names = []
    for name in schedules.names():
        if name in PLATEAUS:
            continue
        p = schedules.defaults(name)
        torch_scheduler(name, p, torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))]), 0.1, 10)
        names.append(name)
    return names


@pytest.mark.parametrize("name", [n for n in schedules.names() if n not in PLATEAUS])
@settings(max_examples=25)
@given(data=st.data())
def test_each_schedule_matches_torch_value_for_value(name, data):
    p = schedule_params(name, data.draw)
    lr = math.exp(data.draw(st.floats(math.log(1e-5), math.log(10.0))))
    n = data.draw(st.integers(1, 400))
    try:
        want = torch_lrs(name, p, lr, n)
    except ZeroDivisionError:  # a OneCycleLR phase of no length: documented in schedules.py
        assume(False)
    schedule = schedules.get(name, **p)
    got = schedule.lrs(n, lr)
    # factors (for display) are the lrs for lr = 1: equal up to rounding at the lr's scale
    np.testing.assert_allclose(schedule.factors(n) * lr, got, rtol=1e-12, atol=ZERO * lr)
    swept = schedule.lrs(n, np.array([[lr], [2 * lr]]))  # one lr per run of a sweep
    np.testing.assert_allclose(swept[:, 0, 0], got, rtol=1e-15)
    np.testing.assert_allclose(swept[:, 1, 0], schedule.lrs(n, 2 * lr), rtol=1e-15)
    # relative, except where a value is (near) zero: torch computes LinearLR, PolynomialLR and
    # CosineAnnealingLR recursively, each lr a multiple of the last, so a value that reaches 0
    # comes out as ±1e-17·lr there; ours is the closed form
    error = np.abs(got - want) / (REL * np.abs(want) + ZERO * lr)
    assert error.max() < 1, (int(error.argmax()), got[error.argmax()], want[error.argmax()])


def plateau_params(name, draw):
    p = schedule_params(name, draw)
    p["min_lr"] = draw(st.sampled_from([0.0, p["min_lr"] * 1e-3]))  # a floor that may bind
    p["eps"] = draw(st.sampled_from([1e-8, 0.0, p["eps"]]))
    return p


def losses(draw, n):
    """A loss sequence that falls, stalls and jumps: plateaus are what the scheduler is for."""
    steps = draw(
        st.lists(
            st.sampled_from([0.0, 0.0, 0.0, -1e-6, -1e-3, -0.1, 0.05, 1.0]), min_size=n, max_size=n
        )
    )
    return 1.0 + np.cumsum(steps) ** 2 if draw(st.booleans()) else 10.0 + np.cumsum(steps)


def torch_plateau(name, p, lr, metrics):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    sched = torch_scheduler(name, p, opt, lr, len(metrics))  # ReduceLROnPlateau, mode="min"
    out = []
    for metric in metrics:
        out.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        sched.step(metric)
    return np.array(out)


@pytest.mark.parametrize("name", sorted(PLATEAUS))
@settings(max_examples=40)
@given(data=st.data())
def test_plateau_matches_torch_for_each_run_of_a_batch(name, data):
    p = plateau_params(name, data.draw)
    n = data.draw(st.integers(1, 200))
    runs = 3
    lrs = np.array([math.exp(data.draw(st.floats(math.log(1e-4), 0.0))) for _ in range(runs)])
    loss = np.stack([losses(data.draw, n) for _ in range(runs)], axis=1)  # (n, runs)
    schedule = schedules.get(name, **p)
    state = schedule.plateau_start(lrs[:, None], (runs,))
    got = np.empty((n, runs))
    for k in range(n):
        got[k] = state.lr[:, 0]
        state = schedule.plateau_step(state, loss[k])
    for run in range(runs):
        np.testing.assert_array_equal(got[:, run], torch_plateau(name, p, lrs[run], loss[:, run]))


@settings(max_examples=10)
@given(data=st.data())
def test_plateau_in_the_run_loop_reacts_to_each_runs_own_loss(data):
    """The run loop steps the scheduler with each run's loss at the point of the step's gradient
    (row t − 1 of the trajectory), as ``loss = f(x); step(); scheduler.step(loss)`` does."""
    p = plateau_params("plateau", data.draw) | {"patience": data.draw(st.integers(0, 5))}
    surface = surfaces.get(data.draw(st.sampled_from(SURFACES)))
    x0 = starts(surface, data.draw)
    lr = np.array([[1e-3], [1e-2]])
    traj = optimizers.run(
        optimizers.get("adam", lr=lr), surface, x0, 120, schedule=schedules.get("plateau", **p)
    )
    assert traj.lr.shape == (120, 2, 1)
    for run in range(2):
        if traj.diverged[run]:
            continue
        want = torch_plateau("plateau", p, float(lr[run, 0]), traj.loss[:-1, run])
        np.testing.assert_array_equal(traj.lr[:, run, 0], want)


# --- optimizers that need the objective: L-BFGS (its closure), Muon (matrices) ------------------

CHAOS = 10


def test_optimizers_that_need_the_objective_are_checked_live():
    assert set(BOUND) | set(TORCH_CLASS) == set(optimizers.names()) - BEYOND_TORCH
    assert all(hasattr(torch.optim, cls) for cls in BOUND.values())


def drawn(name, draw, ints=None):
    """Our keywords for ``name``: numbers from their spans (whole numbers from ``ints`` or the
    control's range), switches at random, two learning rates as an array of shape (2, 1)."""
    h = {}
    for spec in optimizers.hyperparams(name):
        if spec.kind is bool:
            h[spec.name] = draw(st.booleans())
        elif spec.kind is int:
            lo, hi = (ints or {}).get(spec.name, spec.ui_range)
            h[spec.name] = draw(st.integers(int(lo), int(hi)))
        elif spec.name == "lr":
            h["lr"] = np.array([[number(spec, draw)], [number(spec, draw)]])
        else:
            h[spec.name] = number(spec, draw)
    return h


def lbfgs_kwargs(h, lr):
    return torch_names.optimizer_call("lbfgs", {**h, "lr": lr}).kwargs


def closure_for(p, surface):
    """torch's closure for parameter ``p`` on ``surface``: the loss, the gradient set on p."""

    def closure():
        x = p.detach().numpy().copy()
        p.grad = torch.tensor(surface.grad(x))
        return torch.tensor(float(surface.f(x)))

    return closure


def torch_lbfgs(h, surface, x0, steps, nudge=0.0):
    """torch's LBFGS from each start, its closure evaluating the surface: (steps + 1, 2, d), and
    each run's state before each step as our :class:`optimizers.lbfgs.Memory` (steps, 2)."""
    out = np.full((steps + 1, *x0.shape), np.nan)
    out[0] = x0
    memories = [[None] * len(x0) for _ in range(steps)]
    for run, start in enumerate(x0):
        p = torch.nn.Parameter(torch.tensor(start))
        opt = torch.optim.LBFGS([p], **lbfgs_kwargs(h, float(h["lr"][run, 0])))

        closure = closure_for(p, surface)
        for t in range(steps):
            memories[t][run] = memory(opt.state[p])
            if nudge:  # before the step: its iterations amplify roundings from the first on
                with torch.no_grad():
                    p.mul_(torch.tensor(1 + nudge * (-1.0) ** (t + np.arange(len(start)))))
            with np.errstate(all="ignore"):
                if not np.all(np.abs(out[t, run]) < HUGE):
                    break
                opt.step(closure)
            out[t + 1, run] = p.detach().numpy()
    return out, memories


def torch_lbfgs_step(h, lr, mem, theta, surface):
    """torch's LBFGS step from θ = ``theta`` with its state set to our Memory ``mem``."""
    p = torch.nn.Parameter(torch.tensor(theta))
    opt = torch.optim.LBFGS([p], **lbfgs_kwargs(h, lr))
    if mem.func_evals:
        t = torch.tensor
        opt.state[p].update(
            func_evals=mem.func_evals,
            n_iter=mem.n_iter,
            d=t(mem.d),
            t=mem.t,
            old_dirs=[t(y) for y in mem.dirs],
            old_stps=[t(s) for s in mem.stps],
            ro=[t(r) for r in mem.ro],
            H_diag=t(mem.H_diag),
            prev_flat_grad=t(mem.prev_flat_grad),
            prev_loss=mem.prev_loss,
        )

    closure = closure_for(p, surface)
    with np.errstate(all="ignore"):
        opt.step(closure)
    return p.detach().numpy().copy()


def memory(state):
    """torch's LBFGS state as our Memory."""
    if not state:
        return lbfgs.Memory()

    def array(key):
        value = state.get(key)
        return None if value is None else value.detach().numpy().copy()

    return lbfgs.Memory(
        dirs=tuple(y.numpy().copy() for y in state.get("old_dirs") or ()),
        stps=tuple(s.numpy().copy() for s in state.get("old_stps") or ()),
        ro=tuple(float(r) for r in state.get("ro") or ()),
        H_diag=float(state.get("H_diag", 1.0)),
        d=array("d"),
        t=float(state.get("t", 0.0)),
        prev_flat_grad=array("prev_flat_grad"),
        prev_loss=float(state.get("prev_loss", 0.0)),
        n_iter=int(state["n_iter"]),
        func_evals=int(state["func_evals"]),
    )


def compare(opt, surface, ref, x0, spread, steps, free, nudged=None):
    """Teacher-forced over ``steps`` rows of torch's run ``ref``, then our free run over ``free``
    steps against it, within REL or torch's own ``spread`` (its run nudged by NUDGE).

    With ``nudged`` (L-BFGS), each teacher-forced step starts from torch's state too, and its
    bound is at least CHAOS times how far torch's own step moves when θ is nudged: ``nudged(t)``
    gives torch's state before step t and its step from θ_t·(1 ± NUDGE). One L-BFGS step is up to
    ``max_iter`` iterations, and where they amplify roundings (a diverging run's huge
    gradients, a line search deciding on a tie) torch disagrees with itself as much."""
    state = opt.init(ref[0])
    worst = 0.0
    for t in range(steps):
        if not np.isfinite(ref[t + 1]).all():
            break
        bound = REL
        if nudged is not None:
            memories, moved = nudged(t)
            state = state._replace(memory=memories)
            seen = largest(ref[: t + 2])
            bound = np.maximum(REL, CHAOS * relative_error(moved, ref[t + 1], ref[t], seen))
        with np.errstate(all="ignore"):
            updates, state = opt.update(surface.grad(ref[t]), state, ref[t])
        error = relative_error(ref[t] + updates, ref[t + 1], ref[t], largest(ref[: t + 2]))
        worst = max(worst, float((error / bound).max()))
    assert worst < 1, f"teacher-forced: largest relative step error {worst:.3g} × the bound"

    traj = optimizers.run(opt, surface, x0, free, bounds_margin=None)
    rows = np.isfinite(ref[: free + 1]).all(axis=(1, 2)) & np.isfinite(spread).all(axis=(1, 2))
    n = int(np.argmin(rows)) if not rows.all() else free + 1
    before = ref[np.maximum(np.arange(n) - 1, 0)]
    seen = np.maximum.accumulate(np.abs(ref[:n]).max(axis=-1), axis=0)[..., None]
    error = relative_error(traj.params[:n], ref[:n], before, seen)
    # chaos: one nudged run samples how far torch drifts from itself; the largest drift so far,
    # times CHAOS, bounds where another run of the same rounding noise (ours) may be
    drift = np.maximum.accumulate(relative_error(spread[:n], ref[:n], before, seen), axis=0)
    bound = np.maximum(REL, CHAOS * drift)
    worst = (error / bound).max(initial=0.0)
    assert worst < 1, f"free-running: relative error {float(error.max()):.3g} beyond the bound"


@settings(max_examples=15)
@given(data=st.data())
def test_lbfgs_steps_match_torch_with_and_without_line_search(data):
    h = drawn("lbfgs", data.draw, ints={"max_iter": (1, 25), "max_eval": (1, 40)})
    surface = surfaces.get(data.draw(st.sampled_from(SURFACES)))
    x0 = starts(surface, data.draw)
    steps = 40
    ref, memories = torch_lbfgs(h, surface, x0, steps)
    spread, _ = torch_lbfgs(h, surface, x0, steps, nudge=NUDGE)

    def nudged(t):
        sign = (-1.0) ** np.arange(x0.shape[-1])
        moved = [
            torch_lbfgs_step(h, float(h["lr"][run, 0]), memories[t][run], theta, surface)
            for run, theta in enumerate(ref[t] * (1 + NUDGE * sign))
        ]
        return tuple(memories[t]), np.array(moved)

    opt = optimizers.get("lbfgs", **h).bind(oracle(surface))
    compare(opt, surface, ref, x0, spread, steps, steps, nudged)


def test_lbfgs_counts_evaluations_and_iterations_as_torch_does():
    surface = surfaces.get("rosenbrock")
    for line_search in (False, True):
        h = {"lr": np.array([[1.0], [0.5]]), "max_iter": 7, "line_search": line_search}
        traj = optimizers.run(optimizers.get("lbfgs", **h), surface, [-1.2, 1.0], 6)
        for run, lr in enumerate((1.0, 0.5)):
            p = torch.nn.Parameter(torch.tensor([-1.2, 1.0]))
            kwargs = lbfgs_kwargs(optimizers.defaults("lbfgs") | h, lr)
            opt = torch.optim.LBFGS([p], **kwargs)

            closure = closure_for(p, surface)
            for t in range(6):
                opt.step(closure)
                state = opt.state[p]
                assert traj.state["func_evals"][t, run, 0] == state["func_evals"]
                assert traj.state["n_iter"][t, run, 0] == state["n_iter"]
            assert traj.state["func_evals"][-1, run, 0] > 6  # several evaluations per step


def muon_kwargs(h, lr):
    return torch_names.optimizer_call("muon", {**h, "lr": lr}).kwargs


def torch_muon(h, grad, x0, steps, blocks=None, nudge=0.0):
    """torch's Muon from each start (a 1 × d matrix, or one parameter per block)."""
    out = np.full((steps + 1, *x0.shape), np.nan)
    out[0] = x0
    for run, start in enumerate(x0):
        parts = blocks or ((slice(None), (1, len(start))),)
        shapes = [shape if len(shape) == 2 else (1, *shape) for _, shape in parts]
        ps = [
            torch.nn.Parameter(torch.tensor(start[where]).reshape(shape))
            for (where, _), shape in zip(parts, shapes, strict=True)
        ]
        opt = torch.optim.Muon(ps, **muon_kwargs(h, float(np.ravel(h["lr"])[run])))
        x = start.copy()
        for t in range(steps):
            with np.errstate(all="ignore"):
                g = grad(x)
            if not (np.all(np.abs(g) < HUGE) and np.all(np.abs(x) < HUGE)):
                break
            for p, (where, _) in zip(ps, parts, strict=True):
                p.grad = torch.tensor(g[where]).reshape(p.shape)
            opt.step()
            x = np.concatenate([p.detach().numpy().ravel() for p in ps])
            if nudge:
                x = x * (1 + nudge * (-1.0) ** (t + np.arange(len(x))))
                for p, (where, _) in zip(ps, parts, strict=True):
                    with torch.no_grad():
                        p.copy_(torch.tensor(x[where]).reshape(p.shape))
            out[t + 1, run] = x
    return out


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_muon_steps_match_torch_on_a_function(float64_muon, data):
    h = drawn("muon", data.draw, ints={"ns_steps": (0, 8)})
    surface = surfaces.get(data.draw(st.sampled_from(SURFACES)))
    x0 = starts(surface, data.draw)
    ref = torch_muon(h, surface.grad, x0, STEPS)  # (float64_muon: its iteration in float64)
    spread = torch_muon(h, surface.grad, x0, FREE, nudge=NUDGE)
    compare(optimizers.get("muon", **h), surface, ref, x0, spread, STEPS, FREE)


def test_muon_orthogonalises_each_weight_matrix_of_a_model_as_torch_does(float64_muon):
    import models

    model = models.get("mlp", dataset="xor", hidden=(5, 3), n=40)
    x0 = model.start[None]
    h = {"lr": 0.05, "weight_decay": 0.01}
    traj = optimizers.run(optimizers.get("muon", **h), model, x0, 30)
    full = optimizers.defaults("muon") | h
    ref = torch_muon(full, model.grad, x0, 30, blocks=model.blocks)
    np.testing.assert_allclose(traj.params, ref, rtol=1e-12, atol=1e-14)
    # the 5 × 2 first layer is tall: ρ = √(5/2); a bias is a row: ρ = 1
    first = model.blocks[0][0]
    np.testing.assert_allclose(traj.state["scale"][:, 0, first], math.sqrt(5 / 2))
    assert traj.loss[-1] < traj.loss[0]


def test_muon_agrees_with_torchs_bfloat16_iteration_to_its_precision():
    surface = surfaces.get("rosenbrock")
    h = optimizers.defaults("muon") | {"lr": np.array([[0.01], [0.05]])}
    x0 = np.array([[-1.2, 1.0], [0.5, 2.0]])
    ref = torch_muon(h, surface.grad, x0, 20)
    ours = optimizers.run(optimizers.get("muon", **h), surface, x0, 20).params
    step = np.abs(np.diff(ref, axis=0)).max()
    assert np.abs(ours - ref).max() < 0.05 * 20 * step  # bfloat16: ~3 significant digits
