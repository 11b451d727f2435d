"""Feeds grading jobs to a pebble process pool, a few tasks at a time, each with a time budget.

Why not hand every job to pebble at once: pebble writes each scheduled task into the workers' pipe
immediately, and a task that is cancelled after a worker has picked it up costs that worker its
life. Keeping two tasks per worker inside pebble and the rest in our own queue means that a request
which runs out of time (or is cancelled) simply drops its queued jobs, and only the jobs actually
running are killed.

One task is one job, except for "plain" jobs (a bare number or fraction against a bare number or
fraction, decided by the grader's exact fast path in microseconds): consecutive plain jobs travel
as one chunk task, because a task's round trip through pebble costs the parent ~150 µs of CPU,
ten times the grading itself. A chunk that fails anyway (timeout, dead worker) loses nothing: its
jobs are re-run one task each, with their own budgets.

Job lifecycle: QUEUED (in our deque) -> RUNNING (inside pebble) -> done; a job's future may be
cancelled at any point by its request. Cancelling a RUNNING single job kills its worker only if
the worker has started it; a task still in pebble's pipe, or a chunk, is left to finish.
"""

from __future__ import annotations

import enum
import multiprocessing
import signal
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pebble import ProcessExpired, ProcessPool

from verifier import worker
from verifier.types import Result, Verdict, VerifyOptions

_TASKS_PER_WORKER = 2
_MAX_CHUNK = 64  # plain jobs per chunk task


class PoolClosedError(RuntimeError):
    """The pool is not running (never started, closed, or broken): a request-level failure."""


@dataclass(frozen=True)
class DispatchConfig:
    workers: int
    item_timeout_s: float
    memory_limit_mb: int
    max_tasks_per_child: int
    mp_context: str


class _State(enum.Enum):
    QUEUED = 1
    RUNNING = 2
    DROPPED = 3


class Job:
    """One unique (response, gold, options) to grade; `future` resolves to its `Result`."""

    __slots__ = (
        "response",
        "gold",
        "options",
        "extracted",
        "plain",
        "future",
        "state",
        "task",
        "graded",
        "attempts",
        "listener",
    )

    def __init__(
        self,
        response: str,
        gold: str,
        options: VerifyOptions,
        extracted: str | None,
        plain: bool = False,
    ) -> None:
        self.response = response
        self.gold = gold
        self.options = options
        self.extracted = extracted  # the parent's extraction, reported when the worker is killed
        self.plain = plain  # may share a chunk task (see the module docstring)
        self.future: Future[Result] = Future()
        self.state = _State.QUEUED
        self.task: Future | None = None  # the pebble future of a single-job task while RUNNING
        self.graded = False  # True when a worker produced the result (cacheable, unlike a kill)
        self.attempts = 0  # re-runs after the whole pebble pool broke under it
        # Called (from a pool thread) with the list of jobs of one finished task that share it.
        self.listener: Callable[[list[Job]], None] | None = None


