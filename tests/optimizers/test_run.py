"""The run loop: divergence, schedules, noise, stochastic objectives, determinism."""

import itertools
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import optimizers
import surfaces
from optimizers import description as d
from optimizers import schedules
from optimizers.run import CHECK_EVERY, MAX_BYTES, footprint

PARABOLA = surfaces.get("parabola")


def test_a_diverging_run_stops_and_the_others_go_on():
    lrs = np.array([0.5, 2.5, 1.0])[:, None]  # 2.5 > 2 diverges on ½x²
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may escape
        traj = optimizers.run(optimizers.get("sgd", lr=lrs), PARABOLA, [4.0], 400)
    assert list(traj.diverged) == [False, True, False]
    step = traj.diverged_at[1]
    # |x| grows 1.5× a step from 4; it diverges when it leaves the box (bounds ± 10 widths)
    low, high = PARABOLA.bounds[0]
    box = high + 10 * (high - low)
    assert 4 * 1.5 ** (step - 1) <= box < 4 * 1.5**step
    assert np.isfinite(traj.params[: step + 1, 1]).all()
    assert np.isnan(traj.params[step + 1 :, 1]).all() and np.isnan(traj.loss[step + 1 :, 1]).all()
    assert np.isnan(traj.grads[step:, 1]).all()
    assert np.isfinite(traj.params[:, [0, 2]]).all()
    assert traj.diverged_at[0] is None and traj.diverged_at[2] is None


def test_non_finite_values_stop_a_run_without_bounds():
    traj = optimizers.run(optimizers.get("sgd", lr=3.0), PARABOLA, [4.0], 2000, bounds_margin=None)
    step = traj.diverged_at
    # |x| = 4·2^t; the loss ½x² overflows first, once 4·2^t > 1.9e154, at t = 511
    assert step == 511
    assert not np.isfinite(traj.loss[step]) and np.isfinite(traj.loss[step - 1])
    assert np.isnan(traj.params[step + 1 :]).all()


def test_leaving_the_box_of_an_unbounded_surface_stops_the_run():
    saddle = surfaces.get("saddle")
    traj = optimizers.run(optimizers.get("sgd", lr=0.1), saddle, saddle.start, 500)
    assert traj.diverged_at is not None
    _, (ylo, yhi) = saddle.bounds
    assert abs(traj.params[traj.diverged_at, 1]) > yhi + 10 * (yhi - ylo)


def test_when_every_run_diverges_the_loop_stops_early():
    traj = optimizers.run(optimizers.get("sgd", lr=5.0), PARABOLA, [[4.0], [-3.0]], 10_000)
    assert traj.params.shape == (10_001, 2, 1)
    assert all(0 < s < 100 for s in traj.diverged_at)
    assert np.isnan(traj.params[200:]).all() and np.isnan(traj.lr_eff[200:]).all()


def test_a_start_outside_the_box_has_diverged_at_step_zero():
    traj = optimizers.run(optimizers.get("sgd"), PARABOLA, [1e6], 5)
    assert traj.diverged_at == 0


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("constant", {}, [1, 1, 1, 1, 1]),
        ("step", {"step_size": 2, "gamma": 0.1}, [1, 1, 0.1, 0.1, 0.01]),
        ("exponential", {"gamma": 0.5}, [1, 0.5, 0.25, 0.125, 0.0625]),
        ("cosine", {"min_factor": 0.0}, 0.5 * (1 + np.cos(np.pi * np.arange(5) / 5))),
        ("warmup", {"warmup_steps": 4}, [0.25, 0.5, 0.75, 1, 1]),
        ("inverse_time", {"decay": 1.0}, [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]),
    ],
)
def test_schedule_factors(name, params, expected):
    np.testing.assert_allclose(schedules.get(name, **params).factors(5), expected)


def test_a_schedule_scales_each_step_and_is_recorded():
    schedule = schedules.get("step", step_size=3, gamma=0.5)
    traj = optimizers.run(optimizers.get("sgd", lr=0.2), PARABOLA, [1.0], 9, schedule=schedule)
    lrs = 0.2 * schedule.factors(9)
    np.testing.assert_allclose(traj.lr, lrs)
    np.testing.assert_allclose(traj.lr_eff[:, 0], lrs)
    np.testing.assert_allclose(traj.params[1:, 0], np.cumprod(1 - lrs))


