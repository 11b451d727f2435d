"""A stream that ends early never takes the server down (issue 13, item 1).

    .venv/bin/pytest tests/reliability/test_stream_cancel.py -q

Before the fix, `VerifyAnswersStream` ending early (client cancel, the project's own client when
its consumer stops iterating, a deadline mid-stream, a client process killed mid-stream) made the
access-log code call `context.peer()` on a destroyed call: SIGSEGV, and every other caller's
RPCs died with the server. Each way is repeated against one real `mathreward serve` process;
after each, the process must be alive and serve another client.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import grpc
import pytest

from mathreward import convert
from mathreward._pb import reward_pb2_grpc
from mathreward.client import RewardClient, SyncRewardClient
from mathreward.errors import RewardRpcError
from verifier.types import Verdict, VerifyItem

from .conftest import ServeProcess, start_serve

ROUNDS = 12


def slow_items(n: int, tag: str) -> list[VerifyItem]:
    """n distinct items that each need a symbolic comparison (so the stream is still running)."""
    return [VerifyItem(f"{tag}{i}", rf"\boxed{{\frac{{{2 * (i + 7)}}}{{2x+{2 * (i + 7)}}}}}",
                       rf"\frac{{{i + 7}}}{{x+{i + 7}}}") for i in range(n)]


@pytest.fixture(scope="module")
def served() -> Iterator[ServeProcess]:
    process = start_serve("--workers", "2", "--item-timeout", "30")  # no TIMEOUT from CI load
    try:
        yield process
    finally:
        process.proc.kill()
        process.proc.wait(timeout=30)


def assert_still_serving(served: ServeProcess) -> None:
    assert served.alive(), "the server died:\n" + "".join(served.log_lines()[-30:])
    with SyncRewardClient(served.address, timeout_s=30) as client:
        assert client.health() == "SERVING"
        [result] = client.verify_answers([VerifyItem("after", r"\boxed{7}", "7")])
    assert result.verdict is Verdict.CORRECT


def test_client_cancel_mid_stream(served: ServeProcess) -> None:
    async def main() -> None:
        async with grpc.aio.insecure_channel(served.address) as channel:
            stub = reward_pb2_grpc.RewardServiceStub(channel)
            for round_ in range(ROUNDS):
                call = stub.VerifyAnswersStream(
                    convert.verify_request_to_pb(slow_items(200, f"c{round_}-"), None))
                await call.read()  # the stream is running
                call.cancel()
    asyncio.run(main())
    assert_still_serving(served)


def test_consumer_stops_iterating(served: ServeProcess) -> None:
    async def main() -> None:
        async with RewardClient(served.address) as client:
            for round_ in range(ROUNDS):
                stream = client.verify_answers_stream(slow_items(200, f"a{round_}-"))
                async for _index, _result in stream:
                    break
                await stream.aclose()
    asyncio.run(main())
    with SyncRewardClient(served.address) as client:  # the blocking client, left early too
        for round_ in range(ROUNDS // 2):
            stream = client.verify_answers_stream(slow_items(200, f"s{round_}-"))
            next(iter(stream))
            stream.close()
    assert_still_serving(served)


def test_deadline_expires_mid_stream(served: ServeProcess) -> None:
    """The client reads one result, then stalls past its deadline while the server is still
    writing (each result carries a 30 KB extracted answer, so the stream waits on flow control):
    the deadline ends the stream on both sides mid-write."""
    big = [VerifyItem(f"big{i}", rf"\boxed{{{'a' * 30_000}{i}}}", "b") for i in range(60)]

    async def main() -> list[grpc.StatusCode]:
        codes = []
        async with grpc.aio.insecure_channel(served.address) as channel:
            stub = reward_pb2_grpc.RewardServiceStub(channel)
            for _ in range(ROUNDS // 4):
                call = stub.VerifyAnswersStream(convert.verify_request_to_pb(big, None),
                                                timeout=1.0)
                try:
                    await call.read()
                    await asyncio.sleep(1.5)  # past the deadline, with results still unsent
                    while await call.read() is not grpc.aio.EOF:
                        pass
                except grpc.aio.AioRpcError as error:
                    codes.append(error.code())
        return codes
    codes = asyncio.run(main())
    assert codes == [grpc.StatusCode.DEADLINE_EXCEEDED] * (ROUNDS // 4)
    assert_still_serving(served)


def test_deadline_expires_while_grading(served: ServeProcess) -> None:
    """Thousands of items against a short deadline: the stream is cut while the pool works or
    while the expired items are being written."""
    async def main() -> None:
        async with RewardClient(served.address) as client:
            for round_ in range(ROUNDS // 2):
                with contextlib.suppress(RewardRpcError):
                    async for _ in client.verify_answers_stream(
                            slow_items(2000, f"g{round_}-"), timeout=0.2 + 0.1 * round_):
                        pass
    asyncio.run(main())
    assert_still_serving(served)


CLIENT = textwrap.dedent("""
    import sys
    from mathreward.client import SyncRewardClient
    from verifier.types import VerifyItem
    items = [VerifyItem(f"k{i}", rf"\\boxed{{\\frac{{{2 * (i + 3)}}}{{2x+{2 * (i + 3)}}}}}",
                        rf"\\frac{{{i + 3}}}{{x+{i + 3}}}") for i in range(300)]
    with SyncRewardClient(sys.argv[1]) as client:
        for _ in client.verify_answers_stream(items):
            print("got", flush=True)
""")


def test_client_process_killed_mid_stream(served: ServeProcess) -> None:
    for _ in range(4):
        client = subprocess.Popen([sys.executable, "-c", CLIENT, served.address],
                                  stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        assert client.stdout is not None
        assert client.stdout.readline().strip() == "got"  # mid-stream
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=30)
    assert_still_serving(served)


def test_streams_ending_early_do_not_hurt_other_callers(served: ServeProcess) -> None:
    """Another client's unary batch, running while streams are cancelled, comes back whole."""
    batch = slow_items(60, "other-")

    async def main() -> list:
        async with RewardClient(served.address) as client, \
                grpc.aio.insecure_channel(served.address) as channel:
            stub = reward_pb2_grpc.RewardServiceStub(channel)
            work = asyncio.ensure_future(client.verify_answers(batch))
            for round_ in range(ROUNDS):
                call = stub.VerifyAnswersStream(
                    convert.verify_request_to_pb(slow_items(100, f"o{round_}-"), None))
                await call.read()
                call.cancel()
            return await work
    try:
        results = asyncio.run(main())
    except RewardRpcError as error:  # the server died under it
        pytest.fail(f"the other caller's RPC failed: {error}")
    # Every item answered; on a loaded CI machine an item may use up its own time budget
    # (TIMEOUT, a verdict with a reason), but no item may be lost or wrongly graded.
    assert len(results) == len(batch)
    assert {r.verdict for r in results} <= {Verdict.CORRECT, Verdict.TIMEOUT}
    assert sum(r.verdict is Verdict.CORRECT for r in results) > len(batch) // 2
    assert_still_serving(served)
