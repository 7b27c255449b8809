"""A class at once: N concurrent browser sessions against Streamlit, and what they cost.

Each session speaks Streamlit's own websocket protocol (``stclient.py``): it loads the page,
runs the script, then changes one widget per rerun, as a student moving a slider does. The
same load runs against the dashboard and against ``one_chart_app.py`` (a title, a slider and
one 500-point Altair chart) on the same machine in the same invocation, so the dashboard's
figures are read as ratios to the cheapest chart page Streamlit can serve.

    python benchmarks/load/harness.py --sessions 30 --reruns 10
    python benchmarks/load/harness.py --sessions 30 --reruns 10 --mix cache-friendly

For each app the harness starts ``python -m streamlit run <app>`` on a free 127.0.0.1 port
(headless, no file watcher, the repository's ``.streamlit/config.toml``), waits for
``/_stcore/health`` and then, in one asyncio process:

1. warm-up: one session opens the page and reruns twice (the teacher's projector: imports,
   first cache fill), not counted;
2. the N sessions open the page at once (``--ramp`` spreads them) and stay connected; the
   server's RSS is read before and after (that growth includes the allocator's high-water
   mark from N scripts running at once);
3. each session makes ``--reruns`` widget changes, pausing a random 0.5–1.5 × ``--think``
   seconds before each (default 1 s: a busy class; ``--think 0``: back to back, a throughput
   test);
4. ``--idle-probe`` more sessions (default min(N, 30)) open one after another and stay idle:
   the slope of RSS over them is the memory an idle session keeps;
5. the sessions close; the server is stopped.

``--mix`` decides which values the dashboard's sessions pick:

``class``           (the default) each change is drawn from a large space, as thirty students
                    each trying their own setup: a learning rate from its slider's options, the
                    number of steps from 100…1500, a start point in the window, the noise, or
                    another optimizer for a run. Each session draws from its own seeded stream
                    (``--seed``), so a run is reproducible, and most reruns ask for a setup no
                    one asked for before: they miss ``st.cache_data`` and compute.
``cache-friendly``  the small set the harness used before (steps 200…1000, Adam's learning
                    rate 0.001…0.1), which the sessions soon share: most reruns hit the caches.

The baseline's mix is the same under both: its slider's values 40…200 (it caches nothing).
The report gives the share of st.cache_data lookups that hit and, measured on the server, the
share of reruns that missed: misses of the one cached function each dashboard rerun looks up
exactly once (the default view's chart specs, keyed by the whole setup).

Latency is from sending the ``rerun_script`` message to receiving ``script_finished``; the
initial load is from the first HTTP request to the first ``script_finished``. An error is a
page that does not load, a rerun that does not finish within ``--timeout`` or shows an
exception, an unresolvable cached-message reference, or a traceback in the server's log.

Other targets:

``--proxy 1,2``   the dashboard through ``deploy/serve.sh`` (nginx, sticky sessions) with 1,
                  then 2 Streamlit processes; compare throughput (reruns/s) and latency.
``--url URL``     an already running server or proxy (loopback only); ``--scenario`` names
                  the app's widgets, ``--pids`` the processes to read memory and CPU from.

Bounds: at most 200 sessions, 500 reruns per session, 300 s of load per target (sessions
still running then are cut off and reported), and only loopback addresses. ``--json`` writes
every measurement; ``--profile DIR`` samples each server with py-spy during the reruns
(``pip install py-spy``; ``--gil``: only the thread holding the GIL, i.e. CPU) and prints
where its time goes. The exit code is 1 if there were errors.

The load generator shares the machine with the server (its CPU per rerun is reported): on a
2-core machine its figures are a floor for what a separate client machine would see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import stclient
import stserver

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
MAX_SESSIONS = 200
MAX_RERUNS = 500
MAX_DURATION_S = 300.0
GOAL_P95_RATIO = 1.5
GOAL_MB_PER_SESSION = 5.0


MIXES = ("class", "cache-friendly")  # --mix; the first is the default

# The class mix's steps. Setups over the compute budget are refused before anything runs
# (lab/budget.py: the page's estimate grows with steps × runs; the default page has 4 runs
# and no control the harness touches adds one), and a refusal is a cheap page with an error
# box, not a rerun. 1500 steps with 4 runs is about 1.1 s of the 2 s budget, so every drawn
# setup is admitted and the harness measures real reruns.
CLASS_STEPS = (100, 1500)
CLASS_NOISE = (0.0, 1.0)  # gradient noise σ, to two decimals


@dataclass(frozen=True)
class Scenario:
    """An app, the widget values students pick from (by widget key) in the cache-friendly mix,
    and for the class mix how a student draws a change (None: the choices under every mix)."""

    app: Path
    choices: dict[str, tuple]
    draw: Callable[[random.Random, stclient.Session], dict[str, Any]] | None = None
    rerun_cache: str = ""  # the st.cache_data function each rerun looks up exactly once


def _current(s: stclient.Session, key: str) -> object:
    """The value a widget holds now: the one this session sent, else the one the page drew."""
    widget = s.widgets[key]
    state = s.widget_states.get(widget.id)
    if state is not None:
        return _value(state)
    proto = widget.proto
    if widget.kind == "slider" and proto.options:
        return proto.raw_value[0] if len(proto.raw_value) == 1 else list(proto.raw_value)
    if widget.kind == "selectbox":
        return proto.raw_value
    return proto.value  # number_input


def _draw_other(rng: random.Random, draw: Callable[[], object], current: object) -> object:
    """A value from ``draw()`` other than ``current`` (a student does not pick the same)."""
    for _ in range(100):
        value = draw()
        if value != current:
            return value
    raise RuntimeError(f"no value other than {current!r} drawn")


def draw_dashboard(rng: random.Random, s: stclient.Session) -> dict[str, Any]:
    """One student's change to the dashboard, from a large space: a learning rate from its
    slider's options (twice as likely as the others), the steps, one start coordinate, the
    noise, or a run's optimizer. Read from the widgets this session's page shows now."""
    kind = rng.choice(("lr", "lr", "steps", "start", "noise", "optimizer"))
    runs = sorted(k for k in s.widgets if re.fullmatch(r"run\.\d+\.optimizer", k))
    if kind in {"lr", "optimizer"}:
        run = rng.choice(runs).removesuffix(".optimizer")
        if kind == "optimizer":
            key = f"{run}.optimizer"
        else:  # the lr slider of the run's optimizer now (the page shows no other)
            (key,) = (k for k in s.widgets if k.startswith(f"{run}.") and k.endswith(".lr"))
        now = _current(s, key)
        return {key: rng.choice([o for o in s.widgets[key].options if o != now])}
    if kind == "steps":
        key, draw = "steps", (lambda: rng.randint(*CLASS_STEPS))
    elif kind == "noise":
        lo, hi = (round(100 * v) for v in CLASS_NOISE)
        key, draw = "noise", (lambda: rng.randint(lo, hi) / 100)
    else:  # a start coordinate, inside the window, to 2 decimals
        key = rng.choice(sorted(k for k in s.widgets if k.startswith("x0.")))
        proto = s.widgets[key].proto
        lo, hi = math.ceil(100 * proto.min), math.floor(100 * proto.max)
        draw = lambda: rng.randint(lo, hi) / 100  # noqa: E731
    return {key: _draw_other(rng, draw, _current(s, key))}


SCENARIOS = {
    "baseline": Scenario(
        HERE / "one_chart_app.py", {"decay": (40, 60, 80, 100, 120, 140, 160, 180, 200)}
    ),
    "dashboard": Scenario(
        REPO_ROOT / "dashboard.py",
        {
            "steps": (200, 300, 500, 800, 1000),
            # select_slider values are the labels the widget shows (lab/ui/sidebar.py _fmt)
            "run.3.adam.lr": ("0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1"),
        },
        draw=draw_dashboard,
        rerun_cache="lab.ui.views.chart_specs",  # the default view's charts, per setup
    ),
}


@dataclass
class Target:
    label: str
    scenario: str
    url: str = ""  # set once the server is up
    processes: int = 1
    kind: str = "server"  # "server": streamlit run; "proxy": deploy/serve.sh; "url": given


@dataclass
class Result:
    label: str
    scenario: str
    sessions: int
    reruns_planned: int
    mix: str = ""  # the values the sessions picked: a MIXES name, or "fixed" (no draw)
    load_s: list[float] = field(default_factory=list)
    rerun_s: list[float] = field(default_factory=list)
    rerun_payload: list[int] = field(default_factory=list)
    rerun_wire: list[int] = field(default_factory=list)
    cache_refs: list[int] = field(default_factory=list)
    open_errors: list[str] = field(default_factory=list)
    rerun_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    opened: int = 0
    idle_probe_opened: int = 0
    cut_off: int = 0  # sessions stopped by the --duration bound
    rerun_phase_s: float = 0.0
    cpu_rerun_s: float | None = None
    client_cpu_s: float = 0.0  # this process (the load generator) during the reruns
    other_cores: float | None = None  # CPU used by everything else on the machine meanwhile
    cache_hits: int | None = None  # st.cache_data lookups during the reruns (all processes)
    spread: list[int] = field(default_factory=list)  # sessions per process behind a proxy
    cache_misses: int | None = None
    rerun_lookups: int | None = None  # of the scenario's once-per-rerun cached function
    rerun_misses: int | None = None
    rss: dict[str, int] = field(default_factory=dict)
    warmup_s: float | None = None
    profile: list[tuple[str, float]] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return len(self.open_errors) + len(self.rerun_errors) + len(self.server_errors)


# -------------------------------------------------------------------------------- the load


def machine_busy_s() -> float:
    """CPU seconds all processes on this machine have used (``/proc/stat``), 0 if unknown."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Probe:
    """Memory and CPU of the server processes (nothing when their pids are unknown)."""

    def __init__(self, pids: list[int], urls: list[str] | None = None) -> None:
        self.pids = pids
        self.urls = urls or []

    def cache_lookups(self) -> dict[tuple[str, str], int]:
        """st.cache_data lookups so far by (function, "hit" or "miss"), summed over the
        processes (direct URLs)."""
        total: dict[tuple[str, str], int] = {}
        for url in self.urls:
            try:
                for key, n in cache_lookups(url).items():
                    total[key] = total.get(key, 0) + n
            except OSError:
                return {}
        return total

    def rss(self) -> int | None:
        return sum(stserver.rss_bytes(p) for p in self.pids) if self.pids else None

    def cpu(self) -> float | None:
        return sum(stserver.cpu_seconds(p) for p in self.pids) if self.pids else None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy


