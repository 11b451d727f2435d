"""Signals and pathological input against a real `mathreward serve` process.

    .venv/bin/pytest tests/reliability/test_faults.py -q

- SIGTERM with unary and streaming gRPC calls in flight: both finish whole, new calls are
  refused, the process exits 0.
- SIGKILL of a verifier worker mid-batch: the batch still answers every item, the server keeps
  serving (a killed worker costs at most the items it held).
- Pathological answers (deeply nested `\\boxed`, huge numbers): health keeps answering within
  a generous bound while they are graded (the point of the test is the bound).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from mathreward.client import RetryPolicy, SyncRewardClient
from mathreward.errors import RewardRpcError
from mathreward.loadtest.server_proc import worker_pids
from verifier.types import Verdict, VerifyItem

from .conftest import ServeProcess, eventually


def slow_items(n: int, tag: str) -> list[VerifyItem]:
    return [VerifyItem(f"{tag}{i}", rf"\boxed{{\frac{{{2 * (i + 9)}}}{{2x+{2 * (i + 9)}}}}}",
                       rf"\frac{{{i + 9}}}{{x+{i + 9}}}") for i in range(n)]


def in_background(fn, *args) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_sigterm_with_unary_and_streams_in_flight(serve_process) -> None:
    served: ServeProcess = serve_process("--workers", "2", "--grace-period", "60",
                                         "--item-timeout", "30")
    unary_items, stream_items = slow_items(300, "u"), slow_items(200, "s")
    first_streamed = threading.Event()

    def unary() -> list:
        with SyncRewardClient(served.address, retry=RetryPolicy(max_attempts=1)) as client:
            return client.verify_answers(unary_items)

    def stream() -> list:
        with SyncRewardClient(served.address, retry=RetryPolicy(max_attempts=1)) as client:
            results = []
            for pair in client.verify_answers_stream(stream_items):
                results.append(pair)
                first_streamed.set()
            return results
    threads = [in_background(unary), in_background(stream)]
    assert first_streamed.wait(60)
    served.proc.send_signal(signal.SIGTERM)
    for thread, _ in threads:
        thread.join(120)
    (_, unary_box), (_, stream_box) = threads
    assert "error" not in unary_box and "error" not in stream_box, (unary_box, stream_box)
    assert [r.verdict for r in unary_box["value"]] == [Verdict.CORRECT] * len(unary_items)
    assert sorted(i for i, _ in stream_box["value"]) == list(range(len(stream_items)))
    assert served.proc.wait(timeout=60) == 0


def test_worker_sigkill_mid_batch_costs_only_its_items(serve_process) -> None:
    served: ServeProcess = serve_process("--workers", "2", "--item-timeout", "30")
    batch = slow_items(400, "k")
    with SyncRewardClient(served.address) as client:
        assert client.health() == "SERVING"
    workers = worker_pids(served.proc.pid)
    assert len(workers) == 2, "the two worker processes were not found"
    thread, box = in_background(
        lambda: SyncRewardClient(served.address, timeout_s=120).verify_answers(batch))
    time.sleep(0.5)  # let the batch reach the workers (killing earlier is fine too)
    os.kill(workers[0], signal.SIGKILL)
    thread.join(150)
    assert "error" not in box, box
    results = box["value"]
    assert len(results) == len(batch)
    assert sum(r.verdict is Verdict.CORRECT for r in results) >= len(batch) // 2
    assert served.alive()
    with SyncRewardClient(served.address) as client:
        assert client.verify_answers(slow_items(20, "after"))[0].verdict is Verdict.CORRECT


PATHOLOGICAL = [
    VerifyItem("nested", "\\boxed{" * 8000 + "1" + "}" * 8000, "1"),
    VerifyItem("open", "\\boxed{" * 20000, "1"),
    VerifyItem("tower", r"\boxed{10^{10^{10^{10^{10}}}}}", "1"),
    VerifyItem("factorial", r"\boxed{(10^{9})!}", "1"),
    VerifyItem("digits", r"\boxed{" + "9" * 60000 + "}", "1"),
]


def test_pathological_answers_do_not_stall_health(serve_process) -> None:
    served: ServeProcess = serve_process("--workers", "2")
    thread, box = in_background(
        lambda: SyncRewardClient(served.address, timeout_s=120).verify_answers(PATHOLOGICAL * 4))
    worst = 0.0
    with SyncRewardClient(served.address, timeout_s=30) as client:
        while thread.is_alive():
            start = time.monotonic()
            assert client.health() == "SERVING"
            worst = max(worst, time.monotonic() - start)
            time.sleep(0.05)
    thread.join()
    assert "error" not in box, box
    assert len(box["value"]) == len(PATHOLOGICAL) * 4
    assert worst < 5.0, f"health stalled for {worst:.1f} s"  # the bound is the point
    assert eventually(served.alive)


def test_sigterm_refuses_new_calls_while_draining(serve_process) -> None:
    served: ServeProcess = serve_process("--workers", "1", "--grace-period", "30",
                                         "--drain-delay", "2", "--item-timeout", "30")
    batch = slow_items(150, "d")
    thread, box = in_background(
        lambda: SyncRewardClient(served.address, timeout_s=120).verify_answers(batch))
    time.sleep(0.5)
    served.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # inside the drain delay: the port is still open
    with SyncRewardClient(served.address, retry=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(RewardRpcError) as err:
            client.verify_answers(slow_items(1, "late"))
    assert err.value.reason in ("DRAINING", "")
    thread.join(120)
    assert "error" not in box, box
    assert len(box["value"]) == len(batch)
    assert served.proc.wait(timeout=60) == 0
