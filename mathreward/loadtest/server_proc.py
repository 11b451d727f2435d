"""A real `mathreward serve` process for benchmarks, with its CPU time and its metrics.

    with LocalServer(workers=2) as server:        # free ports on 127.0.0.1, --no-prm
        print(server.address, server.cpu_seconds(), server.scrape()["mathreward_items_total"])

The CPU time is summed over the server's whole process tree from /proc (the gRPC process, the
forkserver and every verifier worker: `process_cpu_seconds_total` of the server alone would miss
the workers, where the grading happens), plus the time of children already reaped. A server given
by address instead (`--server`) has no /proc to read; its CPU is then reported as unknown.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds incl. reaped children) of a live process, from /proc/PID/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (comm) may contain spaces: split after its closing parenthesis.
    fields = raw[raw.rindex(")") + 2:].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, (utime + stime + cutime + cstime) / CLK_TCK


def descendants(root: int) -> list[int]:
    """Every live descendant of `root` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            children.setdefault(stat[0], []).append(int(entry))
    found, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def worker_pids(server_pid: int) -> list[int]:
    """The verifier workers of a `mathreward serve` process: children of its forkserver (the
    server's child running `multiprocessing.forkserver`; the resource tracker is not one)."""
    def cmdline(pid: int) -> bytes:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return b""

    forkservers = [p for p in descendants(server_pid) if b"forkserver" in cmdline(p)
                   and (_stat(p) or (-1,))[0] == server_pid]
    return [p for f in forkservers for p in descendants(f)]


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used by `root` and all its live descendants (plus their reaped children)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            stats[int(entry)] = stat
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
        todo.extend(children.get(pid, []))
    return total


def scrape(metrics_url: str, timeout: float = 5.0) -> dict[str, float]:
    """Prometheus text -> {sample name (labels summed): value}."""
    with urllib.request.urlopen(metrics_url, timeout=timeout) as response:  # noqa: S310 (local)
        text = response.read().decode()
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[sample.name] = out.get(sample.name, 0.0) + sample.value
    return out


def wait_serving(address: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server at {address} not SERVING after {timeout_s:.0f} s")
            time.sleep(0.2)


@dataclass
class LocalServer:
    """Start `mathreward serve` on free loopback ports; stop it (SIGTERM) on exit."""

    workers: int = 2
    prm: bool = False
    extra_args: tuple[str, ...] = ()
    start_timeout_s: float = 180.0
    port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def start(self) -> LocalServer:
        cmd = [sys.executable, "-m", "mathreward", "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--metrics-port", str(self.metrics_port),
               "--workers", str(self.workers), "--log-level", "WARNING",
               *(() if self.prm else ("--no-prm",)), *self.extra_args]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
        try:
            wait_serving(self.address, self.start_timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def cpu_seconds(self) -> float:
        assert self.process is not None
        return tree_cpu_seconds(self.process.pid)

    def main_cpu_seconds(self) -> float:
        """CPU of the gRPC process alone (event loop, protobuf, dispatch), without its workers."""
        assert self.process is not None
        stat = _stat(self.process.pid)
        return 0.0 if stat is None else stat[1]

    def scrape(self) -> dict[str, float]:
        return scrape(self.metrics_url)

    def stop(self, timeout_s: float = 30.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
