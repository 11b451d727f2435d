"""`mathreward ablate`: compare reward specs on rollouts (Best-of-N, majority, pass@N, AUROC).

    .venv/bin/mathreward ablate ROLLOUTS.jsonl [--specs orm,prm_min,prm_prod,prm_mean,prm_last]
        [--out DIR] [--server HOST:PORT] [--workers N] [--prm PATH] [--device auto] [--skip-bad]
    .venv/bin/mathreward ablate --demo [--demo-problems 100 --demo-responses 8] [--out DIR]

Input lines `{"id","problem","gold","responses":[...]}`. `--demo` first writes sample rollouts
made by our own data generator to DIR/demo_rollouts.jsonl and runs on them. Writes
DIR/ablation.md (also printed to stdout), DIR/ablation.json and DIR/best_of_n.png; a progress bar
goes to stderr when it is a terminal. In-process (verifier pool + bundled PRM) unless `--server`
is given (same numbers). A line that is not a rollout (`responses` not a non-empty list of
strings, `problem` or `gold` missing, ...) is an error naming the line and why, exit code 2;
`--skip-bad` skips such lines and says how many on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from mathreward.ablate import Problem, evaluate, measure, write_outputs
from mathreward.backends import Backend, make_backend
from mathreward.commands._lines import (
    Lines,
    add_skip_bad_flag,
    load,
    report_skipped,
    string,
    strings,
)
from mathreward.commands._progress import progress
from mathreward.reward_spec import RewardSpec, SpecError, parse_spec_list
from prm.types import PrmConfig
from verifier.pool import PoolConfig
from verifier.types import VerifyOptions

DEFAULT_SPECS = "orm,prm_min,prm_prod,prm_mean,prm_last,orm+prm_min,orm_gated_prm_min"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ablate", help="compare reward specs on rollouts: Best-of-N, majority vote, AUROC",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rollouts", nargs="?", metavar="ROLLOUTS.jsonl", help="input rollouts")
    parser.add_argument("--specs", default=DEFAULT_SPECS, help="comma-separated spec presets")
    parser.add_argument("--out", default="runs/ablate", help="output directory")
    parser.add_argument("--server", metavar="HOST:PORT", help="use a running service")
    parser.add_argument("--demo", action="store_true", help="generate sample rollouts first")
    parser.add_argument("--demo-problems", type=int, default=100)
    parser.add_argument("--demo-responses", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0, help="demo data seed")
    parser.add_argument("--workers", type=int, default=2, help="verifier processes (in-process)")
    parser.add_argument("--prm", metavar="PATH", help="PRM checkpoint (default: bundled)")
    parser.add_argument("--device", default="auto", help="PRM device: auto | cpu | cuda[:N]")
    add_skip_bad_flag(parser)
    parser.set_defaults(func=run)


def parse_rollout(record: dict, number: int) -> Problem:
    """One rollouts line; ValueError saying why it is not one. `responses` must be a non-empty
    list of strings: a string is not read as a list of its characters."""
    responses = strings(record, "responses")
    if not responses:
        raise ValueError("'responses' is empty")
    item_id = record.get("id")
    return Problem(id=str(number if item_id is None else item_id),
                   problem=string(record, "problem"), gold=string(record, "gold", number_ok=True),
                   responses=responses)


def _rollouts_path(args: argparse.Namespace, out_dir: Path) -> Path | None:
    """The rollouts to read: the file given, or demo rollouts written first (None: neither)."""
    if args.demo:
        from prm_train.ablate_demo import demo_rollouts  # the generator lives in prm_train.data

        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "demo_rollouts.jsonl"
        records = demo_rollouts(args.demo_problems, args.demo_responses, seed=args.seed)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        print(f"demo rollouts: {path}", file=sys.stderr)
        return path
    return Path(args.rollouts) if args.rollouts else None


async def _ablate(problems: list[Problem], specs: list[RewardSpec], backend: Backend,
                  out_dir: Path) -> str:
    need_prm = any(s.needs_prm for s in specs)
    total = sum(len(p.responses) for p in problems) * (2 if need_prm else 1)
    bar = progress(total, desc="rewarding")
    await backend.start()
    try:
        parts, cost = await measure(problems, backend, need_prm, progress=bar.update)
    finally:
        bar.close()
        await backend.close()
    report = evaluate(problems, parts, specs, cost)
    paths = write_outputs(report, out_dir)
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return paths["markdown"].read_text()


def run(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    try:
        specs = parse_spec_list(args.specs)
        if args.workers < 1:
            raise ValueError("need --workers >= 1")
        path = _rollouts_path(args, out_dir)
        if path is None:
            raise ValueError("give ROLLOUTS.jsonl or --demo")
    except (SpecError, ValueError, OSError) as exc:
        print(f"mathreward ablate: {exc}", file=sys.stderr)
        return 2
    lines: Lines[Problem] | None = load("ablate", str(path), parse_rollout,
                                        skip_bad=args.skip_bad)
    if lines is None:
        return 2
    backend = make_backend(args.server, VerifyOptions(),
                           pool=PoolConfig(workers=args.workers, lazy=True),
                           prm=PrmConfig(model_path=args.prm, device=args.device))
    try:
        table = asyncio.run(_ablate(lines.items, specs, backend, out_dir))
    except Exception as exc:  # unreachable server, missing PRM: say so
        print(f"mathreward ablate: {exc}", file=sys.stderr)
        return 1
    report_skipped("ablate", lines)
    sys.stdout.write(table)
    return 0
