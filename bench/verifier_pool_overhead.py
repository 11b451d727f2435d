"""What the worker pool costs per item, and what chunking plain items buys.

    OMP_NUM_THREADS=1 .venv/bin/python bench/verifier_pool_overhead.py [--items 4000]
        [--workers 2] [--table tests/data/answer_table.jsonl]

Two workloads, graded (1) in-process, (2) by the pool with one task per item
(`plain_chunk_size=1`) and (3) by the pool as configured by default (plain items travel up to
64 per task); the pool's cache is off, so every item is graded:
  - "plain": `\\boxed{i}` against `i` or `i+1` (DeepScaleR-style integer answers; the grader's
    exact fast path, microseconds per item);
  - "table": the non-hostile rows of the answer table (mostly symbolic work, milliseconds).
Per item: wall time, parent CPU (the process that calls the pool: in the service, the one that
also runs gRPC) and the ratio of wall time to in-process. Numbers are from one pass on a shared
machine; compare within one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from verifier.pool import PoolConfig, VerifierPool
from verifier.types import VerifyItem, VerifyOptions
from verifier.verify import verify

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = VerifyOptions()


def plain_items(n: int) -> list[VerifyItem]:
    return [VerifyItem(str(i), f"The answer is \\boxed{{{i}}}", str(i + i % 2)) for i in range(n)]


def table_items(path: Path) -> list[VerifyItem]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        VerifyItem(str(i), r["response"], r["gold"])
        for i, r in enumerate(rows)
        if r["kind"] != "hostile"
    ]


def measure(grade: Callable[[list[VerifyItem]], object], items: list[VerifyItem]) -> tuple:
    """(wall µs per item, parent CPU µs per item) of one call over all items."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    grade(items)
    n = len(items)
    return 1e6 * (time.perf_counter() - wall0) / n, 1e6 * (time.process_time() - cpu0) / n


def in_process(items: list[VerifyItem]) -> None:
    for item in items:
        verify(item.response, item.gold, OPTIONS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=4000, help="plain items")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--table", type=Path, default=ROOT / "tests/data/answer_table.jsonl")
    args = parser.parse_args(argv)

    workloads = {"plain": plain_items(args.items), "table": table_items(args.table)}
    lines = [
        "| workload | items | grader | wall µs/item | parent CPU µs/item | wall vs in-process |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for name, items in workloads.items():
        in_process(items[:20])  # imports and first-call set-up, not timed
        base_wall, base_cpu = measure(in_process, items)
        rows = [("in-process", base_wall, base_cpu)]
        for label, chunk in (("pool, 1 item per task", 1), ("pool, default (chunks)", 64)):
            config = PoolConfig(workers=args.workers, cache_size=0, plain_chunk_size=chunk)
            with VerifierPool(config) as pool:
                wall, cpu = measure(
                    lambda batch, pool=pool: pool.verify_many(batch, OPTIONS), items
                )
            rows.append((f"{label}, {args.workers} workers", wall, cpu))
        for label, wall, cpu in rows:
            lines.append(
                f"| {name} | {len(items)} | {label} | {wall:,.0f} | {cpu:,.0f} "
                f"| {wall / base_wall:.2f}x |"
            )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
