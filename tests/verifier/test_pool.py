"""VerifierPool with real worker processes: order, dedupe, cache, async API, deadlines, recycling.

Run: .venv/bin/pytest tests/verifier/test_pool.py -q
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from verifier.pool import PoolClosedError, PoolConfig, VerifierPool
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions
from verifier.verify import verify

OPTIONS = VerifyOptions()
# A real input that keeps sympy busy for far longer than any budget used here: a correct answer
# in another form, (a+b+c+d)^64 (a-b) against its distributed form, which the grader can only
# prove equal by expanding (a+b+c+d)^64 (47,905 terms; > 30 s unbounded).
SLOW = VerifyItem("slow", r"\boxed{(a+b+c+d)^{64}(a-b)}", r"(a+b+c+d)^{64}a-(a+b+c+d)^{64}b")

MIXED = [
    VerifyItem("a", r"so the answer is \boxed{\frac{6}{8}}", r"\frac34"),
    VerifyItem("b", r"\boxed{2}. Wait, actually \boxed{3}", "2"),
    VerifyItem("c", "we get 42 apples", "42"),
    VerifyItem("d", r"<think>\boxed{5}", "5"),
    VerifyItem("e", r"Answer: x = 5", "5"),
    VerifyItem("f", r"\boxed{__import__('os').getpid()}", "1"),
    VerifyItem("g", r"\boxed{(3,\infty)}", "x>3"),
    VerifyItem("h", r"\boxed{3.14}", r"\pi"),
    VerifyItem("i", r"\boxed{\sqrt{12}}", r"2\sqrt3"),
    VerifyItem(
        "j",
        r"\boxed{\begin{pmatrix}1&2\\3&4\end{pmatrix}}",
        r"\begin{bmatrix}1&2\\3&4\end{bmatrix}",
    ),
]


class Recorder:
    """A PoolObserver that keeps what it was told (called from several threads)."""

    def __init__(self) -> None:
        self.results: list[tuple[Result, bool]] = []
        self.restarts: list[str] = []
        self.live: list[int] = []
        self._lock = threading.Lock()

    def on_result(self, result: Result, cached: bool) -> None:
        with self._lock:
            self.results.append((result, cached))

    def on_worker_restart(self, reason: str) -> None:
        with self._lock:
            self.restarts.append(reason)

    def on_workers_live(self, count: int) -> None:
        with self._lock:
            self.live.append(count)

    def clear(self) -> None:
        with self._lock:
            self.results.clear()
            self.restarts.clear()


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def pool(recorder: Recorder) -> Iterator[VerifierPool]:
    with VerifierPool(PoolConfig(workers=2, item_timeout_s=1.0), observer=recorder) as started:
        yield started


@pytest.fixture
def rec(recorder: Recorder) -> Recorder:
    recorder.clear()
    return recorder


def test_results_in_input_order_equal_in_process_verify(pool: VerifierPool, rec: Recorder):
    results = pool.verify_many(MIXED, OPTIONS)
    expected = [verify(item.response, item.gold, OPTIONS) for item in MIXED]
    assert [r.verdict for r in results] == [e.verdict for e in expected]
    assert [r.extracted for r in results] == [e.extracted for e in expected]
    assert [r.correct for r in results] == [
        True,
        False,
        False,
        False,
        True,
        False,
        True,
        False,
        True,
        True,
    ]
    assert all(r.reason for r in results)
    assert len(rec.results) == len(MIXED)
    # The time measured inside the workers comes back with each result.
    assert all(r.elapsed_s > 0 for r in results)


def test_same_answer_in_a_group_is_graded_once(pool: VerifierPool, rec: Recorder):
    """A GRPO group: 12 differently worded responses, 3 distinct final answers."""
    gold = r"\frac{7}{9}"
    answers = [r"\frac{7}{9}", r"\frac{14}{18}", r"0.7"]
    group = [
        VerifyItem(
            str(i), f"Attempt {i}: after some algebra we get \\boxed{{{answers[i % 3]}}}", gold
        )
        for i in range(12)
    ]
    results = pool.verify_many(group, OPTIONS)
    assert [r.correct for r in results] == [i % 3 != 2 for i in range(12)]
    graded = [r for r, cached in rec.results if not cached]
    assert len(graded) == 3  # one grading per distinct (gold, answer)
    assert len(rec.results) == 12
    # Only the item that was graded carries worker time; its copies carry none.
    assert sum(r.elapsed_s > 0 for r in results) == 3


def test_cache_answers_a_repeated_batch(pool: VerifierPool, rec: Recorder):
    batch = [VerifyItem(str(i), f"\\boxed{{{i}}}", str(i * 2 % 7)) for i in range(20)]
    first = pool.verify_many(batch, OPTIONS)
    hits_before = pool.cache.hits
    rec.clear()
    second = pool.verify_many(batch, OPTIONS)
    assert [r.verdict for r in second] == [r.verdict for r in first]
    assert [cached for _r, cached in rec.results] == [True] * 20
    assert pool.cache.hits - hits_before == 20
    assert all(r.elapsed_s == 0.0 for r in second)


def test_async_api_matches_blocking_api(pool: VerifierPool):
    batch = [
        VerifyItem(str(i), f"\\boxed{{{i}/{i + 1}}}", f"\\frac{{{i}}}{{{i + 1}}}")
        for i in range(1, 30)
    ]

    async def main() -> tuple[list[Result], list[tuple[int, Result]]]:
        many = await pool.averify_many(batch, OPTIONS)
        streamed = [pair async for pair in pool.averify_stream(batch + MIXED, OPTIONS)]
        return many, streamed

    many, streamed = asyncio.run(main())
    assert all(r.correct for r in many)
    assert sorted(index for index, _ in streamed) == list(range(len(batch) + len(MIXED)))
    by_index = dict(streamed)
    blocking = pool.verify_many(MIXED, OPTIONS)
    assert [by_index[len(batch) + k].verdict for k in range(len(MIXED))] == [
        r.verdict for r in blocking
    ]


def test_deadline_mid_batch_times_out_only_the_unfinished(pool: VerifierPool, rec: Recorder):
    """Budget 5 s, request deadline 0.6 s: the slow item ends as "request deadline"."""
    with VerifierPool(PoolConfig(workers=2, item_timeout_s=5.0), observer=rec) as own:
        start = time.monotonic()
        results = own.verify_many([SLOW, *MIXED[:4]], OPTIONS, deadline=start + 0.6)
        took = time.monotonic() - start
        assert results[0].verdict is Verdict.TIMEOUT
        assert results[0].reason == "request deadline"
        assert [r.correct for r in results[1:]] == [True, False, False, False]
        assert 0.5 <= took < 1.5
        assert rec.restarts == ["timeout"]  # the worker running it was killed, not left busy
        # The pool goes on serving, with a fresh worker in place of the killed one.
        assert own.verify_many(MIXED[:1], OPTIONS)[0].correct
        assert own.pending_items == 0


def test_stream_deadline_and_pending_items(pool: VerifierPool):
    async def main() -> tuple[list[tuple[int, Result]], int, float]:
        start = time.monotonic()
        stream = pool.averify_stream([SLOW, *MIXED[:3]], OPTIONS, deadline=start + 0.5)
        pairs, busy = [], 0
        async for pair in stream:
            busy = max(busy, pool.pending_items)
            pairs.append(pair)
        return pairs, busy, time.monotonic() - start

    pairs, busy, took = asyncio.run(main())
    assert pairs[-1][0] == 0  # the slow item is the last to come back ...
    assert pairs[-1][1].verdict is Verdict.TIMEOUT  # ... as a timeout at the deadline
    assert busy >= 1  # it was still pending while the others streamed back
    assert took < 1.5
    assert pool.pending_items == 0


def test_cancelled_request_frees_its_workers(rec: Recorder):
    """A caller that goes away (a cancelled RPC) leaves no work behind: running items are killed,
    queued ones dropped, and the pool serves the next request at once."""
    slow = [
        VerifyItem(
            f"s{v}", f"\\boxed{{(a+b+c+d)^{{64}}(a-{v})}}", f"(a+b+c+d)^{{64}}a-(a+b+c+d)^{{64}}{v}"
        )
        for v in "bc"
    ]
    with VerifierPool(PoolConfig(workers=2, item_timeout_s=30.0), observer=rec) as own:

        async def main() -> int:
            request = asyncio.ensure_future(own.averify_many([*slow, *MIXED], OPTIONS))
            await asyncio.sleep(1.0)
            busy = own.pending_items
            request.cancel()
            with pytest.raises(asyncio.CancelledError):
                await request
            return busy

        busy = asyncio.run(main())
        # Two slow items running, the rest queued, except "b" (plain 3 against plain 2), which
        # this process decides itself.
        assert busy == 2 + len(MIXED) - 1
        assert rec.restarts == ["timeout", "timeout"]  # the two running ones were killed
        for _ in range(50):  # the (fast) tasks already in pebble's pipe finish on their own
            if own.pending_items == 0:
                break
            time.sleep(0.1)
        assert own.pending_items == 0
        start = time.monotonic()
        assert own.verify_many(MIXED[:1], OPTIONS)[0].correct
        assert time.monotonic() - start < 5.0  # not stuck behind 30 s of abandoned work


def test_workers_are_recycled_after_max_tasks(rec: Recorder):
    config = PoolConfig(workers=2, item_timeout_s=2.0, max_tasks_per_child=3, cache_size=0)
    with VerifierPool(config, observer=rec) as own:
        # Not plain numbers, so each item is its own task (plain ones share chunk tasks).
        batch = [VerifyItem(str(i), f"\\boxed{{x+{i}}}", f"{i}+x") for i in range(16)]
        results = own.verify_many(batch, OPTIONS)
    assert all(r.correct for r in results)
    assert rec.restarts.count("recycle") >= 3
    assert set(rec.restarts) == {"recycle"}


def test_closed_pool_refuses_requests():
    pool = VerifierPool(PoolConfig(workers=1))
    with pytest.raises(PoolClosedError):
        pool.verify_many(MIXED[:1], OPTIONS)  # never started
    pool.start()
    assert pool.verify_many(MIXED[:1], OPTIONS)[0].correct
    pool.close()
    with pytest.raises(PoolClosedError):
        pool.verify_many(MIXED[:1], OPTIONS)


def test_close_fails_the_requests_in_flight():
    """Shutdown under a straggler: its call ends with PoolClosedError, it does not hang."""
    pool = VerifierPool(PoolConfig(workers=1, item_timeout_s=30.0))
    pool.start()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            pool.verify_many([SLOW, *MIXED], OPTIONS)
        except PoolClosedError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.5)
    pool.close()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(errors) == 1


def test_empty_batch(pool: VerifierPool):
    assert pool.verify_many([], OPTIONS) == []
    assert asyncio.run(pool.averify_many([], OPTIONS)) == []


def test_answer_keys_cover_only_responses_the_grader_reads_whole():
    """Responses up to the parent-extraction limit are keyed by their extracted answer, so the
    grader must judge all of them by that answer alone (it refuses only longer responses)."""
    from verifier import limits
    from verifier import pool as pool_module

    assert pool_module._MAX_PARENT_EXTRACT_CHARS <= limits.LIMITS.max_response_chars
    long_response = "x" * (pool_module._MAX_PARENT_EXTRACT_CHARS - 100) + r" \boxed{7}"
    short_response = r"\boxed{7}"
    assert verify(long_response, "7").verdict is verify(short_response, "7").verdict


@pytest.mark.parametrize(
    "bad",
    [
        {"workers": 0},
        {"item_timeout_s": 0},
        {"memory_limit_mb": -1},
        {"mp_context": "threads"},
        {"unresponsive_after_s": 0.2},  # below the heartbeat's own period: kills healthy workers
    ],
)
def test_config_is_checked(bad: dict):
    with pytest.raises(ValueError):
        PoolConfig(**bad)