class Dispatcher:
    """Our queue in front of pebble; `on_restart(reason)` is called from pool threads."""

    def __init__(self, config: DispatchConfig, on_restart: Callable[[str], None]) -> None:
        self._config = config
        self._on_restart = on_restart
        self._pool: ProcessPool | None = None
        self._context = multiprocessing.get_context(config.mp_context)
        self._lock = threading.Lock()
        self._queue: deque[Job] = deque()
        self._queued = 0  # live (not dropped) jobs in the deque
        self._running_tasks = 0  # tasks handed to pebble and not finished
        self._running_jobs = 0  # jobs in those tasks
        self._tasks_by_pid: OrderedDict[int, int] = OrderedDict()  # to notice recycling
        self._inflight: dict[int, list[Job]] = {}  # id(pebble task) -> its jobs, for close()
        self._closed = False
        # Tasks inside pebble at once: one running plus one waiting in the pipe per worker, so a
        # worker never idles for a round trip through the parent, while a deadline strands at
        # most one waiting task per worker.
        self._max_tasks = _TASKS_PER_WORKER * config.workers

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, warm_timeout_s: float = 120.0) -> None:
        if self._config.mp_context == "forkserver":
            # Effective only if this process has not started its forkserver yet; then every
            # worker (and every replacement of a killed one) is forked with sympy imported.
            self._context.set_forkserver_preload([worker.__name__])
        self._pool = self._new_pool()
        self._wait_warm(warm_timeout_s)

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self._config.workers,
            max_tasks=self._config.max_tasks_per_child,
            initializer=worker.init_worker,
            initargs=(self._config.memory_limit_mb,),
            context=self._context,
        )

    def _wait_warm(self, timeout_s: float) -> None:
        """Block until every worker has run its initializer and answered a probe."""
        assert self._pool is not None
        seen: set[int] = set()
        for _ in range(50):
            workers = range(self._config.workers)
            probes = [self._pool.schedule(worker.ping, (0.05,)) for _ in workers]
            for probe in probes:
                pid = probe.result(timeout=timeout_s)
                seen.add(pid)
                self._count_task(pid)
            if len(seen) >= self._config.workers:
                return

    def _replace_pool(self, broken: ProcessPool) -> None:
        """pebble gives up on the whole pool when a worker dies while no task is running (e.g.
        an idle worker killed by the OOM killer); start a fresh pool instead of failing."""
        with self._lock:
            if self._closed or self._pool is not broken:
                return  # closed, or another thread already replaced it
            self._pool = self._new_pool()
        self._on_restart("crash")
        threading.Thread(target=_dispose, args=(broken,), daemon=True).start()

    def close(self) -> None:
        """Stop the workers; every job not finished yet fails with PoolClosedError."""
        with self._lock:
            self._closed = True
            leftover = list(self._queue)
            self._queue.clear()
            self._queued = 0
        if self._pool is not None:
            self._pool.stop()
            self._pool.join()
            self._pool = None
        with self._lock:
            leftover += [job for jobs in self._inflight.values() for job in jobs]
            self._inflight.clear()
        _resolve([(job, PoolClosedError("verifier pool closed")) for job in leftover])

    def ensure_open(self) -> None:
        if self._closed or self._pool is None:
            raise PoolClosedError("verifier pool is not running")

    @property
    def pending(self) -> int:
        """Jobs queued or inside pebble."""
        with self._lock:
            return self._queued + self._running_jobs

    # -- jobs ----------------------------------------------------------------------------------

    def submit(self, jobs: list[Job]) -> None:
        """Queue jobs (one lock for the lot: a 4,096-item batch must not stall the caller)."""
        with self._lock:
            if self._closed or self._pool is None:
                raise PoolClosedError("verifier pool is not running")
            self._queue.extend(jobs)
            self._queued += len(jobs)
        self._pump()

    def _pump(self) -> None:
        """Move queued jobs into pebble while fewer than `_max_tasks` tasks are inside it."""
        while True:
            with self._lock:
                if self._closed or self._running_tasks >= self._max_tasks:
                    return
                jobs = self._take_locked()
                if not jobs:
                    return
                for job in jobs:
                    job.state = _State.RUNNING
                self._queued -= len(jobs)
                self._running_tasks += 1
                self._running_jobs += len(jobs)
            self._schedule(jobs)

    def _take_locked(self) -> list[Job]:
        """The next live job, with the plain jobs right behind it when it is plain itself."""
        jobs: list[Job] = []
        # Spread a short run of plain jobs over the workers instead of one chunk for one worker.
        limit = max(1, min(_MAX_CHUNK, self._queued // self._config.workers))
        while self._queue and len(jobs) < limit:
            job = self._queue[0]
            if job.state is _State.DROPPED:
                self._queue.popleft()
                continue
            if jobs and not (job.plain and jobs[0].plain):
                break
            jobs.append(self._queue.popleft())
            if not job.plain:
                break
        return jobs

    def _schedule(self, jobs: list[Job]) -> None:
        if len(jobs) == 1:
            function, args = worker.grade, (jobs[0].response, jobs[0].gold, jobs[0].options)
        else:
            function = worker.grade_chunk
            args = ([(job.response, job.gold, job.options) for job in jobs],)
        for _attempt in range(2):
            pool = self._pool
            if pool is None:
                break
            try:
                task = pool.schedule(function, args, timeout=self._config.item_timeout_s)
            except RuntimeError:  # pebble: this pool is broken (or we are closing)
                self._replace_pool(pool)
                continue
            if len(jobs) == 1:
                jobs[0].task = task
            with self._lock:
                self._inflight[id(task)] = jobs
            task.add_done_callback(lambda task, jobs=jobs: self._on_task_done(jobs, task))
            return
        with self._lock:
            self._running_tasks -= 1
            self._running_jobs -= len(jobs)
        _resolve([(job, PoolClosedError("verifier pool is not running")) for job in jobs])

    def cancel(self, jobs: list[Job]) -> list[bool]:
        """The request gave up on these jobs; per job, False when it had already finished.

        Queued jobs are dropped first, all under one lock (so that killing a running job cannot
        pull the next of them into a freed worker); then each running single job's worker is
        killed if it has started the job. A task still in pebble's pipe, or a chunk, is left to
        run to its end (at most its budget), and its result is dropped.
        """
        cancelled = [job.future.cancel() for job in jobs]
        to_kill = []
        with self._lock:
            for job, was_cancelled in zip(jobs, cancelled, strict=True):
                if not was_cancelled:
                    continue
                if job.state is _State.QUEUED:
                    job.state = _State.DROPPED
                    self._queued -= 1
                elif job.task is not None:
                    to_kill.append(job.task)
        for task in to_kill:
            if task.running() and task.cancel():
                self._on_restart("timeout")
        return cancelled

    def _on_task_done(self, jobs: list[Job], task: Future) -> None:
        """pebble thread: turn the task's outcome into Results, then feed the next jobs."""
        error = None if task.cancelled() else task.exception()
        broken = isinstance(error, BrokenProcessPool)
        with self._lock:
            self._inflight.pop(id(task), None)
            self._running_tasks -= 1
            self._running_jobs -= len(jobs)
            # Re-run a failed chunk one job per task, and jobs the whole pool broke under.
            rerun = [
                job
                for job in jobs
                if error is not None
                and (len(jobs) > 1 or (broken and job.attempts < 2))
                and not job.future.done()
                and not self._closed
            ]
            for job in reversed(rerun):
                job.attempts += 1 if broken else 0
                job.plain = False
                job.state = _State.QUEUED
                self._queue.appendleft(job)
            self._queued += len(rerun)
            pool = self._pool
        if broken and pool is not None:
            self._replace_pool(pool)
        if not task.cancelled() and not rerun:
            if len(jobs) > 1 and error is None:
                results, pid = task.result()
                self._count_task(pid)
                for job in jobs:
                    job.graded = True
                _resolve(list(zip(jobs, results, strict=True)))
            elif len(jobs) == 1:
                _resolve([(jobs[0], self._outcome(jobs[0], task))])
        elif rerun and len(jobs) > 1 and not broken:
            self._on_restart(_restart_reason(error))
        self._pump()

    def _outcome(self, job: Job, task: Future) -> Result:
        budget = self._config.item_timeout_s
        try:
            result, pid = task.result()
        except TimeoutError:
            self._on_restart("timeout")
            reason = f"exceeded the per-item budget of {budget:g} s"
            return Result(Verdict.TIMEOUT, reason, job.extracted, elapsed_s=budget)
        except ProcessExpired as exc:
            self._on_restart(_restart_reason(exc))
            reason = f"worker died (exit code {exc.exitcode})"
            return Result(Verdict.RESOURCE_LIMIT, reason, job.extracted)
        except Exception as exc:  # the pool broke twice under it, or a pickling problem
            return Result(Verdict.RESOURCE_LIMIT, f"pool error: {exc!r}", job.extracted)
        self._count_task(pid)
        job.graded = True
        return result

    def _count_task(self, pid: int) -> None:
        """pebble retires a worker after `max_tasks_per_child` tasks; report it as 'recycle'."""
        limit = self._config.max_tasks_per_child
        if limit <= 0:
            return
        with self._lock:
            count = self._tasks_by_pid.pop(pid, 0) + 1
            if count < limit:
                self._tasks_by_pid[pid] = count
            while len(self._tasks_by_pid) > 8 * self._config.workers:  # killed workers' pids
                self._tasks_by_pid.popitem(last=False)
        if count >= limit:
            self._on_restart("recycle")


def _restart_reason(error: BaseException | None) -> str:
    if isinstance(error, TimeoutError):
        return "timeout"
    # A SIGKILL that we did not send is the kernel's OOM killer; any other death is a crash.
    if isinstance(error, ProcessExpired) and error.exitcode == -signal.SIGKILL:
        return "memory"
    return "crash"


def _dispose(pool: ProcessPool) -> None:
    """Stop a broken pebble pool (its manager threads and any worker still alive)."""
    try:
        pool.stop()
        pool.join()
    except Exception:  # it is already broken; nothing more to free
        pass


def _resolve(outcomes: list[tuple[Job, Result | Exception]]) -> None:
    """Settle each job's future (unless its request cancelled it), then wake each listener once
    with its jobs: one wake-up of the event loop per finished task, not per item."""
    by_listener: dict[int, tuple[Callable[[list[Job]], None], list[Job]]] = {}
    for job, outcome in outcomes:
        try:
            if isinstance(outcome, Exception):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        except InvalidStateError:
            continue  # cancelled by its request
        if job.listener is not None:
            by_listener.setdefault(id(job.listener), (job.listener, []))[1].append(job)
    for listener, jobs in by_listener.values():
        listener(jobs)
