"""`mathreward bench`: throughput/latency sweeps and the training-step scenario.

    .venv/bin/mathreward bench sweep --workers 1,2 --batch-sizes 16,256 \
        --concurrency 1,2,4,8 --duration 5 --out bench/results/sweep
    .venv/bin/mathreward bench sweep --server 127.0.0.1:50051 --metrics-url \
        http://127.0.0.1:9090/metrics --batch-sizes 64 --concurrency 1,4,16
    .venv/bin/mathreward bench training-step --workers 2 --out bench/results/step

Without `--server`, each run starts its own `mathreward serve --no-prm` on free loopback ports
(one per worker count), so it can read the server's CPU time from /proc. The markdown table goes
to stdout (or JSON with `--json`); `--out DIR` also writes results.json, table.md and, for
sweeps, throughput.png and latency.png. A tqdm progress bar runs on stderr.

The harness is `mathreward.loadtest` (payloads, driver, sweep, report), part of the package; it
needs the `bench` extra (`pip install 'mathreward[bench]'`), and says so when it is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any


def _import_bench() -> None:
    """The harness needs the `bench` extra (locust, matplotlib, math-verify): say so, once."""
    missing = [name for name in ("locust", "matplotlib", "math_verify")
               if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(f"mathreward bench needs the bench extra ({', '.join(missing)} missing): "
                         "pip install 'mathreward[bench]'")


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers: {text!r}") from exc
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers: {text!r}")
    return values


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="load benchmarks against a real server",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="scenario", required=True, metavar="SCENARIO")
    sweep = sub.add_parser("sweep", help="closed-loop sweep: workers x batch x concurrency")
    sweep.add_argument("--method", choices=("verify", "compute_reward", "score_steps"),
                       default="verify")
    sweep.add_argument("--workers", type=_ints, default=(2,), help="e.g. 1,2 (own servers)")
    sweep.add_argument("--batch-sizes", type=_ints, default=(16, 256))
    sweep.add_argument("--concurrency", type=_ints, default=(1, 2, 4, 8))
    sweep.add_argument("--duration", type=float, default=5.0, help="seconds per cell")
    sweep.add_argument("--warmup", type=float, default=1.0, help="seconds before each cell")
    sweep.add_argument("--compare-items", type=int, default=256,
                       help="items graded by math-verify in-process for the ratio; 0 = off")
    sweep.add_argument("--metrics-url", help="with --server: its /metrics, for restart counts")
    sweep.set_defaults(func=run_sweep_command)
    step = sub.add_parser("training-step", help="one GRPO step: 128 prompts x 16 responses")
    step.add_argument("--workers", type=int, default=2)
    step.add_argument("--prompts", type=int, default=128)
    step.add_argument("--group-size", type=int, default=16)
    step.add_argument("--prm-preset", default="orm+prm_min")
    step.add_argument("--no-compare", action="store_true", help="skip math-verify in-process")
    step.set_defaults(func=run_step_command, hostile_default=0.005)
    for scenario, hostile in ((sweep, 0.01), (step, 0.005)):
        scenario.add_argument("--server", help="HOST:PORT of a running server (else start one)")
        scenario.add_argument("--prm", action="store_true",
                              help="start the local server with the bundled PRM")
        scenario.add_argument("--think-chars", type=int, default=2000)
        scenario.add_argument("--hostile-share", type=float, default=hostile)
        scenario.add_argument("--seed", type=int, default=0)
        scenario.add_argument("--out", type=Path, help="directory for JSON, markdown, plots")
        scenario.add_argument("--json", action="store_true", help="print JSON, not markdown")


class _Bar:
    """tqdm on stderr: one tick per cell, items so far in the postfix."""

    def __init__(self, cells: int) -> None:
        from tqdm import tqdm

        # Off a terminal (CI logs), redraw rarely: every redraw becomes a log line there.
        interval = 0.1 if sys.stderr.isatty() else 10.0
        self.bar = tqdm(total=cells, unit="cell", file=sys.stderr, dynamic_ncols=True,
                        mininterval=interval)
        self.count = 0

    def items(self, description: str, count: int) -> None:
        self.count += count
        self.bar.set_description(description, refresh=False)
        self.bar.set_postfix(items=self.count, refresh=False)
        self.bar.update(0)  # redraws only when mininterval has passed

    def cell_done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _emit(args: argparse.Namespace, result: dict[str, Any], table: str) -> None:
    from mathreward.loadtest.report import write_json

    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        write_json(args.out / "results.json", result)
        (args.out / "table.md").write_text(table + "\n")
    print(json.dumps(result, indent=2, sort_keys=True) if args.json else table)


def run_sweep_command(args: argparse.Namespace) -> int:
    _import_bench()
    from mathreward.loadtest.report import markdown_table, plot_sweep
    from mathreward.loadtest.sweep import SweepConfig, run_sweep

    config = SweepConfig(method=args.method, workers=args.workers, batch_sizes=args.batch_sizes,
                         concurrency=args.concurrency, duration_s=args.duration,
                         warmup_s=args.warmup, think_chars=args.think_chars,
                         hostile_share=args.hostile_share, seed=args.seed, server=args.server,
                         metrics_url=args.metrics_url, compare_items=args.compare_items,
                         prm=args.prm)
    servers = 1 if args.server else len(config.workers)
    bar = _Bar(servers * len(config.batch_sizes) * len(config.concurrency))
    try:
        result = run_sweep(config, bar)
    finally:
        bar.close()
    table = markdown_table(result["rows"])
    if args.out is not None:
        title = f"{config.method}, {result['environment']['cpus']} CPUs"
        result["plots"] = [str(p) for p in plot_sweep(result["rows"], args.out, title)]
    _emit(args, result, table)
    failed = [row for row in result["rows"] if row["errors"]]
    for row in failed:  # say which status codes, not just how many
        print(f"bench: workers={row['workers']} batch={row['batch']} "
              f"concurrency={row['concurrency']}: failed RPCs {row['error_codes']}",
              file=sys.stderr)
    return 1 if failed else 0


def run_step_command(args: argparse.Namespace) -> int:
    _import_bench()
    from mathreward.loadtest.training_step import StepConfig, run_step, step_table

    config = StepConfig(prompts=args.prompts, group_size=args.group_size,
                        think_chars=args.think_chars, hostile_share=args.hostile_share,
                        seed=args.seed, workers=args.workers, server=args.server, prm=args.prm,
                        prm_preset=args.prm_preset, compare=not args.no_compare)
    print(f"training step: {config.prompts} x {config.group_size} responses"
          f"{'' if args.no_compare else ', then math-verify in-process'}...", file=sys.stderr)
    result = run_step(config)
    _emit(args, result, step_table(result))
    return 0