def test_schedules_refuse_bad_parameters():
    with pytest.raises(KeyError, match="unknown schedule 'lineal'; choose from: constant"):
        schedules.get("lineal")
    with pytest.raises(ValueError, match=r"gamma must be in \(0, 1\]; got 0$"):
        schedules.get("exponential", gamma=0.0)
    with pytest.raises(ValueError, match=r"step_size must be a whole number of steps; got 2\.5"):
        schedules.get("step", step_size=2.5)
    with pytest.raises(TypeError, match="unexpected parameter 'gama'"):
        schedules.get("step", gama=0.5)


def test_gradient_noise_is_seeded_and_additive():
    rosen = surfaces.get("rosenbrock")
    opt = optimizers.get("adam", lr=0.01)
    a = optimizers.run(opt, rosen, rosen.start, 50, noise=1.0, seed=7)
    b = optimizers.run(opt, rosen, rosen.start, 50, noise=1.0, seed=7)
    c = optimizers.run(opt, rosen, rosen.start, 50, noise=1.0, seed=8)
    clean = optimizers.run(opt, rosen, rosen.start, 50)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    noise = a.grads - rosen.grad(a.params[:-1])
    assert 0.7 < noise.std() < 1.3 and abs(noise.mean()) < 0.3
    np.testing.assert_array_equal(clean.grads, rosen.grad(clean.params[:-1]))


def test_stochastic_objective_uses_minibatches_and_is_deterministic():
    full = surfaces.get("least_squares")
    data_size = full.params["n_samples"]
    noisy = surfaces.get("least_squares", batch_size=4)
    opt = optimizers.get("sgd", lr=0.01)
    a = optimizers.run(opt, noisy, noisy.start, 100, seed=1)
    b = optimizers.run(opt, noisy, noisy.start, 100, seed=1)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(a.grads, noisy.grad(a.params[:-1]))  # mini-batch noise is real
    whole = surfaces.get("least_squares", batch_size=data_size)
    exact = optimizers.run(opt, whole, whole.start, 100, seed=1)
    exact_grad = SimpleNamespace(f=whole.f, grad=whole.grad, dim=2, bounds=whole.bounds)
    deterministic = optimizers.run(opt, exact_grad, whole.start, 100)
    np.testing.assert_allclose(exact.params, deterministic.params, rtol=1e-12)
    np.testing.assert_allclose(a.loss, noisy.f(a.params))  # the loss is the full-data loss


def test_record_state_can_be_turned_off_and_steps_zero_works():
    traj = optimizers.run(optimizers.get("adam"), PARABOLA, [1.0], 5, record_state=False)
    assert traj.state == {}
    empty = optimizers.run(optimizers.get("adam"), PARABOLA, [1.0], 0)
    assert empty.params.shape == (1, 1) and empty.grads.shape == (0, 1)
    assert empty.loss[0] == PARABOLA.f(np.array([1.0]))


def test_results_are_read_only():
    traj = optimizers.run(optimizers.get("adam"), PARABOLA, [1.0], 5)
    for a in (traj.params, traj.loss, traj.grads, traj.updates, traj.lr_eff, *traj.state.values()):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 0


def test_realized_gain_of_sgd_is_its_learning_rate():
    traj = optimizers.run(optimizers.get("sgd", lr=0.05), surfaces.get("booth"), [0.0, 0.0], 20)
    np.testing.assert_allclose(traj.realized_gain, 0.05)


