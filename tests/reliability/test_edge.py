"""The gRPC edge against bad clients: malformed messages, missing tokens, requests that never
arrive, oversized and echoed values, forged log lines (issue 13, items 7, 9, 11, 12, 13).

    .venv/bin/pytest tests/reliability/test_edge.py -q

Real servers on port 0 (`make_server`, or a `mathreward serve` process where logs matter), raw
calls through grpc's low-level channel API (bytes in, no serializer) where a real client could
not send the message.
"""

from __future__ import annotations

import asyncio

import grpc
import pytest

from mathreward._pb import reward_pb2 as pb
from mathreward.client import RetryPolicy, SyncRewardClient
from mathreward.config import Limits
from mathreward.errors import RewardRpcError, error_info
from mathreward.metrics import ServiceMetrics
from verifier.types import Verdict, VerifyItem

from .conftest import SERVICE, STREAM_METHODS, UNARY_METHODS, eventually
from .raw_h2 import open_connection, raw_grpc_call, read_until_closed, start_call

NO_RETRY = RetryPolicy(max_attempts=1)
# A length-delimited field 1 claiming 100 bytes with 3 present: no valid parse of any message.
TRUNCATED = b"\x0a\x64abc"


def raw_unary(address: str, method: str, payload: bytes, metadata=(), timeout: float = 30
              ) -> grpc.RpcError | bytes:
    """One call with raw bytes: the error it ended with, or the raw response."""
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(SERVICE + method)
        try:
            return call(payload, metadata=metadata, timeout=timeout)
        except grpc.RpcError as error:
            return error


def raw_stream(address: str, method: str, payload: bytes, metadata=(), timeout: float = 30
               ) -> grpc.RpcError | list[bytes]:
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_stream(SERVICE + method)
        try:
            return list(call(payload, metadata=metadata, timeout=timeout))
        except grpc.RpcError as error:
            return error


def handled(metrics: ServiceMetrics, method: str, code: str) -> float:
    value = metrics.registry.get_sample_value(
        "grpc_server_handled_total",
        {"grpc_service": "mathreward.v1.RewardService", "grpc_method": method,
         "grpc_type": "server_stream" if method in STREAM_METHODS else "unary",
         "grpc_code": code})
    return value or 0.0


# -- item 9: malformed protobuf ---------------------------------------------------------------

@pytest.mark.parametrize("method", UNARY_METHODS + STREAM_METHODS)
def test_malformed_message_is_invalid_argument_and_counted(make_server, method: str) -> None:
    metrics = ServiceMetrics()
    srv = make_server(metrics=metrics)
    send = raw_stream if method in STREAM_METHODS else raw_unary
    for _ in range(3):
        error = send(srv.address, method, TRUNCATED)
        assert isinstance(error, grpc.RpcError)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        assert error_info(error).reason == "MALFORMED_REQUEST"
    # The server counts a call just after answering it: wait for the third count.
    assert eventually(lambda: handled(metrics, method, "INVALID_ARGUMENT") == 3)
    with SyncRewardClient(srv.address) as client:  # and the server is fine
        assert client.verify_answers([VerifyItem("ok", r"\boxed{2}", "2")])[0].verdict \
            is Verdict.CORRECT


def test_malformed_messages_are_not_logged_with_tracebacks(serve_process) -> None:
    served = serve_process("--workers", "1")
    for _ in range(20):
        error = raw_unary(served.address, "VerifyAnswers", TRUNCATED)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    with SyncRewardClient(served.address) as client:
        assert client.health() == "SERVING"
    text = "".join(served.log_lines())
    assert "Traceback" not in text
    assert '"level": "ERROR"' not in text


# -- item 7: refuse unauthenticated calls before the body is parsed ---------------------------

