"""VerifierPool: grade batches in killable worker processes, deduplicated and cached.

    pool = VerifierPool(PoolConfig(workers=2, item_timeout_s=2.0))
    pool.start()                       # before any gRPC object exists (forkserver workers)
    results = pool.verify_many(items, VerifyOptions(), deadline=time.monotonic() + 30)
    pool.close()

Per batch: each item is keyed by (gold, extracted final answer, options), extracted here in the
parent, so the 8-16 responses of a GRPO group that reach the same answer are graded once; keys
already in the LRU cache are answered at once; a plain number against a plain number is decided
here too, by the grader's own exact comparison (`verifier/plain.py`: bounded, no sympy, a few
microseconds; this process never imports sympy); every other key becomes one job for
`verifier/dispatch.py`, which runs it in a worker with a wall-clock budget (a hung item is
killed, TIMEOUT, and its worker replaced). Results come back in input order; items unfinished at
the request `deadline` get TIMEOUT "request deadline" and their jobs are cancelled.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from verifier import limits, plain
from verifier.cache import VerdictCache
from verifier.dispatch import DispatchConfig, Dispatcher, Job, PoolClosedError
from verifier.errors import ResourceLimitError
from verifier.extract import extract, strip_gold
from verifier.liveness import SlotState
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions

# Longer responses are keyed by their full text instead of being parsed in the service process.
_MAX_PARENT_EXTRACT_CHARS = 200_000
# Keys longer than this are deduplicated within a batch but not cached (bounds cache memory).
_MAX_CACHED_KEY_CHARS = 4096
# Plain items that still go to a worker (with a numeric tolerance the grader uses sympy) are cheap
# there too, so they may share one worker task (see verifier/dispatch.py).
_MAX_PLAIN_RESPONSE_CHARS = 20_000
# Batches at least this large are keyed on a thread so the event loop keeps serving.
_THREAD_PLAN_ITEMS = 128
# New keys per submission while a batch is being keyed.
_SUBMIT_SLICE = 128

__all__ = ["PoolClosedError", "PoolConfig", "PoolObserver", "VerifierPool"]


@dataclass(frozen=True)
class PoolConfig:
    workers: int = 2  # worker processes
    item_timeout_s: float = 2.0  # wall-clock budget per item
    memory_limit_mb: int = 1024  # RLIMIT_AS per worker
    max_tasks_per_child: int = 2000  # recycle workers
    cache_size: int = 65536  # LRU of (gold, extracted answer, options) -> Result
    mp_context: str = "forkserver"  # never fork after grpc objects exist
    plain_chunk_size: int = 64  # plain-number items per worker task (1 = one task per item)
    # Let every item share a chunk task, not only plain numbers: fewer round trips for a batch
    # command. A chunk has one item's budget; one that runs over it (a slow item inside) is
    # re-run one item per task with their own budgets, so no verdict changes, but the items
    # after a slow one wait for it: a server keeps one task per item.
    chunk_all: bool = False
    # False: start() spawns the workers and waits until they are warm (a server, before gRPC
    # exists). True: the first job that needs a worker starts them (a command on a file).
    lazy: bool = False
    # An idle worker whose heartbeat is this old (stopped, frozen) is killed and replaced.
    unresponsive_after_s: float = 10.0

    def __post_init__(self) -> None:
        if self.workers < 1 or self.item_timeout_s <= 0 or self.plain_chunk_size < 1:
            raise ValueError("PoolConfig needs workers >= 1, item_timeout_s > 0, chunk size >= 1")
        if self.unresponsive_after_s < 1.0:  # workers beat twice a second
            raise ValueError("PoolConfig needs unresponsive_after_s >= 1")
        if self.memory_limit_mb < 0 or self.max_tasks_per_child < 0 or self.cache_size < 0:
            raise ValueError("PoolConfig limits must be >= 0 (0 = no memory cap / no recycling)")
        if self.mp_context not in ("forkserver", "spawn", "fork"):
            raise ValueError(f"unknown mp_context {self.mp_context!r}")


class PoolObserver(Protocol):
    """Metrics hook, called in the service process (never in a worker), possibly from the pool's
    threads: implementations must be thread-safe (prometheus-client metrics are).

    on_result: once per item of every request; `cached` for cache hits and in-batch duplicates
    (their elapsed_s is 0, so worker time sums correctly). on_worker_restart: "timeout" (killed
    over budget, or for a request that gave up), "memory" (killed by a SIGKILL we did not send:
    the OOM killer), "crash" (died otherwise, or the pebble pool was replaced), "recycle",
    "unresponsive" (idle without a heartbeat: stopped or frozen; killed). on_workers_live: the
    number of live, responsive workers, whenever it changes (0 after close)."""

    def on_result(self, result: Result, cached: bool) -> None: ...

    def on_worker_restart(self, reason: str) -> None: ...  # see above for the reasons

    def on_workers_live(self, count: int) -> None: ...


@dataclass
class _Group:
    """All items of one batch that share a grading key, graded by one job."""

    key: Hashable
    cacheable: bool
    job: Job
    indexes: list[int] = dataclasses.field(default_factory=list)


class _Batch:
    """One request's bookkeeping: results in input order, pending groups, finished pairs."""

    def __init__(self, size: int) -> None:
        self.results: list[Result | None] = [None] * size
        self.ready: list[tuple[int, Result]] = []  # answered from the cache at planning time
        self.groups: list[_Group] = []


