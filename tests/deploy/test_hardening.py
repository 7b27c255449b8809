"""Serving defaults for a class: what ``deploy/serve.sh`` exposes, who runs what, who reads logs.

The fixture starts ``deploy/serve.sh -k 1`` as production runs it (no ``--debug-upstream``),
with ``--client-conns 4`` so that the per-client connection limit can be reached with a few
websockets. Checked through the proxy: no nginx version and no internal header in any
response (the websocket handshake and nginx's own error pages included), the framing and
content-security headers, the connection limit, private logs that nginx's unprivileged worker
still writes, and Streamlit not running as root when serve.sh is started as root (CI runs as
root, so there this is a real test). Also the quick start's defaults: ``.streamlit/config.toml``
listens on localhost, and the README says how to open the app to a classroom network.

A missing nginx is a failure, not a skip: CI installs it (``apt-get install -y nginx``).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import stclient  # benchmarks/load/stclient.py, registered by tests/conftest.py
import stserver  # benchmarks/load/stserver.py, registered by tests/conftest.py

REPO_ROOT = Path(__file__).resolve().parents[2]
LOAD_DIR = REPO_ROOT / "benchmarks" / "load"
SERVE_SH = REPO_ROOT / "deploy" / "serve.sh"
CLIENT_CONNS = 4  # the fixture's limit; serve.sh's default is checked separately


pytestmark = pytest.mark.timeout(180)
# Never through a proxy from the environment: all traffic stays on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Served:
    url: str
    host: str
    port: int
    pids: list[int]
    run_dir: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is not installed (Debian: apt-get install -y nginx); it is required")
    log = tmp_path_factory.mktemp("serve-hardening") / "serve.log"
    try:
        with stserver.ProxiedServers(
            1, log, debug_upstream=False, serve_args=["--client-conns", str(CLIENT_CONNS)]
        ) as servers:
            assert servers.run_dir is not None, log.read_text()
            host, port = stclient.check_loopback(servers.url)
            yield Served(servers.url.rstrip("/"), host, port, servers.pids, servers.run_dir)
    except (RuntimeError, subprocess.SubprocessError) as err:
        pytest.fail(f"deploy/serve.sh did not start: {err}")


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``; status, headers (lower-case names; repeated ones joined) and body."""
    try:
        with _OPENER.open(url, timeout=30) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        status, headers, body = err.code, err.headers, err.read()
    joined: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return status, joined, body


def _bad_request(host: str, port: int) -> bytes:
    """A request with two Host headers: nginx answers 400 itself, with its own error page."""
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _uids(pid: int) -> list[int]:
    """Real, effective, saved and filesystem uid of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    return [int(x) for x in re.search(r"^Uid:\s+(.*)$", status, re.M)[1].split()]


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{pid}$", status, re.M):
                children.append(int(entry.name))
    return children


# ---------------------------------------------------------------------------- headers


def test_no_version_and_no_internal_headers(served: Served) -> None:
    for path in ("/", "/_stcore/health", "/no-such-page"):
        status, headers, _ = _get(served.url + path)
        assert status in (200, 404), (path, status)
        assert headers.get("server") == "nginx", (path, headers)  # not nginx/1.x, not uvicorn
        assert "x-upstream" not in headers, (path, headers)
        assert not any("uvicorn" in v.lower() for v in headers.values()), (path, headers)

    # nginx's own error page names no version either
    raw = _bad_request(served.host, served.port)
    head = raw.partition(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 400"), head
    assert re.search(rb"^Server: nginx\r?$", head, re.M | re.I), head
    assert b"nginx/" not in raw, raw
    assert b"x-upstream" not in head.lower(), head

    # nor does the websocket handshake carry the internal header
    async def scenario() -> list[str]:
        session = stclient.Session(served.url)
        try:
            await session.load_page()
            await session.connect()
            return session.upstreams
        finally:
            await session.close()

    assert asyncio.run(asyncio.wait_for(scenario(), 120)) == []


def test_framing_and_content_security_headers(served: Served) -> None:
    # on the page, on a static asset and on an error alike ("always")
    for path in ("/", "/favicon.png", "/no-such-page"):
        _, headers, _ = _get(served.url + path)
        assert headers.get("x-frame-options") == "SAMEORIGIN", (path, headers)
        policy = headers.get("content-security-policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
        assert directives.get("default-src") == ["'self'"], policy
        assert directives.get("frame-ancestors") == ["'self'"], policy
        assert directives.get("object-src") == ["'none'"], policy
        script_src = directives.get("script-src", [])
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, policy
        assert any(s.startswith("'sha256-") for s in script_src), policy  # index.html's script
        # the websocket to this host, with its port
        assert f"ws://{served.host}:{served.port}" in directives.get("connect-src", []), policy
        assert headers.get("x-content-type-options") == "nosniff", (path, headers)
        assert headers.get("referrer-policy") == "same-origin", (path, headers)


def test_connections_per_client_are_limited(served: Served) -> None:
    """With the limit held by open websockets, one more request from the address gets 429."""

    async def scenario() -> None:
        sessions = [stclient.Session(served.url) for _ in range(CLIENT_CONNS)]
        try:
            for s in sessions:
                await s.get("/_stcore/health")
                await s.connect()  # each websocket holds one connection through nginx
            refused = await stclient.http_get(
                served.host, served.port, "/_stcore/health", {}, timeout=30
            )
            assert refused.status == 429, refused.status
            assert b"nginx/" not in refused.body
        finally:
            await asyncio.gather(*(s.close() for s in sessions))
        for _ in range(50):  # nginx counts the closed websockets down as they finish
            again = await stclient.http_get(
                served.host, served.port, "/_stcore/health", {}, timeout=30
            )
            if again.status == 200:
                return
            await asyncio.sleep(0.1)
        pytest.fail(f"still refused after the websockets closed: {again.status}")

    asyncio.run(asyncio.wait_for(scenario(), 120))


def test_default_connection_limit_fits_a_class_behind_one_nat() -> None:
    """serve.sh's default lets ~40 students behind one address each load a page at once."""
    default = int(re.search(r"^CLIENT_CONNS=(\d+)$", SERVE_SH.read_text(), re.M)[1])
    assert default >= 40 * (1 + 6), default  # a websocket + 6 parallel loads per tab
    template = (REPO_ROOT / "deploy" / "nginx.conf.template").read_text()
    assert re.search(r"^\s*limit_conn_zone \$binary_remote_addr zone=per_client:", template, re.M)
    assert re.search(r"^\s*limit_conn per_client @CLIENT_CONNS@;", template, re.M)


