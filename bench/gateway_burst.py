"""Burst benchmark of the OpenRLHF gateway: N clients each open a connection and POST one sample
to /get_reward at the same moment (what OpenRLHF's remote reward client does every step).

    PYTHONPATH=. .venv/bin/python bench/gateway_burst.py --concurrency 256 1024 4096
    # side by side with the stdlib ThreadingHTTPServer gateway this replaced:
    git show 8b758b5:mathreward/http_gateway.py > /tmp/stdlib_http_gateway.py
    PYTHONPATH=. .venv/bin/python bench/gateway_burst.py --concurrency 256 1024 4096 \\
        --legacy /tmp/stdlib_http_gateway.py

Each server is a separate process (`mathreward serve --no-prm --http-port 0`, or the legacy
module behind the same reward core) with `--workers` verifier workers; the clients are one
asyncio process with one aiohttp session (one new connection) per request, first attempt only: no
retries, so refused or reset connections show as such. Per burst it prints requests answered 200,
connections refused, other failures, p50/p99/max latency from the start of the burst and the
throughput (answered requests / wall time of the burst) and the server's CPU time (its whole process
tree, verifier workers included, from /proc) per answered request.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from mathreward.loadtest.server_proc import tree_cpu_seconds

PROMPT = "<|im_start|>user\nWhat is the answer?<|im_end|>\n<|im_start|>assistant\n"


@dataclass
class Burst:
    server: str
    concurrency: int
    ok: int = 0
    refused: int = 0
    failed: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # kind -> count (not refused)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0  # the server's process tree (workers included) during the burst

    @property
    def per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0


# -- servers -------------------------------------------------------------------------------------

def start_server(legacy: str | None, workers: int) -> tuple[subprocess.Popen, int]:
    """(process, HTTP port) of a server that is serving."""
    if legacy is None:
        argv = [sys.executable, "-m", "mathreward", "serve", "--no-prm", "--host", "127.0.0.1",
                "--port", "0", "--metrics-port", "-1", "--http-port", "0", "--workers",
                str(workers), "--log-format", "json"]
    else:
        argv = [sys.executable, __file__, "--serve-legacy", legacy, "--workers", str(workers)]
    env = dict(os.environ, OMP_NUM_THREADS="1", MATHREWARD_TOKEN="")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    stream = proc.stderr if legacy is None else proc.stdout
    other = proc.stdout if legacy is None else proc.stderr
    assert stream is not None and other is not None
    threading.Thread(target=other.read, daemon=True).start()  # drained: the pipe never fills
    for line in stream:
        entry = json.loads(line) if line.startswith("{") else {}
        if entry.get("http_port"):
            threading.Thread(target=stream.read, daemon=True).start()
            return proc, int(entry["http_port"])
    raise RuntimeError(f"server exited: {proc.wait()}")


def serve_legacy(module_path: str, workers: int) -> None:
    """Run the old stdlib gateway module behind today's reward core (child process)."""
    from mathreward.config import ServerConfig
    from mathreward.core import RewardCore, ServingState
    from mathreward.metrics import ServiceMetrics
    from verifier.pool import PoolConfig, VerifierPool

    spec = importlib.util.spec_from_file_location("legacy_http_gateway", module_path)
    assert spec is not None and spec.loader is not None
    legacy = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = legacy  # its dataclasses look their module up
    spec.loader.exec_module(legacy)

    async def main() -> None:
        pool_config = PoolConfig(workers=workers)
        pool = VerifierPool(pool_config)
        pool.start()
        config = ServerConfig(host="127.0.0.1", port=0, metrics_port=None, pool=pool_config)
        core = RewardCore(config, pool, None, ServiceMetrics(), ServingState())
        gateway = legacy.HttpGateway(legacy.GatewayConfig(host="127.0.0.1", port=0),
                                     core.compute_outcomes)
        port = gateway.start(asyncio.get_running_loop())
        print(json.dumps({"http_port": port}), flush=True)
        await asyncio.Event().wait()  # until SIGTERM

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    asyncio.run(main())


# -- clients -------------------------------------------------------------------------------------

