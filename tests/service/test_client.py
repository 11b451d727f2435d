"""Client behaviour: round-robin over several servers, retries that land elsewhere, targets.

    .venv/bin/pytest tests/service/test_client.py -q
"""

from __future__ import annotations

import pytest

from mathreward.client import RetryPolicy, SyncRewardClient, resolve_target
from verifier.types import Verdict, VerifyItem

ITEM = [VerifyItem("a", r"\boxed{3}", "3")]


def handled(srv, code: str) -> float:
    labels = {"grpc_service": "mathreward.v1.RewardService", "grpc_method": "VerifyAnswers",
              "grpc_type": "unary", "grpc_code": code}
    return srv.metrics.registry.get_sample_value("grpc_server_handled_total", labels) or 0.0


def test_resolve_target() -> None:
    assert resolve_target("localhost:50051") == "localhost:50051"
    assert resolve_target("dns:///reward.svc:50051") == "dns:///reward.svc:50051"
    assert resolve_target(["10.0.0.1:1", "10.0.0.2:2"]) == "ipv4:10.0.0.1:1,10.0.0.2:2"
    assert resolve_target(["[::1]:1", "[::2]:2"]) == "ipv6:[::1]:1,[::2]:2"
    with pytest.raises(ValueError, match="dns:///"):
        resolve_target(["a.example:1", "b.example:2"])


def test_round_robin_over_two_servers(make_server) -> None:
    one, two = make_server(), make_server()
    with SyncRewardClient([one.address, two.address]) as client:
        for _ in range(100):  # until both subchannels are connected (each served a call)
            assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT
            if handled(one, "OK") and handled(two, "OK"):
                break
        before = handled(one, "OK"), handled(two, "OK")
        for _ in range(10):
            assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT
    # with both ready, round_robin alternates per call: exactly half each
    assert (handled(one, "OK") - before[0], handled(two, "OK") - before[1]) == (5, 5)


def test_dns_target(make_server) -> None:
    srv = make_server()
    port = srv.address.rsplit(":", 1)[1]
    with SyncRewardClient(f"dns:///localhost:{port}") as client:
        assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT


def test_retry_moves_off_a_draining_server(make_server) -> None:
    healthy, draining = make_server(), make_server()
    draining.drain()
    retry = RetryPolicy(max_attempts=5, initial_backoff_s=0.005, max_backoff_s=0.01)
    with SyncRewardClient([healthy.address, draining.address], retry=retry) as client:
        for _ in range(8):  # none fails: a DRAINING answer is retried on the next address
            assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT
            [(index, result)] = list(client.verify_answers_stream(ITEM))  # streams too
            assert (index, result.verdict) == (0, Verdict.CORRECT)
    assert handled(healthy, "OK") == 8
    assert handled(draining, "UNAVAILABLE") >= 1  # it was asked, and said no


def test_connections_recycled_by_max_connection_age_keep_working(make_server, caplog) -> None:
    """The server closes each connection after 200 ms (GOAWAY); calls spanning several
    connection lifetimes all succeed on the first attempt (the channel reconnects)."""
    import logging
    import time

    caplog.set_level(logging.INFO, logger="mathreward.rpc")
    srv = make_server(max_connection_age_ms=200, max_connection_age_grace_ms=500)
    with SyncRewardClient(srv.address, retry=RetryPolicy(max_attempts=1)) as client:
        end = time.monotonic() + 1.0
        calls = 0
        while time.monotonic() < end:
            assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT
            calls += 1
            time.sleep(0.05)
    assert calls >= 10 and handled(srv, "OK") == calls
    peers = {r.peer for r in caplog.records if r.name == "mathreward.rpc" and r.code == "OK"}
    assert len(peers) >= 2  # the calls came over more than one connection (client ports)
