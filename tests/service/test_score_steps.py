"""ScoreSteps against a real server running a real PrmEngine on the CPU.

    .venv/bin/pytest tests/service/test_score_steps.py -q

The model is a tiny random-weight checkpoint in the Qwen2.5-Math-PRM on-disk layout
(`prm.testing.build_tiny_qwen_prm`): the service's plumbing is under test, not the model's
quality, so scores are compared with an independent engine loading the same checkpoint.
"""

from __future__ import annotations

import asyncio
import dataclasses

import grpc
import pytest

engine_module = pytest.importorskip("prm.engine", reason="the PRM engine (prm extra) is absent")

from mathreward.client import RetryPolicy, SyncRewardClient  # noqa: E402
from mathreward.config import Limits  # noqa: E402
from mathreward.errors import RewardRpcError  # noqa: E402
from mathreward.types import StepsItem  # noqa: E402

PROBLEM = "She buys 3 boxes of 4 apples. How many apples?"
STEPS = ("She has 3 boxes.", "Each box has 4 apples, so 3 * 4 = 12.", "The answer is 12.")
PRM_LIMITS = Limits(max_text_bytes=4000)
NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture(scope="module")
def tiny_prm(tmp_path_factory) -> str:
    from prm.testing import build_tiny_qwen_prm

    return str(build_tiny_qwen_prm(tmp_path_factory.mktemp("prm") / "tiny", max_length=256))


def prm_config(path: str, **overrides: object):
    return dataclasses.replace(engine_module.PrmConfig(model_path=path, device="cpu"),
                               **overrides)


@pytest.fixture
def prm_server(make_server, tiny_prm):
    def start(limits: Limits = PRM_LIMITS, **engine_overrides: object):
        config = prm_config(tiny_prm, **engine_overrides)
        return make_server(engine=engine_module.PrmEngine(config), prm=config, limits=limits,
                           metrics_port=0)
    return start


def reference_scores(path: str, items: list[tuple[str, tuple[str, ...]]]) -> list:
    """The same checkpoint in an engine of our own: what the server must return."""
    async def main() -> list:
        engine = engine_module.PrmEngine(prm_config(path))
        await engine.start()
        try:
            return await engine.score_many(items)
        finally:
            await engine.close()
    return asyncio.run(main())


def test_steps_and_split_responses_are_scored(prm_server, tiny_prm) -> None:
    srv = prm_server()
    response = "<think>scratch\n\nwork</think>" + "\n\n".join(STEPS)
    with SyncRewardClient(srv.address) as client:
        assert client.health() == "SERVING"  # the PRM is loaded and warm
        results = client.score_steps([
            StepsItem(id="given", problem=PROBLEM, steps=STEPS),
            {"id": "split", "problem": PROBLEM, "response": response},
            {"id": "custom", "problem": PROBLEM, "response": " || ".join(STEPS)},
        ])
        custom = client.score_steps([{"id": "c", "problem": PROBLEM,
                                      "response": " || ".join(STEPS)}], step_separator=" || ")
    expected = reference_scores(tiny_prm, [(PROBLEM, STEPS)])[0]
    given, split, unsplit = results
    assert (given.id, given.status, given.steps) == ("given", "ok", STEPS)
    assert given.step_scores == pytest.approx(expected.scores, abs=1e-5)
    assert given.aggregate == pytest.approx(min(expected.scores), abs=1e-5)
    assert all(0.0 < s < 1.0 for s in given.step_scores)
    assert split.steps == STEPS  # the think region is not part of the solution
    assert split.step_scores == pytest.approx(given.step_scores, abs=1e-5)
    assert len(unsplit.steps) == 1  # the default separator is a blank line
    assert custom[0].steps == STEPS


