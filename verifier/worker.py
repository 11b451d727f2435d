"""Code that runs inside the verifier's worker processes (never in the service process).

The pool (`verifier/pool.py`) starts each worker with `init_worker` and sends it `grade` tasks.
`PRELOAD` is what the forkserver imports before it forks any worker, so a worker (and every
replacement of a killed one) starts with sympy and the grammar already imported: one import of
sympy for the whole pool instead of one per worker. This module itself imports no sympy, so the
service process can name its functions without loading the grader.
"""

from __future__ import annotations

import os
import resource
import signal
import time

from verifier.errors import OUT_OF_MEMORY
from verifier.liveness import Beat
from verifier.types import Result, Verdict, VerifyOptions

# Modules the forkserver imports once for all workers (the grader, and sympy with it).
PRELOAD = ("verifier.worker", "verifier.verify")

# A few inputs that walk the main code paths once, so the first real item of a fresh worker does
# not pay for lazy imports and grammar construction inside its budget.
_WARM_UP = (
    (r"so the answer is \boxed{\frac{6}{8}}", r"\frac34"),
    (r"\boxed{2\sqrt{3}+x^2}", r"x^2+\sqrt{12}"),
    (r"\boxed{(3,\infty)}", r"x>3"),
    ("Answer: 50\\%", "50"),
)


class _Worker:
    """This worker process's own state, set once by `init_worker` (pebble calls plain module
    functions, so it lives here; the module is only ever run in a worker)."""

    beat: Beat | None = None


def init_worker(
    memory_limit_mb: int, board_path: str | None, beat_interval_s: float, warm_up: bool = True
) -> None:
    """Worker initializer: join the heartbeat board, die promptly on SIGTERM, warm up, then cap
    the address space. (A lazy pool skips the warm-up: nothing waits on its first item, which
    pays the few milliseconds of first-use costs within its budget instead.)

    The heartbeat starts first, so a worker stopped even during its warm-up is noticed. pebble
    installs a Python-level SIGTERM handler in its workers; a Python handler only runs between
    bytecodes, so a worker stuck in one C-level big-integer operation would ignore it and pebble
    would wait 3 s before its SIGKILL. The default action ends the process at once, which is
    what a per-item wall-clock budget needs. (A stopped worker ignores SIGTERM until pebble's
    SIGKILL 3 s later: its item still ends as TIMEOUT, that much later.) The memory cap is set after
    the warm-up so that it limits what grading allocates, not the imports.
    """
    if board_path is not None:
        _Worker.beat = Beat.join(board_path, beat_interval_s)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from verifier.verify import verify

    for response, gold in _WARM_UP if warm_up else ():
        verify(response, gold, VerifyOptions())
    if memory_limit_mb > 0:
        limit = memory_limit_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def grade(response: str, gold: str, options: VerifyOptions) -> tuple[Result, int]:
    """Grade one item; returns the result (with the time spent here) and this worker's pid.

    The pid lets the parent count tasks per worker (to report recycling).
    """
    beat = _Worker.beat
    if beat is not None:
        beat.busy()
    try:
        return _grade(response, gold, options), os.getpid()
    finally:
        if beat is not None:
            beat.idle()


def _grade(response: str, gold: str, options: VerifyOptions) -> Result:
    """`verify` never raises for bad input; the handlers below cover what it cannot promise:
    hitting the memory cap or the interpreter's recursion limit on a pathological input."""
    from verifier.verify import verify  # loaded by the forkserver (PRELOAD) or the warm-up

    start = time.perf_counter()
    try:
        result = verify(response, gold, options)
    except OUT_OF_MEMORY:
        result = Result(Verdict.RESOURCE_LIMIT, reason="worker memory limit exceeded")
    except RecursionError:
        result = Result(Verdict.RESOURCE_LIMIT, reason="recursion limit exceeded")
    except Exception as exc:  # a grader bug must cost one item, never the batch
        result = Result(Verdict.UNPARSEABLE, reason=f"grader error: {type(exc).__name__}")
    elapsed = time.perf_counter() - start
    return Result(result.verdict, result.reason, result.extracted, elapsed_s=elapsed,
                  extracted_by=result.extracted_by)


def grade_chunk(items: list[tuple[str, str, VerifyOptions]]) -> tuple[list[Result], int]:
    """Grade several plain items in one task (one round trip instead of one per item)."""
    beat = _Worker.beat
    if beat is not None:
        beat.busy()
    try:
        results = [_grade(response, gold, options) for response, gold, options in items]
    finally:
        if beat is not None:
            beat.idle()
    return results, os.getpid()


def ping(hold_s: float) -> int:
    """Start-up probe: hold the worker briefly so that each worker answers one probe."""
    time.sleep(hold_s)
    return os.getpid()