def test_state_per_step_is_torchs_state():
    traj = optimizers.run(optimizers.get("adam", amsgrad=True), PARABOLA, [[1.0], [2.0]], 4)
    assert set(traj.state) == {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    g = traj.grads
    np.testing.assert_allclose(traj.state["exp_avg"][0], 0.1 * g[0])
    np.testing.assert_allclose(
        traj.state["exp_avg_sq"][1], 0.999 * 0.001 * g[0] ** 2 + 0.001 * g[1] ** 2
    )


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("name", optimizers.names())
def test_diverging_runs_warn_nothing(name):
    """Overflow and NaN in a diverging run are expected and handled (the run stops there): no
    RuntimeWarning may reach a server log, from the run, its trajectory or its equations."""
    variants = [{}, {"eps": 0.0}] if "eps" in optimizers.defaults(name) else [{}]  # eps = 0: 0/0
    # Adafactor's step is relative to RMS(θ) and clipped: only climbing makes it leave the box
    variants += [{"maximize": True, "eps1": 0.0}] if name == "adafactor" else []
    lrs = np.array([1e-3, 1.0, 1e3, 1e12])[:, None]
    diverged = []
    for h, surface in itertools.product(
        variants, ("rosenbrock", "goldstein_price", "least_squares")
    ):
        s = surfaces.get(surface)
        if name == "lbfgs" and s.stochastic:  # refused: its line search needs one function
            continue
        for margin in (10.0, None):  # None: on to inf and NaN
            opt = optimizers.get(name, lr=lrs, **h)
            traj = optimizers.run(opt, s, s.start, 150, noise=1.0, bounds_margin=margin)
            diverged.append(traj.diverged.any())
            traj.realized_gain, traj.diverged_at, traj.run(3)
        opt = optimizers.get(name, lr=1e12, **h)
        one = optimizers.run(opt, s, s.start, 10, bounds_margin=None)
        lines, state = optimizers.rule(name, opt.hyperparams), optimizers.entry(name).state
        for t, i in itertools.product(range(1, 11), range(s.dim)):
            d.check(lines, d.inputs(opt.hyperparams, state, one, t, i), d.recorded(one, t, i))
    assert any(diverged)


def test_the_memory_guard_counts_the_objectives_working_memory():
    """A mini-batch's working arrays count: 20,000 runs each drawing 25,000 of 100,000 points
    would hold ~26 GiB in one step, though they record almost nothing."""
    data = surfaces.get("least_squares", n_samples=100_000, batch_size=25_000)
    starts = np.zeros((20_000, 2))
    sgd = optimizers.get("sgd", lr=0.01)
    assert footprint(sgd, data, starts.shape, 1) > 20 * 2**30
    with pytest.raises(
        ValueError,
        match=r"would hold \d+\.\d GiB .* lower steps \(now 1\) or the number of runs \(now 20,000",
    ):
        optimizers.run(sgd, data, starts, 1)
    small = surfaces.get("least_squares", n_samples=100_000, batch_size=8)
    assert optimizers.run(sgd, small, starts, 1).params.shape == (2, 20_000, 2)


# --- the outcome record: what a sweep reads, identical to the full trajectory --------------------

OUTCOME_SURFACES = ("parabola", "rosenbrock", "himmelblau", "saddle", "least_squares")


def watched(surface: surfaces.Surface, tol: float) -> dict:
    """A sweep's conditions (loss within ``tol`` of the minimum, near each known minimum), and
    one that holds on NaN, to show that no row after a divergence counts."""
    targets = surface.minima if len(surface.minima) else np.zeros((1, surface.dim))
    return {
        "tol": lambda x, f: f - (surface.f_min or 0.0) < tol,
        "near": lambda x, f: np.linalg.norm(x[..., None, :] - targets, axis=-1) < 0.5,
        "not_above": lambda x, f: ~(f > 1.0),
    }


def expected_first(traj: optimizers.Trajectory, condition) -> np.ndarray:
    """The first row of the full trajectory at which ``condition`` holds, per run, up to the
    run's divergence step (its last recorded row); -1 if none: the definition, written out."""
    with np.errstate(all="ignore"):
        hold = condition(traj.params, traj.loss)
    rows = np.arange(traj.steps + 1).reshape((-1,) + (1,) * traj.divergence_step.ndim)
    stop = np.where(traj.diverged, traj.divergence_step, traj.steps)
    hold = hold & (rows <= stop).reshape(
        rows.shape[:1] + stop.shape + (1,) * (hold.ndim - 1 - stop.ndim)
    )
    return np.where(hold.any(axis=0), np.argmax(hold, axis=0), -1)


def assert_outcome_is_the_trajectorys(out, traj, watch):
    np.testing.assert_array_equal(out.final_params, traj.params[-1], strict=True)
    np.testing.assert_array_equal(out.final_loss, traj.loss[-1], strict=True)
    np.testing.assert_array_equal(out.divergence_step, traj.divergence_step, strict=True)
    same = np.asarray(out.diverged_at, dtype=object) == np.asarray(traj.diverged_at, dtype=object)
    assert np.all(same)
    assert set(out.first_step) == set(watch) and out.steps == traj.steps
    for name, condition in watch.items():
        np.testing.assert_array_equal(
            out.first_step[name], expected_first(traj, condition), err_msg=name, strict=True
        )


@settings(max_examples=150)
@given(
    name=st.sampled_from(optimizers.names()),
    surface_name=st.sampled_from(OUTCOME_SURFACES),
    batch=st.sampled_from([(), (1,), (5,), (2, 3)]),
    steps=st.sampled_from([0, 1, 2, 63, 64, 65, 129, 200]),
    log_lrs=st.lists(st.floats(-4.0, 4.0), min_size=6, max_size=6),
    noise=st.sampled_from([0.0, 0.5]),
    margin=st.sampled_from([10.0, None]),
    seed=st.integers(0, 2**32),
    tol=st.sampled_from([1e-3, 1e-8, 0.0]),
)
def test_the_outcome_is_the_full_trajectorys_bit_for_bit(
    name, surface_name, batch, steps, log_lrs, noise, margin, seed, tol
):
    """Final parameters and loss, divergence steps and first steps are those of the full run of
    the same call: every optimizer, deterministic and mini-batch surfaces, gradient noise (same
    seed, same draws), batches of any shape, step counts around the divergence checks, learning
    rates from tiny (never reaching the tolerance) to huge (diverging at step 1)."""
    s = surfaces.get(surface_name)
    assume(not (name == "lbfgs" and s.stochastic))  # refused: its line search needs one function
    lr = np.float64(10 ** log_lrs[0]) if not batch else (10 ** np.array(log_lrs))[: np.prod(batch)]
    opt = optimizers.get(name, lr=np.reshape(lr, (*batch, 1)) if batch else float(lr))
    kwargs = {"noise": noise, "seed": seed, "bounds_margin": margin}
    watch = watched(s, tol)
    out = optimizers.run(opt, s, s.start, steps, record="outcome", watch=watch, **kwargs)
    traj = optimizers.run(opt, s, s.start, steps, record_state=False, **kwargs)
    assert isinstance(out, optimizers.Outcome) and out.batch_shape == traj.batch_shape
    assert_outcome_is_the_trajectorys(out, traj, watch)
    event("some run diverged" if traj.diverged.any() else "no run diverged")
    event("diverged at step 1" if (traj.divergence_step == 1).any() else "none at step 1")
    reached = (out.first_step["tol"] >= 0).mean()
    event({0.0: "no run reached tol", 1.0: "every run reached tol"}.get(reached, "some did"))


def test_runs_diverging_at_step_one_and_runs_never_reaching_the_tolerance():
    rosen = surfaces.get("rosenbrock")
    lrs = np.array([1e6, 1e-6, 1e-3, 1e6])[:, None]  # step 1 escapes; a crawl; a slow descent
    starts = np.array([[-1.2, 1.0], [-1.2, 1.0], [-1.2, 1.0], [1e6, 0.0]])  # the last: at 0
    watch = watched(rosen, 1e-3)
    out = optimizers.run(
        optimizers.get("sgd", lr=lrs), rosen, starts, 300, record="outcome", watch=watch
    )
    traj = optimizers.run(optimizers.get("sgd", lr=lrs), rosen, starts, 300)
    assert out.diverged_at.tolist() == [1, None, None, 0]
    assert out.first_step["tol"].tolist() == [-1, -1, -1, -1]
    assert np.isnan(out.final_params[[0, 3]]).all() and np.isfinite(out.final_loss[1:3]).all()
    assert_outcome_is_the_trajectorys(out, traj, watch)


def test_a_run_diverging_at_the_last_step_keeps_that_row():
    lrs = np.array([0.5, 2.5])[:, None]
    traj = optimizers.run(optimizers.get("sgd", lr=lrs), PARABOLA, [4.0], 400)
    last = traj.diverged_at[1]
    out = optimizers.run(optimizers.get("sgd", lr=lrs), PARABOLA, [4.0], last, record="outcome")
    assert out.diverged_at.tolist() == [None, last]
    np.testing.assert_array_equal(out.final_params[1], traj.params[last, 1])
    assert out.first_step == {}


def test_the_outcome_holds_a_few_rows_not_every_step():
    adam, rosen = optimizers.get("adam"), surfaces.get("rosenbrock")
    shape = (10_000, 2)
    long = footprint(adam, rosen, shape, 100_000, record="outcome")
    assert long == footprint(adam, rosen, shape, 10 * CHECK_EVERY, record="outcome")
    assert footprint(adam, rosen, shape, 1, record="outcome") < long
    full = footprint(adam, rosen, shape, 10 * CHECK_EVERY, record_state=False)
    assert long < full / 4
    assert footprint(adam, rosen, (20_000, 2), 10**6, record="outcome") == 2 * long  # O(runs)
    steps = 10**9  # a trajectory this long is refused; an outcome would fit
    assert footprint(adam, rosen, (3, 2), steps, record="outcome") < MAX_BYTES
    with pytest.raises(ValueError, match="would hold"):
        optimizers.run(adam, rosen, np.zeros((3, 2)), steps)


def test_outcomes_are_read_only_and_conditions_cannot_write():
    def meddle(x, f):
        x[0] = 0.0
        return f < 0

    with pytest.raises(ValueError, match="read-only"):
        optimizers.run(
            optimizers.get("adam"), PARABOLA, [1.0], 5, record="outcome", watch={"m": meddle}
        )
    out = optimizers.run(
        optimizers.get("adam"),
        PARABOLA,
        [1.0],
        5,
        record="outcome",
        watch={"t": lambda x, f: f < 1},
    )
    for a in (out.final_params, out.final_loss, out.divergence_step, out.first_step["t"]):
        with pytest.raises(ValueError, match="read-only"):
            a[...] = 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"record": "outcomes"}, r"record must be one of 'trajectory', 'outcome'; got 'outcomes'"),
        ({"watch": {"t": lambda x, f: f < 1}}, r"watch needs record='outcome'"),
        ({"record": "outcome", "watch": [lambda x, f: f < 1]}, r"watch must map names to"),
        ({"record": "outcome", "watch": {"t": 1e-3}}, r"watch must map names to conditions"),
        (
            {"record": "outcome", "watch": {"t": lambda x, f: f}},
            r"watch\['t'\] must return a boolean array of shape \(rows, \*batch, ...\) = "
            r"\(6, 2, ...\); got float64 of shape \(6, 2\)",
        ),
        (
            {"record": "outcome", "watch": {"t": lambda x, f: (f < 1)[0]}},
            r"watch\['t'\] .* got bool of shape \(2,\)",
        ),
    ],
)
def test_bad_records_and_conditions_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.run(optimizers.get("sgd"), PARABOLA, [[1.0], [2.0]], 5, **kwargs)