# ---------------------------------------------------------------------------- processes, logs


def test_streamlit_does_not_run_as_root(served: Served) -> None:
    assert served.pids
    for pid in served.pids:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"streamlit" in cmdline, cmdline  # the pid serve.sh printed is Streamlit itself
        uids = _uids(pid)
        assert 0 not in uids, f"Streamlit pid {pid} runs with uids {uids}"
        if os.geteuid() == 0:
            assert set(uids) == {65534}, uids  # nobody, as ProxiedServers asks


def test_logs_are_private_and_still_written(served: Served) -> None:
    marker = f"probe-{uuid.uuid4().hex}"
    status, _, _ = _get(f"{served.url}/?lesson={marker}")
    assert status == 200

    run_dir = served.run_dir
    mode = stat.S_IMODE(run_dir.stat().st_mode)
    assert mode & 0o066 == 0, f"{run_dir} is readable or writable by others: {oct(mode)}"
    logs = sorted(run_dir.glob("*.log"))
    assert {p.name for p in logs} >= {"access.log", "error.log"}, logs
    for log in logs:
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, (log, oct(log.stat().st_mode))
    assert stat.S_IMODE((run_dir / "nginx.conf").stat().st_mode) == 0o600

    # the worker that served the request wrote the access log (nginx logs a request when it
    # ends, so poll briefly)
    access = run_dir / "access.log"
    for _ in range(50):
        if marker in access.read_text():
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"{marker} not in access.log:\n{access.read_text()[-2000:]}")

    master = int((run_dir / "nginx.pid").read_text())
    workers = _children(master)
    assert workers, f"no worker under nginx master {master}"
    if _uids(master)[1] == 0:  # master is root: workers drop to nobody, and still log
        for worker in workers:
            assert 0 not in _uids(worker), (worker, _uids(worker))


# ---------------------------------------------------------------------------- refusals


def _serve(*args: str, python: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON": python or sys.executable}
    return subprocess.run(
        ["bash", str(SERVE_SH), "-k", "1", "--port", "1", "--backend-ports", "1", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_serve_sh_will_not_run_streamlit_as_root() -> None:
    done = _serve("--user", "root")
    assert done.returncode == 2, done
    if os.geteuid() == 0:
        assert "refusing to run Streamlit as root" in done.stderr, done.stderr
    else:
        assert "--user needs root" in done.stderr, done.stderr


def test_serve_sh_says_why_the_user_cannot_start_streamlit() -> None:
    """An interpreter the unprivileged user cannot reach: a clear message, nothing started.
    (Not root, serve.sh cannot become another user at all, and says so.)"""
    if os.geteuid() != 0:
        done = _serve("--user", "nobody")
        assert done.returncode == 2 and "--user needs root" in done.stderr, done
        return
    private = Path(tempfile.mkdtemp(prefix="optimizer-lab-private."))  # mode 700, root's
    try:
        (private / "python").symlink_to(sys.executable)
        done = _serve("--user", "nobody", python=str(private / "python"))
    finally:
        shutil.rmtree(private)
    assert done.returncode == 1, done
    assert "nobody cannot start it" in done.stderr, done.stderr
    assert "--user NAME" in done.stderr, done.stderr
    assert "backend 1:" not in done.stdout, done.stdout


# ---------------------------------------------------------------------------- quick start


def test_quick_start_listens_on_localhost() -> None:
    with open(REPO_ROOT / ".streamlit" / "config.toml", "rb") as f:
        config = tomllib.load(f)
    assert config["server"]["address"] == "localhost"


def test_readme_says_how_to_open_the_app_to_a_classroom_network() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    section = re.search(
        r"^#+ Open it to a classroom network\n(.*?)(?=^#+ |\Z)", readme, re.M | re.S
    )
    assert section, "README has no 'Open it to a classroom network' section"
    assert "--server.address 0.0.0.0" in section[1], section[1]