async def burst(url: str, concurrency: int, offset: int, server: str, pid: int) -> Burst:
    import aiohttp

    start = asyncio.Event()
    latencies: list[float] = []
    result = Burst(server, concurrency)
    timeout = aiohttp.ClientTimeout(total=180)  # OpenRLHF's client timeout

    async def one(index: int) -> None:
        k = offset + index
        payload = {"query": [PROMPT + f"So the answer is \\boxed{{{k}}}."], "prompts": [PROMPT],
                   "labels": [str(k)]}
        await start.wait()
        began = time.perf_counter()
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(url, json=payload) as response:
                    data = await response.json()
            if response.status == 200 and data["rewards"] == [1.0]:
                result.ok += 1
                latencies.append(time.perf_counter() - began)
            else:
                fail(f"HTTP {response.status}")
        except aiohttp.ClientConnectorError as exc:
            if exc.os_error.errno == errno.ECONNREFUSED:
                result.refused += 1
            else:
                fail(f"connect: {exc.os_error.strerror or type(exc.os_error).__name__}")
        except (TimeoutError, aiohttp.ServerTimeoutError):
            fail("timeout (180 s)")
        except aiohttp.ServerDisconnectedError:
            fail("server disconnected")
        except aiohttp.ClientOSError as exc:
            fail(f"{exc.strerror or type(exc).__name__}")
        except Exception as exc:  # a bad reply: a failure either way
            fail(type(exc).__name__)

    def fail(kind: str) -> None:
        result.failed += 1
        result.failures[kind] += 1

    tasks = [asyncio.create_task(one(i)) for i in range(concurrency)]
    await asyncio.sleep(0.2)  # every task waiting on the start line
    cpu_before = tree_cpu_seconds(pid)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    result.wall_s = time.perf_counter() - began
    result.server_cpu_s = tree_cpu_seconds(pid) - cpu_before
    if latencies:
        latencies.sort()
        result.p50_ms = latencies[len(latencies) // 2] * 1e3
        result.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3
        result.max_ms = latencies[-1] * 1e3
    return result


def failure_notes(rows: list[Burst]) -> str:
    return "\n".join(f"- {r.server}, {r.concurrency:,} concurrent: "
                     + ", ".join(f"{n:,} {kind}" for kind, n in r.failures.most_common())
                     for r in rows if r.failures)


def table(rows: list[Burst]) -> str:
    lines = ["| server | concurrent | 200 OK | refused | other failures | p50 ms | p99 ms | "
             "max ms | wall s | answered/s | server CPU ms/answer |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cpu = r.server_cpu_s * 1e3 / r.ok if r.ok else 0.0
        lines.append(f"| {r.server} | {r.concurrency:,} | {r.ok:,} | {r.refused:,} | {r.failed:,} "
                     f"| {r.p50_ms:,.0f} | {r.p99_ms:,.0f} | {r.max_ms:,.0f} | {r.wall_s:.1f} "
                     f"| {r.per_s:,.0f} | {cpu:.2f} |")
    return "\n".join(lines)


def run(concurrency: list[int], legacy: str | None, workers: int) -> list[Burst]:
    rows: list[Burst] = []
    servers = [("aiohttp (this)", None)] + ([("stdlib (old)", legacy)] if legacy else [])
    for name, module in servers:
        proc, port = start_server(module, workers)
        try:
            url = f"http://127.0.0.1:{port}/get_reward"
            asyncio.run(burst(url, 16, 10**8, name, proc.pid))  # warm up: workers, imports
            for n, level in enumerate(concurrency):
                rows.append(asyncio.run(burst(url, level, n * 10**6, name, proc.pid)))
                print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--workers", type=int, default=2, help="verifier worker processes")
    parser.add_argument("--legacy", metavar="MODULE.py",
                        help="also run the old stdlib gateway module (see the docstring)")
    parser.add_argument("--serve-legacy", metavar="MODULE.py", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_legacy:
        serve_legacy(args.serve_legacy, args.workers)
        return
    rows = run(args.concurrency, args.legacy, args.workers)
    print(table(rows))
    if notes := failure_notes(rows):
        print("\nFailures other than refused connections:\n" + notes)


if __name__ == "__main__":
    main()