class VerifierPool:
    def __init__(self, config: PoolConfig, observer: PoolObserver | None = None) -> None:
        self.config = config
        self._observer = observer
        self._cache = VerdictCache(config.cache_size)
        dispatch = DispatchConfig(
            workers=config.workers,
            item_timeout_s=config.item_timeout_s,
            memory_limit_mb=config.memory_limit_mb,
            max_tasks_per_child=config.max_tasks_per_child,
            mp_context=config.mp_context,
            plain_chunk_size=config.plain_chunk_size,
            lazy=config.lazy,
            unresponsive_after_s=config.unresponsive_after_s,
        )
        self._dispatcher = Dispatcher(dispatch, self._report_restart, self._report_live)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Spawn the workers and wait until each has imported sympy and graded its warm-up
        (with `lazy`, only get ready: the first job that needs a worker starts them)."""
        self._dispatcher.start()

    def close(self) -> None:
        self._dispatcher.close()

    def __enter__(self) -> VerifierPool:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def pending_items(self) -> int:
        """Jobs queued or running (after dedupe and cache): the pool's real backlog."""
        return self._dispatcher.pending

    @property
    def cache(self) -> VerdictCache:
        return self._cache

    @property
    def live_workers(self) -> int:
        """Worker processes alive and responsive now (busy, or idle with a recent heartbeat)."""
        return self._dispatcher.live_workers

    def workers(self) -> list[SlotState]:
        """Each worker process alive now: pid, heartbeat age, time in its task, tasks done."""
        return self._dispatcher.workers()

    # -- blocking API ----------------------------------------------------------------------------

    def verify_many(
        self,
        items: Sequence[VerifyItem],
        options: VerifyOptions,
        deadline: float | None = None,
    ) -> list[Result]:
        """Grade `items`; results in input order. `deadline` is absolute `time.monotonic()`."""
        batch = self._plan(items, options)
        by_future = {group.job.future: group for group in batch.groups}
        try:
            done, not_done = concurrent.futures.wait(by_future, timeout=_remaining(deadline))
            for future in done:
                self._finish(batch, by_future[future], future.result())
            self._expire(batch, [by_future[future] for future in not_done])
        finally:
            # No-op for finished jobs; frees the work of an interrupted call.
            self._dispatcher.cancel([group.job for group in batch.groups])
        return batch.results  # type: ignore[return-value]  # every slot is filled above

    # -- asyncio API (never blocks the event loop) -----------------------------------------------

    async def averify_many(
        self,
        items: Sequence[VerifyItem],
        options: VerifyOptions,
        deadline: float | None = None,
    ) -> list[Result]:
        results: list[Result | None] = [None] * len(items)
        async with contextlib.aclosing(self.averify_stream(items, options, deadline)) as stream:
            async for index, result in stream:
                results[index] = result
        return results  # type: ignore[return-value]

    async def averify_stream(
        self,
        items: Sequence[VerifyItem],
        options: VerifyOptions,
        deadline: float | None = None,
    ) -> AsyncIterator[tuple[int, Result]]:
        """Yield (index into items, Result) as each item finishes; cached items come first."""
        # Finished jobs reach the event loop through a queue, one wake-up per finished worker
        # task (a chunk of plain items is one), and the loop never blocks on a future.
        loop = asyncio.get_running_loop()
        finished: asyncio.Queue[list[Job]] = asyncio.Queue()
        listener = partial(_notify, loop, finished)
        if len(items) >= _THREAD_PLAN_ITEMS:
            planning = loop.run_in_executor(None, self._plan, items, options, listener)
            try:
                batch = await asyncio.shield(planning)
            except asyncio.CancelledError:  # the jobs it submits must not outlive this call
                planning.add_done_callback(self._cancel_planned)
                raise
        else:
            batch = self._plan(items, options, listener)
        waiting = {id(group.job): group for group in batch.groups}
        try:
            for pair in batch.ready:
                yield pair
            while waiting:
                if finished.empty():
                    try:
                        async with asyncio.timeout(_remaining(deadline)):
                            jobs = await finished.get()
                    except TimeoutError:
                        break  # the request deadline passed
                else:
                    jobs = finished.get_nowait()
                    await asyncio.sleep(0)  # a burst of results must not starve the loop
                for job in jobs:
                    group = waiting.pop(id(job), None)
                    if group is None or job.future.cancelled():
                        continue
                    for pair in self._finish(batch, group, job.future.result()):
                        yield pair
            expired, waiting = list(waiting.values()), {}
            for pair in self._expire(batch, expired):
                yield pair
        finally:
            # The consumer left early (or the call failed): free the work it leaves behind.
            self._dispatcher.cancel([group.job for group in waiting.values()])

    # -- planning and results --------------------------------------------------------------------

    def _plan(
        self,
        items: Sequence[VerifyItem],
        options: VerifyOptions,
        listener: Callable[[list[Job]], None] | None = None,
    ) -> _Batch:
        """Key every item; answer cache hits; one group (one job) per remaining unique key.

        Jobs are submitted every `_SUBMIT_SLICE` new keys, so workers start while a big batch
        is still being keyed. (Their results are read only after this returns, when every
        group knows all its items.)
        """
        self._dispatcher.ensure_open()
        batch = _Batch(len(items))
        by_key: dict[Hashable, _Group | Result] = {}
        fresh: list[Job] = []
        try:
            for index, item in enumerate(items):
                key, extracted, rule = _grading_key(item, options)
                known = by_key.get(key)
                graded_here = False
                if known is None:
                    known, graded_here = self._lookup_or_group(key, item, extracted, rule, options,
                                                               batch)
                    by_key[key] = known
                    if isinstance(known, _Group):
                        known.job.listener = listener
                        fresh.append(known.job)
                        if len(fresh) >= _SUBMIT_SLICE:
                            self._dispatcher.submit(fresh)
                            fresh = []
                if isinstance(known, _Group):
                    known.indexes.append(index)
                else:
                    result = known if graded_here else _copy(known)
                    batch.results[index] = result
                    batch.ready.append((index, result))
                    self._observe(result, cached=not graded_here)
            if fresh:
                self._dispatcher.submit(fresh)
        except BaseException:
            self._cancel_planned(batch)
            raise
        return batch

    def _lookup_or_group(
        self,
        key: Hashable,
        item: VerifyItem,
        extracted: str | None,
        rule: str,
        options: VerifyOptions,
        batch: _Batch,
    ) -> tuple[_Group | Result, bool]:
        """A first-seen key: its cached Result, its Result decided here (True: graded now), or
        a new group with a job to grade it in a worker."""
        cacheable = _key_chars(key) <= _MAX_CACHED_KEY_CHARS
        cached = self._cache.get(key) if cacheable else None
        if cached is not None:
            return cached, False
        decided = _decide_plain(item, extracted, rule, options)
        if decided is not None:
            if cacheable:
                self._cache.put(key, _copy(decided))
            return decided, True
        group = _Group(
            key,
            cacheable,
            Job(
                item.response,
                item.gold,
                options,
                extracted,
                self.config.chunk_all or _plain(item, extracted),
            ),
        )
        batch.groups.append(group)
        return group, False

    def _cancel_planned(self, planned: _Batch | asyncio.Future) -> None:
        """Cancel every job of a batch whose caller is gone (a batch, or the future of one)."""
        if isinstance(planned, asyncio.Future):
            if planned.cancelled() or planned.exception() is not None:
                return  # _plan cancelled its own jobs before raising
            planned = planned.result()
        self._dispatcher.cancel([group.job for group in planned.groups])

    def _finish(self, batch: _Batch, group: _Group, result: Result) -> list[tuple[int, Result]]:
        """Give the job's result to every item of the group; the first one carries the time."""
        copy = _copy(result)
        # Not cached: kills and timeouts (they depend on load), and RESOURCE_LIMIT (the memory
        # cap depends on the worker's state; a pre-check refusal is as cheap to repeat).
        if group.cacheable and group.job.graded and result.verdict is not Verdict.RESOURCE_LIMIT:
            self._cache.put(group.key, copy)
        pairs = []
        for position, index in enumerate(group.indexes):
            item_result = result if position == 0 else copy
            batch.results[index] = item_result
            pairs.append((index, item_result))
            self._observe(item_result, cached=position > 0)
        return pairs

    def _expire(self, batch: _Batch, groups: list[_Group]) -> list[tuple[int, Result]]:
        """The request deadline passed: cancel the jobs (unless just finished) -> TIMEOUT."""
        pairs = []
        cancelled = self._dispatcher.cancel([group.job for group in groups])
        for group, was_cancelled in zip(groups, cancelled, strict=True):
            if was_cancelled:
                result = Result(Verdict.TIMEOUT, "request deadline", group.job.extracted)
            else:
                result = group.job.future.result()
            pairs.extend(self._finish(batch, group, result))
        return pairs

    def _observe(self, result: Result, cached: bool) -> None:
        if self._observer is not None:
            self._observer.on_result(result, cached)

    def _report_restart(self, reason: str) -> None:
        if self._observer is not None:
            self._observer.on_worker_restart(reason)

    def _report_live(self, count: int) -> None:
        if self._observer is not None:
            self._observer.on_workers_live(count)


