"""Python client of `mathreward.v1.RewardService`: `RewardClient` (asyncio) and `SyncRewardClient`.

    async with RewardClient("localhost:50051", token="s3cret", timeout_s=30) as client:
        results = await client.verify_answers([{"id": "a", "response": r"\\boxed{4}", "gold": "4"}])
        print(results[0].verdict, results[0].reward)        # Verdict.CORRECT 1.0

    with SyncRewardClient("dns:///reward.svc:50051") as client:   # round-robin over all replicas
        results = client.verify_answers(items)

Behaviour, explicitly:
- Deadline: every call has one (`timeout=` per call, else `ClientConfig.timeout_s`); it covers the
  whole call including retries, and each attempt is sent with the time still left.
- Retries: our own loop (not grpc's service-config retry policy, so the rules are visible here):
  only UNAVAILABLE (server draining / not ready / unreachable) and RESOURCE_EXHAUSTED when the
  server marked it as overload (ErrorInfo reason in `RETRYABLE_OVERLOAD_REASONS`; grpc-core's
  "message too large" is RESOURCE_EXHAUSTED too but would fail again). Exponential backoff with
  full jitter: sleep U(0, min(max_backoff, initial * multiplier**(attempt-1))), never past the
  deadline. A stream is retried only before its first message arrived. All RPCs are idempotent.
- Load balancing: a `dns:///name:port` target, or a list of `ip:port` addresses, is balanced
  per call with the `round_robin` policy over every address (client-side load balancing).
- Failures raise `mathreward.errors.RewardRpcError` (code, details, ErrorInfo reason, attempts).
- The grpc.aio channel is created on first use, on the running event loop (a channel belongs to
  the loop that made it); `SyncRewardClient` runs one private loop on a daemon thread.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mathreward import convert
from mathreward._pb import reward_pb2, reward_pb2_grpc
from mathreward.errors import RETRYABLE_OVERLOAD_REASONS, RewardRpcError, error_info
from mathreward.types import StepsItem, StepsResult
from verifier.types import Result, VerifyItem, VerifyOptions

T = TypeVar("T")
SERVICE_NAME = "mathreward.v1.RewardService"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter on UNAVAILABLE / overload RESOURCE_EXHAUSTED."""

    max_attempts: int = 5  # 1 = no retries
    initial_backoff_s: float = 0.1
    max_backoff_s: float = 5.0
    multiplier: float = 2.0


@dataclass(frozen=True)
class ClientTls:
    """TLS for the channel: a CA bundle (None = system roots); cert + key for mTLS."""

    root_ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name_override: str | None = None  # check the server cert against this name


@dataclass(frozen=True)
class ClientConfig:
    timeout_s: float | None = 60.0  # default deadline of a call (retries included)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token: str | None = None  # sent as `authorization: Bearer <token>`
    tls: ClientTls | None = None
    keepalive_time_ms: int = 30_000  # ping an idle-looking connection this often (while calls run)
    keepalive_timeout_ms: int = 10_000  # ... and drop it when the ping is not answered in time
    max_message_bytes: int = 64 * 1024 * 1024
    load_balancing: str = "round_robin"