def test_unauthenticated_call_is_refused_before_its_body_is_parsed(make_server) -> None:
    srv = make_server(auth_token="s3cret")
    # A malformed body: had it been parsed, the answer would be about the body.
    error = raw_unary(srv.address, "VerifyAnswers", TRUNCATED)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = raw_stream(srv.address, "VerifyAnswersStream", TRUNCATED,
                       metadata=(("authorization", "Bearer wrong"),))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = raw_unary(srv.address, "VerifyAnswers", TRUNCATED,
                      metadata=(("authorization", "Bearer s3cret"),))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # with the token, it is parsed
    with SyncRewardClient(srv.address, token="s3cret") as client:
        assert client.health() == "SERVING"
        assert client.verify_answers([VerifyItem("ok", r"\boxed{3}", "3")])[0].verdict \
            is Verdict.CORRECT


def test_request_bytes_in_flight_are_bounded(make_server) -> None:
    srv = make_server(limits=Limits(max_inflight_request_bytes=200_000))
    big = [VerifyItem(f"b{i}", "x" * 1000 + rf"\boxed{{{i}}}", str(i)) for i in range(300)]
    with SyncRewardClient(srv.address, retry=NO_RETRY) as client:
        with pytest.raises(RewardRpcError) as err:
            client.verify_answers(big)  # ~300 KB alone passes the 200 KB budget
        assert (err.value.code, err.value.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                                      "REQUEST_BYTES_OVER_BUDGET")
        # The budget was given back: a request that fits is served.
        results = client.verify_answers(big[:100])
    assert [r.verdict for r in results] == [Verdict.CORRECT] * 100
    assert srv.handle.state.inflight_bytes == 0


# -- item 13: a call that never sends its request ---------------------------------------------

def test_calls_that_never_send_their_request_are_answered(make_server) -> None:
    srv = make_server(limits=Limits(request_receive_timeout_s=0.5))

    async def main() -> list[grpc.aio.AioRpcError | bytes]:
        async with grpc.aio.insecure_channel(srv.address) as channel:
            async def never():  # headers go out; the request message never does
                await asyncio.sleep(3600)
                yield b""
            calls = []
            for i in range(200):
                method = (UNARY_METHODS + STREAM_METHODS)[i % 4]
                calls.append(channel.stream_unary(SERVICE + method)(never(), timeout=60))
            return await asyncio.gather(*calls, return_exceptions=True)
    outcomes = asyncio.run(main())
    assert {(o.code(), error_info(o).reason) for o in outcomes} == {
        (grpc.StatusCode.DEADLINE_EXCEEDED, "REQUEST_NOT_RECEIVED")}
    with SyncRewardClient(srv.address) as client:
        assert client.health() == "SERVING"


def test_raw_http2_streams_with_headers_only_are_answered(make_server) -> None:
    """The attack as reported: one HTTP/2 connection, many streams, headers and no DATA."""
    srv = make_server(limits=Limits(request_receive_timeout_s=0.5))
    sock, conn = open_connection(srv.address, timeout=30)
    try:
        ids = {start_call(sock, conn, SERVICE + (UNARY_METHODS + STREAM_METHODS)[i % 4], None)
               for i in range(100)}
        answers = read_until_closed(sock, conn, ids)
    finally:
        sock.close()
    deadline_exceeded = str(grpc.StatusCode.DEADLINE_EXCEEDED.value[0])
    assert [answers[i].get("grpc-status") for i in sorted(ids)] == [deadline_exceeded] * 100


# -- item 12: bad requests get a precise, bounded answer --------------------------------------

def test_unknown_huge_preset_is_invalid_argument_and_not_echoed(client) -> None:
    name = "p" * 1_000_000
    with pytest.raises(RewardRpcError) as err:
        client.compute_reward([{"id": "a", "response": r"\boxed{1}", "gold": "1"}], spec=name)
    assert (err.value.code, err.value.reason) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                  "INVALID_OPTIONS")
    assert len(err.value.details) < 2000
    assert "unknown reward spec preset" in err.value.details


