"""`mathreward reward`: rewards for a JSONL file of responses under one reward spec.

    .venv/bin/mathreward reward IN.jsonl [-o OUT.jsonl] [--spec orm] [--server HOST:PORT]
        [--workers N] [--prm PATH] [--device auto] [--require-think] [--extraction lenient]
        [--skip-bad]

Input lines `{"id", "problem", "response", "gold"}` (`problem` is needed by PRM specs only);
output lines `{"id", "reward", "verdict", "extracted", "extracted_by", "reason", "prm_aggregate",
"prm_scored", "step_scores"}` in input order. `-` is stdin/stdout (the default output). Without
`--server` the rewards are computed in this process (verifier pool; the bundled PRM is loaded
only for a spec that needs it); with it, by a running service's ComputeReward (same output). A
line that is not a valid item (`response` not a string, `gold` neither a string nor a number,
...) is an error naming the line and why, exit code 2; `--skip-bad` skips such lines and says
how many on stderr. A progress bar goes to stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import IO

from mathreward.backends import Backend, make_backend
from mathreward.commands._lines import add_skip_bad_flag, load, report_skipped, string
from mathreward.commands._progress import progress
from mathreward.commands._streams import open_output
from mathreward.reward_spec import PRESETS, RewardSpec, SpecError, get_preset
from mathreward.rewards import RewardItem, RewardOutcome
from prm.types import PrmConfig
from verifier.pool import PoolConfig
from verifier.types import EXTRACTION_MODES, VerifyOptions

CHUNK = 256  # items per ComputeReward call / in-process batch


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reward", help="rewards for {id, problem, response, gold} lines under a reward spec",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="IN.jsonl", help="input file, or - for stdin")
    parser.add_argument("-o", "--output", default="-", help="output file (default: - = stdout)")
    parser.add_argument("--spec", default="orm", help=f"reward spec preset: {', '.join(PRESETS)}")
    parser.add_argument("--server", metavar="HOST:PORT", help="use a running service")
    parser.add_argument("--workers", type=int, default=2, help="verifier processes (in-process)")
    parser.add_argument("--prm", metavar="PATH", help="PRM checkpoint (default: bundled)")
    parser.add_argument("--device", default="auto", help="PRM device: auto | cpu | cuda[:N]")
    parser.add_argument("--require-think", action="store_true", help="both think tags required")
    parser.add_argument("--extraction", choices=EXTRACTION_MODES, default="strict",
                        help="answer extraction (grading-policy rule 4): strict (default, for RL)"
                             " or lenient (for evaluating instruct models)")
    add_skip_bad_flag(parser)
    parser.set_defaults(func=run)


def parse_item(record: dict, number: int) -> RewardItem:
    """One input object; ValueError saying why it is not an item."""
    item_id = record.get("id")
    return RewardItem(id=str(number if item_id is None else item_id),
                      problem=string(record, "problem", default=""),
                      response=string(record, "response"),
                      gold=string(record, "gold", number_ok=True))


def record(outcome: RewardOutcome) -> dict:
    return {"id": outcome.id, "reward": outcome.reward,
            "verdict": outcome.verdict.value if outcome.verdict else None,
            "extracted": outcome.extracted, "extracted_by": outcome.extracted_by,
            "reason": outcome.reason,
            "prm_aggregate": outcome.prm_aggregate, "prm_scored": outcome.prm_scored,
            "step_scores": list(outcome.step_scores)}


async def reward_all(items: list[RewardItem], spec: RewardSpec, backend: Backend,
                     sink: IO[str]) -> None:
    """Compute and write the rewards chunk by chunk, in input order."""
    bar = progress(len(items))
    await backend.start()
    try:
        for lo in range(0, len(items), CHUNK):
            chunk = items[lo:lo + CHUNK]
            for outcome in await backend.compute(chunk, spec):
                sink.write(json.dumps(record(outcome)) + "\n")
            bar.update(len(chunk))
    finally:
        bar.close()
        await backend.close()


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("mathreward reward: need --workers >= 1", file=sys.stderr)
        return 2
    try:
        spec = get_preset(args.spec)
    except SpecError as exc:
        print(f"mathreward reward: {exc}", file=sys.stderr)
        return 2
    lines = load("reward", args.input, parse_item, skip_bad=args.skip_bad)
    if lines is None:
        return 2
    options = VerifyOptions(require_think=args.require_think, extraction=args.extraction)
    prm = PrmConfig(model_path=args.prm, device=args.device)
    backend = make_backend(args.server, options, pool=PoolConfig(workers=args.workers, lazy=True),
                           prm=prm)
    try:
        with open_output(args.output) as sink:
            asyncio.run(reward_all(lines.items, spec, backend, sink))
    except Exception as exc:  # unreachable server, refused request, missing PRM: say so
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"mathreward reward: {exc}", file=sys.stderr)
        return 1
    report_skipped("reward", lines)
    return 0
