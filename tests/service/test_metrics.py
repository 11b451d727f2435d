"""Prometheus metrics scraped over HTTP from the shared server, checked by exact differences.

    .venv/bin/pytest tests/service/test_metrics.py -q
"""

from __future__ import annotations

import asyncio
import random
import time
import urllib.request

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mathreward.client import RetryPolicy, RewardClient, SyncRewardClient
from mathreward.errors import RewardRpcError
from mathreward.metrics import ServiceMetrics
from verifier.pool import PoolConfig, VerifierPool
from verifier.types import Verdict, VerifyItem

Sample = tuple[str, frozenset[tuple[str, str]]]
RPC = {"grpc_service": "mathreward.v1.RewardService", "grpc_type": "unary"}


def scrape(port: int) -> dict[Sample, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict[Sample, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def _unique_items() -> list[VerifyItem]:
    """Two correct, one incorrect, one without answer; fresh numbers, so no cache hits."""
    a, b, c = (random.randrange(10**12, 10**13) for _ in range(3))
    return [VerifyItem("c1", rf"\boxed{{{a}}}", str(a)),
            VerifyItem("c2", rf"\boxed{{{b}}}", str(b)),
            VerifyItem("i", rf"\boxed{{{c}}}", str(c + 1)),
            VerifyItem("n", f"about {c}", str(c))]


def wait_idle(port: int, limit_s: float = 15.0) -> dict[Sample, float]:
    """Scrape once the shared pool has no leftover work from earlier tests (bounded wait)."""
    give_up = time.monotonic() + limit_s
    while True:
        samples = scrape(port)
        if value(samples, "mathreward_queue_depth", queue="verifier") == 0:
            return samples
        assert time.monotonic() < give_up, "the verifier queue never drained"
        time.sleep(0.05)


def test_request_metrics_add_up(server, client) -> None:
    port = server.handle.metrics_port
    before = wait_idle(port)
    results = client.verify_answers(_unique_items())
    assert [r.verdict for r in results] == [Verdict.CORRECT, Verdict.CORRECT, Verdict.INCORRECT,
                                            Verdict.NO_ANSWER]
    after = scrape(port)
    method = {**RPC, "grpc_method": "VerifyAnswers"}
    assert delta(before, after, "grpc_server_started_total", **method) == 1
    assert delta(before, after, "grpc_server_handled_total", **method, grpc_code="OK") == 1
    assert delta(before, after, "grpc_server_handling_seconds_count", **method,
                 grpc_code="OK") == 1
    assert delta(before, after, "mathreward_items_total", verdict="correct") == 2
    assert delta(before, after, "mathreward_items_total", verdict="incorrect") == 1
    assert delta(before, after, "mathreward_items_total", verdict="no_answer") == 1
    assert delta(before, after, "mathreward_item_seconds_count") == 4  # all graded in workers
    assert delta(before, after, "mathreward_batch_size_count", method="VerifyAnswers") == 1
    assert delta(before, after, "mathreward_batch_size_sum", method="VerifyAnswers") == 4
    assert value(after, "mathreward_inflight_items", method="VerifyAnswers") == 0
    assert value(after, "mathreward_queue_depth", queue="verifier") == 0
    client.verify_answers(_unique_items()[:1] * 3)  # the same item three times: graded once
    again = scrape(port)
    assert delta(after, again, "mathreward_item_seconds_count") == 1
    assert delta(after, again, "mathreward_item_cache_hits_total") == 2


def test_rejection_metrics(server, client) -> None:
    port = server.handle.metrics_port
    before = scrape(port)
    with pytest.raises(RewardRpcError):
        client.verify_answers([VerifyItem("x", "1", "1")], {"rel_tol": -1.0})
    method = {**RPC, "grpc_method": "VerifyAnswers"}
    # An aborted RPC's status reaches the client before the server-side interceptor records it.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        after = scrape(port)
        if delta(before, after, "grpc_server_handled_total", **method,
                 grpc_code="INVALID_ARGUMENT"):
            break
        time.sleep(0.05)
    assert delta(before, after, "mathreward_rejections_total", reason="INVALID_OPTIONS") == 1
    assert delta(before, after, "grpc_server_handled_total", **method,
                 grpc_code="INVALID_ARGUMENT") == 1
    assert delta(before, after, "grpc_server_handled_total", **method, grpc_code="OK") == 0


def test_inflight_and_queue_depth_during_a_batch(server, many_items) -> None:
    port = server.handle.metrics_port
    batch = many_items(2000, "m")
    before = wait_idle(port)

    async def main() -> tuple[dict, list]:
        async with RewardClient(server.address, retry=RetryPolicy(max_attempts=1)) as client:
            # a deadline the batch can meet even on a loaded machine: with 1.5 s the answer
            # itself overran the call on a busy 2-core run (DEADLINE_EXCEEDED, not TIMEOUT items)
            call = asyncio.create_task(client.verify_answers(batch, timeout=60))
            give_up = time.monotonic() + 10
            while True:  # until the batch's jobs are queued in the pool
                during = await asyncio.to_thread(scrape, port)
                if value(during, "mathreward_queue_depth", queue="verifier") > 0:
                    break
                assert time.monotonic() < give_up, "the batch never reached the pool"
                await asyncio.sleep(0.02)
            return during, await call

    during, results = asyncio.run(main())
    assert value(during, "mathreward_inflight_items", method="VerifyAnswers") == 2000
    assert value(during, "mathreward_queue_depth", queue="verifier") > 0
    after = scrape(port)
    correct = sum(r.verdict is Verdict.CORRECT for r in results)
    assert delta(before, after, "mathreward_items_total", verdict="correct") == correct
    assert delta(before, after, "mathreward_items_total", verdict="timeout") == 2000 - correct
    assert value(after, "mathreward_inflight_items", method="VerifyAnswers") == 0


def test_worker_restarts_by_reason(make_server, many_items) -> None:
    """A pool of its own whose worker retires after 4 tasks: restarts{reason="recycle"}."""
    metrics = ServiceMetrics()
    pool = VerifierPool(PoolConfig(workers=1, max_tasks_per_child=4), observer=metrics)
    pool.start()
    try:
        srv = make_server(pool=pool, metrics=metrics, metrics_port=0)
        with SyncRewardClient(srv.address) as client:
            results = client.verify_answers(many_items(12, "r"))
        assert [r.verdict for r in results] == [Verdict.CORRECT] * 12
        deadline = time.monotonic() + 10  # pebble replaces the retired worker in the background
        while time.monotonic() < deadline:
            restarts = value(scrape(srv.handle.metrics_port), "mathreward_worker_restarts_total",
                             reason="recycle")
            if restarts >= 2:
                break
            time.sleep(0.1)
        assert restarts >= 2  # 12 tasks (plus warm-up probes) on a worker that lives for 4
        srv.stop()
    finally:
        pool.close()


def test_build_info_is_exported(server) -> None:
    samples = scrape(server.handle.metrics_port)
    info = [labels for (name, labels), v in samples.items()
            if name == "mathreward_build_info" and v == 1]
    assert len(info) == 1 and dict(info[0])["version"] and dict(info[0])["grpc"] == grpc.__version__
