"""A headless Streamlit client that talks to the server the way the browser's frontend does.

One :class:`Session` is one browser tab. :meth:`Session.open` does what the frontend does when a
page is opened (Streamlit 1.67, ``streamlit/static/static/js/index.*.js`` and
``streamlit/web/server/starlette/``):

1. ``GET /?<query>``: the page (``--assets`` also fetches the scripts and styles it names);
2. ``GET /_stcore/health`` (sets the ``_streamlit_xsrf`` cookie) and ``GET /_stcore/host-config``;
3. a websocket to ``/_stcore/stream`` with ``Sec-WebSocket-Protocol: streamlit, <xsrf token>``
   (a third entry, the last session id, when reconnecting), the cookies and an ``Origin`` header;
4. a ``BackMsg`` ``rerun_script`` carrying a ``ClientState`` (query string, widget states,
   hashes of the messages this client has cached), then ``ForwardMsg`` frames until
   ``script_finished``.

:meth:`Session.rerun` changes widgets (by their ``key=``) and times step 4 again.

The ForwardMsg cache works as in the frontend: a message whose ``metadata.cacheable`` is set is
kept under its ``hash``; its hash goes back to the server with every ``rerun_script``, and the
server then sends a ``ref_hash`` message instead of the element. A message expires after
``max_cached_message_age`` (from ``new_session``) completed runs without being used, so a
``ref_hash`` this client cannot resolve is a protocol error and is counted as one.

Only loopback addresses are accepted (:func:`check_loopback`). Everything is asyncio; many
sessions share one event loop.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

STREAM_PATH = "_stcore/stream"
HEALTH_PATH = "_stcore/health"
HOST_CONFIG_PATH = "_stcore/host-config"
XSRF_COOKIE = "_streamlit_xsrf"
# The frontend sends this when it has no XSRF cookie (index.*.js, getSessionTokens).
NO_XSRF_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
USER_AGENT = "optimizer-lab-load/1 (benchmarks/load)"
# Widget ids are "$$ID-<hash>-<user key>" (streamlit/elements/lib/utils.py).
_WIDGET_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(?P<key>.+)$")
_ASSET = re.compile(r"""(?:src|href)="(\./static/[^"]+\.(?:js|css))\"""")
FINISHED = ForwardMsg.ScriptFinishedStatus


class LoadTestError(RuntimeError):
    """The server answered, but not as a browser would accept (HTTP error, bad protocol)."""


def check_loopback(url: str) -> tuple[str, int]:
    """Return ``(host, port)`` of an ``http://`` URL, refusing anything but loopback."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"need an http:// URL, got {url!r}")
    host = parts.hostname
    infos = socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        if not ipaddress.ip_address(sockaddr[0]).is_loopback:
            raise ValueError(f"{url}: load is only sent to loopback addresses, not {sockaddr[0]}")
    return host, parts.port or 80


# ---------------------------------------------------------------------------------------- HTTP


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    wire_bytes: int

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


