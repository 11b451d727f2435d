"""Draining and graceful shutdown: in-process drain, and SIGTERM to a real `mathreward serve`.

    .venv/bin/pytest tests/service/test_shutdown.py -q
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import pytest

from mathreward.client import RetryPolicy, SyncRewardClient
from mathreward.errors import RewardRpcError
from verifier.types import Verdict, VerifyItem

FAST = VerifyItem("fast", r"\boxed{12}", "12")


def test_drain_health_not_serving_and_new_rpcs_unavailable(make_server) -> None:
    srv = make_server()
    retry = RetryPolicy(max_attempts=3, initial_backoff_s=0.01, max_backoff_s=0.02)
    with SyncRewardClient(srv.address, retry=retry) as client:
        assert client.health() == "SERVING"
        srv.drain()
        assert client.health() == "NOT_SERVING"
        assert client.health("mathreward.v1.RewardService") == "NOT_SERVING"
        with pytest.raises(RewardRpcError) as err:
            client.verify_answers([FAST])
    assert (err.value.code, err.value.reason) == (grpc.StatusCode.UNAVAILABLE, "DRAINING")
    assert err.value.attempts == 3  # UNAVAILABLE is retried, then reported


def _start_serve(extra: list[str]
                 ) -> tuple[subprocess.Popen, dict, queue.Queue, threading.Thread]:
    """A real `mathreward serve` on free ports: (process, its "serving" log entry with `port`
    and `metrics_port`, log lines, log reader)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MATHREWARD_TOKEN="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mathreward", "serve", "--host", "127.0.0.1", "--port", "0",
         "--metrics-port", "0", "--log-format", "json",
         *(extra if "--prm" in extra else ["--no-prm", *extra])],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr],
                              daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            entry = json.loads(lines.get(timeout=1))
        except queue.Empty:
            continue
        if entry["msg"] == "serving":
            return proc, entry, lines, reader
    proc.kill()
    raise AssertionError("mathreward serve did not start within 60 s")


def _busy(metrics_url: str) -> bool:
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    return any(line.startswith('mathreward_inflight_items{method="VerifyAnswers"}')
               and float(line.rsplit(" ", 1)[1]) > 0 for line in text.splitlines())


def test_sigterm_finishes_inflight_rpc_and_exits_0(many_items) -> None:
    proc, serving, lines, reader = _start_serve(["--workers", "1", "--grace-period", "60"])
    address = f"127.0.0.1:{serving['port']}"
    metrics_url = f"http://127.0.0.1:{serving['metrics_port']}/metrics"
    batch = many_items(500, "t")  # seconds of grading for one worker, no deadline
    try:
        with SyncRewardClient(address, timeout_s=90) as client:
            inflight: list[object] = []
            call = threading.Thread(target=lambda: inflight.extend(client.verify_answers(batch)))
            call.start()
            give_up = time.monotonic() + 30
            while not _busy(metrics_url):  # until the server has admitted the batch
                assert time.monotonic() < give_up, "the batch never reached the server"
                time.sleep(0.02)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            with SyncRewardClient(address, retry=RetryPolicy(max_attempts=1),
                                  timeout_s=5) as late:
                with pytest.raises(RewardRpcError) as err:
                    late.verify_answers([FAST])
            assert err.value.code == grpc.StatusCode.UNAVAILABLE  # new RPCs are refused
            call.join(timeout=90)
        assert proc.wait(timeout=30) == 0
        reader.join(timeout=10)  # every log line read
    finally:
        if proc.poll() is None:
            proc.kill()
    # The in-flight RPC completed normally: every item graded, none cut short.
    assert len(inflight) == 500
    assert all(r.verdict is Verdict.CORRECT for r in inflight)
    entries = [json.loads(line) for line in list(lines.queue)]  # every log line is JSON
    messages = [e["msg"] for e in entries]
    draining = entries[messages.index("draining")]
    assert draining["inflight_rpcs"] == 1  # SIGTERM really came while the RPC was running
    finished = [i for i, e in enumerate(entries) if e["msg"] == "rpc" and e["code"] == "OK"
                and e["method"].endswith("/VerifyAnswers") and e["request_id"] != "-"]
    # order of events: SIGTERM -> draining -> the in-flight RPC ends OK -> stopped
    assert messages.index("draining") < finished[0] < messages.index("stopped")


def test_serve_with_a_prm_checkpoint(tmp_path) -> None:
    """`mathreward serve --prm PATH`: health SERVING once loaded, ScoreSteps works, exit 0."""
    testing = pytest.importorskip("prm.testing", reason="the PRM engine (prm extra) is absent")
    path = testing.build_tiny_qwen_prm(tmp_path / "tiny")
    proc, serving, _lines, _reader = _start_serve(["--workers", "1", "--prm", str(path),
                                                   "--prm-device", "cpu"])
    try:
        assert serving["prm"] is True
        with SyncRewardClient(f"127.0.0.1:{serving['port']}", timeout_s=30) as client:
            assert client.health() == "SERVING"
            results = client.score_steps([{"id": "a", "problem": "p", "steps": ["one", "two"]}])
        assert results[0].status == "ok" and len(results[0].step_scores) == 2
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
