"""`mathreward reward`: rewards for a JSONL file of responses under one reward spec.

    .venv/bin/mathreward reward IN.jsonl [-o OUT.jsonl] [--spec orm] [--server HOST:PORT]
        [--workers N] [--prm PATH] [--device auto] [--require-think] [--extraction lenient]

Input lines `{"id", "problem", "response", "gold"}` (`problem` is needed by PRM specs only);
output lines `{"id", "reward", "verdict", "extracted", "extracted_by", "reason", "prm_aggregate",
"prm_scored", "step_scores"}` in input order. `-` is stdin/stdout (the default output). Without
`--server` the rewards are computed in this process (verifier pool; the bundled PRM is loaded
only for a spec that needs it); with it, by a running service's ComputeReward. A malformed line
is an error naming the line (exit 2). A progress bar goes to stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from typing import IO

from tqdm import tqdm

from mathreward.backends import Backend, LocalBackend, RemoteBackend
from mathreward.commands._streams import open_input, open_output
from mathreward.reward_spec import PRESETS, RewardSpec, SpecError, get_preset
from mathreward.rewards import RewardItem, RewardOutcome
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
    parser.set_defaults(func=run)


def read_items(lines: Iterable[str]) -> list[RewardItem]:
    """Parse input lines; ValueError naming the first malformed line."""
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            items.append(RewardItem(id=str(rec.get("id", number)),
                                    problem=str(rec.get("problem") or ""),
                                    response=str(rec["response"]), gold=str(rec["gold"])))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"line {number}: need a JSON object with response and gold "
                             f"({exc!r})") from None
    return items


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
    progress = tqdm(total=len(items), file=sys.stderr, unit="item",
                    disable=not sys.stderr.isatty())
    await backend.start()
    try:
        for lo in range(0, len(items), CHUNK):
            chunk = items[lo:lo + CHUNK]
            for outcome in await backend.compute(chunk, spec):
                sink.write(json.dumps(record(outcome)) + "\n")
            progress.update(len(chunk))
    finally:
        progress.close()
        await backend.close()


def run(args: argparse.Namespace) -> int:
    try:
        spec = get_preset(args.spec)
        with open_input(args.input) as source:
            items = read_items(source)
    except (SpecError, ValueError, OSError) as exc:
        print(f"mathreward reward: {exc}", file=sys.stderr)
        return 2
    options = VerifyOptions(require_think=args.require_think, extraction=args.extraction)
    backend: Backend = (RemoteBackend(args.server, options) if args.server else
                        LocalBackend(options, workers=args.workers, prm_path=args.prm,
                                     need_prm=spec.needs_prm, device=args.device))
    try:
        with open_output(args.output) as sink:
            asyncio.run(reward_all(items, spec, backend, sink))
    except Exception as exc:  # unreachable server, refused request, missing PRM: say so
        print(f"mathreward reward: {exc}", file=sys.stderr)
        return 1
    return 0
