"""Code that runs inside the verifier's worker processes (never in the service process).

The pool (`verifier/pool.py`) starts each worker with `init_worker` and sends it `grade` tasks.
This module is also preloaded by the forkserver, so a worker that replaces a killed one is forked
with sympy and the LaTeX grammar already imported (milliseconds instead of a second of imports).
"""

from __future__ import annotations

import os
import resource
import signal
import time

from verifier.errors import OUT_OF_MEMORY
from verifier.types import Result, Verdict, VerifyOptions
from verifier.verify import verify

# A few inputs that walk the main code paths once, so the first real item of a fresh worker does
# not pay for lazy imports and grammar construction inside its budget.
_WARM_UP = (
    (r"so the answer is \boxed{\frac{6}{8}}", r"\frac34"),
    (r"\boxed{2\sqrt{3}+x^2}", r"x^2+\sqrt{12}"),
    (r"\boxed{(3,\infty)}", r"x>3"),
    ("Answer: 50\\%", "50"),
)


def init_worker(memory_limit_mb: int) -> None:
    """Worker initializer: die promptly on SIGTERM, warm up, then cap the address space.

    pebble installs a Python-level SIGTERM handler in its workers; a Python handler only runs
    between bytecodes, so a worker stuck in one C-level big-integer operation would ignore it and
    pebble would wait 3 s before its SIGKILL. The default action ends the process at once, which is
    what a per-item wall-clock budget needs. The memory cap is set after the warm-up so that it
    limits what grading allocates, not the imports.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for response, gold in _WARM_UP:
        verify(response, gold, VerifyOptions())
    if memory_limit_mb > 0:
        limit = memory_limit_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def grade(response: str, gold: str, options: VerifyOptions) -> tuple[Result, int]:
    """Grade one item; returns the result (with the time spent here) and this worker's pid.

    The pid lets the parent count tasks per worker (to report recycling). `verify` never raises
    for bad input; the handlers below cover what it cannot promise: hitting the memory cap or the
    interpreter's recursion limit on a pathological input.
    """
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
    return (
        Result(result.verdict, result.reason, result.extracted, elapsed_s=elapsed,
               extracted_by=result.extracted_by),
        os.getpid(),
    )


def grade_chunk(items: list[tuple[str, str, VerifyOptions]]) -> tuple[list[Result], int]:
    """Grade several plain items in one task (one round trip instead of one per item)."""
    return [grade(response, gold, options)[0] for response, gold, options in items], os.getpid()


def ping(hold_s: float) -> int:
    """Start-up probe: hold the worker briefly so that each worker answers one probe."""
    time.sleep(hold_s)
    return os.getpid()
