"""Verifier benchmark: our grader vs math-verify 0.9.0 on the answer table, side by side.

    OMP_NUM_THREADS=1 .venv/bin/python bench/verifier_peers.py
        [--table tests/data/answer_table.jsonl] [--workers 2] [--timeout 2.0] [--repeat 3]
        [--json OUT.json]

Systems, all given the same rows:
  (a) ours, in-process: `verifier.verify.verify` called in one process's main thread;
  (b) ours, pool: `VerifierPool` (cache off, so every row is graded) — throughput from one batch
      of all rows, latency from one-item requests sent one after another;
  (c) math-verify 0.9.0: `verify(parse(gold), parse(response))` in one process's main thread (its
      timeouts are signal-based, so it must run there), gold wrapped as `\\boxed{gold}` (of
      `$gold$`, the bare gold and this, the most accurate for math-verify on the table).
Every pass starts cold: (a) and (c) run each pass in a new process and (b) in a new pool, warmed up
on a few items that are not in the table (both graders cache parses, so a second pass over the same
rows would measure their caches). Passes of the three are interleaved. Non-hostile rows run
directly; hostile rows may hang or exhaust memory, so for (a) and (c) they run one at a time in a
one-worker guard process with the pool's budget and memory cap (a guard timeout counts as "not
correct").

Reported per system, for the non-hostile rows and for all rows: accuracy, false positives (paid but
should not be), false negatives, items/s per process (wall clock, median over passes; the pool's is
divided by its worker count), items per CPU-second (all processes involved: for the pool the parent
and its workers), p50/p99 latency per item, and the items/s ratio to math-verify. The machine is
shared: read the ratios of one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from pebble import ProcessPool

from verifier.pool import PoolConfig, VerifierPool
from verifier.types import Verdict, VerifyItem, VerifyOptions
from verifier.verify import verify as our_verify

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TABLE = ROOT / "tests" / "data" / "answer_table.jsonl"
OPTIONS = VerifyOptions()


@dataclass(frozen=True)
class Row:
    gold: str
    response: str
    expected: bool
    kind: str  # "positive" | "negative" | "hostile"


@dataclass
class Run:
    """One system's predictions and timings over a list of rows (in row order)."""

    predicted: list[bool]
    latencies_s: list[float]
    wall_s: float
    cpu_s: float
    processes: int = 1


@dataclass(frozen=True)
class Stats:
    system: str
    rows: int
    accuracy: float
    false_pos: int
    false_neg: int
    items_per_s: float  # per process
    items_per_cpu_s: float
    p50_ms: float
    p99_ms: float
    ratio_vs_math_verify: float = 0.0


# -- graders run on one row ----------------------------------------------------------------------


def ours(gold: str, response: str) -> bool:
    return our_verify(response, gold, OPTIONS).verdict is Verdict.CORRECT


def math_verify(gold: str, response: str) -> bool:
    from math_verify import parse, verify

    return bool(verify(parse(f"\\boxed{{{gold}}}"), parse(response)))


def _guard_init(memory_limit_mb: int) -> None:
    """Guard worker: the pool's memory cap; math-verify imported ahead of the first row."""
    import math_verify  # noqa: F401

    limit = memory_limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


# -- runners -------------------------------------------------------------------------------------

GRADERS: dict[str, Callable[[str, str], bool]] = {"ours": ours, "math-verify": math_verify}
# Warm-up items (not from the table): imports and first-call set-up happen before timing, while
# the table's rows stay unseen (both graders keep parse caches that a second pass would hit).
WARM_UP = (
    ("0.5", r"so \boxed{\frac{1}{2}}"),
    ("x^2+2x+1", r"\boxed{(x+1)^2}"),
    (r"(3,\infty)", r"\boxed{x>3}"),
    (r"\{1,2\}", r"The answer is \boxed{\{2, 1\}}"),
    (r"2\sqrt{3}", r"\boxed{\sqrt{12}}"),
)


def run_direct(grade: Callable[[str, str], bool], rows: Sequence[Row]) -> Run:
    """Call `grade` in this thread, one row after another."""
    predicted, latencies = [], []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for row in rows:
        start = time.perf_counter()
        predicted.append(grade(row.gold, row.response))
        latencies.append(time.perf_counter() - start)
    return Run(predicted, latencies, time.perf_counter() - wall0, time.process_time() - cpu0)


