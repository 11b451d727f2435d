"""The engine on a real tiny model: batched scores equal one-at-a-time scores, order is kept,
per-item statuses sit alongside good items, and overload raises PrmQueueFull."""

from __future__ import annotations

import asyncio
import random

import pytest

from prm.engine import PrmConfig, PrmEngine, PrmNotReady, PrmQueueFull, StepStatus
from prm.testing import build_tiny_qwen_prm, engine_score


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    return build_tiny_qwen_prm(tmp_path_factory.mktemp("prm") / "tiny", max_length=256)


def _items(n: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.randint(1, 99), rng.randint(1, 99)
        steps = [f"she buys {a} + {b} = {a + b} apples"] * rng.randint(1, 6)
        out.append((f"problem {i}: how many apples " + "each day " * rng.randint(0, 8), steps))
    return out


def _run(coro):
    return asyncio.run(coro)


def test_batched_scores_equal_single_scores_in_order(tiny_path):
    items = _items(40)

    async def go():
        single = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu", max_batch_size=1))
        batched = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu", max_batch_size=16,
                                      max_batch_tokens=1200, max_wait_ms=20))
        await single.start()
        await batched.start()
        one = [await single.score(p, s) for p, s in items]
        # many concurrent callers, some with several items each
        groups = [items[i : i + 3] for i in range(0, len(items), 3)]
        many = await asyncio.gather(*(batched.score_many(g) for g in groups))
        await single.close()
        await batched.close()
        return one, [r for g in many for r in g]

    one, many = _run(go())
    assert len(many) == len(items)
    for a, b, (_, steps) in zip(one, many, items, strict=True):
        assert a.status == b.status == StepStatus.OK
        assert len(b.scores) == len(steps)
        assert b.scores == pytest.approx(a.scores, abs=1e-5)


def test_too_long_and_empty_items_beside_good_ones(tiny_path):
    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu"))
        await engine.start()
        try:
            return await engine.score_many([
                ("p", ["1 + 1 = 2"]),
                ("p", ["word " * 400]),  # > 256 tokens
                ("p", []),
                ("p", ["2 + 2 = 4", "so 4"]),
            ])
        finally:
            await engine.close()

    res = _run(go())
    assert [r.status for r in res] == [StepStatus.OK, StepStatus.TOO_LONG, StepStatus.NO_STEPS,
                                       StepStatus.OK]
    assert "256" in res[1].reason
    assert len(res[0].scores) == 1 and len(res[3].scores) == 2
    assert all(0.0 <= s <= 1.0 for s in res[3].scores)


def test_queue_full_is_all_or_nothing(tiny_path):
    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu",
                                     max_queue_items=10))
        await engine.start()
        try:
            with pytest.raises(PrmQueueFull):
                await engine.score_many(_items(11))
            assert engine.pending_items == 0  # nothing was admitted
            first = asyncio.create_task(engine.score_many(_items(8)))
            await asyncio.sleep(0)  # let the first request reserve its places
            with pytest.raises(PrmQueueFull):
                await engine.score_many(_items(3))
            done = await first
            assert engine.pending_items == 0
            return done, await engine.score_many(_items(10))
        finally:
            await engine.close()

    first, later = _run(go())
    assert len(first) == 8 and len(later) == 10
    assert all(r.status == StepStatus.OK for r in first + later)


def test_not_started_engine_refuses(tiny_path):
    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu"))
        assert not engine.ready
        with pytest.raises(PrmNotReady):
            await engine.score("p", ["s"])
        await engine.start()
        assert engine.ready
        await engine.close()
        assert not engine.ready

    _run(go())


def test_cancelled_caller_does_not_break_the_engine(tiny_path):
    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu", max_wait_ms=50))
        await engine.start()
        try:
            task = asyncio.create_task(engine.score_many(_items(30, seed=3)))
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            res = await engine.score_many(_items(5, seed=4))
            for _ in range(100):  # cancelled items drain out of the accounting
                if engine.pending_items == 0:
                    break
                await asyncio.sleep(0.02)
            return res, engine.pending_items
        finally:
            await engine.close()

    res, pending = _run(go())
    assert all(r.status == StepStatus.OK for r in res)
    assert pending == 0


