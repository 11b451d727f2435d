"""One HTTP port served by aiohttp in the server's event loop: the OpenRLHF gateway and /metrics.

Both ports share what keeps a port alive under a careless or hostile client, so it lives here once:

- **No thread per connection.** Connections are asyncio protocols on the loop that runs the
  grpc.aio server; a request handler is a coroutine.
- **A large listen backlog and a connection cap with backpressure.** This module accepts
  connections itself (`loop.sock_accept`), one slot of `max_connections` each: at the cap it stops
  accepting, so further clients wait in the kernel's backlog (up to `backlog`, capped by
  net.core.somaxconn) instead of being refused or starving the gRPC port of file descriptors.
  The cap is also kept under a quarter of the process's fd limit (RLIMIT_NOFILE).
- **Timeouts for idle and slow clients.** A connection must deliver complete request headers
  within `header_timeout_s` of connecting (and of its previous response, on keep-alive; the TLS
  handshake gets the same bound); handlers bound the body read with `body_timeout_s`.
- **Every error is JSON.** Requests aiohttp's parser refuses (bad `Content-Length`, oversized
  header lines...) get `{"error": ...}` with aiohttp's status (400, 413, 431...) instead of its
  plain-text page, and are logged at DEBUG (no stack trace per bad request: that would let any
  client flood the log).
- **TLS from the server's files**, with client certificates required when a client CA is set.
- **Drain.** `stop(grace_s)` keeps answering (handlers see `closing` and answer 503) until the
  requests in flight finish or the grace period ends, then closes the listener and every
  connection.

    edge = HttpEdge("metrics", handler, host, port, limits, ssl_context)
    port = await edge.start()
    ...
    await edge.stop(grace_s=5)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import resource
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web, web_protocol
from aiohttp.http_parser import RawRequestMessage

from mathreward.auth import token_problem
from mathreward.config import HttpLimits, TlsConfig

log = logging.getLogger("mathreward.http")

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
MAX_ERROR_CHARS = 300  # an error echoes at most this much client text


SERVER_HEADERS = {"Server": "mathreward"}  # not aiohttp's default, which names its version


def json_response(status: int, payload: dict[str, Any], *,
                  headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(),
                        content_type="application/json",
                        headers={**SERVER_HEADERS, **(headers or {})})


def error_response(status: int, message: str, *,
                   headers: dict[str, str] | None = None) -> web.Response:
    """`{"error": message}` with the message capped (it may quote client input)."""
    if len(message) > MAX_ERROR_CHARS:
        message = message[:MAX_ERROR_CHARS] + f"... ({len(message)} chars)"
    return json_response(status, {"error": message}, headers=headers)


def _as_bearer(header: str) -> str:
    """`Basic base64(user:TOKEN)` -> `Bearer TOKEN`: clients that take only a URL (OpenRLHF's
    `--reward.remote_url http://any:TOKEN@host:port/get_reward`) send the token that way."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return header
    try:
        _user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return f"Bearer {password}"


def auth_problem(request: web.BaseRequest, token: bytes | None) -> str | None:
    """None when the request may pass (no token configured, or the right one), else why not.

    The check is auth.py's `token_problem` (constant time), fed the `Authorization` headers."""
    if token is None:
        return None
    headers = request.headers.getall("Authorization", [])
    return token_problem(tuple(("authorization", _as_bearer(h)) for h in headers), token)


def unauthorized(problem: str) -> web.Response:
    return error_response(401, problem, headers={"WWW-Authenticate": 'Bearer realm="mathreward"'})