def _child_pass(system: str, rows: Sequence[Row]) -> Run:
    grade = GRADERS[system]
    for gold, response in WARM_UP:
        grade(gold, response)
    return run_direct(grade, rows)


def fresh_pass(system: str, rows: Sequence[Row]) -> Run:
    """One pass in a new process (cold caches), in that process's main thread."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as executor:
        return executor.submit(_child_pass, system, list(rows)).result()


def run_guarded(
    grade: Callable[[str, str], bool], rows: Sequence[Row], timeout_s: float, memory_mb: int
) -> Run:
    """One row at a time in a one-worker process with a budget; a timeout or crash is False."""
    predicted, latencies = [], []
    context = multiprocessing.get_context("forkserver")
    with ProcessPool(1, initializer=_guard_init, initargs=(memory_mb,), context=context) as guard:
        guard.schedule(_noop).result()  # worker started and warm before timing
        pids = _worker_pids()
        cpu0 = _cpu_of(pids)
        wall0 = time.perf_counter()
        for row in rows:
            start = time.perf_counter()
            try:
                task = guard.schedule(grade, (row.gold, row.response), timeout=timeout_s)
                ok = bool(task.result())
            except Exception:  # TimeoutError, ProcessExpired, MemoryError: not correct
                ok = False
            predicted.append(ok)
            latencies.append(time.perf_counter() - start)
        wall = time.perf_counter() - wall0
        cpu = _cpu_of(pids | _worker_pids()) - cpu0  # a killed guard's CPU is lost: a floor
    return Run(predicted, latencies, wall, max(cpu, 1e-9))


def _noop() -> None:
    return None


def _worker_pids() -> set[int]:
    names = ("pebble_pool_worker",)
    return {p.pid for p in multiprocessing.active_children() if p.name in names and p.pid}


def _cpu_of(pids: set[int]) -> float:
    """CPU seconds (user + system) used so far by these live processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def pool_pass(rows: Sequence[Row], args: argparse.Namespace) -> Run:
    """One batch of all rows through a fresh pool (cache off); CPU = parent + workers."""
    config = PoolConfig(
        workers=args.workers,
        item_timeout_s=args.timeout,
        memory_limit_mb=args.memory_mb,
        cache_size=0,
    )
    items = [VerifyItem(str(i), row.response, row.gold) for i, row in enumerate(rows)]
    with VerifierPool(config) as pool:
        pids = _worker_pids()
        cpu0 = time.process_time() + _cpu_of(pids)
        wall0 = time.perf_counter()
        results = pool.verify_many(items, OPTIONS)
        wall = time.perf_counter() - wall0
        cpu = time.process_time() + _cpu_of(pids) - cpu0
    predicted = [r.verdict is Verdict.CORRECT for r in results]
    return Run(predicted, [r.elapsed_s for r in results], wall, cpu, processes=args.workers)


def pool_latencies(rows: Sequence[Row], args: argparse.Namespace) -> list[float]:
    """Round trip of one-item requests sent one after another (cache off)."""
    config = PoolConfig(workers=args.workers, item_timeout_s=args.timeout, cache_size=0)
    latencies = []
    with VerifierPool(config) as pool:
        for i, row in enumerate(rows):
            start = time.perf_counter()
            pool.verify_many([VerifyItem(str(i), row.response, row.gold)], OPTIONS)
            latencies.append(time.perf_counter() - start)
    return latencies


# -- statistics and report -----------------------------------------------------------------------