async def http_get(
    host: str, port: int, path: str, headers: dict[str, str], timeout: float
) -> HttpResponse:
    """A minimal HTTP/1.1 GET (``Connection: close``), enough for Streamlit's routes."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(status_line.split()[1])
    except (IndexError, ValueError) as err:
        raise LoadTestError(f"GET {path}: bad status line {status_line!r}") from err
    parsed = [tuple(x.strip() for x in line.split(":", 1)) for line in header_lines if ":" in line]
    response = HttpResponse(status, parsed, body, len(raw))  # type: ignore[arg-type]
    if (response.header("transfer-encoding") or "").lower() == "chunked":
        response.body = _unchunk(body)
    if (response.header("content-encoding") or "").lower() == "gzip":
        response.body = gzip.decompress(response.body)
    return response


def _unchunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


# ----------------------------------------------------------------------------------- websocket


class CountingConnection(ClientConnection):
    """A websocket connection that counts the bytes arriving on the wire (frames, compressed)."""

    wire_bytes_in = 0

    def data_received(self, data: bytes) -> None:
        self.wire_bytes_in += len(data)
        super().data_received(data)


@dataclass
class Widget:
    key: str
    id: str
    kind: str  # the Element oneof: "slider", "number_input", "selectbox", "checkbox", ...
    proto: Any

    @property
    def options(self) -> list[str]:
        return list(getattr(self.proto, "options", []))

    def state(self, value: Any) -> WidgetState:
        """The WidgetState the frontend would send for ``value``."""
        ws = WidgetState(id=self.id)
        if self.kind == "slider":
            if self.proto.options:  # select_slider: the formatted option strings
                values = value if isinstance(value, list | tuple) else [value]
                if not all(str(v) in self.proto.options for v in values):
                    raise ValueError(f"{self.key}: {value!r} is not one of {self.options}")
                ws.string_array_value.data.extend(str(v) for v in values)
            else:
                values = value if isinstance(value, list | tuple) else [value]
                ws.double_array_value.data.extend(float(v) for v in values)
        elif self.kind == "number_input":
            if self.proto.data_type == self.proto.INT:
                ws.int_value = int(value)
            else:
                ws.double_value = float(value)
        elif self.kind == "checkbox":
            ws.bool_value = bool(value)
        elif self.kind in {"selectbox", "radio", "text_input"}:
            ws.string_value = str(value)
        else:
            raise ValueError(f"{self.key}: widgets of type {self.kind} are not supported")
        return ws


@dataclass
class RunResult:
    """One script run as this client saw it."""

    seconds: float
    status: str  # FINISHED_SUCCESSFULLY, ... or "timeout" / "closed"
    payload_bytes: int  # ForwardMsg bytes (after websocket decompression)
    wire_bytes: int  # websocket bytes on the wire
    messages: int
    elements: int
    cache_refs: int  # ref_hash messages resolved from the local cache
    session_id: str | None = None  # from this run's new_session message
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "FINISHED_SUCCESSFULLY" and not self.exceptions and not self.errors


@dataclass
class _Cached:
    msg: ForwardMsg
    run_count: int


class Session:
    """One browser tab on a Streamlit app (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        query: str = "",
        timeout: float = 60.0,
        fetch_assets: bool = False,
        compression: bool = True,
    ) -> None:
        self.host, self.port = check_loopback(url)
        self.base_path = "/" + urlsplit(url).path.strip("/")
        self.base_path = "" if self.base_path == "/" else self.base_path
        self.query = query.lstrip("?")
        self.timeout = timeout
        self.fetch_assets = fetch_assets
        self.compression = compression
        self.cookies: dict[str, str] = {}
        self.upstreams: list[str] = []  # X-Upstream headers (deploy/nginx.conf.template)
        self.http_bytes = 0
        self.session_id: str | None = None
        self.widgets: dict[str, Widget] = {}
        self.widget_states: dict[str, WidgetState] = {}
        self._ws: CountingConnection | None = None
        self._cache: dict[str, _Cached] = {}
        self._run_count = 0
        self._max_cache_age = 2  # global.maxCachedMessageAge; new_session says the real one

    # ------------------------------------------------------------------------- HTTP side

    def _path(self, path: str) -> str:
        return f"{self.base_path}/{path}"

    async def get(self, path: str) -> HttpResponse:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await http_get(self.host, self.port, path, headers, self.timeout)
        self.http_bytes += response.wire_bytes
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name.strip()] = rest.split(";")[0].strip()
            elif name.lower() == "x-upstream":
                self.upstreams.append(value)
        if response.status != 200:
            raise LoadTestError(f"GET {path}: HTTP {response.status}")
        return response

    async def load_page(self) -> None:
        page = await self.get(self._path("") + (f"?{self.query}" if self.query else ""))
        if self.fetch_assets:
            assets = sorted(set(_ASSET.findall(page.body.decode("utf-8", "replace"))))
            await asyncio.gather(*(self.get(self._path(a.removeprefix("./"))) for a in assets))
        await asyncio.gather(
            self.get(self._path(HEALTH_PATH)), self.get(self._path(HOST_CONFIG_PATH))
        )

    # -------------------------------------------------------------------- websocket side

    async def connect(self) -> None:
        tokens = [self.cookies.get(XSRF_COOKIE) or NO_XSRF_TOKEN]
        if self.session_id:
            tokens.append(self.session_id)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await connect(
            f"ws://{self.host}:{self.port}{self._path(STREAM_PATH)}",
            subprotocols=["streamlit", *tokens],  # type: ignore[list-item]
            origin=f"http://{self.host}:{self.port}",  # type: ignore[arg-type]
            additional_headers=headers,
            user_agent_header=USER_AGENT,
            compression="deflate" if self.compression else None,
            proxy=None,  # never through an HTTP(S)_PROXY from the environment
            open_timeout=self.timeout,
            ping_interval=None,  # the server pings; browsers do not
            max_size=None,
            create_connection=CountingConnection,
        )
        upstream = self._ws.response.headers.get("X-Upstream") if self._ws.response else None
        if upstream:
            self.upstreams.append(upstream)

    async def open(self) -> RunResult:
        """Load the page, connect and run the script once; timed from the first request."""
        start = time.perf_counter()
        http_before = self.http_bytes
        await self.load_page()
        await self.connect()
        result = await self._run(start)
        result.wire_bytes += self.http_bytes - http_before
        return result

    async def reconnect(self) -> RunResult:
        """Drop the websocket and reconnect as the frontend does (same cookies, last session
        id), then rerun with the current widget states."""
        await self.close()
        start = time.perf_counter()
        await self.get(self._path(HEALTH_PATH))
        await self.connect()
        return await self._run(start)

    async def rerun(self, changes: dict[str, Any] | None = None) -> RunResult:
        """Set widgets (``{key: value}``) and run the script; timed from sending the BackMsg."""
        for key, value in (changes or {}).items():
            try:
                widget = self.widgets[key]
            except KeyError:
                raise LoadTestError(f"no widget with key {key!r} on the page") from None
            self.widget_states[widget.id] = widget.state(value)
        return await self._run(time.perf_counter())

    async def close(self) -> None:
        if self._ws is not None:
            ws, self._ws = self._ws, None
            await ws.close()

    # --------------------------------------------------------------------------- one run

    async def _run(self, start: float) -> RunResult:
        assert self._ws is not None, "connect() first"
        ws = self._ws
        back = BackMsg()
        state = back.rerun_script
        state.query_string = self.query
        state.widget_states.widgets.extend(self.widget_states.values())
        state.cached_message_hashes.extend(self._cache)
        wire_before = ws.wire_bytes_in
        result = RunResult(0.0, "timeout", 0, 0, 0, 0, 0)
        await ws.send(back.SerializeToString())
        deadline = start + self.timeout
        try:
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    break
                data = await asyncio.wait_for(ws.recv(), remaining)
                if isinstance(data, str):
                    result.errors.append("text frame from server")
                    continue
                result.payload_bytes += len(data)
                result.messages += 1
                status = self._handle(ForwardMsg.FromString(data), result)
                if status is not None and status != "FINISHED_EARLY_FOR_RERUN":
                    result.status = status
                    break
        except TimeoutError:
            pass
        except Exception as err:  # connection closed, protocol error
            result.status = "closed"
            result.errors.append(f"{type(err).__name__}: {err}")
        result.seconds = time.perf_counter() - start
        result.wire_bytes = ws.wire_bytes_in - wire_before
        return result

    def _handle(self, msg: ForwardMsg, result: RunResult) -> str | None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                result.errors.append(f"ForwardMsg cache miss for {msg.ref_hash}")
                return None
            cached.run_count = self._run_count
            result.cache_refs += 1
            resolved = ForwardMsg()
            resolved.CopyFrom(cached.msg)
            resolved.metadata.CopyFrom(msg.metadata)
            msg, kind = resolved, "delta"
        elif msg.metadata.cacheable and msg.hash:
            entry = self._cache.get(msg.hash)
            if entry is None:
                self._cache[msg.hash] = _Cached(msg, self._run_count)
            else:
                entry.run_count = self._run_count
        if kind == "new_session":
            init = msg.new_session.initialize
            if init.session_id:
                self.session_id = result.session_id = init.session_id
            self._max_cache_age = msg.new_session.config.max_cached_message_age
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string  # the frontend updates the URL
        elif kind == "session_event" and msg.session_event.WhichOneof("type") in {
            "script_compilation_exception",
            "script_changed_on_disk",
        }:
            result.errors.append(f"session event {msg.session_event.WhichOneof('type')}")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            result.elements += 1
            element = msg.delta.new_element
            element_kind = element.WhichOneof("type")
            if element_kind == "exception":
                result.exceptions.append(
                    f"{element.exception.type}: {element.exception.message}".strip(": ")
                )
                return None
            inner = getattr(element, element_kind) if element_kind else None
            widget_id = getattr(inner, "id", "") if inner is not None else ""
            if isinstance(widget_id, str) and (match := _WIDGET_ID.match(widget_id)):
                self.widgets[match["key"]] = Widget(match["key"], widget_id, element_kind, inner)
        elif kind == "script_finished":
            status = FINISHED.Name(msg.script_finished)
            if msg.script_finished != FINISHED.FINISHED_EARLY_FOR_RERUN:
                self._expire_cache()
            return status
        return None

    def _expire_cache(self) -> None:
        """The frontend's ForwardMsgCache.incrementRunCount after a finished run."""
        self._run_count += 1
        for key in [
            k for k, v in self._cache.items() if self._run_count - v.run_count > self._max_cache_age
        ]:
            del self._cache[key]
