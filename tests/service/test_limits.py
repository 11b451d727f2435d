"""Request limits and deadlines: each limit exceeded once, with its status code and reason.

    .venv/bin/pytest tests/service/test_limits.py -q
"""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest

from mathreward.client import RetryPolicy, RewardClient, SyncRewardClient
from mathreward.config import Limits
from mathreward.errors import RewardRpcError
from verifier.types import Verdict, VerifyItem

NO_RETRY = RetryPolicy(max_attempts=1)


def _items(n: int, tag: str = "") -> list[VerifyItem]:
    return [VerifyItem(f"{tag}{i}", rf"\boxed{{{i}}}", str(i)) for i in range(n)]


def test_too_many_items_is_invalid_argument(make_server) -> None:
    srv = make_server(limits=Limits(max_items_per_request=3))
    with SyncRewardClient(srv.address, retry=NO_RETRY) as client:
        assert len(client.verify_answers(_items(3))) == 3
        with pytest.raises(RewardRpcError) as stream_err:
            list(client.verify_answers_stream(_items(4)))
        with pytest.raises(RewardRpcError) as err:
            client.verify_answers(_items(4))
    assert stream_err.value.reason == "TOO_MANY_ITEMS"
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.reason == "TOO_MANY_ITEMS"
    assert err.value.metadata == {"limit": "3", "items": "4"}


def test_bad_option_is_invalid_argument(client) -> None:
    with pytest.raises(RewardRpcError) as err:
        client.verify_answers(_items(1), {"rel_tol": 2.0})
    assert (err.value.code, err.value.reason) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                  "INVALID_OPTIONS")
    assert err.value.attempts == 1  # never retried


def test_text_over_byte_limit_is_a_per_item_verdict(make_server) -> None:
    srv = make_server(limits=Limits(max_text_bytes=1000))
    long_response = "x" * 1001 + r"\boxed{1}"
    with SyncRewardClient(srv.address) as client:
        results = client.verify_answers([VerifyItem("long", long_response, "1"),
                                         VerifyItem("ok", r"\boxed{1}", "1")])
    assert results[0].verdict is Verdict.RESOURCE_LIMIT
    assert "over the server limit of 1000 bytes" in results[0].reason
    assert results[1].verdict is Verdict.CORRECT  # the batch still works


def test_message_over_receive_limit_is_resource_exhausted_not_retried(make_server) -> None:
    srv = make_server(limits=Limits(max_receive_message_bytes=4096))
    with SyncRewardClient(srv.address) as client:  # default retry policy: 5 attempts
        with pytest.raises(RewardRpcError) as err:
            client.verify_answers([VerifyItem("big", "y" * 5000, "1")])
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert err.value.reason == ""  # grpc-core's own limit: no ErrorInfo ...
    assert err.value.attempts == 1  # ... so the client does not retry a request that cannot fit


def test_queue_full_is_resource_exhausted(make_server) -> None:
    srv = make_server(limits=Limits(max_queued_items=2))
    with SyncRewardClient(srv.address, retry=NO_RETRY) as client:
        with pytest.raises(RewardRpcError) as err:
            client.verify_answers(_items(3, "q"))
    assert (err.value.code, err.value.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                                  "QUEUE_FULL")


def test_concurrent_rpc_limit_is_resource_exhausted_and_retried(make_server, many_items) -> None:
    srv = make_server(limits=Limits(max_concurrent_rpcs=1))
    retrying = RetryPolicy(max_attempts=3, initial_backoff_s=0.01, max_backoff_s=0.02)
    batch = many_items(3000, "busy")  # holds the only RPC slot until its 2 s deadline at most

    async def main() -> tuple[list, RewardRpcError]:
        async with RewardClient(srv.address) as busy, \
                RewardClient(srv.address, retry=retrying) as other:
            held = asyncio.create_task(busy.verify_answers(batch, timeout=2.0))
            while srv.handle.state.inflight_rpcs == 0:  # until the server admitted it
                await asyncio.sleep(0.01)
            with pytest.raises(RewardRpcError) as err:
                await other.verify_answers(_items(1, "c"))
            return await held, err.value

    held_results, error = asyncio.run(main())
    assert (error.code, error.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_RPCS")
    assert error.attempts == 3  # overload is retried (with backoff), then reported
    assert len(held_results) == 3000  # the RPC in flight was unharmed
    assert {r.verdict for r in held_results} <= {Verdict.CORRECT, Verdict.TIMEOUT}


def test_deadline_mid_batch_gives_timeout_items_in_time(client, many_items) -> None:
    items = many_items(2000, "d")  # far more than 2 workers grade in 1 s
    start = time.monotonic()
    results = client.verify_answers(items, timeout=1.0)
    elapsed = time.monotonic() - start
    assert elapsed < 1.0  # answered before the deadline, not DEADLINE_EXCEEDED
    assert len(results) == 2000
    done = [r for r in results if r.verdict is Verdict.CORRECT]
    late = [r for r in results if r.verdict is Verdict.TIMEOUT]
    assert done and late and len(done) + len(late) == 2000
    assert {r.reason for r in late} == {"request deadline"}


def test_deadline_too_short_is_deadline_exceeded(client) -> None:
    with pytest.raises(RewardRpcError) as err:
        client.verify_answers(_items(1, "s"), timeout=0.0005)
    assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
