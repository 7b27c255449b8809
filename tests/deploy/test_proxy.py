"""Two Streamlit processes behind nginx (``deploy/serve.sh``): sessions stay on their process.

The fixture starts ``deploy/serve.sh -k 2 --debug-upstream`` on free loopback ports and talks
to it with the load harness's websocket client (``benchmarks/load/stclient.py``), the way a
browser does. ``--debug-upstream`` makes nginx add an ``X-Upstream`` header naming the process
behind every response, the websocket handshake included; production runs leave it off
(tests/deploy/test_hardening.py checks that it is absent then).

A missing nginx is a failure, not a skip: CI installs it (``apt-get install -y nginx``).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import stclient  # benchmarks/load/stclient.py, registered by tests/conftest.py
import stserver  # benchmarks/load/stserver.py, registered by tests/conftest.py

REPO_ROOT = Path(__file__).resolve().parents[2]
LOAD_DIR = REPO_ROOT / "benchmarks" / "load"


pytestmark = pytest.mark.timeout(180)


def _nginx() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if _nginx() is None:
        pytest.fail("nginx is not installed (Debian: apt-get install -y nginx); it is required")
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    try:
        with stserver.ProxiedServers(2, log, debug_upstream=True) as servers:
            assert len(servers.pids) == 2, log.read_text()
            yield servers.url
    except (RuntimeError, subprocess.SubprocessError) as err:
        pytest.fail(f"deploy/serve.sh did not start: {err}")


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))


def test_sessions_stay_on_their_process(proxy: str) -> None:
    async def scenario() -> None:
        a, b = (stclient.Session(proxy) for _ in range(2))
        try:
            for s in (a, b):
                opened = await s.open()
                assert opened.ok, opened
                for steps in (300, 200):
                    rerun = await s.rerun({"steps": steps})
                    assert rerun.ok, rerun
                # page, health, host-config and the websocket handshake: one process
                assert len(s.upstreams) == 4, s.upstreams
                assert len(set(s.upstreams)) == 1, s.upstreams
                assert "lab_backend" in s.cookies

            # Dropping the websocket and reconnecting with the same cookie comes back to the
            # same process, which still has the session (the server names it in new_session).
            for s in (a, b):
                backend, session_id = s.upstreams[0], s.session_id
                again = await s.reconnect()
                assert again.ok, again
                assert set(s.upstreams) == {backend}
                assert again.session_id == session_id
        finally:
            await asyncio.gather(a.close(), b.close())

    _run(scenario())


def test_new_visitors_spread_over_both_processes(proxy: str) -> None:
    """Without a cookie, each visitor is placed by a fresh random key (and gets its cookie)."""

    async def scenario() -> set[str]:
        seen: set[str] = set()
        for _ in range(24):  # P(all on one of two processes) = 2 ** -23
            s = stclient.Session(proxy)
            await s.get("/_stcore/health")
            seen.update(s.upstreams)
            if len(seen) == 2:
                break
        return seen

    assert len(_run(scenario())) == 2


def test_a_session_on_the_other_process_is_lost(proxy: str) -> None:
    """Why stickiness matters: another process does not know the session and starts afresh."""

    async def scenario() -> None:
        s = stclient.Session(proxy)
        try:
            assert (await s.open()).ok
            home, session_id = s.upstreams[0], s.session_id
            for _ in range(32):  # a cookie value that hashes to the other process
                probe = stclient.Session(proxy)
                await probe.get("/_stcore/health")
                if probe.upstreams[0] != home:
                    s.cookies["lab_backend"] = probe.cookies["lab_backend"]
                    break
            else:
                pytest.fail("no cookie value led to the other process")
            moved = await s.reconnect()
            assert moved.ok, moved
            assert s.upstreams[-1] != home
            assert moved.session_id is not None
            assert moved.session_id != session_id
        finally:
            await s.close()

    _run(scenario())
