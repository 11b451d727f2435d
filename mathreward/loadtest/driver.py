"""Closed-loop gRPC load at fixed concurrency: C callers, each sending its next request as soon as
the previous one is answered, for a fixed duration.

    stats = asyncio.run(run_closed_loop("127.0.0.1:50051", "verify", batch_size=64,
                                        concurrency=4, duration_s=5.0))

Every request carries fresh GRPO groups (a new payload seed per request), so the server's result
cache only helps within a request, as it would across a real training step's distinct prompts.
Requests are sent as pre-serialized bytes; with `prebuild=N` the first N are generated and
serialized before the clock starts (the sweep sizes N from its warm-up rate), so on a small
machine the load generator takes as little CPU from the server as possible while measuring. Past
N, requests are built on the fly. The driver's own CPU is reported (`client_cpu_s`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc

from mathreward._pb import reward_pb2
from mathreward.loadtest import payloads

METHODS = ("verify", "compute_reward", "score_steps")
CHANNEL_OPTIONS = [("grpc.max_send_message_length", 64 << 20),
                   ("grpc.max_receive_message_length", 64 << 20)]


@dataclass
class RunStats:
    """What one closed-loop run measured (latencies in seconds, one per successful RPC)."""

    method: str
    batch_size: int
    concurrency: int
    wall_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    items: int = 0
    timeouts: int = 0  # items answered with verdict TIMEOUT
    client_cpu_s: float = 0.0  # CPU of this process (payload generation, protobuf, gRPC)
    errors: Counter[str] = field(default_factory=Counter)  # RPC status code name -> count

    @property
    def rpcs(self) -> int:
        return len(self.latencies)


def request_factory(method: str, batch_size: int, seed: int, think_chars: int,
                    hostile_share: float) -> Iterator[bytes]:
    """Endless fresh serialized requests of `batch_size` items (groups of 16, or one smaller)."""
    group = min(16, batch_size)
    build: Callable[..., Any] = {
        "verify": payloads.verify_request,
        "compute_reward": payloads.compute_reward_request,
        "score_steps": payloads.score_steps_request,
    }[method]
    for n in itertools.count():
        samples = payloads.make_samples(-(-batch_size // group), group, seed * 1_000_003 + n,
                                        think_chars, hostile_share)[:batch_size]
        yield build(samples).SerializeToString()


# method -> (RPC path, response message): requests go out as bytes (no serializer).
RPCS = {
    "verify": ("VerifyAnswers", reward_pb2.VerifyAnswersResponse),
    "compute_reward": ("ComputeReward", reward_pb2.ComputeRewardResponse),
    "score_steps": ("ScoreSteps", reward_pb2.ScoreStepsResponse),
}


def _call(channel: grpc.aio.Channel, method: str) -> Any:
    name, response = RPCS[method]
    return channel.unary_unary(f"/mathreward.v1.RewardService/{name}",
                               request_serializer=None,
                               response_deserializer=response.FromString)


def count_timeouts(reply: Any) -> int:
    return sum(getattr(r, "verdict", 0) == reward_pb2.VERDICT_TIMEOUT for r in reply.results)


async def _caller(call: Any, requests: Iterator[Any], stop_at: float, stats: RunStats,
                  timeout_s: float, on_done: Callable[[int], None] | None) -> None:
    while time.monotonic() < stop_at:
        request = next(requests)
        started = time.perf_counter()
        try:
            reply = await call(request, timeout=timeout_s)
        except grpc.aio.AioRpcError as exc:
            stats.errors[exc.code().name] += 1
            continue
        stats.latencies.append(time.perf_counter() - started)
        stats.items += len(reply.results)
        stats.timeouts += count_timeouts(reply)
        if on_done is not None:
            on_done(len(reply.results))


async def run_closed_loop(target: str, method: str, batch_size: int, concurrency: int,
                          duration_s: float, seed: int = 0, think_chars: int = 2000,
                          hostile_share: float = 0.01, timeout_s: float = 120.0,
                          on_done: Callable[[int], None] | None = None,
                          prebuild: int = 0) -> RunStats:
    """Run `concurrency` closed-loop callers against `target` for `duration_s` seconds.

    Calls already in flight at the end are awaited and counted; the wall time runs until the
    last one returns, so items/s = items / wall_s stays honest for long calls.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    stats = RunStats(method, batch_size, concurrency)
    fresh = request_factory(method, batch_size, seed, think_chars, hostile_share)
    ready = list(itertools.islice(fresh, prebuild))
    requests = itertools.chain(ready, fresh)
    async with grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS) as channel:
        call = _call(channel, method)
        started, cpu0 = time.monotonic(), time.process_time()
        await asyncio.gather(*(
            _caller(call, requests, started + duration_s, stats, timeout_s, on_done)
            for _ in range(concurrency)))
        stats.wall_s = time.monotonic() - started
        stats.client_cpu_s = time.process_time() - cpu0
    return stats