def test_per_item_statuses_never_fail_the_batch(prm_server) -> None:
    srv = prm_server()
    with SyncRewardClient(srv.address) as client:
        results = client.score_steps([
            {"id": "empty", "problem": PROBLEM, "response": "  \n\n  "},
            {"id": "bytes", "problem": PROBLEM, "steps": ["x" * 4001]},  # over max_text_bytes
            {"id": "tokens", "problem": PROBLEM, "steps": ["apples " * 300]},  # > 256 tokens
            {"id": "ok", "problem": PROBLEM, "steps": list(STEPS)},
        ])
    assert [(r.id, r.status) for r in results] == [
        ("empty", "no_steps"), ("bytes", "too_long"), ("tokens", "too_long"), ("ok", "ok")]
    assert "over the server limit of 4000 bytes" in results[1].reason
    assert all(r.step_scores == () for r in results[:3])
    samples = srv.metrics.registry
    assert samples.get_sample_value("mathreward_prm_items_total", {"status": "too_long"}) == 2
    assert samples.get_sample_value("mathreward_prm_items_total", {"status": "ok"}) == 1
    assert samples.get_sample_value("mathreward_queue_depth", {"queue": "prm"}) == 0


def test_steps_and_response_together_is_invalid_argument(prm_server) -> None:
    srv = prm_server()
    with SyncRewardClient(srv.address, retry=NO_RETRY) as client:
        with pytest.raises(RewardRpcError) as err:
            client.score_steps([{"id": "a", "problem": PROBLEM, "steps": ["s"]},
                                {"id": "b", "problem": PROBLEM, "steps": ["s"], "response": "r"}])
    assert (err.value.code, err.value.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ITEM")
    assert "items[1]" in err.value.details


def test_prm_queue_full_is_resource_exhausted(prm_server) -> None:
    srv = prm_server(max_queue_items=2)
    item = {"id": "a", "problem": PROBLEM, "steps": list(STEPS)}
    with SyncRewardClient(srv.address, retry=NO_RETRY) as client:
        assert len(client.score_steps([item, item])) == 2
        with pytest.raises(RewardRpcError) as err:
            client.score_steps([item] * 3)  # all-or-nothing admission
    assert (err.value.code, err.value.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                                  "PRM_QUEUE_FULL")


def test_deadline_gives_timeout_statuses(prm_server) -> None:
    """The engine waits up to 3 s to fill a micro-batch; a 0.5 s deadline comes first."""
    srv = prm_server(max_wait_ms=3000.0, dispatch_when_idle=False)
    with SyncRewardClient(srv.address, retry=NO_RETRY) as client:
        results = client.score_steps([{"id": "a", "problem": PROBLEM, "steps": list(STEPS)}],
                                     timeout=0.5)
    assert [(r.status, r.reason) for r in results] == [("timeout", "request deadline")]



def test_health_not_serving_until_the_prm_is_loaded(verifier_pool, tmp_path) -> None:
    """The port opens before the model is loaded; health says NOT_SERVING until it is warm."""
    import socket
    import threading
    import time

    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from mathreward.config import ServerConfig
    from mathreward.metrics import ServiceMetrics
    from mathreward.server import start_server
    from prm.testing import build_tiny_qwen_prm

    status = health_pb2.HealthCheckResponse
    config = prm_config(str(build_tiny_qwen_prm(tmp_path / "prm", hidden=768)))  # ~0.2 s to load
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server_config = ServerConfig(host="127.0.0.1", port=port, metrics_port=None, prm=config,
                                 grace_period_s=0.5)
    engine = engine_module.PrmEngine(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    starting = asyncio.run_coroutine_threadsafe(
        start_server(server_config, verifier_pool, engine, ServiceMetrics()), loop)
    try:
        give_up = time.monotonic() + 30
        while True:  # until the port listens (the model is still loading then)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                assert time.monotonic() < give_up, "the server never listened"
                time.sleep(0.002)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            first = stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status
            starting.result(timeout=60)  # start_server returns once the PRM is warm
            last = stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status
        assert (first, last) == (status.NOT_SERVING, status.SERVING)
    finally:
        handle = starting.result(timeout=60)
        asyncio.run_coroutine_threadsafe(handle.shutdown(0.5), loop).result(30)
        asyncio.run_coroutine_threadsafe(engine.close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
