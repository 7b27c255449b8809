"""Processes under test: ``streamlit run`` on a loopback port, or ``deploy/serve.sh``.

Both are started in their own process group with output to a log file, waited for through
``/_stcore/health`` and stopped (TERM, then KILL after a grace period) by the pid we started.
Memory and CPU time are read from ``psutil`` when it is installed, else from ``/proc``.

Started as root, ``deploy/serve.sh`` runs Streamlit as an unprivileged user (``nobody``), who
must be able to run this Python. Where it cannot (CI's interpreter lives in ``/root/.pyenv``,
and ``/root`` is private), ``readable_python`` gives it a hard-linked view of the same
installation in a world-readable temporary directory: the same files, hard-linked.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVE_SH = REPO_ROOT / "deploy" / "serve.sh"
START_TIMEOUT_S = 90.0
# Never through a proxy from the environment: all traffic stays on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

try:  # optional
    import psutil
except ImportError:  # pragma: no cover - depends on the machine
    psutil = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Poll ``<url>/_stcore/health`` until it answers 200."""
    deadline = time.monotonic() + timeout
    health = url.rstrip("/") + "/_stcore/health"
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before {health} was up")
        try:
            with _OPENER.open(health, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{health} not healthy after {timeout:.0f} s")
        time.sleep(0.2)


def cache_lookups(url: str) -> dict[str, int]:
    """``st.cache_data`` lookups so far, by result ("hit", "miss"), from ``/_stcore/metrics``."""
    counts: dict[str, int] = {}
    with _OPENER.open(url.rstrip("/") + "/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    for line in text.splitlines():
        m = re.match(r"cache_lookups_total\{(.*)\} (\d+)", line)
        if m and 'cache_type="st_cache_data"' in m[1]:
            result = re.search(r'result="(\w+)"', m[1])
            if result:
                counts[result[1]] = counts.get(result[1], 0) + int(m[2])
    return counts


def rss_bytes(pid: int) -> int:
    """Resident set size of one process."""
    if psutil is not None:
        return psutil.Process(pid).memory_info().rss
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    if psutil is not None:
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """TERM the process we started, then KILL it if it has not exited after ``grace``."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class StreamlitServer:
    """``python -m streamlit run <app>`` on 127.0.0.1, from the repository root (so the
    repository's ``.streamlit/config.toml`` applies)."""

    def __init__(self, app: Path, log_path: Path, extra_args: list[str] | None = None) -> None:
        self.app = app
        self.log_path = log_path
        self.extra_args = extra_args or []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    @property
    def backend_urls(self) -> list[str]:
        return [self.url]

    def __enter__(self) -> StreamlitServer:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *self.extra_args,
        ]
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        try:
            wait_healthy(self.url, START_TIMEOUT_S, self.proc)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            _stop(self.proc)


_VIEWS: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}


def _runs_streamlit_as(user: str, python: str, env: dict[str, str]) -> bool:
    gid = pwd.getpwnam(user).pw_gid
    check = ["setpriv", f"--reuid={user}", f"--regid={gid}", "--init-groups"]
    check += [python, "-c", "import streamlit"]
    done = subprocess.run(check, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True)
    return done.returncode == 0


def readable_python(user: str = "nobody") -> tuple[str, dict[str, str]]:
    """A Python with this one's packages that ``user`` can run, and the environment it needs.

    ``sys.executable`` itself when ``user`` can run it (or we are not root: then serve.sh runs
    everything as us). Otherwise a view of ``sys.prefix`` made of hard links (``cp -al``, a few
    seconds, no data copied; a copy if the temporary directory is on another file system) in a
    temporary directory that others may read, removed when this interpreter exits.
    ``LD_LIBRARY_PATH`` points at the view's ``lib``, because the interpreter's RUNPATH still
    names the private original.
    """
    if os.geteuid() != 0 or _runs_streamlit_as(user, sys.executable, {}):
        return sys.executable, {}
    key = (user, sys.prefix)
    if key in _VIEWS:
        return _VIEWS[key]
    prefix = Path(sys.prefix)
    if sys.prefix != sys.base_prefix:
        raise RuntimeError(
            f"{user} cannot run {sys.executable}, a virtual environment in {sys.prefix}; "
            "create it where others can read it"
        )
    view = _readable_view(prefix, "python")
    python = view / Path(sys.executable).relative_to(prefix)
    env = {"LD_LIBRARY_PATH": str(view / "lib")}
    if not _runs_streamlit_as(user, str(python), env):
        raise RuntimeError(f"{user} cannot run {sys.executable}, nor a view of it at {python}")
    _VIEWS[key] = (str(python), env)
    return _VIEWS[key]


def readable_repo(user: str = "nobody") -> Path:
    """This checkout, or a view of it that ``user`` can read.

    A checkout under a private directory (``/root``, a 700 home) cannot be served by an
    unprivileged user; then a hard-linked view of it (``cp -al``, a copy across file systems) in
    a temporary directory others may read stands in, removed when this interpreter exits. Its
    ``dashboard.py`` imports the view's own packages (a script's folder comes first on the path).
    """
    if os.geteuid() != 0 or _reads(user, REPO_ROOT / "dashboard.py"):
        return REPO_ROOT
    if user in _REPOS:
        return _REPOS[user]
    view = _readable_view(REPO_ROOT, "repo")
    if not _reads(user, view / "dashboard.py"):
        raise RuntimeError(f"{user} cannot read {REPO_ROOT}, nor a view of it at {view}")
    _REPOS[user] = view
    return view


_REPOS: dict[str, Path] = {}


def _readable_view(source: Path, what: str) -> Path:
    """``source`` as hard links (``cp -al``: seconds, no data copied; a real copy across file
    systems, ~1.6 GB for CI's pyenv) in a fresh directory others may read, removed when this
    interpreter exits."""
    top = Path(tempfile.mkdtemp(prefix=f"optimizer-lab-{what}."))
    atexit.register(shutil.rmtree, top, True)
    top.chmod(0o755)
    view = top / source.name
    linked = subprocess.run(["cp", "-al", str(source), str(view)], capture_output=True)
    if linked.returncode != 0:
        shutil.rmtree(view, ignore_errors=True)
        subprocess.run(["cp", "-a", str(source), str(view)], check=True)
    return view


def _reads(user: str, path: Path) -> bool:
    gid = pwd.getpwnam(user).pw_gid
    check = [
        "setpriv",
        f"--reuid={user}",
        f"--regid={gid}",
        "--init-groups",
        "test",
        "-r",
        str(path),
    ]
    return subprocess.run(check, cwd="/", capture_output=True).returncode == 0


class ProxiedServers:
    """``deploy/serve.sh -k K``: K Streamlit processes behind nginx, on free loopback ports.

    The script prints ``backend <i>: pid <pid> <url>`` for each process and ``URL <url>`` when
    everything answers; it stops its processes on TERM. ``debug_upstream`` (on by default here)
    makes nginx name the process behind each response in an ``X-Upstream`` header, which
    ``stclient.Session.upstreams`` collects; production set-ups leave it off. Started as root,
    the Streamlit processes run as ``user`` (serve.sh ``--user``), with ``readable_python``.
    """

    def __init__(
        self,
        processes: int,
        log_path: Path,
        app: Path | None = None,
        extra_args: list[str] | None = None,
        *,
        debug_upstream: bool = True,
        user: str = "nobody",
        serve_args: list[str] | None = None,
    ) -> None:
        self.processes = processes
        self.log_path = log_path
        self.app = app or REPO_ROOT / "dashboard.py"
        self.extra_args = extra_args or []
        self.debug_upstream = debug_upstream
        self.user = user
        self.serve_args = serve_args or []  # more serve.sh options, e.g. ["--client-conns", "4"]
        self.url = ""
        self.pids: list[int] = []
        self.backend_urls: list[str] = []
        self.run_dir: Path | None = None  # serve.sh's directory: nginx.conf and all logs
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ProxiedServers:
        ports = [free_port() for _ in range(self.processes + 1)]
        root = readable_repo(self.user) if os.geteuid() == 0 else REPO_ROOT
        app = (
            root / self.app.relative_to(REPO_ROOT)
            if self.app.is_relative_to(REPO_ROOT)
            else self.app
        )
        cmd = ["bash", str(root / SERVE_SH.relative_to(REPO_ROOT)), "-k", str(self.processes)]
        cmd += ["--port", str(ports[0]), "--backend-ports", ",".join(map(str, ports[1:]))]
        cmd += ["--app", str(app)]
        cmd += ["--keep-logs"]  # read by logs(); removed in __exit__
        if self.debug_upstream:
            cmd += ["--debug-upstream"]
        python, python_env = sys.executable, {}
        if os.geteuid() == 0:
            cmd += ["--user", self.user]
            python, python_env = readable_python(self.user)
        cmd += self.serve_args
        if self.extra_args:
            cmd += ["--", *self.extra_args]
        env = {**os.environ, **python_env, "PYTHON": python}
        self.proc = subprocess.Popen(
            cmd,
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        lines: list[str] = []
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.append(line)
                if m := re.match(r"backend \d+: pid (\d+) (\S+)", line):
                    self.pids.append(int(m[1]))
                    self.backend_urls.append(m[2])
                if m := re.search(r"config and logs in (\S+)\)", line):
                    self.run_dir = Path(m[1])
                if line.startswith("URL "):
                    self.url = line.split()[1]
                    break
                if time.monotonic() > deadline:
                    break
            if not self.url:
                raise RuntimeError("deploy/serve.sh did not come up:\n" + "".join(lines))
        except BaseException:
            self.__exit__()
            raise
        finally:
            self.log_path.write_text("".join(lines))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        _stop(self.proc, grace=30.0)
        if self.proc.stdout is not None:
            rest = self.proc.stdout.read()
            self.proc.stdout.close()
        else:
            rest = ""
        with open(self.log_path, "a") as f:
            f.write(rest)
            # the processes' logs, appended here before serve.sh's directory goes
            if self.run_dir and self.run_dir.is_dir():
                for log in sorted(self.run_dir.glob("*.log")):
                    f.write(f"\n===== {log.name}\n{log.read_text(errors='replace')}")
        if self.run_dir and self.run_dir.name.startswith("optimizer-lab-serve."):
            shutil.rmtree(self.run_dir, ignore_errors=True)