def stats(system: str, rows: Sequence[Row], runs: Sequence[Run], latencies: list[float]) -> Stats:
    first = runs[0]
    fp = sum(p and not r.expected for p, r in zip(first.predicted, rows, strict=True))
    fn = sum(r.expected and not p for p, r in zip(first.predicted, rows, strict=True))
    n = len(rows)
    per_s = statistics.median(n / run.wall_s / run.processes for run in runs)
    per_cpu = statistics.median(n / run.cpu_s if run.cpu_s > 0 else 0.0 for run in runs)
    ordered = sorted(latencies)
    return Stats(
        system=system,
        rows=n,
        accuracy=(n - fp - fn) / n if n else 0.0,
        false_pos=fp,
        false_neg=fn,
        items_per_s=per_s,
        items_per_cpu_s=per_cpu,
        p50_ms=1000 * ordered[len(ordered) // 2],
        p99_ms=1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    )


def with_ratios(table: list[Stats]) -> list[Stats]:
    reference = next(s for s in table if s.system.startswith("math-verify"))
    out = []
    for s in table:
        ratio = s.items_per_s / reference.items_per_s if reference.items_per_s else 0.0
        out.append(Stats(**{**asdict(s), "ratio_vs_math_verify": ratio}))
    return out


def markdown(title: str, table: list[Stats]) -> str:
    lines = [
        f"**{title}**",
        "",
        "| system | rows | accuracy | false pos | false neg | items/s per process "
        "| items per CPU-s | p50 ms | p99 ms | items/s vs math-verify |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in table:
        lines.append(
            f"| {s.system} | {s.rows} | {100 * s.accuracy:.1f}% | {s.false_pos} | {s.false_neg} "
            f"| {s.items_per_s:,.0f} | {s.items_per_cpu_s:,.0f} | {s.p50_ms:.2f} | {s.p99_ms:.2f} "
            f"| {s.ratio_vs_math_verify:.2f}x |"
        )
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------------------------


def load_rows(path: Path) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                obj = json.loads(line)
                rows.append(Row(obj["gold"], obj["response"], bool(obj["expected"]), obj["kind"]))
    return rows


def concat(a: Run, b: Run) -> Run:
    """Results for all rows = the non-hostile run followed by the hostile run."""
    return Run(
        a.predicted + b.predicted,
        a.latencies_s + b.latencies_s,
        a.wall_s + b.wall_s,
        a.cpu_s + b.cpu_s,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=2.0, help="per-item budget, seconds")
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3, help="passes per system")
    parser.add_argument("--json", type=Path, help="also write the tables as JSON here")
    args = parser.parse_args(argv)

    rows = load_rows(args.table)
    plain = [r for r in rows if r.kind != "hostile"]
    hostile = [r for r in rows if r.kind == "hostile"]
    ordered = plain + hostile  # the order every "all rows" run uses
    print(f"{len(rows)} rows ({len(plain)} non-hostile, {len(hostile)} hostile)", file=sys.stderr)

    # Passes of the three systems interleaved, so that a burst of load elsewhere on the machine
    # hits all of them rather than one.
    plain_runs: dict[str, list[Run]] = {name: [] for name in (*GRADERS, "pool")}
    pool_all: list[Run] = []
    for _ in range(args.repeat):
        for name in GRADERS:
            plain_runs[name].append(fresh_pass(name, plain))
        plain_runs["pool"].append(pool_pass(plain, args))
        pool_all.append(pool_pass(ordered, args))
    guarded = {
        name: run_guarded(grade, hostile, args.timeout, args.memory_mb)
        for name, grade in GRADERS.items()
    }
    latency_plain = pool_latencies(plain, args)
    latency_all = latency_plain + pool_latencies(hostile, args)

    def single(name: str, label: str, runs: list[Run], table_rows: list[Row]) -> Stats:
        return stats(label, table_rows, runs, [t for run in runs for t in run.latencies_s])

    all_runs = {name: [concat(run, guarded[name]) for run in plain_runs[name]] for name in GRADERS}
    pool_name = f"ours, pool ({args.workers} workers)"
    tables = {
        "non-hostile rows": with_ratios(
            [
                single("ours", "ours, in-process", plain_runs["ours"], plain),
                stats(pool_name, plain, plain_runs["pool"], latency_plain),
                single("math-verify", "math-verify 0.9.0", plain_runs["math-verify"], plain),
            ]
        ),
        "all rows (hostile rows guarded)": with_ratios(
            [
                single("ours", "ours, in-process", all_runs["ours"], ordered),
                stats(pool_name, ordered, pool_all, latency_all),
                single("math-verify", "math-verify 0.9.0", all_runs["math-verify"], ordered),
            ]
        ),
    }
    for title, table in tables.items():
        print(markdown(title, table) + "\n")
    if args.json:
        payload = {title: [asdict(s) for s in table] for title, table in tables.items()}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