def cache_lookups(url: str) -> dict[tuple[str, str], int]:
    """``st.cache_data`` lookups so far by (cached function, result), from
    ``/_stcore/metrics`` (``stserver.cache_lookups`` gives the sums over functions)."""
    counts: dict[tuple[str, str], int] = {}
    with _OPENER.open(url.rstrip("/") + "/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    for line in text.splitlines():
        m = re.match(r"cache_lookups_total\{(.*)\} (\d+)", line)
        if m and 'cache_type="st_cache_data"' in m[1]:
            cache = re.search(r'cache="([^"]*)"', m[1])
            result = re.search(r'result="(\w+)"', m[1])
            if cache and result:
                key = (cache[1], result[1])
                counts[key] = counts.get(key, 0) + int(m[2])
    return counts


async def _wait_bounded(coros: list, deadline: float) -> int:
    """Run coroutines concurrently until done or ``deadline`` (monotonic); return how many
    were cut off."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    if not tasks:
        return 0
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return len(pending)


async def drive(target: Target, args: argparse.Namespace, probe: Probe) -> Result:
    """The load itself, against ``target.url``; see the module docstring for the phases."""
    scenario = SCENARIOS[target.scenario]
    draw = scenario.draw if args.mix == "class" else None
    res = Result(target.label, target.scenario, args.sessions, args.sessions * args.reruns)
    res.mix = args.mix if scenario.draw else "fixed"
    deadline = time.monotonic() + args.duration

    def session() -> stclient.Session:
        return stclient.Session(
            target.url, query=args.query, timeout=args.timeout, fetch_assets=args.assets
        )

    if not args.no_warmup:
        warm = session()
        t0 = time.perf_counter()
        try:
            first = await warm.open()
            for i in range(2):
                key = sorted(scenario.choices)[i % len(scenario.choices)]
                await warm.rerun({key: scenario.choices[key][i]})
            res.warmup_s = first.seconds
            if not first.ok:
                res.open_errors.append(f"warm-up: {first.status} {first.exceptions}")
        except Exception as err:
            res.open_errors.append(f"warm-up: {type(err).__name__}: {err}")
        finally:
            await warm.close()
        print(f"  warm-up session: {time.perf_counter() - t0:.1f} s", flush=True)
    await asyncio.sleep(args.settle)
    res.rss["idle"] = probe.rss() or 0

    sessions = [session() for _ in range(args.sessions)]
    opened: list[stclient.Session] = []

    async def open_one(i: int, s: stclient.Session) -> None:
        await asyncio.sleep(args.ramp * i / max(1, args.sessions))
        try:
            r = await s.open()
        except Exception as err:
            res.open_errors.append(f"{type(err).__name__}: {err}")
            return
        res.load_s.append(r.seconds)
        if r.ok:
            opened.append(s)
            res.opened += 1
        else:
            res.open_errors.append(f"{r.status} {r.exceptions[:1]} {r.errors[:1]}")

    t0 = time.perf_counter()
    res.cut_off += await _wait_bounded([open_one(i, s) for i, s in enumerate(sessions)], deadline)
    print(
        f"  {len(opened)}/{args.sessions} sessions open after {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    res.spread = sorted(Counter(s.upstreams[0] for s in opened if s.upstreams).values())
    await asyncio.sleep(args.settle)
    res.rss["connected"] = probe.rss() or 0

    async def rerun_loop(i: int, s: stclient.Session) -> None:
        rng = random.Random(args.seed * 1000 + i)
        for _ in range(args.reruns):
            if args.think > 0:
                await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
            try:
                if draw is not None:
                    change, shown = draw(rng, s), dict(s.widgets)
                else:
                    key = rng.choice(sorted(scenario.choices))
                    current = s.widget_states.get(s.widgets[key].id) if key in s.widgets else None
                    options = [
                        v for v in scenario.choices[key] if current is None or v != _value(current)
                    ]
                    change = {key: rng.choice(options)}
                r = await s.rerun(change)
            except Exception as err:
                res.rerun_errors.append(f"{type(err).__name__}: {err}")
                return
            if draw is not None and r.ok:
                _forget_inactive(s, shown)
            if r.ok:
                res.rerun_s.append(r.seconds)
                res.rerun_payload.append(r.payload_bytes)
                res.rerun_wire.append(r.wire_bytes)
                res.cache_refs.append(r.cache_refs)
            else:
                res.rerun_errors.append(f"{r.status} {r.exceptions[:1]} {r.errors[:1]}")
                if r.status in {"timeout", "closed"}:
                    return

    profiler = Profiler(args.profile, target.label, probe.pids)
    cpu0, t0, client0 = probe.cpu(), time.perf_counter(), time.process_time()
    busy0, lookups0 = machine_busy_s(), probe.cache_lookups()
    profiler.start()
    try:
        res.cut_off += await _wait_bounded(
            [rerun_loop(i, s) for i, s in enumerate(opened)], deadline
        )
    finally:
        res.profile = profiler.stop()
    res.rerun_phase_s = time.perf_counter() - t0
    lookups = probe.cache_lookups()
    if lookups0 and lookups:
        delta = {k: n - lookups0.get(k, 0) for k, n in lookups.items()}
        res.cache_hits = sum(n for (_, result), n in delta.items() if result == "hit")
        res.cache_misses = sum(n for (_, result), n in delta.items() if result == "miss")
        if scenario.rerun_cache:
            res.rerun_misses = delta.get((scenario.rerun_cache, "miss"), 0)
            res.rerun_lookups = res.rerun_misses + delta.get((scenario.rerun_cache, "hit"), 0)
    res.client_cpu_s = time.process_time() - client0
    if cpu0 is not None:
        res.cpu_rerun_s = (probe.cpu() or 0.0) - cpu0
        if busy0:
            others = machine_busy_s() - busy0 - res.cpu_rerun_s - res.client_cpu_s
            res.other_cores = max(0.0, others) / res.rerun_phase_s
    res.rss["after_reruns"] = probe.rss() or 0

    # Memory per idle session, net of the allocator's high-water mark: more sessions opened
    # one after another once the reruns have raised that mark; RSS slope per session.
    extra = [session() for _ in range(args.idle_probe)]

    async def open_in_turn() -> None:
        for s in extra:
            try:
                r = await s.open()
            except Exception as err:
                res.open_errors.append(f"idle probe: {type(err).__name__}: {err}")
                return
            if not r.ok:
                res.open_errors.append(f"idle probe: {r.status} {r.exceptions[:1]}")
                return
            res.idle_probe_opened += 1

    if extra:
        res.cut_off += await _wait_bounded([open_in_turn()], deadline)
        await asyncio.sleep(args.settle)
        res.rss["idle_probe"] = probe.rss() or 0

    await asyncio.gather(*(s.close() for s in sessions + extra), return_exceptions=True)
    await asyncio.sleep(args.settle)
    res.rss["closed"] = probe.rss() or 0
    return res


def _forget_inactive(s: stclient.Session, before: dict[str, stclient.Widget]) -> None:
    """Drop the widgets the last run did not draw, and their states, as the frontend does
    after each run (a run's other optimizer's controls, once its optimizer is changed): the
    next rerun then sends only what a browser would. A widget drawn in the run is a new
    ``Widget`` in ``s.widgets`` (cached elements too: the client resolves them)."""
    for key, widget in list(s.widgets.items()):
        if before.get(key) is widget:
            del s.widgets[key]
            s.widget_states.pop(widget.id, None)


def _value(state: object) -> object:
    """The Python value a WidgetState carries (for not picking the current value again)."""
    kind = state.WhichOneof("value")  # type: ignore[attr-defined]
    value = getattr(state, kind)
    if kind in {"string_array_value", "double_array_value"}:
        value = value.data[0] if len(value.data) == 1 else list(value.data)
    return value


# ------------------------------------------------------------------------------- profiling


class Profiler:
    """``py-spy record`` on each server process while the reruns run (``--profile DIR``)."""

    def __init__(self, directory: Path | None, label: str, pids: list[int]) -> None:
        self.directory, self.label, self.pids = directory, label, pids
        self.procs: list[tuple[subprocess.Popen, Path]] = []

    def start(self) -> None:
        if not self.directory or not self.pids:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for pid in self.pids:
            slug = re.sub(r"\W+", "-", self.label).strip("-")
            out = self.directory / f"{slug}-{pid}.txt"
            cmd = [
                "py-spy",
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "50",
                "--gil",
            ]
            cmd += ["--nonblocking", "--output", str(out)]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self.procs.append((proc, out))
        time.sleep(1.0)  # let py-spy attach

    def stop(self) -> list[tuple[str, float]]:
        stacks: Counter[str] = Counter()
        for proc, out in self.procs:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            if out.exists():
                for line in out.read_text().splitlines():
                    stack, _, count = line.rpartition(" ")
                    if count.isdigit():
                        stacks[stack] += int(count)
        return summarize_stacks(stacks)


def summarize_stacks(stacks: Counter[str], top: int = 25) -> list[tuple[str, float]]:
    """Inclusive share of samples per function (each counted once per stack), largest first."""
    total = sum(stacks.values())
    inclusive: Counter[str] = Counter()
    for stack, count in stacks.items():
        for frame in set(stack.split(";")):
            name = re.sub(r":\d+\)$", ")", frame)  # per function, not per line
            name = re.sub(r" \(/.*?/(site-packages|main)/", " (", name)
            inclusive[name] += count
    return [(name, n / total) for name, n in inclusive.most_common(top)] if total else []


# -------------------------------------------------------------------------------- reporting


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def figures(r: Result) -> dict[str, float | None]:
    n = len(r.rerun_s)
    mb = 1024 * 1024
    rss = r.rss
    burst = (rss["connected"] - rss["idle"]) / mb / r.sessions if rss.get("connected") else None
    marginal = (
        (rss["idle_probe"] - rss["after_reruns"]) / mb / r.idle_probe_opened
        if rss.get("idle_probe") and r.idle_probe_opened
        else None
    )
    return {
        "sessions_open": r.opened,
        "load_p50_s": pct(r.load_s, 50),
        "load_p95_s": pct(r.load_s, 95),
        "reruns_ok": n,
        "rerun_p50_ms": _ms(pct(r.rerun_s, 50)),
        "rerun_p95_ms": _ms(pct(r.rerun_s, 95)),
        "rerun_max_ms": _ms(max(r.rerun_s) if n else None),
        "errors": r.errors,
        "kb_per_rerun": statistics.fmean(r.rerun_payload) / 1024 if n else None,
        "wire_kb_per_rerun": statistics.fmean(r.rerun_wire) / 1024 if n else None,
        "cache_refs_per_rerun": statistics.fmean(r.cache_refs) if n else None,
        "cache_hit_share": (
            r.cache_hits / (r.cache_hits + r.cache_misses)
            if r.cache_hits is not None
            and r.cache_misses is not None
            and r.cache_hits + r.cache_misses
            else None
        ),
        "rerun_miss_share": r.rerun_misses / r.rerun_lookups if r.rerun_lookups else None,
        "reruns_per_s": n / r.rerun_phase_s if r.rerun_phase_s else None,
        "cpu_ms_per_rerun": 1000 * r.cpu_rerun_s / n if n and r.cpu_rerun_s else None,
        "client_cpu_ms_per_rerun": 1000 * r.client_cpu_s / n if n else None,
        "server_cores": r.cpu_rerun_s / r.rerun_phase_s if r.cpu_rerun_s else None,
        "other_cores": r.other_cores,
        "rss_idle_mb": rss.get("idle", 0) / mb or None,
        "rss_connected_mb": rss.get("connected", 0) / mb or None,
        "mb_per_session_burst": burst,
        "mb_per_idle_session": marginal,
        "rss_after_reruns_mb": rss.get("after_reruns", 0) / mb or None,
        "rss_idle_probe_mb": rss.get("idle_probe", 0) / mb or None,
        "rss_closed_mb": rss.get("closed", 0) / mb or None,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


ROWS = [
    ("sessions_open", "sessions open", "{:.0f}"),
    ("load_p50_s", "initial load p50 (s)", "{:.2f}"),
    ("load_p95_s", "initial load p95 (s)", "{:.2f}"),
    ("reruns_ok", "reruns finished", "{:.0f}"),
    ("rerun_p50_ms", "rerun p50 (ms)", "{:.0f}"),
    ("rerun_p95_ms", "rerun p95 (ms)", "{:.0f}"),
    ("rerun_max_ms", "rerun max (ms)", "{:.0f}"),
    ("errors", "errors", "{:.0f}"),
    ("kb_per_rerun", "KB per rerun (messages)", "{:.1f}"),
    ("wire_kb_per_rerun", "KB per rerun (on the wire)", "{:.1f}"),
    ("cache_refs_per_rerun", "cached-element refs per rerun", "{:.1f}"),
    ("cache_hit_share", "st.cache_data lookups that hit", "{:.0%}"),
    ("rerun_miss_share", "reruns that missed the cache", "{:.0%}"),
    ("reruns_per_s", "throughput (reruns/s)", "{:.1f}"),
    ("cpu_ms_per_rerun", "server CPU per rerun (ms)", "{:.0f}"),
    ("client_cpu_ms_per_rerun", "load generator CPU per rerun (ms)", "{:.0f}"),
    ("server_cores", "cores used by the server(s)", "{:.2f}"),
    ("other_cores", "cores used by other processes", "{:.2f}"),
    ("rss_idle_mb", "server RSS before sessions (MB)", "{:.0f}"),
    ("rss_connected_mb", "server RSS, sessions open (MB)", "{:.0f}"),
    ("mb_per_session_burst", "  growth / sessions (MB)", "{:.2f}"),
    ("rss_after_reruns_mb", "server RSS after reruns (MB)", "{:.0f}"),
    ("rss_idle_probe_mb", "  + idle sessions opened in turn", "{:.0f}"),
    ("mb_per_idle_session", "  MB per idle session (slope)", "{:.2f}"),
    ("rss_closed_mb", "server RSS after closing (MB)", "{:.0f}"),
]


RATIO_ROWS = {
    "load_p50_s",
    "load_p95_s",
    "rerun_p50_ms",
    "rerun_p95_ms",
    "rerun_max_ms",
    "kb_per_rerun",
    "wire_kb_per_rerun",
    "reruns_per_s",
    "cpu_ms_per_rerun",
    "rss_idle_mb",
    "rss_connected_mb",
    "rss_after_reruns_mb",
}


def report(results: list[Result], args: argparse.Namespace) -> dict:
    figs = {r.label: figures(r) for r in results}
    labels = [r.label for r in results]
    ratio_cols: list[tuple[str, str, str]] = []  # (title, numerator, denominator)
    scen = {r.label: r.scenario for r in results}
    base = next((lb for lb in labels if scen[lb] == "baseline"), None)
    for lb in labels:
        if base and scen[lb] != "baseline":
            ratio_cols.append((f"{lb} / {base}", lb, base))
    proxies = [lb for lb in labels if lb.startswith("proxy K=")]
    for lb in proxies[1:]:
        ratio_cols.append((f"{lb} / {proxies[0]}", lb, proxies[0]))

    width = max(12, *(len(lb) + 2 for lb in labels))
    print(f"\nmix: {args.mix} ({', '.join(f'{r.label}: {r.mix}' for r in results)})")
    head = f"{'':32}" + "".join(f"{lb:>{width}}" for lb in labels)
    head += "".join(f"{t:>{max(14, len(t) + 2)}}" for t, _, _ in ratio_cols)
    print()
    print(head)
    print("-" * len(head))
    for key, title, fmt in ROWS:
        line = f"{title:32}"
        for lb in labels:
            v = figs[lb][key]
            line += f"{fmt.format(v) if v is not None else '-':>{width}}"
        for t, num, den in ratio_cols:
            a, b = figs[num][key], figs[den][key]
            cell = f"{a / b:.2f}x" if a is not None and b and key in RATIO_ROWS else ""
            line += f"{cell:>{max(14, len(t) + 2)}}"
        print(line)

    verdicts = []
    for _, num, den in ratio_cols:
        if scen[den] != "baseline":
            continue
        a, b = figs[num]["rerun_p95_ms"], figs[den]["rerun_p95_ms"]
        ok_ratio = a is not None and b is not None and a <= GOAL_P95_RATIO * b
        verdicts.append(
            f"{num}: p95 rerun {'' if ok_ratio else 'NOT '}within {GOAL_P95_RATIO}x the "
            f"baseline ({a / b:.2f}x)"
            if a and b
            else f"{num}: no rerun latencies"
        )
        mb = figs[num]["mb_per_idle_session"]
        if mb is not None:
            ok_mb = mb < GOAL_MB_PER_SESSION
            verdicts.append(
                f"{num}: {mb:.2f} MB per idle session ({'' if ok_mb else 'NOT '}under "
                f"{GOAL_MB_PER_SESSION:g} MB)"
            )
    for r in results:
        verdicts.append(f"{r.label}: {r.errors} errors" + (" (goal: 0)" if r.errors else ""))
        for name, items in (
            ("page loads", r.open_errors),
            ("reruns", r.rerun_errors),
            ("server log", r.server_errors),
        ):
            for text, count in Counter(items).most_common(3):
                verdicts.append(f"    {name}: {count} x {text[:160]}")
        if len(r.spread) > 1:
            verdicts.append(f"    sessions per process: {'/'.join(map(str, r.spread))}")
        if r.cut_off:
            verdicts.append(f"    {r.cut_off} sessions cut off by --duration {args.duration:g}")
        ran, done = r.rerun_lookups, len(r.rerun_s)
        if ran and ran > done and r.cpu_rerun_s:
            verdicts.append(
                f"    the server ran {ran} reruns, {done} finished in time: "
                f"{1000 * r.cpu_rerun_s / ran:.0f} ms of CPU per rerun it ran"
            )
    print()
    print("\n".join(verdicts))
    for r in results:
        if r.profile:
            print(f"\nWhere {r.label}'s server time goes during the reruns (py-spy, inclusive):")
            for name, share in r.profile:
                print(f"  {share:6.1%}  {name[:150]}")
    return {"figures": figs, "verdicts": verdicts}


# ------------------------------------------------------------------------------------ main


def server_errors(log: Path) -> list[str]:
    if not log.exists():
        return []
    text = log.read_text(errors="replace")
    return [
        "Traceback: " + block.strip().splitlines()[-1][:200]
        for block in text.split("Traceback (most recent call last):")[1:]
        if block.strip()
    ]


def run_target(target: Target, args: argparse.Namespace, workdir: Path) -> Result:
    slug = re.sub(r"\W+", "-", target.label).strip("-")
    log = workdir / f"{slug}.log"
    scenario = SCENARIOS[target.scenario]
    mix = args.mix if scenario.draw else "fixed values, either mix"
    print(f"\n== {target.label}: {target.scenario} ({scenario.app.name}), mix {mix}", flush=True)
    if target.kind == "url":
        pids = args.pids or []
        return asyncio.run(drive(target, args, Probe(pids, [target.url] if pids else [])))
    if target.kind == "proxy":
        ctx = stserver.ProxiedServers(target.processes, log, scenario.app, args.server_arg)
    else:
        ctx = stserver.StreamlitServer(scenario.app, log, args.server_arg)
    with ctx as server:
        target.url = server.url
        print(f"  serving at {server.url} (pids {server.pids}); log {log}", flush=True)
        result = asyncio.run(drive(target, args, Probe(server.pids, server.backend_urls)))
    result.server_errors += server_errors(log)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--sessions", type=int, default=30, help="concurrent sessions (1-200)")
    p.add_argument("--reruns", type=int, default=10, help="widget changes per session (0-500)")
    p.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause before each rerun, s (uniform 0.5-1.5x; 0 = back to back)",
    )
    p.add_argument("--ramp", type=float, default=0.0, help="spread session starts over S s")
    p.add_argument(
        "--duration",
        type=float,
        default=MAX_DURATION_S,
        help=f"max seconds of load per target (at most {MAX_DURATION_S:g})",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="per page load / rerun, s")
    p.add_argument(
        "--apps",
        default="baseline,dashboard",
        help="apps to start and load, in order (baseline, dashboard)",
    )
    p.add_argument(
        "--proxy",
        default="",
        help="instead: the --scenario app through deploy/serve.sh with K processes, e.g. 1,2",
    )
    p.add_argument("--url", default="", help="instead: load an already running loopback URL")
    p.add_argument("--scenario", default="dashboard", choices=sorted(SCENARIOS))
    p.add_argument(
        "--mix",
        default=MIXES[0],
        choices=MIXES,
        help="the dashboard's widget values: class = each change drawn from a large space,\n"
        "most reruns miss the cache; cache-friendly = the harness's earlier small set,\n"
        "most reruns hit it (the baseline's values are the same under both)",
    )
    p.add_argument(
        "--pids", type=lambda s: [int(x) for x in s.split(",")], help="with --url: server pids"
    )
    p.add_argument("--query", default="", help="query string of the page the sessions open")
    p.add_argument("--assets", action="store_true", help="also fetch the page's JS and CSS")
    p.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra `streamlit run` flag (repeatable), e.g.\n"
        "--server-arg=--server.enableWebsocketCompression=true",
    )
    p.add_argument("--no-warmup", action="store_true", help="skip the uncounted warm-up session")
    p.add_argument(
        "--idle-probe",
        type=int,
        help="extra sessions opened one by one at the end to measure memory per idle session "
        "(default: as many as --sessions, at most 30 and 200 in all)",
    )
    p.add_argument("--settle", type=float, default=2.0, help="pause before reading RSS, s")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="write all measurements to this file")
    p.add_argument("--profile", type=Path, help="py-spy the servers; raw stacks go to DIR")
    p.add_argument("--logs", type=Path, help="keep server logs in DIR (default: a temp dir)")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        p.error(f"--sessions must be 1..{MAX_SESSIONS}")
    if not 0 <= args.reruns <= MAX_RERUNS:
        p.error(f"--reruns must be 0..{MAX_RERUNS}")
    if not 0 < args.duration <= MAX_DURATION_S:
        p.error(f"--duration must be in (0, {MAX_DURATION_S:g}]")
    if args.think < 0 or args.ramp < 0 or args.ramp > args.duration:
        p.error("--think and --ramp must be >= 0, --ramp <= --duration")
    if args.idle_probe is None:
        args.idle_probe = min(args.sessions, 30)
    args.idle_probe = max(0, min(args.idle_probe, MAX_SESSIONS - args.sessions))
    if args.url:
        try:
            stclient.check_loopback(args.url)
        except ValueError as err:
            p.error(str(err))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.url:
        targets = [Target("url", args.scenario, url=args.url, kind="url")]
    elif args.proxy:
        ks = [int(k) for k in args.proxy.split(",")]
        targets = [Target(f"proxy K={k}", args.scenario, processes=k, kind="proxy") for k in ks]
    else:
        apps = [a.strip() for a in args.apps.split(",") if a.strip()]
        unknown = set(apps) - set(SCENARIOS)
        if unknown:
            raise SystemExit(f"unknown app(s) {sorted(unknown)}; choose from {sorted(SCENARIOS)}")
        targets = [Target(a, a) for a in apps]
    print(
        f"{args.sessions} sessions x {args.reruns} reruns, mix {args.mix}, think {args.think:g} s, "
        f"ramp {args.ramp:g} s, bound {args.duration:g} s per target; streamlit "
        f"{version('streamlit')}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at start",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="optimizer-lab-load-") as tmp:
        workdir = args.logs or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for target in targets:
            results.append(run_target(target, args, workdir))
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    summary = report(results, args)
    if args.json:
        payload = {
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "results": [asdict(r) for r in results],
            **summary,
        }
        args.json.write_text(json.dumps(payload, indent=1))
        print(f"\nwrote {args.json}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