def resolve_target(target: str | Sequence[str]) -> str:
    """One gRPC target for an address, a `scheme:` target, or a list of ip:port addresses."""
    if isinstance(target, str):
        return target
    addresses = list(target)
    if len(addresses) == 1:
        return addresses[0]
    if not addresses:
        raise ValueError("no address given")
    hosts = []
    for address in addresses:
        host, sep, port = address.rpartition(":")
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            raise ValueError(f"{address!r}: a list of addresses must be ip:port; for host names "
                             "use one 'dns:///name:port' target that resolves to all replicas"
                             ) from None
        if not sep or not port.isdigit():
            raise ValueError(f"{address!r} has no port")
        hosts.append((ip.version, f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"))
    versions = {version for version, _ in hosts}
    if len(versions) != 1:
        raise ValueError("mix of IPv4 and IPv6 addresses; use one family")
    return f"ipv{versions.pop()}:" + ",".join(address for _, address in hosts)


def _channel_options(config: ClientConfig) -> list[tuple[str, Any]]:
    service_config = {"loadBalancingConfig": [{config.load_balancing: {}}]}
    options: list[tuple[str, Any]] = [
        ("grpc.service_config", json.dumps(service_config)),
        ("grpc.keepalive_time_ms", config.keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", config.keepalive_timeout_ms),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
    ]
    if config.tls and config.tls.server_name_override:
        options.append(("grpc.ssl_target_name_override", config.tls.server_name_override))
    return options


def _read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


class RewardClient:
    """Async client. `RewardClient(target, token=..., timeout_s=...)` or with a ClientConfig."""

    def __init__(self, target: str | Sequence[str], config: ClientConfig | None = None,
                 **overrides: Any) -> None:
        self.target = resolve_target(target)
        self.config = replace(config or ClientConfig(), **overrides)
        self._metadata = (("authorization", f"Bearer {self.config.token}"),) \
            if self.config.token else ()
        self._channel: grpc.aio.Channel | None = None
        self._stub: reward_pb2_grpc.RewardServiceStub | None = None
        self._random = random.Random()  # jitter; per client, no shared state

    # -- plumbing ------------------------------------------------------------------------------
    def _get_stub(self) -> reward_pb2_grpc.RewardServiceStub:
        if self._stub is None:
            options = _channel_options(self.config)
            tls = self.config.tls
            if tls is None:
                self._channel = grpc.aio.insecure_channel(self.target, options=options)
            else:
                creds = grpc.ssl_channel_credentials(
                    root_certificates=_read(tls.root_ca_file), private_key=_read(tls.key_file),
                    certificate_chain=_read(tls.cert_file))
                self._channel = grpc.aio.secure_channel(self.target, creds, options=options)
            self._stub = reward_pb2_grpc.RewardServiceStub(self._channel)
        return self._stub

    def _deadline(self, timeout: float | None) -> float | None:
        timeout = self.config.timeout_s if timeout is None else timeout
        return None if timeout is None else time.monotonic() + timeout

    def _retry_delay(self, error: grpc.RpcError, attempt: int, deadline: float | None
                     ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        code = error.code()
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            info = error_info(error)
            if info is None or info.reason not in RETRYABLE_OVERLOAD_REASONS:
                return None
        elif code != grpc.StatusCode.UNAVAILABLE:
            return None
        policy = self.config.retry
        if attempt >= policy.max_attempts:
            return None
        growth = policy.multiplier ** (attempt - 1)
        cap = min(policy.max_backoff_s, policy.initial_backoff_s * growth)
        delay = self._random.uniform(0.0, cap)
        if deadline is not None and time.monotonic() + delay >= deadline:
            return None
        return delay

    async def _unary(self, call: Callable[..., Awaitable[T]], request: Any,
                     timeout: float | None) -> T:
        deadline = self._deadline(timeout)
        attempt = 0
        while True:
            attempt += 1
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await call(request, timeout=remaining, metadata=self._metadata)
            except grpc.aio.AioRpcError as exc:
                delay = self._retry_delay(exc, attempt, deadline)
                if delay is None:
                    raise RewardRpcError.from_rpc_error(exc, attempt) from exc
                await asyncio.sleep(delay)

    # -- RPCs ----------------------------------------------------------------------------------
    async def verify_answers(self, items: Sequence[VerifyItem | Mapping[str, Any]],
                             options: VerifyOptions | Mapping[str, Any] | None = None,
                             timeout: float | None = None) -> list[Result]:
        """One Result per item, in item order."""
        request = convert.verify_request_to_pb(items, options)
        response = await self._unary(self._get_stub().VerifyAnswers, request, timeout)
        return [convert.result_from_pb(r) for r in response.results]

    async def verify_answers_stream(self, items: Sequence[VerifyItem | Mapping[str, Any]],
                                    options: VerifyOptions | Mapping[str, Any] | None = None,
                                    timeout: float | None = None
                                    ) -> AsyncIterator[tuple[int, Result]]:
        """Yields (index into items, Result) as each item finishes."""
        request = convert.verify_request_to_pb(items, options)
        deadline = self._deadline(timeout)
        attempt = 0
        while True:
            attempt += 1
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            call = self._get_stub().VerifyAnswersStream(request, timeout=remaining,
                                                        metadata=self._metadata)
            received = False
            try:
                async for message in call:
                    received = True
                    yield message.index, convert.result_from_pb(message.result)
                return
            except grpc.aio.AioRpcError as exc:
                delay = None if received else self._retry_delay(exc, attempt, deadline)
                if delay is None:
                    raise RewardRpcError.from_rpc_error(exc, attempt) from exc
            finally:
                call.cancel()  # no-op when finished; stops the server's work if we broke off
            await asyncio.sleep(delay)

    async def score_steps(self, items: Sequence[StepsItem | Mapping[str, Any]],
                          step_separator: str = "", timeout: float | None = None
                          ) -> list[StepsResult]:
        """Step scores per item, in item order (items give `steps` or a `response`)."""
        request = reward_pb2.ScoreStepsRequest(items=[convert.steps_item_to_pb(i) for i in items],
                                               step_separator=step_separator)
        response = await self._unary(self._get_stub().ScoreSteps, request, timeout)
        return [convert.steps_result_from_pb(r) for r in response.results]

    async def compute_reward(self, items: Sequence[Any], spec: Any,
                             options: VerifyOptions | Mapping[str, Any] | None = None,
                             timeout: float | None = None) -> list[Any]:
        """`mathreward.rewards.RewardOutcome` per item; `spec` is a preset name or a RewardSpec."""
        request = convert.reward_request_to_pb(items, spec, options)
        response = await self._unary(self._get_stub().ComputeReward, request, timeout)
        return [convert.reward_outcome_from_pb(r) for r in response.results]

    async def health(self, service: str = "", timeout: float | None = 5.0) -> str:
        """The grpc.health.v1 status name ("SERVING", "NOT_SERVING", ...); no retries."""
        self._get_stub()
        stub = health_pb2_grpc.HealthStub(self._channel)
        response = await stub.Check(health_pb2.HealthCheckRequest(service=service),
                                    timeout=timeout, metadata=self._metadata)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = self._stub = None

    async def __aenter__(self) -> RewardClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class SyncRewardClient:
    """Blocking wrapper: the same methods, run on a private event loop in a daemon thread."""

    def __init__(self, target: str | Sequence[str], config: ClientConfig | None = None,
                 **overrides: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mathreward-client",
                                        daemon=True)
        self._thread.start()
        self._client = RewardClient(target, config, **overrides)

    def _run(self, coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def verify_answers(self, items: Sequence[VerifyItem | Mapping[str, Any]],
                       options: VerifyOptions | Mapping[str, Any] | None = None,
                       timeout: float | None = None) -> list[Result]:
        return self._run(self._client.verify_answers(items, options, timeout))

    def verify_answers_stream(self, items: Sequence[VerifyItem | Mapping[str, Any]],
                              options: VerifyOptions | Mapping[str, Any] | None = None,
                              timeout: float | None = None) -> Iterator[tuple[int, Result]]:
        stream = self._client.verify_answers_stream(items, options, timeout)
        try:
            while True:
                try:
                    yield self._run(stream.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self._run(stream.aclose())

    def score_steps(self, items: Sequence[StepsItem | Mapping[str, Any]],
                    step_separator: str = "", timeout: float | None = None) -> list[StepsResult]:
        return self._run(self._client.score_steps(items, step_separator, timeout))

    def compute_reward(self, items: Sequence[Any], spec: Any,
                       options: VerifyOptions | Mapping[str, Any] | None = None,
                       timeout: float | None = None) -> list[Any]:
        return self._run(self._client.compute_reward(items, spec, options, timeout))

    def health(self, service: str = "", timeout: float | None = 5.0) -> str:
        return self._run(self._client.health(service, timeout))

    def close(self) -> None:
        if self._thread.is_alive():
            self._run(self._client.close())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    def __enter__(self) -> SyncRewardClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
