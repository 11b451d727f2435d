"""Shared pytest fixtures: one real verifier pool, one real gRPC server, one real client.

Every area's tests may use them; nothing here is a stand-in:

- `verifier_pool` (session): a started `VerifierPool(PoolConfig(workers=2, item_timeout_s=2.0))`
  of real forkserver worker processes, reporting to `service_metrics`. Started before any gRPC
  object, as in production. Do not close it; it stops at the end of the session.
- `service_metrics` (session): the `ServiceMetrics` (own prometheus registry) that the pool and
  the server report to. Counters accumulate over the session: assert on differences.
- `server` (session): a `BackgroundServer` — a real `grpc.aio` server on 127.0.0.1:<free port>
  on its own event-loop thread, no auth, no TLS, no PRM, metrics HTTP on a free port
  (`server.handle.metrics_port`). `server.address` is "127.0.0.1:PORT".
- `client` (session): a `SyncRewardClient(server.address)` (blocking; deadline 60 s). For the
  async client, create `RewardClient(server.address)` inside your own event loop (a grpc.aio
  channel belongs to the loop that made it), e.g. `asyncio.run(main())`.
- `make_server(**config_overrides)` (function): starts another server on the shared pool with
  a custom `ServerConfig` (auth token, TLS, small limits...); stopped after the test.
- `slow_item` (function): `VerifyItem("slow", SLOW_RESPONSE, SLOW_GOLD)`, a real item that
  keeps a worker busy for far longer than the 2 s item budget (sympy comparing two expanded
  trinomial powers: ~6 s unbounded), so it ends as a TIMEOUT verdict (item budget) or "request
  deadline" (call deadline), never a patched sleep. Shared with the verifier pool tests: if the
  grader ever gets fast on it, change both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest

from mathreward.config import ServerConfig
from mathreward.metrics import ServiceMetrics
from verifier.pool import PoolConfig, VerifierPool
from verifier.types import VerifyItem

# The verifier pool tests' slow item (tests/verifier/test_pool.py): ~6 s of sympy unbounded.
SLOW_RESPONSE = r"\boxed{(x+y+z)^{50}-(x-y+z)^{50}}"
SLOW_GOLD = r"(x+y+z)^{50}-(x-y-z)^{50}"
POOL_CONFIG = PoolConfig(workers=2, item_timeout_s=2.0)


def test_server_config(**overrides: object) -> ServerConfig:
    """A ServerConfig for tests: 127.0.0.1, free ports, no PRM; `overrides` replace fields."""
    base = ServerConfig(host="127.0.0.1", port=0, metrics_port=0, metrics_host="127.0.0.1",
                        pool=POOL_CONFIG, prm=None, grace_period_s=2.0, log_format="text")
    return dataclasses.replace(base, **overrides)


test_server_config.__test__ = False  # a helper, not a test


@pytest.fixture
def slow_item() -> VerifyItem:
    return VerifyItem("slow", SLOW_RESPONSE, SLOW_GOLD)


@pytest.fixture(scope="session")
def service_metrics() -> ServiceMetrics:
    return ServiceMetrics()


@pytest.fixture(scope="session")
def verifier_pool(service_metrics: ServiceMetrics) -> Iterator[VerifierPool]:
    pool = VerifierPool(POOL_CONFIG, observer=service_metrics)
    pool.start()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def server(verifier_pool: VerifierPool, service_metrics: ServiceMetrics):
    from mathreward.server import BackgroundServer

    srv = BackgroundServer(test_server_config(), verifier_pool, metrics=service_metrics)
    try:
        yield srv
    finally:
        srv.stop(grace_s=1.0)


@pytest.fixture(scope="session")
def client(server):
    from mathreward.client import SyncRewardClient

    with SyncRewardClient(server.address, timeout_s=60.0) as c:
        yield c


@pytest.fixture
def make_server(verifier_pool: VerifierPool, service_metrics: ServiceMetrics
                ) -> Iterator[Callable[..., object]]:
    from mathreward.server import BackgroundServer

    started: list[BackgroundServer] = []

    def start(engine: object = None, **overrides: object) -> BackgroundServer:
        srv = BackgroundServer(test_server_config(metrics_port=None, **overrides), verifier_pool,
                               engine=engine, metrics=ServiceMetrics())
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop(grace_s=0.5)
