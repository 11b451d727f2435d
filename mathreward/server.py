"""Build and run the gRPC server: pool, PRM engine, health, reflection, metrics, shutdown.

    .venv/bin/mathreward serve --port 50051 --metrics-port 9090     # the CLI (commands/serve.py)

Order matters: `serve()` starts the verifier pool (worker processes) before any gRPC object
exists, then builds the `grpc.aio` server. Health is NOT_SERVING until the PRM (if any) is
loaded and warm; on SIGTERM/SIGINT health goes NOT_SERVING, new RPCs get UNAVAILABLE
(reason DRAINING), in-flight RPCs get `grace_period_s` to finish, then the pool stops and
`serve()` returns 0.

Tests and embedders use `start_server()` (on the running loop) or `BackgroundServer` (a real
server on its own event-loop thread, e.g. on 127.0.0.1:0), see tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from mathreward._pb import reward_pb2, reward_pb2_grpc
from mathreward.auth import BearerTokenCheck
from mathreward.config import ServerConfig
from mathreward.core import RewardCore
from mathreward.interceptors import EdgeInterceptor
from mathreward.metrics import ServiceMetrics
from mathreward.servicer import RewardServicer, ServingState

if TYPE_CHECKING:
    from prm.engine import PrmEngine
    from verifier.pool import VerifierPool

log = logging.getLogger("mathreward.server")

SERVICE_NAME = reward_pb2.DESCRIPTOR.services_by_name["RewardService"].full_name
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def server_options(config: ServerConfig) -> list[tuple[str, Any]]:
    limits = config.limits
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", limits.max_receive_message_bytes),
        ("grpc.max_send_message_length", limits.max_send_message_bytes),
        # Accept the client's keepalive pings (the default minimum is 5 minutes: faster pings
        # would get the connection closed with "too_many_pings").
        ("grpc.http2.min_recv_ping_interval_without_data_ms",
         config.keepalive_min_ping_interval_ms),
        ("grpc.http2.min_ping_interval_without_data_ms", config.keepalive_min_ping_interval_ms),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_ping_strikes", 0),
        ("grpc.so_reuseport", 0),
    ]
    if config.max_connection_age_ms is not None:
        options.append(("grpc.max_connection_age_ms", config.max_connection_age_ms))
    if config.max_connection_age_grace_ms is not None:
        options.append(("grpc.max_connection_age_grace_ms", config.max_connection_age_grace_ms))
    return options


def _server_credentials(config: ServerConfig) -> grpc.ServerCredentials | None:
    tls = config.tls
    if tls is None:
        return None
    client_ca = Path(tls.client_ca_file).read_bytes() if tls.client_ca_file else None
    return grpc.ssl_server_credentials(
        [(Path(tls.key_file).read_bytes(), Path(tls.cert_file).read_bytes())],
        root_certificates=client_ca, require_client_auth=client_ca is not None)


@dataclass
class ServerHandle:
    """A started server and what it takes to observe and stop it."""

    server: grpc.aio.Server
    port: int
    health: health_aio.HealthServicer
    state: ServingState
    metrics: ServiceMetrics
    metrics_httpd: Any = None  # /metrics (metrics_http.MetricsHttp), when metrics_port is set
    http_gateway: Any = None  # OpenRLHF's POST /get_reward (http_gateway.py), when http_port is set

    @property
    def metrics_port(self) -> int | None:
        return None if self.metrics_httpd is None else self.metrics_httpd.port

    @property
    def http_port(self) -> int | None:
        return None if self.http_gateway is None else self.http_gateway.port

    async def set_serving(self) -> None:
        for name in ("", SERVICE_NAME):
            await self.health.set(name, SERVING)

    async def drain(self) -> None:
        """Health NOT_SERVING (for good) and refuse new RewardService RPCs with UNAVAILABLE
        (and new /get_reward requests with 503: the gateway reads the same flag)."""
        self.state.draining = True
        await self.health.enter_graceful_shutdown()

    async def shutdown(self, grace_s: float, drain_delay_s: float = 0.0) -> None:
        """Drain, wait `drain_delay_s`, then give in-flight RPCs and HTTP requests up to
        `grace_s` to finish (both edges at once); /metrics stays up until the end."""
        await self.drain()
        if drain_delay_s > 0:
            await asyncio.sleep(drain_delay_s)
        stopping = [self.server.stop(grace_s)]
        if self.http_gateway is not None:
            stopping.append(self.http_gateway.stop(grace_s))
        await asyncio.gather(*stopping)
        if self.metrics_httpd is not None:
            await self.metrics_httpd.stop()


def build_server(config: ServerConfig, pool: VerifierPool, engine: PrmEngine | None,
                 metrics: ServiceMetrics) -> tuple[grpc.aio.Server, int,
                                                   health_aio.HealthServicer, RewardCore]:
    """The gRPC server with every service registered and its port bound (not started), and the
    reward core its handlers (and the HTTP gateway) work through."""
    state = ServingState()
    core = RewardCore(config, pool, engine, metrics, state)
    auth = BearerTokenCheck(config.auth_token) if config.auth_token else None
    edge = EdgeInterceptor(metrics, admission=core.admission, auth=auth,
                           receive_timeout_s=config.limits.request_receive_timeout_s,
                           precheck=core.precheck)
    server = grpc.aio.server(interceptors=[edge], options=server_options(config))
    reward_pb2_grpc.add_RewardServiceServicer_to_server(
        RewardServicer(core), server)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    if config.reflection:
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
             reflection.SERVICE_NAME), server)
    address = f"{config.host}:{config.port}"
    credentials = _server_credentials(config)
    if credentials is None:
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, credentials)
    metrics.watch_queue("verifier", lambda: pool.pending_items)
    if engine is not None:
        metrics.watch_queue("prm", lambda: engine.pending_items)
    return server, port, health, core


async def start_server(config: ServerConfig, pool: VerifierPool, engine: PrmEngine | None = None,
                       metrics: ServiceMetrics | None = None) -> ServerHandle:
    """Build and start the server on the running loop; SERVING once the PRM is warm."""
    metrics = metrics if metrics is not None else ServiceMetrics()
    server, port, health, core = build_server(config, pool, engine, metrics)
    state = core.state
    for name in ("", SERVICE_NAME):
        await health.set(name, NOT_SERVING)
    await server.start()
    handle = ServerHandle(server, port, health, state, metrics)
    if config.metrics_port is not None:
        handle.metrics_httpd = await _start_metrics_http(config, metrics)
    if engine is not None and not engine.ready:
        await engine.start()  # load + warm up on the engine's inference thread
    if config.http_port is not None:
        handle.http_gateway = await _start_http_gateway(config, core)
    await handle.set_serving()
    log.info("serving", extra={"port": port, "metrics_port": handle.metrics_port,
                               "http_port": handle.http_port,
                               "prm": engine is not None, "workers": config.pool.workers,
                               "tls": config.tls is not None, "auth": bool(config.auth_token)})
    return handle


async def _start_metrics_http(config: ServerConfig, metrics: ServiceMetrics) -> Any:
    """/metrics on the server's loop: `metrics_host` (default: `host`), same TLS, token."""
    from mathreward.http_edge import server_ssl_context
    from mathreward.metrics_http import MetricsHttp

    host = config.metrics_host if config.metrics_host is not None else config.host
    token = config.auth_token if config.metrics_auth else None
    endpoint = MetricsHttp(metrics.registry, host, config.metrics_port or 0, config.http,
                           token=token, ssl_context=server_ssl_context(config.tls),
                           on_response=metrics.on_http_response)
    await endpoint.start()
    return endpoint


