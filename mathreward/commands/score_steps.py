"""`mathreward score-steps`: step scores from the PRM for a JSONL of solutions.

    mathreward score-steps IN.jsonl [-o OUT.jsonl] [--prm PATH] [--max-batch-size N]
        [--device auto|cpu|cuda] [--server HOST:PORT] [--skip-bad]

Lines `{"id", "problem", "steps": [...]}` in (ProcessBench layout; a `"response"` string instead
of `"steps"` is split on blank lines, after the last `</think>`), lines `{"id", "step_scores"}`
out in the same order; an item that could not be scored also gets `"status"` and `"reason"`.
In-process (bundled model, or `--prm PATH` in any supported format) unless `--server` is given
(same output). `-` means stdin / stdout. A line that is not a valid item (`steps` not a list of
strings, no `steps` and no `response` string, ...) is an error naming the line, exit code 2;
`--skip-bad` skips such lines and says how many on stderr. A progress bar goes to stderr when it
is a terminal.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from mathreward.backends import Backend, make_backend
from mathreward.commands._lines import add_skip_bad_flag, load, report_skipped, string, strings
from mathreward.commands._progress import progress
from mathreward.commands._streams import write_output
from mathreward.types import StepsItem, StepsResult
from prm.steps import split_steps
from prm.types import PrmConfig
from verifier.types import VerifyOptions

CHUNK = 256  # items per engine call: keeps the bounded queue far from full


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("score-steps", help="PRM step scores for a JSONL of solutions",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="JSONL path, or - for stdin")
    p.add_argument("-o", "--output", default="-", help="JSONL path, or - for stdout")
    p.add_argument("--prm", default=None,
                   help="PRM checkpoint directory or Hugging Face id in the local cache "
                   "(default: bundled)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--max-batch-size", type=int, default=64)
    p.add_argument("--separator", default="\n\n", help="step separator for 'response' lines")
    p.add_argument("--server", default=None, help="HOST:PORT of a running mathreward server")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: the cores this process may use, less one)")
    add_skip_bad_flag(p)
    p.set_defaults(func=run)


def item_parser(separator: str):
    """The line parser: `steps` (a list of strings) or a `response` string split into steps."""
    def parse(record: dict, number: int) -> StepsItem:
        if "steps" in record:
            steps = strings(record, "steps")
        elif "response" in record:
            steps = tuple(split_steps(string(record, "response"), separator))
        else:
            raise ValueError("needs 'steps' (a list of strings) or 'response' (a string)")
        item_id = record.get("id")
        return StepsItem(id=str(number - 1 if item_id is None else item_id),
                         problem=string(record, "problem", default=""), steps=steps)

    return parse


def _write(out: TextIO, result: StepsResult) -> None:
    row: dict[str, Any] = {"id": result.id,
                           "step_scores": [round(float(s), 6) for s in result.step_scores]}
    if result.status != "ok":
        row.update(status=result.status, reason=result.reason)
    out.write(json.dumps(row) + "\n")


async def score_all(items: list[StepsItem], backend: Backend, out: TextIO) -> None:
    """Score the items chunk by chunk and write them in input order."""
    bar = progress(len(items), unit="solution")
    await backend.start()
    try:
        for start in range(0, len(items), CHUNK):
            chunk = items[start:start + CHUNK]
            for result in await backend.score_steps(chunk):
                _write(out, result)
            bar.update(len(chunk))
    finally:
        bar.close()
        await backend.close()


def run(args: argparse.Namespace) -> int:
    lines = load("score-steps", args.input, item_parser(args.separator), skip_bad=args.skip_bad)
    if lines is None:
        return 2
    prm = PrmConfig(model_path=args.prm, device=args.device, max_batch_size=args.max_batch_size,
                    step_separator=args.separator, threads=args.threads)
    backend = make_backend(args.server, VerifyOptions(), prm=prm)
    if write_output("score-steps", args.server, args.output,
                    lambda out: score_all(lines.items, backend, out)):
        return 1
    report_skipped("score-steps", lines)
    return 0