def _grading_key(item: VerifyItem, options: VerifyOptions
                 ) -> tuple[Hashable, str | None, str]:
    """(key, extracted answer, extraction rule). The key is (gold, answer, rule, options) when an
    answer can be extracted here, else the text.

    The verdict depends on the response only through its extracted answer, so responses that
    reach the same answer share one grading. The rule is part of the key: each verdict reports
    the rule that found its answer. Without an answer (or a response too long to parse in this
    process) only byte-identical responses share one.
    """
    extracted, rule = None, ""
    if len(item.response) <= _MAX_PARENT_EXTRACT_CHARS:
        try:
            found = extract(item.response, options)
            extracted, rule = found.answer, found.rule
        except Exception:  # the worker will grade it and say why
            extracted = None
    if extracted is None:
        return ("response", item.gold, item.response, options), None, ""
    return (f"answer:{rule}", item.gold, extracted, options), extracted, rule


def _decide_plain(item: VerifyItem, extracted: str | None, rule: str,
                  options: VerifyOptions) -> Result | None:
    """The Result `verify()` gives an item that its exact fast path decides, or None.

    The same steps as `verifier.verify._verify` up to that path, with the grader's own functions
    (extraction, gold stripping, the gold's text check, `plain.fast_compare`): an answer that is
    a plain number passes the answer checks by construction. tests/verifier/test_pool_startup.py
    checks that both give the same Result.
    """
    if extracted is None:
        return None
    start = time.perf_counter()
    answer = strip_gold(extracted)
    if not plain.is_plain(answer):
        return None
    try:
        limits.check_text(item.gold)
    except ResourceLimitError:
        return None  # the worker says why
    verdict = plain.fast_compare(strip_gold(item.gold), answer, options)
    if verdict is None:
        return None
    elapsed = time.perf_counter() - start
    return Result(verdict, "exact rational comparison", answer, elapsed_s=elapsed,
                  extracted_by=rule)


def _plain(item: VerifyItem, extracted: str | None) -> bool:
    return (
        extracted is not None
        and len(item.response) <= _MAX_PLAIN_RESPONSE_CHARS
        and plain.is_plain(extracted.strip())
        and plain.is_plain(item.gold.strip())
    )


def _copy(result: Result) -> Result:
    """The result for a duplicate or a cache entry: no grading time of its own."""
    return dataclasses.replace(result, elapsed_s=0.0)


def _key_chars(key: Hashable) -> int:
    _kind, gold, text, _options = key  # type: ignore[misc]
    return len(gold) + len(text)


def _notify(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue, jobs: list[Job]) -> None:
    """Job listener (called from a pool thread): hand finished jobs to the event loop."""
    with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
        loop.call_soon_threadsafe(queue.put_nowait, jobs)


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())