def test_lone_request_on_an_idle_engine_does_not_wait_for_company(tiny_path):
    """With the inference thread idle, a request goes at once instead of waiting max_wait_ms
    (here 30 s, far beyond the test's timeout) for a batch to fill; with the knob off it waits."""
    problem, steps = _items(1)[0]

    async def go(dispatch_when_idle: bool, timeout: float):
        engine = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu",
                                     max_wait_ms=30_000, dispatch_when_idle=dispatch_when_idle))
        await engine.start()
        try:
            return await asyncio.wait_for(engine.score(problem, steps), timeout)
        finally:
            await engine.close()

    assert _run(go(True, timeout=10)).status == StepStatus.OK
    with pytest.raises(TimeoutError):
        _run(go(False, timeout=2))


def test_encode_processes_give_the_same_results_and_survive_a_dead_worker(tiny_path):
    mixed = [*_items(7, seed=3), ("p", ["word " * 400]), ("p", []), *_items(4, seed=4)]

    async def go():
        here = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu"))
        pooled = PrmEngine(PrmConfig(model_path=str(tiny_path), device="cpu",
                                     encode_processes=2))
        await here.start()
        await pooled.start()
        try:
            want = await here.score_many(mixed)
            got = await pooled.score_many(mixed)
            for proc in pooled._encode._processes.values():  # a worker killed under load
                proc.kill()
            await asyncio.sleep(0.5)
            lost = await pooled.score_many(mixed[:3])
            again = await pooled.score_many(mixed)
            return want, got, lost, again
        finally:
            await here.close()
            await pooled.close()

    want, got, lost, again = _run(go())
    assert [r.status for r in want][7:9] == [StepStatus.TOO_LONG, StepStatus.NO_STEPS]
    for results in (got, again):
        assert [r.status for r in results] == [r.status for r in want]
        for a, b in zip(want, results, strict=True):
            assert b.scores == pytest.approx(a.scores, abs=1e-6)
    assert [r.status for r in lost] == [StepStatus.ERROR] * 3
    assert "worker died" in lost[0].reason


def _big_items_left_when_small_is_done(path, encode_chunk: int) -> int:
    """A 600-item request, then a 1-item request: how many of the big request's items are
    still unscored when the small one has its answer."""
    big_items = _items(600, seed=3)

    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(path), device="cpu",
                                     encode_chunk=encode_chunk))
        await engine.start()
        try:
            big = asyncio.create_task(engine.score_many(big_items))
            await asyncio.sleep(0)  # the big request is admitted and its encoding has started
            await engine.score_many(_items(1, seed=4))
            left = engine.pending_items
            await big
            return left
        finally:
            await engine.close()

    return _run(go())


def test_one_big_request_does_not_hold_the_encoder(tmp_path):
    """Issue 13.5, engine side: a request's items are encoded in small jobs, so a later small
    request is encoded (and scored) between them instead of after all of them."""
    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False, max_length=256)
    assert _big_items_left_when_small_is_done(path, encode_chunk=8) > 300  # measured 600


def test_oversized_item_is_refused_before_the_arithmetic_checks(tmp_path):
    """40 steps x 60 KB with the bundled layout (arithmetic markers): TOO_LONG from the cheap
    size bound (reason 'at least N tokens'), not after tokenizing and checking every step."""
    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False, max_length=256)
    step = "12 + 30 = 42 and " * 3500  # ~60 KB of equalities
    res = engine_score(path, "p", [step] * 40)
    assert res.status == StepStatus.TOO_LONG and res.reason.startswith("at least"), res
    # one 60 KB word of letters is one <unk> token: the bound lets it through, and the full
    # count (tokens before markers) still refuses it before the arithmetic when it is too long
    res = engine_score(path, "p", ["x" * 60_000] + ["1+1=2"] * 60)
    assert res.status == StepStatus.TOO_LONG and not res.reason.startswith("at least"), res
