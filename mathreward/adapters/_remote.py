"""The adapters' one connection to the service: a background event loop owning a RewardClient.

Trainers call reward functions from every kind of context: TRL awaits async reward functions on
its own daemon event loop, veRL calls `compute_score` from executor threads or awaits it on a
reward-loop event loop, OpenRLHF calls `reward_func` from worker threads. A `grpc.aio` channel is
bound to the loop that created it, so `Rewarder` runs one private loop on a daemon thread, creates
the client there, and every caller (any thread, any loop) hands it work through
`asyncio.run_coroutine_threadsafe`. The same loop hosts `MicroBatcher`, which coalesces
per-sample calls arriving within `max_wait_ms` into one ComputeReward request.

Nothing is created at import: `rewarder_for(config)` builds the Rewarder on first use, once per
process (again in a forked child, whose copy of the thread is dead). The registry lives here, in
an importable module, and is reached only through `rewarder_for`: a reward function that veRL
loads from a file path and Ray pickles by value (cloudpickle) then captures a reference to
`rewarder_for`, never a client, a loop or a lock (`cannot pickle '_thread.lock'`); the unpickled
function builds its own client in the worker process on its first call.

Failures: the client retries UNAVAILABLE (server down, draining) and overload with exponential
backoff and jitter until `timeout_s` runs out, then `compute*` raise `RewardServiceError` naming
the address, the attempts and the last error. What the adapter does with it is its `on_error`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from mathreward.reward_spec import RewardSpec, get_preset
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.types import VerifyOptions

# Enough attempts that the deadline (`timeout_s`), not the count, ends the retries.
RETRY_ATTEMPTS = 10_000
MAX_BACKOFF_S = 2.0


class RewardServiceError(RuntimeError):
    """ComputeReward failed after retrying until the deadline (server down, overloaded, ...)."""


@dataclass(frozen=True)
class RemoteConfig:
    """Where and how the adapters call the service."""

    address: str  # "host:port", or any gRPC target the client accepts ("dns:///svc:50051")
    spec: RewardSpec = field(default_factory=lambda: get_preset("orm"))
    options: VerifyOptions = field(default_factory=VerifyOptions)
    timeout_s: float = 120.0  # deadline of one ComputeReward call, retries included
    max_batch_items: int = 512  # micro-batcher: flush at this many items ...
    max_wait_ms: float = 5.0  # ... or this long after the first item of a batch arrived


SendFn = Callable[[list[RewardItem]], Awaitable[list[RewardOutcome]]]


class MicroBatcher:
    """Coalesces concurrent single-item submissions into batched sends (lives on one loop)."""

    def __init__(self, send: SendFn, max_items: int, max_wait_s: float) -> None:
        self._send = send
        self._max_items = max(1, max_items)
        self._max_wait_s = max(0.0, max_wait_s)
        self._pending: list[tuple[RewardItem, asyncio.Future[RewardOutcome]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # strong refs until each send finishes
        self.batches_sent = 0  # for tests and logs: how many sends the submissions became

    async def submit(self, item: RewardItem) -> RewardOutcome:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[RewardOutcome] = loop.create_future()
        self._pending.append((item, future))
        if len(self._pending) >= self._max_items:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._max_wait_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._send_batch(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send_batch(self, batch: list[tuple[RewardItem, asyncio.Future]]) -> None:
        self.batches_sent += 1
        try:
            outcomes = await self._send([item for item, _ in batch])
        except Exception as exc:  # every waiter learns of the failure; the adapter falls back
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


class Rewarder:
    """One background loop + RewardClient + MicroBatcher for one RemoteConfig."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mathreward-adapter",
                                        daemon=True)
        self._thread.start()
        self._client = None  # created on the background loop by _client_on_loop
        self._batcher = MicroBatcher(self._send, config.max_batch_items,
                                     config.max_wait_ms / 1000.0)

    @property
    def batches_sent(self) -> int:
        return self._batcher.batches_sent

    async def _client_on_loop(self):
        if self._client is None:
            # lazy: the grpc channel is made on this loop
            from mathreward.client import ClientConfig, RetryPolicy, RewardClient

            retry = RetryPolicy(max_attempts=RETRY_ATTEMPTS, max_backoff_s=MAX_BACKOFF_S)
            self._client = RewardClient(self.config.address, ClientConfig(
                timeout_s=self.config.timeout_s, retry=retry))
        return self._client

    async def _send(self, items: list[RewardItem]) -> list[RewardOutcome]:
        from mathreward.errors import RewardRpcError

        client = await self._client_on_loop()
        try:
            return await client.compute_reward(items, self.config.spec,
                                               options=self.config.options,
                                               timeout=self.config.timeout_s)
        except RewardRpcError as exc:
            raise RewardServiceError(
                f"mathreward: ComputeReward at {self.config.address} failed after "
                f"{exc.attempts} attempt(s) within {self.config.timeout_s:g} s: {exc}") from exc

    def _submit(self, coro: Awaitable) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def compute(self, items: Sequence[RewardItem]) -> list[RewardOutcome]:
        """One ComputeReward call for `items`, from any thread (blocking)."""
        return self._submit(self._send(list(items))).result()

    async def acompute(self, items: Sequence[RewardItem]) -> list[RewardOutcome]:
        """One ComputeReward call for `items`, awaitable from any event loop."""
        return await asyncio.wrap_future(self._submit(self._send(list(items))))

    async def _coalesce(self, items: Sequence[RewardItem]) -> list[RewardOutcome]:
        return list(await asyncio.gather(*(self._batcher.submit(it) for it in items)))

    def compute_coalesced(self, items: Sequence[RewardItem]) -> list[RewardOutcome]:
        """Like compute(), but merged with other callers' items arriving within max_wait_ms."""
        return self._submit(self._coalesce(items)).result()

    async def acompute_coalesced(self, items: Sequence[RewardItem]) -> list[RewardOutcome]:
        return await asyncio.wrap_future(self._submit(self._coalesce(items)))

    def close(self) -> None:
        async def _close() -> None:
            if self._client is not None:
                await self._client.close()

        try:
            self._submit(_close()).result(timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


class RewarderCache:
    """Lazily built Rewarders, one per RemoteConfig and process (rebuilt after a fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._rewarders: dict[RemoteConfig, Rewarder] = {}

    def get(self, config: RemoteConfig) -> Rewarder:
        with self._lock:
            if self._pid != os.getpid():  # forked child: the parent's loop thread does not exist
                self._pid, self._rewarders = os.getpid(), {}
            rewarder = self._rewarders.get(config)
            if rewarder is None:
                rewarder = self._rewarders[config] = Rewarder(config)
            return rewarder

    def close(self) -> None:
        with self._lock:
            rewarders, self._rewarders = list(self._rewarders.values()), {}
        for rewarder in rewarders:
            rewarder.close()


# The process's Rewarders for the module-level adapter functions (veRL, OpenRLHF, TRL's `reward`).
# Module state on purpose: those trainers call plain functions, which have nowhere else to keep a
# client; it is reached only through `rewarder_for`, so pickled functions never capture it.
_PROCESS_REWARDERS = RewarderCache()


def rewarder_for(config: RemoteConfig) -> Rewarder:
    """This process's Rewarder for `config` (built on first use; rebuilt after a fork)."""
    return _PROCESS_REWARDERS.get(config)