async def _start_http_gateway(config: ServerConfig, core: RewardCore) -> Any:
    """OpenRLHF's HTTP endpoint, computing through the gRPC port's reward core (the same limits,
    atomic admission, queues and drain flag), with the gRPC port's host, token and TLS."""
    from mathreward.http_edge import server_ssl_context
    from mathreward.http_gateway import GatewayConfig, HttpGateway

    if config.http_spec.needs_prm and core.engine is None:
        raise ValueError(f"http_spec {config.http_spec.label} needs the PRM; this server has none")
    gateway = HttpGateway(
        GatewayConfig(host=config.host, port=config.http_port or 0, spec=config.http_spec,
                      max_items=config.limits.max_items_per_request, limits=config.http,
                      token=config.auth_token),
        core.compute_outcomes, draining=lambda: core.state.draining,
        on_reject=core.metrics.on_rejection, ssl_context=server_ssl_context(config.tls),
        on_response=core.metrics.on_http_response)
    await gateway.start()
    return gateway


def _build_engine(config: ServerConfig) -> PrmEngine | None:
    if config.prm is None:
        return None
    from prm.engine import PrmEngine  # torch is imported only when a PRM is configured

    return PrmEngine(config.prm)


async def serve(config: ServerConfig) -> int:
    """Run until SIGTERM/SIGINT, then shut down gracefully; returns the exit code (0)."""
    from verifier.pool import VerifierPool

    metrics = ServiceMetrics()
    pool = VerifierPool(config.pool, observer=metrics)
    pool.start()  # worker processes first: no gRPC object exists yet
    engine = None
    try:
        engine = _build_engine(config)
        handle = await start_server(config, pool, engine, metrics)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("draining", extra={"grace_s": config.grace_period_s,
                                    "inflight_rpcs": handle.state.inflight_rpcs})
        await handle.shutdown(config.grace_period_s, config.drain_delay_s)
        log.info("stopped")
    finally:
        if engine is not None:
            await engine.close()
        pool.close()
    return 0


class BackgroundServer:
    """A real server on its own event-loop thread (tests, notebooks). Use as a context manager.

        with BackgroundServer(ServerConfig(host="127.0.0.1", port=0, metrics_port=None),
                              pool) as srv:
            SyncRewardClient(srv.address).verify_answers(...)
    """

    def __init__(self, config: ServerConfig, pool: VerifierPool,
                 engine: PrmEngine | None = None, metrics: ServiceMetrics | None = None) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mathreward-server",
                                        daemon=True)
        self._thread.start()
        try:
            self.handle: ServerHandle = self.run(start_server(config, pool, engine, metrics))
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            raise
        self.engine = engine
        host = "127.0.0.1" if config.host in ("0.0.0.0", "") else config.host
        self.address = f"{host}:{self.handle.port}"

    def run(self, coro: Any, timeout: float | None = 120) -> Any:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def metrics(self) -> ServiceMetrics:
        return self.handle.metrics

    def drain(self) -> None:
        self.run(self.handle.drain())

    def stop(self, grace_s: float = 1.0) -> None:
        if not self._thread.is_alive():
            return
        self.run(self.handle.shutdown(grace_s))
        if self.engine is not None:
            self.run(self.engine.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
