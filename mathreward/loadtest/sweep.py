"""Throughput/latency sweep over worker count x batch size x concurrency (`mathreward bench sweep`).

    .venv/bin/mathreward bench sweep --workers 1,2 --batch-sizes 16,256 --concurrency 1,2,4,8 \
        --duration 5 --out bench/results

For each worker count a real `mathreward serve --no-prm --workers N` is started on loopback (or
one given server is used with `--server`); each cell is a closed-loop run (loadtest/driver.py) after
a short warm-up. Per cell: items/s, RPC/s, p50/p95/p99 RPC latency, server CPU seconds per 1,000
items (whole process tree, from /proc), TIMEOUT verdicts, worker restarts (the server's metrics)
and failed RPCs. With `compare_items` > 0 the same kind of payload is graded by math-verify
in-process first, and every row carries its ratio to that, from the same run.
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from mathreward.loadtest import payloads
from mathreward.loadtest.driver import RunStats, run_closed_loop
from mathreward.loadtest.mathverify_baseline import run_baseline
from mathreward.loadtest.report import Row, percentile
from mathreward.loadtest.server_proc import LocalServer, scrape

MAX_PREBUILT_ITEMS = 40_000  # ~100 MB of serialized requests at 2,000 think characters


class Progress(Protocol):
    """Progress hooks (the CLI's tqdm bar): items as RPCs return, then once per cell."""

    def items(self, description: str, count: int) -> None: ...

    def cell_done(self) -> None: ...


@dataclass(frozen=True)
class SweepConfig:
    method: str = "verify"  # verify | compute_reward | score_steps
    workers: tuple[int, ...] = (2,)
    batch_sizes: tuple[int, ...] = (16, 256)
    concurrency: tuple[int, ...] = (1, 2, 4, 8)
    duration_s: float = 5.0
    warmup_s: float = 1.0
    think_chars: int = 2000
    hostile_share: float = 0.01
    seed: int = 0
    server: str | None = None  # a running server's address; None = start one per worker count
    metrics_url: str | None = None  # that server's /metrics (restart counts); optional
    compare_items: int = 256  # math-verify in-process baseline size; 0 = no baseline
    prm: bool = False  # start local servers with the bundled PRM (score_steps / PRM presets)


def environment() -> dict[str, Any]:
    """Where the numbers were taken: they mean little without it."""
    return {"cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0],
            "python": platform.python_version(), "machine": platform.machine(),
            "time_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}


def stats_row(stats: RunStats, workers: int | None, cpu_s: float | None,
              restarts: float | None, main_cpu_s: float | None = None) -> Row:
    ms = [x * 1e3 for x in stats.latencies]
    return {
        "workers": workers if workers is not None else "remote", "batch": stats.batch_size,
        "concurrency": stats.concurrency, "rpcs": stats.rpcs, "items": stats.items,
        "wall_s": round(stats.wall_s, 3),
        "items_per_s": stats.items / stats.wall_s if stats.wall_s else 0.0,
        "rpc_per_s": stats.rpcs / stats.wall_s if stats.wall_s else 0.0,
        "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
        "cpu_s_per_1k": cpu_s / stats.items * 1e3 if cpu_s is not None and stats.items else None,
        "main_cpu_s_per_1k": main_cpu_s / stats.items * 1e3
        if main_cpu_s is not None and stats.items else None,
        "client_cpu_s_per_1k": stats.client_cpu_s / stats.items * 1e3 if stats.items else None,
        "timeouts": stats.timeouts, "restarts": None if restarts is None else int(restarts),
        "errors": sum(stats.errors.values()), "error_codes": dict(stats.errors),
    }


def _restarts(metrics_url: str | None) -> float | None:
    if metrics_url is None:
        return None
    # A labelled counter has no sample until its first restart: absent means 0.
    return scrape(metrics_url).get("mathreward_worker_restarts_total", 0.0)


def run_cell(config: SweepConfig, address: str, server: LocalServer | None, workers: int | None,
             batch: int, concurrency: int, progress: Progress | None) -> Row:
    metrics_url = server.metrics_url if server is not None else config.metrics_url
    prebuild = 2 * concurrency
    if config.warmup_s > 0:  # fill the channel, page in the workers; not measured
        warm = asyncio.run(run_closed_loop(address, config.method, batch, concurrency,
                                           config.warmup_s, seed=config.seed + 7919,
                                           think_chars=config.think_chars,
                                           hostile_share=config.hostile_share))
        # Enough ready requests for the measured run at 1.5x the warm-up rate (bounded).
        rate = warm.rpcs / warm.wall_s if warm.wall_s else 0.0
        prebuild = min(MAX_PREBUILT_ITEMS // batch,
                       int(rate * config.duration_s * 1.5) + 2 * concurrency)
    cpu0 = server.cpu_seconds() if server is not None else None
    main0 = server.main_cpu_seconds() if server is not None else None
    restarts0 = _restarts(metrics_url)
    label = f"w={workers} b={batch} c={concurrency}"
    done = (lambda n: progress.items(label, n)) if progress is not None else None
    # A fresh seed per cell: no cell is served from the previous cell's cache.
    seed = config.seed * 10_007 + batch * 101 + concurrency
    stats = asyncio.run(run_closed_loop(address, config.method, batch, concurrency,
                                        config.duration_s, seed=seed,
                                        think_chars=config.think_chars,
                                        hostile_share=config.hostile_share, on_done=done,
                                        prebuild=prebuild))
    cpu = server.cpu_seconds() - cpu0 if server is not None and cpu0 is not None else None
    main = server.main_cpu_seconds() - main0 if server is not None and main0 is not None else None
    restarts1 = _restarts(metrics_url)
    delta = restarts1 - restarts0 if restarts0 is not None and restarts1 is not None else None
    if progress is not None:
        progress.cell_done()
    return stats_row(stats, workers, cpu, delta, main)


def _cells(config: SweepConfig, address: str, server: LocalServer | None, workers: int | None,
           progress: Progress | None) -> list[Row]:
    return [run_cell(config, address, server, workers, batch, conc, progress)
            for batch in config.batch_sizes for conc in config.concurrency]


def run_sweep(config: SweepConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Run every cell; returns {"config", "environment", "baseline", "rows"}."""
    baseline = None
    if config.compare_items > 0:
        prompts = max(1, math.ceil(config.compare_items / 16))
        samples = payloads.make_samples(prompts, 16, config.seed + 1, config.think_chars,
                                        config.hostile_share)[:config.compare_items]
        baseline = asdict(run_baseline(samples))
        baseline["items_per_s"] = baseline["items"] / baseline["wall_s"]
    rows: list[Row] = []
    env_before = environment()
    if config.server is not None:
        rows += _cells(config, config.server, None, None, progress)
    else:
        for workers in config.workers:
            with LocalServer(workers=workers, prm=config.prm) as server:
                rows += _cells(config, server.address, server, workers, progress)
    if baseline is not None:
        for row in rows:
            row["math_verify_items_per_s"] = baseline["items_per_s"]
            row["vs_math_verify"] = row["items_per_s"] / baseline["items_per_s"]
    env = {**env_before, "load_avg_1m_after": os.getloadavg()[0]}
    return {"config": asdict(config), "environment": env, "baseline": baseline, "rows": rows}