def test_every_recorded_quantity_is_blank_after_each_runs_divergence_and_only_then():
    """A grid of runs (batch 2 × 3), some diverging at different steps, one at step 1: every
    per-run array is NaN exactly after its run's divergence step; the others are untouched."""
    lrs = np.array([[1e-3, 0.5, 1e3], [20.0, 1e-2, 1e6]])[..., None]  # diverge at steps 1, 3, 1
    opt = optimizers.get("adam", lr=lrs, amsgrad=True)
    rosen = surfaces.get("rosenbrock")
    traj = optimizers.run(opt, rosen, rosen.start, 300)
    assert traj.diverged_at.tolist() == [[None, None, 1], [3, None, 1]]
    per_step = [traj.grads, traj.updates, traj.lr_eff, *traj.state.values()]
    for index in np.ndindex(traj.batch_shape):
        stop = traj.divergence_step[index] if traj.diverged[index] else traj.steps
        assert not np.isnan(traj.params[(slice(None, stop + 1), *index)]).any()
        assert np.isnan(traj.params[(slice(stop + 1, None), *index)]).all()
        assert np.isnan(traj.loss[(slice(stop + 1, None), *index)]).all()
        for a in per_step:
            assert not np.isnan(a[(slice(None, stop), *index)]).any()
            assert np.isnan(a[(slice(stop, None), *index)]).all()
