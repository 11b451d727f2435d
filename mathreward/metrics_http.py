"""Prometheus `GET /metrics` on its own port, served by aiohttp in the server's event loop.

    mathreward serve --metrics-port 9090 [--metrics-host 127.0.0.1] [--metrics-no-auth]

What it exposes: the server's own registry (`metrics.py`: RPC counts and latencies by method and
status, items by verdict, queue depths, worker restarts, rejections by reason, build info). No
request content, no answers, no tokens; but counts and timings are still information about the
training run, so the port is protected like the others:

- it binds `--metrics-host`, else the gRPC `--host` (never 0.0.0.0 behind the user's back);
- with TLS configured it serves HTTPS with the same certificate, and requires a client
  certificate when the gRPC port does (mTLS);
- with a server token it requires `Authorization: Bearer TOKEN` (Prometheus:
  `authorization: {credentials_file: ...}`), unless `--metrics-no-auth`;
- the same timeouts, connection cap and backlog as the gateway (`http_edge.py`).

`GET /healthz` answers without auth (load balancers), with no data.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from mathreward.config import HttpLimits
from mathreward.http_edge import (
    SERVER_HEADERS,
    HttpEdge,
    auth_problem,
    error_response,
    json_response,
    unauthorized,
)

PATH = "/metrics"


class MetricsHttp:
    """`GET /metrics` for one registry on an `HttpEdge`."""

    def __init__(self, registry: CollectorRegistry, host: str, port: int, limits: HttpLimits,
                 token: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 on_response: Callable[[str, int, float], None] | None = None) -> None:
        self._registry = registry
        self._token = token.encode() if token else None
        self._edge = HttpEdge("metrics", self._handle, host, port, limits, ssl_context,
                              on_response)

    @property
    def port(self) -> int:
        return self._edge.port

    @property
    def edge(self) -> HttpEdge:
        return self._edge

    async def start(self) -> int:
        return await self._edge.start()

    async def stop(self) -> None:
        await self._edge.close()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == "/healthz":
            return json_response(200, {"status": "ok"})
        if request.path != PATH:
            return error_response(404, f"no such path; GET {PATH}")
        if request.method not in ("GET", "HEAD"):
            return error_response(405, f"GET {PATH} only", headers={"Allow": "GET"})
        problem = auth_problem(request, self._token)
        if problem is not None:
            return unauthorized(problem)
        # Collecting the registry is a few milliseconds of in-process counters: fine on the loop.
        return web.Response(body=generate_latest(self._registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST, **SERVER_HEADERS})