@pytest.mark.parametrize("spec", [
    pb.RewardSpec(orm_weight=1e308, correct_reward=1e308),
    pb.RewardSpec(orm_weight=2.0, correct_reward=1e308),
    pb.RewardSpec(orm_weight=1e300, incorrect_reward=-1e300, correct_reward=1.0),
    pb.RewardSpec(orm_weight=float("inf")),
    pb.RewardSpec(orm_weight=float("nan")),
])
def test_spec_values_that_overflow_are_invalid_argument(client, spec: pb.RewardSpec) -> None:
    with pytest.raises(RewardRpcError) as err:
        client.compute_reward([{"id": "a", "response": r"\boxed{1}", "gold": "1"},
                               {"id": "b", "response": r"\boxed{2}", "gold": "1"}], spec=spec)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


# -- item 11: no forged log lines -------------------------------------------------------------

def test_control_characters_in_client_values_cannot_forge_log_lines(serve_process) -> None:
    served = serve_process("--workers", "1", log_format="text")
    forged = "abc\r\n2026-01-01 00:00:00,000 INFO mathreward.rpc [x] FORGED\x1b[2J\u2028tail"
    request = pb.VerifyAnswersRequest(items=[pb.VerifyItem(id="ok", response=r"\boxed{1}",
                                                           gold="1")])
    bad_spec = pb.ComputeRewardRequest(items=[pb.ComputeRewardItem(id="a", response="1",
                                                                   gold="1")],
                                       spec=pb.RewardSpec(preset="nope\r\nFORGED spec"))
    # grpc's clients refuse CR/LF in header values; an attacker's HTTP/2 peer does not.
    answer = raw_grpc_call(served.address, SERVICE + "VerifyAnswers",
                           request.SerializeToString(), headers=[("x-request-id", forged)])
    assert answer.get("grpc-status") == "0"
    answer = raw_grpc_call(served.address, SERVICE + "ComputeReward",
                           bad_spec.SerializeToString(),
                           headers=[("x-request-id", forged * 100)])
    assert answer.get("grpc-status") == str(grpc.StatusCode.INVALID_ARGUMENT.value[0])
    with SyncRewardClient(served.address) as client:
        assert client.health() == "SERVING"
    lines = served.log_lines()
    assert not [line for line in lines if line.startswith("2026-01-01")]
    assert not [line for line in lines if "FORGED" in line.split("[", 1)[0]]
    assert any("\\r\\n" in line and "FORGED" in line for line in lines)
    assert all("\x1b" not in line and "\u2028" not in line for line in lines)


def test_health_watch_and_reflection_pass_through_the_edge(make_server) -> None:
    """The edge re-registers every handler (unary requests read by the edge itself): the
    standard services' streaming shapes still work, auth exemptions included."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    srv = make_server(auth_token="s3cret")
    with grpc.insecure_channel(srv.address) as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service=""), timeout=30)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        srv.drain()
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        reflect = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
            metadata=(("authorization", "Bearer s3cret"),), timeout=30)
        names = {s.name for s in next(reflect).list_services_response.service}
    assert "mathreward.v1.RewardService" in names


def test_over_limit_requests_are_refused_before_parsing(make_server) -> None:
    """Items are counted from the wire bytes: a request admission would refuse is refused
    without being parsed. Proof: its items are not valid protobuf (bad UTF-8 in a string
    field), yet the answer is about its item count, not MALFORMED_REQUEST."""
    srv = make_server(limits=Limits(max_items_per_request=3, max_queued_items=2))
    bad_item = b"\x12\x01\xff"  # VerifyItem.response = b"\xff": not UTF-8, fails to parse
    field_1 = b"\x0a" + bytes([len(bad_item)]) + bad_item  # one `items` entry
    too_many = raw_unary(srv.address, "VerifyAnswers", field_1 * 4)
    assert (too_many.code(), error_info(too_many).reason) == (
        grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_ITEMS")
    queue_full = raw_unary(srv.address, "ComputeReward", field_1 * 3)
    assert (queue_full.code(), error_info(queue_full).reason) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED, "QUEUE_FULL")
    malformed = raw_unary(srv.address, "VerifyAnswers", field_1)  # admissible: parsed
    assert error_info(malformed).reason == "MALFORMED_REQUEST"
