"""Every RPC of RewardService against the real server (tests/conftest.py) with the real client.

    .venv/bin/pytest tests/service -x -q
"""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from mathreward.client import RewardClient
from mathreward.errors import RewardRpcError
from verifier.types import Verdict, VerifyItem, VerifyOptions

ITEMS = [
    VerifyItem("right", r"so \boxed{\frac{6}{8}}", r"\frac34"),
    VerifyItem("wrong", r"\boxed{0.333}", r"\frac13"),
    VerifyItem("none", "we get 42 apples", "42"),
    VerifyItem("code", r"\boxed{__import__('os').getpid()}", "7"),
]


def test_verify_answers_in_request_order(client) -> None:
    results = client.verify_answers(ITEMS)
    assert [r.verdict for r in results] == [Verdict.CORRECT, Verdict.INCORRECT,
                                            Verdict.NO_ANSWER, Verdict.UNPARSEABLE]
    assert [r.reward for r in results] == [1.0, 0.0, 0.0, 0.0]
    assert results[0].extracted == r"\frac{6}{8}"
    assert results[2].extracted is None  # optional field: absent, not ""
    assert all(r.reason for r in results[1:])


def test_verify_answers_accepts_dicts_and_options(client) -> None:
    item = {"id": "pct", "response": r"\boxed{50\%}", "gold": "0.5"}
    assert client.verify_answers([item])[0].verdict is Verdict.INCORRECT
    relaxed = client.verify_answers([item], {"percent_as_fraction": True})
    assert relaxed[0].verdict is Verdict.CORRECT
    tol = client.verify_answers([{"id": "t", "response": r"\boxed{3.1416}", "gold": r"\pi"}],
                                VerifyOptions(rel_tol=1e-4))
    assert tol[0].verdict is Verdict.CORRECT


def test_empty_request_is_fine(client) -> None:
    assert client.verify_answers([]) == []


def test_stream_yields_results_as_they_finish(client, many_items) -> None:
    items = many_items(300, "s")
    start = time.monotonic()
    arrivals = [(index, result, time.monotonic() - start)
                for index, result in client.verify_answers_stream(items)]
    assert sorted(i for i, _, _ in arrivals) == list(range(300))  # every index exactly once
    assert all(r.verdict is Verdict.CORRECT for _, r, _ in arrivals)
    # streamed, not buffered: the first result arrives long before the last one
    assert arrivals[0][2] < 0.5 * arrivals[-1][2]


def test_async_client_all_methods(server) -> None:
    async def main(address: str) -> None:
        async with RewardClient(address, timeout_s=30) as client:
            results = await client.verify_answers(ITEMS[:1])
            assert results[0].verdict is Verdict.CORRECT
            pairs = [p async for p in client.verify_answers_stream(ITEMS[:2])]
            assert sorted(i for i, _ in pairs) == [0, 1]
            assert await client.health() == "SERVING"
            with pytest.raises(RewardRpcError) as err:  # this server runs without a PRM
                await client.score_steps([{"id": "a", "problem": "p", "steps": ["s"]}])
            assert err.value.code == grpc.StatusCode.UNIMPLEMENTED
            assert err.value.reason == "NOT_CONFIGURED"

    asyncio.run(main(server.address))


def test_compute_reward_orm(client) -> None:
    """The ORM preset pays 1.0 for a correct answer and 0.0 for a wrong one."""
    items = [{"id": "a", "problem": "1?", "response": r"\boxed{1}", "gold": "1"},
             {"id": "b", "problem": "1?", "response": r"\boxed{2}", "gold": "1"}]
    outcomes = client.compute_reward(items, "orm")
    assert [(o.id, o.reward, o.verdict) for o in outcomes] == [
        ("a", 1.0, Verdict.CORRECT), ("b", 0.0, Verdict.INCORRECT)]


def test_health_check_like_grpc_health_probe(server) -> None:
    with grpc.insecure_channel(server.address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "mathreward.v1.RewardService"):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as err:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING  # streaming health
        watch.cancel()


def test_reflection_lists_the_service(server) -> None:
    with grpc.insecure_channel(server.address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = database.get_services()
        assert "mathreward.v1.RewardService" in services
        assert "grpc.health.v1.Health" in services
        proto = database.FindFileContainingSymbol("mathreward.v1.RewardService")
        assert proto.package == "mathreward.v1"
        methods = {m.name for m in proto.service[0].method}
        assert methods == {"VerifyAnswers", "VerifyAnswersStream", "ScoreSteps", "ComputeReward"}
