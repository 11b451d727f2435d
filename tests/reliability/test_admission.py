"""Admission reserves capacity atomically (issue 13, item 6), and overload is never a verdict.

    .venv/bin/pytest tests/reliability/test_admission.py -q

Before the fix, twelve simultaneous 4,096-item requests against `max_queued_items` 16,384 were
all admitted (the check read the pool's queue, which grows only after an await), and most items
came back as TIMEOUT verdicts: reward 0, a silent wrong reward. Scaled down here (12 x 1,024
items against 4,096); the arithmetic is the same.
"""

from __future__ import annotations

import asyncio

import grpc

from mathreward.client import RetryPolicy, RewardClient
from mathreward.config import Limits
from mathreward.errors import RewardRpcError
from verifier.types import Verdict, VerifyItem

from .conftest import eventually

REQUESTS, ITEMS, LIMIT = 12, 1024, 4096
WINDOW_S = 3.0  # refusals come back at once; admitted batches need far longer than this


def batch(tag: str, n: int = ITEMS) -> list[VerifyItem]:
    return [VerifyItem(f"{tag}{i}", rf"\boxed{{\frac{{{2 * (i + 5)}}}{{2x+{2 * (i + 5)}}}}}",
                       rf"\frac{{{i + 5}}}{{x+{i + 5}}}") for i in range(n)]


def test_simultaneous_requests_are_admitted_within_the_queue_limit(make_server) -> None:
    """12 x 1,024 symbolic items against a 4,096 limit: at most four are admitted (they take
    many seconds on two workers, so none finishes inside the window); the others are refused
    with the retryable QUEUE_FULL at once. The admitted ones are then cancelled."""
    srv = make_server(limits=Limits(max_queued_items=LIMIT))

    async def main() -> tuple[list, int]:
        async with RewardClient(srv.address, retry=RetryPolicy(max_attempts=1)) as client:
            calls = [asyncio.ensure_future(client.verify_answers(batch(f"r{r}-"), timeout=120))
                     for r in range(REQUESTS)]
            done, running = await asyncio.wait(calls, timeout=WINDOW_S)
            for call in running:
                call.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            return [call.exception() or call.result() for call in done], len(running)
    finished, still_running = asyncio.run(main())
    refused = [o for o in finished if isinstance(o, RewardRpcError)]
    served = [o for o in finished if not isinstance(o, BaseException)]
    assert len(refused) + len(served) + still_running == REQUESTS, finished
    assert still_running + len(served) <= LIMIT // ITEMS + len(served)
    assert still_running <= LIMIT // ITEMS
    assert {(e.code, e.reason) for e in refused} == {(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                                      "QUEUE_FULL")}
    for results in served:  # never a TIMEOUT verdict for an admitted request
        assert [r.verdict for r in results] == [Verdict.CORRECT] * ITEMS
    assert eventually(lambda: srv.handle.state.reserved_items == 0)  # all given back


def test_reservations_are_released_when_the_caller_cancels(make_server) -> None:
    srv = make_server(limits=Limits(max_queued_items=LIMIT))

    async def main() -> list:
        async with RewardClient(srv.address, retry=RetryPolicy(max_attempts=1)) as client:
            for round_ in range(3):
                task = asyncio.ensure_future(client.verify_answers(batch(f"c{round_}-")))
                await asyncio.sleep(0.3)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            # The pool may still finish cancelled items; a retrying caller gets in.
            retry = RewardClient(srv.address, retry=RetryPolicy(max_attempts=20,
                                                               initial_backoff_s=0.2,
                                                               max_backoff_s=1.0))
            async with retry:
                return await retry.verify_answers(batch("after-", 256), timeout=120)
    results = asyncio.run(main())
    assert [r.verdict for r in results] == [Verdict.CORRECT] * 256
    assert eventually(lambda: srv.handle.state.reserved_items == 0)
