"""Feeds grading jobs to a pebble process pool, a few tasks at a time, each with a time budget.

Why not hand every job to pebble at once: pebble writes each scheduled task into the workers' pipe
immediately, and a task that is cancelled after a worker has picked it up costs that worker its
life. Keeping two tasks per worker inside pebble and the rest in our own queue means that a request
which runs out of time (or is cancelled) simply drops its queued jobs, and only the jobs actually
running are killed.

One task is one job, except for "plain" jobs (a bare number or fraction against a bare number or
fraction, cheap to grade; or, for a batch command, any job: see PoolConfig.chunk_all):
consecutive plain jobs travel as one chunk task, because a task's round trip through pebble costs
the parent more CPU than the grading itself (bench/verifier_pool_overhead.py). A chunk that fails
anyway (timeout, dead worker) loses nothing: its jobs are re-run one task each, with their own
budgets.

pebble's own failure modes are handled here too: it gives up on its whole pool when a worker dies
while no task runs, and a worker killed while it holds the pipe's lock (or while it unpickles a
task) wedges the others or loses that task without a timeout. Either way a fresh pebble pool
replaces the old one and the jobs that were inside it run again (at most twice).

Liveness (`verifier/liveness.py`): every worker beats on a shared board. A worker that is idle and
has not beaten for `unresponsive_after_s` (stopped by SIGSTOP, frozen) would otherwise stay counted
while never taking a task again; the watch thread SIGKILLs it (reported as "unresponsive") and a
fresh worker takes its place: pebble starts one itself while other tasks run, and when none runs
pebble gives up on the whole pool, which the watch thread then replaces. A worker stopped while
busy is ended by its task's budget like a hung one (TIMEOUT, the other items unaffected; pebble's
SIGTERM waits until it continues, so pebble's SIGKILL 3 s later ends it). The
number of live workers goes to `on_live(count)` whenever it changes.

Start-up: with `lazy`, no process exists until the first job is submitted (a batch whose items
are all decided in the service process never starts one). The forkserver imports the grader once
(`worker.PRELOAD`) and forks every worker from that.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pebble import ProcessExpired, ProcessPool

from verifier import worker
from verifier.jobs import Job, JobState, Outcome, PoolClosedError, resolve
from verifier.liveness import Board, SlotState
from verifier.types import Result, Verdict

_TASKS_PER_WORKER = 2
_MAX_CHUNK = 64  # plain jobs per chunk task (default)
_MAX_ATTEMPTS = 3  # runs of one job across pebble pools that broke or stalled under it
_WATCH_S = 1.0  # how often the watch thread looks at the tasks, the pool and the heartbeats
_BEAT_S = 0.5  # how often a worker beats

__all__ = ["DispatchConfig", "Dispatcher", "Job", "PoolClosedError"]


@dataclass(frozen=True)
class DispatchConfig:
    workers: int
    item_timeout_s: float
    memory_limit_mb: int
    max_tasks_per_child: int
    mp_context: str
    plain_chunk_size: int = _MAX_CHUNK
    lazy: bool = False  # start the workers with the first job instead of in start()
    unresponsive_after_s: float = 10.0  # an idle worker silent this long is replaced


@dataclass
class _Inflight:
    """A task inside pebble: its jobs, the pebble pool that has it, when it was handed over."""

    jobs: list[Job]
    pool: ProcessPool
    since: float


class Dispatcher:
    """Our queue in front of pebble; `on_restart(reason)` is called from pool threads."""

    def __init__(
        self,
        config: DispatchConfig,
        on_restart: Callable[[str], None],
        on_live: Callable[[int], None] | None = None,
    ) -> None:
        self._config = config
        self._on_restart = on_restart
        self._on_live = on_live
        self._pool: ProcessPool | None = None
        self._started = False
        self._board: Board | None = None
        self._live = 0  # last count reported to on_live
        self._suspects: set[int] = set()  # idle and silent at the last watch round
        # (pool, until): a pool that breaks because we killed an idle worker in it (pebble gives
        # up on a pool when an idle worker dies) is replaced without counting a crash.
        self._expected_break: tuple[ProcessPool, float] | None = None
        self._context = multiprocessing.get_context(config.mp_context)
        self._lock = threading.Lock()
        self._queue: deque[Job] = deque()
        self._queued = 0  # live (not dropped) jobs in the deque
        self._running_jobs = 0  # jobs in tasks inside pebble
        self._inflight: dict[Future, _Inflight] = {}  # pebble task -> its record
        self._tasks_by_pid: OrderedDict[int, int] = OrderedDict()  # to notice recycling
        self._closed = False
        self._stop = threading.Event()
        # Tasks inside pebble at once: one running plus one waiting in the pipe per worker, so a
        # worker never idles for a round trip through the parent, while a deadline strands at
        # most one waiting task per worker.
        self._max_tasks = _TASKS_PER_WORKER * config.workers
        # A task that no worker has started after this long is lost (see the module docstring):
        # normally a waiting task starts within one budget, when a worker frees up.
        self._stall_s = max(5.0, 3 * config.item_timeout_s)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, warm_timeout_s: float = 120.0) -> None:
        if self._config.mp_context == "forkserver":
            # Effective only if this process has not started its forkserver yet; then every
            # worker (and every replacement of a killed one) is forked with sympy imported.
            self._context.set_forkserver_preload(list(worker.PRELOAD))
        # Twice the workers: a replaced pool's workers may hold their slots a moment longer.
        self._board = Board.create(slots=2 * self._config.workers + 4)
        with self._lock:
            self._started = True
            if not self._config.lazy:
                self._pool = self._new_pool()
        if not self._config.lazy:
            self._wait_warm(warm_timeout_s)
            self._report_live()
        threading.Thread(target=self._watch, name="verifier-pool-watch", daemon=True).start()

    def _new_pool(self) -> ProcessPool:
        assert self._board is not None
        return ProcessPool(
            max_workers=self._config.workers,
            max_tasks=self._config.max_tasks_per_child,
            initializer=worker.init_worker,
            initargs=(
                self._config.memory_limit_mb,
                self._board.path,
                _BEAT_S,
                not self._config.lazy,  # warm up before serving only when something waits
            ),
            context=self._context,
        )

    def _pool_locked(self) -> ProcessPool | None:
        """The pebble pool, created now for the first job of a lazy dispatcher."""
        if self._pool is None and self._started and not self._closed:
            self._pool = self._new_pool()
        return self._pool

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

    def close(self) -> None:
        """Stop the workers; every job not finished yet fails with PoolClosedError."""
        self._stop.set()
        with self._lock:
            self._closed = True
            leftover = list(self._queue)
            self._queue.clear()
            self._queued = 0
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join()
        with self._lock:
            leftover += [job for record in self._inflight.values() for job in record.jobs]
            self._inflight.clear()
        if self._board is not None:
            self._board.close()
        self._report_live(0)
        resolve([(job, PoolClosedError("verifier pool closed")) for job in leftover])

    def ensure_open(self) -> None:
        if self._closed or not self._started:
            raise PoolClosedError("verifier pool is not running")

    @property
    def live_workers(self) -> int:
        """Worker processes alive and responsive: busy, or idle with a recent heartbeat."""
        return sum(1 for state in self.workers() if self._responsive(state))

    def workers(self) -> list[SlotState]:
        """Every worker process alive now (responsive or not), from the heartbeat board."""
        board = self._board
        if board is None or self._closed:
            return []
        with contextlib.suppress(ValueError):  # the board was closed under us
            return board.read()
        return []

    def _responsive(self, state: SlotState) -> bool:
        return state.busy_s is not None or state.beat_age_s <= self._config.unresponsive_after_s

    @property
    def pending(self) -> int:
        """Jobs queued or inside pebble."""
        with self._lock:
            return self._queued + self._running_jobs

    # -- submitting ----------------------------------------------------------------------------

    def submit(self, jobs: list[Job]) -> None:
        """Queue jobs (one lock for the lot: a 4,096-item batch must not stall the caller)."""
        with self._lock:
            if self._closed or not self._started:
                raise PoolClosedError("verifier pool is not running")
            self._queue.extend(jobs)
            self._queued += len(jobs)
        self._pump()

    def _pump(self) -> None:
        """Move queued jobs into pebble while fewer than `_max_tasks` tasks are inside it."""
        while True:
            with self._lock:
                if self._closed or len(self._inflight) >= self._max_tasks:
                    return
                jobs = self._take_locked()
                if not jobs:
                    return
                for job in jobs:
                    job.state = JobState.RUNNING
                self._queued -= len(jobs)
                self._running_jobs += len(jobs)
                pool = self._pool_locked()
                task = self._schedule_locked(pool, jobs)
                given_up = []
                if task is None:  # the pool is broken: put them back, replace it, retry
                    given_up = self._requeue_locked(jobs, count_attempt=False)
            resolve(given_up)
            if task is None:
                if not self._recover(pool):
                    return
                continue
            # Outside the lock: a task that is already done runs the callback right here.
            task.add_done_callback(self._on_task_done)

    def _take_locked(self) -> list[Job]:
        """The next live job, with the plain jobs right behind it when it is plain itself."""
        jobs: list[Job] = []
        # Spread a short run of plain jobs over the workers instead of one chunk for one worker.
        limit = max(1, min(self._config.plain_chunk_size, self._queued // self._config.workers))
        while self._queue and len(jobs) < limit:
            job = self._queue[0]
            if job.state is JobState.DROPPED:
                self._queue.popleft()
                continue
            if jobs and not (job.plain and jobs[0].plain):
                break
            jobs.append(self._queue.popleft())
            if not job.plain:
                break
        return jobs

    def _schedule_locked(self, pool: ProcessPool | None, jobs: list[Job]) -> Future | None:
        if pool is None:
            return None
        if len(jobs) == 1:
            function, args = worker.grade, (jobs[0].response, jobs[0].gold, jobs[0].options)
        else:
            function = worker.grade_chunk
            args = ([(job.response, job.gold, job.options) for job in jobs],)
        try:
            task = pool.schedule(function, args, timeout=self._config.item_timeout_s)
        except RuntimeError:  # pebble: this pool is broken
            return None
        if len(jobs) == 1:
            jobs[0].task = task
        self._inflight[task] = _Inflight(jobs, pool, time.monotonic())
        return task

    def _requeue_locked(self, jobs: list[Job], count_attempt: bool) -> list[Outcome]:
        """Put unfinished jobs back at the front. Returns the outcomes of those that cannot run
        again (out of attempts, or the pool is closing) for `resolve`, outside the lock."""
        given_up: list[Outcome] = []
        reason = "pool error: the worker pool failed under this item repeatedly"
        for job in reversed(jobs):
            self._running_jobs -= 1
            if job.future.done():
                continue
            job.attempts += 1 if count_attempt else 0
            if self._closed:
                given_up.append((job, PoolClosedError("verifier pool closed")))
            elif job.attempts >= _MAX_ATTEMPTS:
                given_up.append((job, Result(Verdict.RESOURCE_LIMIT, reason, job.extracted)))
            else:
                job.state = JobState.QUEUED
                self._queue.appendleft(job)
                self._queued += 1
        return given_up

    # -- cancelling ----------------------------------------------------------------------------

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
                if job.state is JobState.QUEUED:
                    job.state = JobState.DROPPED
                    self._queued -= 1
                elif job.task is not None:
                    to_kill.append(job.task)
        for task in to_kill:
            if task.running() and task.cancel():
                self._on_restart("timeout")
        return cancelled

    # -- results -------------------------------------------------------------------------------

    def _on_task_done(self, task: Future) -> None:
        """pebble thread: turn the task's outcome into Results, then feed the next jobs."""
        error = None if task.cancelled() else task.exception()
        with self._lock:
            record = self._inflight.pop(task, None)
            if record is None:
                return  # its pool was replaced and its jobs re-queued already
            jobs = record.jobs
            broken = isinstance(error, BrokenProcessPool)
            if broken or (error is not None and len(jobs) > 1):
                # The pool broke under it, or a chunk failed: run the jobs again (a chunk's one
                # task each, with their own budgets).
                for job in jobs:
                    job.plain = False
                given_up = self._requeue_locked(jobs, count_attempt=broken)
                jobs = []
            else:
                given_up = []
                self._running_jobs -= len(jobs)
        if broken:
            self._recover(record.pool)
        elif error is not None and not jobs:
            self._on_restart(_restart_reason(error))  # a chunk's worker was killed
        resolve(given_up)
        if task.cancelled() or not jobs:
            pass
        elif len(jobs) > 1:
            results, pid = task.result()
            self._count_task(pid)
            for job in jobs:
                job.graded = True
            resolve(list(zip(jobs, results, strict=True)))
        else:
            resolve([(jobs[0], self._outcome(jobs[0], task))])
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
        except Exception as exc:  # a pickling problem
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

    # -- pebble pool failures ------------------------------------------------------------------

    def _watch(self) -> None:
        """Every `_WATCH_S`: replace a wedged or broken pebble pool and unresponsive idle
        workers; report the live worker count when it changes."""
        while not self._stop.wait(_WATCH_S):
            self._replace_stalled()
            self._replace_unresponsive()
            self._replace_broken()
            self._report_live()

    def _replace_stalled(self) -> None:
        """A task that has waited too long for any worker to start it: the pool is wedged."""
        now = time.monotonic()
        with self._lock:
            stalled = [
                record.pool
                for task, record in self._inflight.items()
                if not task.running() and not task.done() and now - record.since > self._stall_s
            ]
        for pool in stalled[:1]:
            self._recover(pool)

    def _replace_unresponsive(self) -> None:
        """SIGKILL idle workers silent for `unresponsive_after_s` on two watch rounds in a row.

        Two rounds, so that a slot claimed by a new worker between our reads of its lock and its
        pid is never mistaken for its silent previous owner. pebble then starts a worker in its
        place, or (when no task is running) gives up on its pool, which `_replace_broken`
        replaces without counting a second restart.
        """
        limit = self._config.unresponsive_after_s
        silent = {s.pid for s in self.workers() if s.busy_s is None and s.beat_age_s > limit}
        confirmed = silent & self._suspects
        self._suspects = silent - confirmed
        if not confirmed:
            return
        with self._lock:
            if self._pool is not None:
                self._expected_break = (self._pool, time.monotonic() + 5 * _WATCH_S)
        for pid in confirmed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # the only signal a stopped process cannot defer
            self._on_restart("unresponsive")

    def _replace_broken(self) -> None:
        """pebble gives up on its whole pool when an idle worker dies; start a fresh one."""
        with self._lock:
            pool = None if self._closed else self._pool
        if pool is not None and not pool.active:
            self._recover(pool)

    def _report_live(self, count: int | None = None) -> None:
        live = self.live_workers if count is None else count
        if live != self._live:
            self._live = live
            if self._on_live is not None:
                self._on_live(live)

    def _recover(self, failed: ProcessPool | None) -> bool:
        """Start a fresh pebble pool in place of `failed`; re-queue the jobs it held."""
        with self._lock:
            if self._closed or failed is None or self._pool is not failed:
                return False  # closed, or already replaced
            self._pool = fresh = self._new_pool()
            # Broken because we killed an unresponsive worker: that restart is counted already.
            expected = self._expected_break
            counted = (
                expected is not None and expected[0] is failed and time.monotonic() < expected[1]
            )
            if counted:
                self._expected_break = None
            lost = [task for task, record in self._inflight.items() if record.pool is failed]
            given_up = []
            for task in lost:
                given_up += self._requeue_locked(self._inflight.pop(task).jobs, not counted)
        if not counted:
            self._on_restart("crash")
        resolve(given_up)
        threading.Thread(target=_dispose, args=(failed,), daemon=True).start()
        with contextlib.suppress(RuntimeError):
            _ = fresh.active  # start its workers now, not with the next job
        self._pump()
        return True


def _restart_reason(error: BaseException | None) -> str:
    if isinstance(error, TimeoutError):
        return "timeout"
    # A SIGKILL that we did not send is the kernel's OOM killer; any other death is a crash.
    if isinstance(error, ProcessExpired) and error.exitcode == -signal.SIGKILL:
        return "memory"
    return "crash"


def _dispose(pool: ProcessPool) -> None:
    """Stop a replaced pebble pool (its manager threads and any worker still alive)."""
    try:
        pool.stop()
        pool.join()
    except Exception:  # it is broken already; nothing more to free
        pass
