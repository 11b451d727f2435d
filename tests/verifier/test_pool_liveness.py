"""Stopped workers (SIGSTOP), with a real pool, real worker processes and real signals.

Run: .venv/bin/pytest tests/verifier/test_pool_liveness.py -q

An idle worker that stops beating (stopped, frozen) would stay counted forever while never taking
a task: the pool kills it, replaces it, counts the restart as "unresponsive" and reports the live
worker count. A worker stopped while busy costs only its item, at its budget, like a hung one.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from verifier.liveness import Board
from verifier.pool import PoolConfig, VerifierPool
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions

OPTIONS = VerifyOptions()
# Correct in another form that only expanding (a+b+c+d)^64 proves: far longer than any budget.
SLOW = VerifyItem("slow", r"\boxed{(a+b+c+d)^{64}(a-b)}", r"(a+b+c+d)^{64}a-(a+b+c+d)^{64}b")
# Not plain numbers, so each one goes to a worker as its own task.
BATCH = [VerifyItem(f"b{i}", f"\\boxed{{x^2+{i}x}}", f"x({i}+x)") for i in range(60)]


class Recorder:
    def __init__(self) -> None:
        self.restarts: list[str] = []
        self.live: list[int] = []
        self._lock = threading.Lock()

    def on_result(self, result: Result, cached: bool) -> None:
        pass

    def on_worker_restart(self, reason: str) -> None:
        with self._lock:
            self.restarts.append(reason)

    def on_workers_live(self, count: int) -> None:
        with self._lock:
            self.live.append(count)


def _worker_pids() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "pebble_pool_worker"}


def _running(pid: int) -> bool:
    """The process exists and has not exited (a zombie has exited)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _wait_for(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    """Poll until `condition` holds (a generous bound: CI machines are slow, not broken)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.1)


def test_stopped_idle_worker_is_replaced_and_capacity_restored():
    recorder = Recorder()
    config = PoolConfig(workers=2, item_timeout_s=5.0, cache_size=0, unresponsive_after_s=5.0)
    others = _worker_pids()  # other pools' workers in this test session
    with VerifierPool(config, observer=recorder) as pool:
        workers = _worker_pids() - others
        assert len(workers) == 2
        assert pool.live_workers == 2
        victim = min(workers)
        os.kill(victim, signal.SIGSTOP)
        try:
            _wait_for(lambda: not _running(victim))  # killed, not left stopped
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)  # never leave a stopped process behind
        assert recorder.restarts == ["unresponsive"]  # counted once, with its reason
        _wait_for(lambda: pool.live_workers == 2 and len(pool.workers()) == 2)
        _wait_for(lambda: recorder.live[-1] == 2)  # the gauge follows within a watch round
        assert 1 in recorder.live  # it showed the lost worker before the replacement
        before = {w.pid: w.tasks for w in pool.workers()}
        assert victim not in before

        results = pool.verify_many(BATCH, OPTIONS)

        assert all(r.correct for r in results), [r for r in results if not r.correct]
        after = {w.pid: w.tasks for w in pool.workers()}
        assert set(after) == set(before)  # the same two live workers ...
        assert all(after[pid] > before[pid] for pid in after)  # ... both took part
        assert recorder.restarts == ["unresponsive"]
    assert recorder.live[-1] == 0  # closed


def test_worker_stopped_while_busy_costs_only_its_item():
    """One worker, stopped inside a slow item: that item ends at its budget as TIMEOUT, the
    worker is replaced and the items queued behind it are graded."""
    recorder = Recorder()
    budget = 1.0
    config = PoolConfig(workers=1, item_timeout_s=budget, cache_size=0, unresponsive_after_s=5.0)
    with VerifierPool(config, observer=recorder) as pool:
        outcome: list[list[Result]] = []
        batch = [SLOW, *BATCH[:8]]
        thread = threading.Thread(target=lambda: outcome.append(pool.verify_many(batch, OPTIONS)))
        thread.start()
        _wait_for(lambda: any(w.busy_s is not None for w in pool.workers()))
        (victim,) = [w.pid for w in pool.workers()]
        os.kill(victim, signal.SIGSTOP)
        try:
            thread.join(timeout=60)
            assert not thread.is_alive()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        results = outcome[0]
        assert results[0].verdict is Verdict.TIMEOUT
        assert "budget" in results[0].reason
        assert all(r.correct for r in results[1:])
        assert not _running(victim)
        assert recorder.restarts == ["timeout"]  # a budget kill, not an unresponsive one
        _wait_for(lambda: pool.live_workers == 1)


def test_board_slot_is_freed_by_the_kernel_when_its_worker_dies():
    """A slot is held by a lock that dies with its process, however it dies (here SIGKILL)."""
    board = Board.create(slots=2)
    child = None
    try:
        code = (
            "import sys, time\n"
            "from verifier.liveness import Beat\n"
            f"assert Beat.join({board.path!r}, 0.1) is not None\n"
            "print('ready', flush=True)\n"
            "time.sleep(120)\n"
        )
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        (state,) = board.read()
        assert state.pid == child.pid
        assert state.busy_s is None and state.tasks == 0
        child.kill()
        child.wait(timeout=30)
        assert board.read() == []
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        board.close()


def test_live_worker_gauge_is_exported():
    from mathreward.metrics import ServiceMetrics

    metrics = ServiceMetrics()
    with VerifierPool(PoolConfig(workers=2), observer=metrics):
        assert metrics.registry.get_sample_value("mathreward_workers_live") == 2
    assert metrics.registry.get_sample_value("mathreward_workers_live") == 0