def server_ssl_context(tls: TlsConfig | None) -> ssl.SSLContext | None:
    """The HTTPS context for the server's cert/key; client certs required with a client CA."""
    if tls is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(tls.cert_file, tls.key_file)
    if tls.client_ca_file:
        context.load_verify_locations(tls.client_ca_file)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def connection_cap(configured: int) -> int:
    """`configured`, kept under a quarter of the fd limit (two HTTP ports, gRPC, workers)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return min(configured, max(16, soft // 4))


class _Protocol(web_protocol.RequestHandler):
    """aiohttp's HTTP/1.1 protocol plus a header deadline, a slot release and JSON errors."""

    def __init__(self, manager: web.Server, *, edge: HttpEdge, release: Callable[[], None],
                 **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._edge = edge
        self._release = release
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._edge.connections.add(self)
        # Until the first request's headers are complete (aiohttp's keep-alive timer takes over
        # between requests: it closes a connection whose next request has not fully arrived).
        self._header_timer = asyncio.get_running_loop().call_later(
            self._edge.limits.header_timeout_s, self._header_timeout)

    def headers_complete(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        log.debug("http: no complete request headers in time; closing",
                  extra={"edge": self._edge.name})
        self.force_close()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.headers_complete()
        self._edge.connections.discard(self)
        try:
            super().connection_lost(exc)
        finally:
            self._release()

    def handle_error(self, request: web.BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """Requests the parser refused: a JSON error, logged without a stack trace."""
        if status >= 500:
            log.error("http: internal error", exc_info=exc, extra={"edge": self._edge.name})
            text = "internal error"
        else:
            log.debug("http: bad request (%d): %r", status, message,
                      extra={"edge": self._edge.name})
            text = f"bad request: {message or exc or status}"
        if request.writer.output_size > 0:  # a response was already started: nothing to add
            raise ConnectionError("response already started")
        response = error_response(status, text)
        response.force_close()
        self._edge.observe(status, 0.0)
        return response


class _Slots:
    """The connection cap: a semaphore whose slots are released exactly once each."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._semaphore = asyncio.Semaphore(size)

    async def take(self) -> Callable[[], None]:
        await self._semaphore.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._semaphore.release()

        return release


class HttpEdge:
    """One listening HTTP(S) port on the running loop (see the module docstring)."""

    def __init__(self, name: str, handler: Handler, host: str, port: int, limits: HttpLimits,
                 ssl_context: ssl.SSLContext | None = None,
                 on_response: Callable[[str, int, float], None] | None = None) -> None:
        self.name = name
        # (edge name, status code, seconds) per answered request: the server's HTTP metrics
        self.on_response = on_response
        self.host = host
        self.limits = limits
        self.closing = False  # set by stop(): handlers answer 503 from then on
        self.connections: set[_Protocol] = set()
        self._requested_port = port
        self._ssl = ssl_context
        self._handler = handler
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._sock: socket.socket | None = None
        self._accept_task: asyncio.Task[None] | None = None
        self._attaching: set[asyncio.Task[None]] = set()
        self._server: web.Server | None = None
        self._slots = _Slots(connection_cap(limits.max_connections))

    @property
    def port(self) -> int:
        assert self._sock is not None, "not started"
        return self._sock.getsockname()[1]

    @property
    def sockname(self) -> tuple[Any, ...]:
        assert self._sock is not None, "not started"
        return self._sock.getsockname()

    @property
    def inflight(self) -> int:
        return self._inflight

    async def start(self) -> int:
        host = self.host.strip("[]")  # "[::]" is how gRPC addresses spell IPv6
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.create_server(
            (host, self._requested_port), family=family, backlog=self.limits.backlog,
            dualstack_ipv6=host == "::" and socket.has_dualstack_ipv6())
        self._sock.setblocking(False)
        self._server = web.Server(self._track, request_factory=self._make_request)
        self._accept_task = asyncio.create_task(self._accept_loop(), name=f"http-{self.name}")
        log.info("http %s listening", self.name,
                 extra={"host": self.host, "port": self.port, "tls": self._ssl is not None,
                        "max_connections": self._slots.size, "backlog": self.limits.backlog})
        return self.port

    # -- accepting -----------------------------------------------------------------------------
    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._sock is not None
        while True:
            release = await self._slots.take()  # at the cap, clients wait in the backlog
            try:
                conn, _address = await loop.sock_accept(self._sock)
            except OSError as exc:  # EMFILE/ENFILE/ECONNABORTED: the client stays queued
                release()
                log.warning("http %s: accept failed (%s); retrying", self.name, exc)
                await asyncio.sleep(0.1)
                continue
            task = asyncio.create_task(self._attach(conn, release))
            self._attaching.add(task)
            task.add_done_callback(self._attaching.discard)

    async def _attach(self, conn: socket.socket, release: Callable[[], None]) -> None:
        """Hand an accepted socket to aiohttp (after the TLS handshake, bounded in time)."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        assert self._server is not None

        def protocol() -> _Protocol:
            return _Protocol(self._server, loop=loop, edge=self, release=release,
                             keepalive_timeout=self.limits.header_timeout_s,
                             access_log=None, lingering_time=1.0)

        try:
            await loop.connect_accepted_socket(
                protocol, conn, ssl=self._ssl,
                ssl_handshake_timeout=self.limits.header_timeout_s if self._ssl else None)
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError) as exc:
            log.debug("http %s: connection dropped before a request: %r", self.name, exc)
            conn.close()
            release()
        except asyncio.CancelledError:
            conn.close()
            release()
            raise

    def _make_request(self, message: RawRequestMessage, payload: Any, protocol: Any,
                      writer: Any, task: asyncio.Task[None]) -> web.BaseRequest:
        if isinstance(protocol, _Protocol):
            protocol.headers_complete()
        return web.BaseRequest(message, payload, protocol, writer, task,
                               asyncio.get_running_loop(),
                               client_max_size=self.limits.max_body_bytes)

    # -- requests ------------------------------------------------------------------------------
    async def _track(self, request: web.BaseRequest) -> web.StreamResponse:
        """Count requests in flight (drain waits for them) and never let a bug escape as a
        connection drop: any exception becomes a logged 500 with a JSON body."""
        self._inflight += 1
        self._idle.clear()
        start = time.perf_counter()
        try:
            response = await self._handler(request)
        except web.HTTPException as exc:
            self.observe(exc.status, time.perf_counter() - start)
            raise
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("http %s: internal error", self.name)
            response = error_response(500, "internal error")
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()
        self.observe(response.status, time.perf_counter() - start)
        if self.closing:
            response.force_close()  # clients reconnect elsewhere
        return response

    def observe(self, status: int, seconds: float) -> None:
        if self.on_response is not None:
            self.on_response(self.name, status, seconds)

    # -- shutdown ------------------------------------------------------------------------------
    async def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no request is in flight (or `timeout_s` passed); True when idle."""
        if self._inflight and timeout_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout_s)
        return self._inflight == 0

    async def stop(self, grace_s: float = 0.0) -> None:
        """Answer 503 to new requests, let those in flight finish (up to `grace_s`), close."""
        self.closing = True
        await self.wait_idle(grace_s)
        await self.close()

    async def close(self) -> None:
        """Close the listener and every connection now."""
        self.closing = True
        if self._accept_task is not None:
            self._accept_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._accept_task
            self._accept_task = None
        if self._sock is not None:
            self._sock.close()
        for task in list(self._attaching):
            task.cancel()
        for connection in list(self.connections):
            connection.force_close()
        self.connections.clear()
        log.info("http %s stopped", self.name, extra={"inflight": self._inflight})
