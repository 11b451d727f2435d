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
- `make_server(engine=None, pool=None, metrics=None, **config_overrides)` (function): starts
  another server (default: on the shared pool, its own metrics registry, no metrics port) with
  a custom `ServerConfig` (auth token, TLS, small limits, `http_port=0`...); stopped after the
  test. `srv.address`, `srv.metrics.registry`, `srv.handle.state.inflight_rpcs`, `srv.drain()`.
- `on_a_terminal(args)` (function): runs `mathreward ARGS` with a pty of 100 columns as its
  terminal; (exit code, everything it showed). For progress bars, which only a TTY gets.
- `many_items(n, tag="")` (function): n distinct VerifyItems, each CORRECT and needing a real
  symbolic comparison in a worker (`\boxed{\frac{2k}{2x+2k}}` vs `\frac{k}{x+k}`, fresh random
  k, so no dedupe or cache hit). A big batch is the robust way to keep workers busy: a single
  "slow" input stops being slow whenever the grader gets smarter, a batch of 2,000 does not
  (2,000 took ~8 s on the 2 shared workers of the dev machine, 2,000 one-line numbers ~1 s).
"""

from __future__ import annotations

import dataclasses
import os
import pty
import random
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mathreward.config import ServerConfig
from mathreward.metrics import ServiceMetrics
from verifier.pool import PoolConfig, VerifierPool
from verifier.types import VerifyItem

POOL_CONFIG = PoolConfig(workers=2, item_timeout_s=2.0)


def test_server_config(**overrides: object) -> ServerConfig:
    """A ServerConfig for tests: 127.0.0.1, free ports, no PRM; `overrides` replace fields."""
    base = ServerConfig(host="127.0.0.1", port=0, metrics_port=0, metrics_host="127.0.0.1",
                        pool=POOL_CONFIG, prm=None, grace_period_s=2.0, log_format="text")
    return dataclasses.replace(base, **overrides)


test_server_config.__test__ = False  # a helper, not a test


def unique_items(n: int, tag: str = "") -> list[VerifyItem]:
    """n distinct items, each CORRECT after a symbolic comparison (see `many_items`)."""
    base = random.randrange(10**6, 10**9)
    return [VerifyItem(f"{tag}{i}", rf"\boxed{{\frac{{{2 * (base + i)}}}{{2x+{2 * (base + i)}}}}}",
                       rf"\frac{{{base + i}}}{{x+{base + i}}}") for i in range(n)]


def run_on_a_terminal(args: list[str]) -> tuple[int, bytes]:
    """`mathreward ARGS` with a pty (100 columns) as its terminal: exit code, what it shows."""
    mathreward = Path(sys.executable).parent / "mathreward"
    pid, fd = pty.fork()
    if pid == 0:  # child: a shell on the pty sets its size, then runs the command
        command = "stty cols 100 rows 40; exec " + shlex.join([str(mathreward), *args])
        os.execv("/bin/sh", ["/bin/sh", "-c", command])
    shown = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the pty
            break
        if not data:
            break
        shown += data
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown


@pytest.fixture
def on_a_terminal() -> Callable[[list[str]], tuple[int, bytes]]:
    return run_on_a_terminal


@pytest.fixture
def many_items() -> Callable[..., list[VerifyItem]]:
    return unique_items


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

    def start(engine: object = None, pool: VerifierPool | None = None,
              metrics: ServiceMetrics | None = None, **overrides: object) -> BackgroundServer:
        overrides.setdefault("metrics_port", None)
        srv = BackgroundServer(test_server_config(**overrides), pool or verifier_pool,
                               engine=engine, metrics=metrics or ServiceMetrics())
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop(grace_s=0.5)
