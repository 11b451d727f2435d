"""Fixtures of the reliability suite: real `mathreward serve` processes and raw gRPC calls.

- `serve_process(*flags)` (function scope factory): starts `python -m mathreward serve` on
  127.0.0.1 with free ports and `--no-prm` (unless `--prm` is among `flags`), waits for its
  "serving" log line and returns a `ServeProcess` (`.proc`, `.address`, `.metrics_port`,
  `.log_lines()`); killed after the test. Each test that needs a process of its own (signals,
  crashes, log format) starts one; others use the shared in-process `server` / `make_server`
  from tests/conftest.py.
- `raw_call(address, method, payload, ...)`: one unary call with raw bytes (no serializer),
  the way a fuzzer or a broken client sends a message.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

SERVICE = "/mathreward.v1.RewardService/"
UNARY_METHODS = ("VerifyAnswers", "ScoreSteps", "ComputeReward")
STREAM_METHODS = ("VerifyAnswersStream",)


def eventually(check: Callable[[], bool], limit_s: float = 15.0) -> bool:
    """Wait until `check()` holds (the server updates counters just after it answers)."""
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@dataclass
class ServeProcess:
    proc: subprocess.Popen
    port: int
    metrics_port: int | None
    lines: queue.Queue = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_lines(self) -> list[str]:
        """Every stderr line so far (the process keeps writing; call again for more)."""
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return list(self.seen)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(*flags: str, log_format: str = "json") -> ServeProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", MATHREWARD_TOKEN="")
    extra = list(flags) if "--prm" in flags else ["--no-prm", *flags]
    port = free_port()  # chosen here: a text log line does not carry it in a parseable form
    proc = subprocess.Popen(
        [sys.executable, "-m", "mathreward", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--metrics-port", "0", "--log-format", log_format, *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    served = ServeProcess(proc, port, None)
    threading.Thread(target=lambda: [served.lines.put(line) for line in proc.stderr],
                     daemon=True).start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            line = served.lines.get(timeout=1)
        except queue.Empty:
            continue
        served.seen.append(line)
        if log_format == "json":
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("msg") == "serving":
                    served.metrics_port = entry.get("metrics_port")
                    return served
        elif " serving" in line:
            return served
    proc.kill()
    raise AssertionError("mathreward serve did not start:\n" + "".join(served.seen[-20:]))


@pytest.fixture
def serve_process() -> Iterator[Callable[..., ServeProcess]]:
    started: list[ServeProcess] = []

    def start(*flags: str, log_format: str = "json") -> ServeProcess:
        served = start_serve(*flags, log_format=log_format)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.alive():
            served.proc.kill()
        served.proc.wait(timeout=30)
