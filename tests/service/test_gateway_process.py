"""The HTTP edges of a real `mathreward serve` process: SIGTERM drain with /get_reward in flight,
hundreds of half-open connections under a low fd limit, and /metrics following `--host`.

    .venv/bin/pytest tests/service/test_gateway_process.py -q
"""

from __future__ import annotations

import json
import os
import queue
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import grpc
import pytest

from mathreward.client import RetryPolicy, SyncRewardClient
from mathreward.errors import RewardRpcError
from verifier.types import Verdict, VerifyItem

PROMPT = "<|im_start|>user\nSolve it.<|im_end|>\n<|im_start|>assistant\n"
FAST = VerifyItem("fast", r"\boxed{2}", "2")


def start_serve(extra: list[str], preexec: Callable[[], None] | None = None
                ) -> tuple[subprocess.Popen, dict, queue.Queue]:
    """A real `mathreward serve --no-prm` on free loopback ports: (process, its "serving" log
    entry with `port`, `metrics_port` and `http_port`, queue of later log lines)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MATHREWARD_TOKEN="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mathreward", "serve", "--no-prm", "--port", "0",
         "--metrics-port", "0", "--http-port", "0", "--log-format", "json", "--workers", "1",
         *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=preexec)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr],
                     daemon=True).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        entry = json.loads(line)
        if entry["msg"] == "serving":
            return proc, entry, lines
    proc.kill()
    raise AssertionError("mathreward serve did not start within 60 s")


def post(port: int, payload: dict, timeout: float = 120) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/get_reward",
                                     data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def verifier_queue_depth(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as reply:
        for line in reply.read().decode().splitlines():
            if line.startswith('mathreward_queue_depth{queue="verifier"}'):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_sigterm_drains_get_reward_in_flight(many_items) -> None:
    """In flight: finishes with every reward (was: HTTP 500 CancelledError, exit in 0.6 s);
    new: 503 over HTTP, UNAVAILABLE over gRPC; then exit 0."""
    proc, serving, _lines = start_serve(["--host", "127.0.0.1", "--grace-period", "60"])
    batch = many_items(400, "h")  # seconds of grading for one worker
    payload = {"query": [PROMPT + item.response for item in batch],
               "prompts": [PROMPT] * len(batch), "labels": [item.gold for item in batch]}
    answer: list[tuple[int, dict]] = []
    try:
        call = threading.Thread(target=lambda: answer.append(post(serving["http_port"], payload)))
        call.start()
        give_up = time.monotonic() + 60
        while verifier_queue_depth(serving["metrics_port"]) == 0:  # until the batch is admitted
            assert time.monotonic() < give_up, "the batch never reached the pool"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        status, data = post(serving["http_port"], {"query": [PROMPT], "prompts": [PROMPT],
                                                   "labels": ["1"]}, timeout=10)
        assert status == 503 and "shutting down" in data["error"]
        with SyncRewardClient(f"127.0.0.1:{serving['port']}", retry=RetryPolicy(max_attempts=1),
                              timeout_s=5) as late:
            with pytest.raises(RewardRpcError) as err:
                late.verify_answers([FAST])
        assert err.value.code == grpc.StatusCode.UNAVAILABLE
        call.join(timeout=120)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert answer, "the in-flight request got no answer"
    status, data = answer[0]
    assert status == 200, data
    assert data["rewards"] == [1.0] * len(batch)  # every item graded, none cut short


def _low_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))


def test_half_open_connections_do_not_starve_the_server() -> None:
    """300 idle connections to the gateway and 300 to /metrics, with 256 fds: gRPC and HTTP keep
    answering (was: one thread and fd each, held forever) and every idle one gets closed."""
    proc, serving, _lines = start_serve(["--host", "127.0.0.1", "--http-header-timeout", "1"],
                                        preexec=_low_fd_limit)
    idle: list[socket.socket] = []
    try:
        for port in (serving["http_port"], serving["metrics_port"]):
            idle += [socket.create_connection(("127.0.0.1", port), timeout=10)
                     for _ in range(300)]
        with SyncRewardClient(f"127.0.0.1:{serving['port']}", timeout_s=60) as client:
            assert client.verify_answers([FAST])[0].verdict is Verdict.CORRECT
        status, data = post(serving["http_port"], {"query": [PROMPT + r"\boxed{3}"],
                                                   "prompts": [PROMPT], "labels": ["3"]})
        assert (status, data["rewards"]) == (200, [1.0])
        closed, give_up = 0, time.monotonic() + 120
        for sock in idle:
            sock.settimeout(max(0.1, give_up - time.monotonic()))
            try:
                closed += sock.recv(1) == b""
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass
        assert closed == len(idle)
        assert proc.poll() is None  # alive
    finally:
        for sock in idle:
            sock.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_metrics_port_follows_host() -> None:
    """`--host 127.0.0.1` keeps /metrics (and the gateway) off other addresses (was: 0.0.0.0)."""
    proc, serving, _lines = start_serve(["--host", "127.0.0.1"])
    try:
        for port in (serving["metrics_port"], serving["http_port"]):
            with pytest.raises(ConnectionRefusedError):  # loopback too, but not bound
                socket.create_connection(("127.0.0.2", port), timeout=5).close()
        assert verifier_queue_depth(serving["metrics_port"]) == 0  # served on 127.0.0.1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
