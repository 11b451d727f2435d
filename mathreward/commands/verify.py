"""`mathreward verify`: grade a JSONL file of responses against their gold answers.

    .venv/bin/mathreward verify IN.jsonl [-o OUT.jsonl] [--server HOST:PORT] [--workers N]
        [--timeout S] [--require-think] [--rel-tol X] [--percent-as-fraction]
        [--extraction {strict,lenient}] [--skip-bad]

Start-up is kept lean: this process imports no sympy (it extracts the answers and decides plain
numbers itself, with the grader's own code), the workers start only when an item needs one, and a
small input gets one worker (`--workers` sets the number for any input).

Input lines `{"id", "gold", "response"}` (gold may also be a JSON number); output lines
`{"id", "correct", "verdict", "reward", "extracted", "extracted_by", "reason"}` in input order
(`extracted_by`: the extraction rule that found the answer, "" when none did). `-` is stdin /
stdout (the default output). Without `--server` the items are graded in this process's own
worker pool (same budget and verdicts as the service); with it, by a running service (same
output). A line that is not a valid item (not JSON, not an object, `response` not a string, `gold`
neither a string nor a number) is an error naming the line and why, exit code 2, before anything
is graded; `--skip-bad` skips such lines instead (no output line) and says how many on stderr.
Blank lines are skipped. A progress bar goes to stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import dataclass
from typing import IO, Any

from mathreward.backends import Backend, make_backend
from mathreward.commands._lines import add_skip_bad_flag, load, report_skipped, string
from mathreward.commands._progress import Progress, progress
from mathreward.commands._streams import write_output
from verifier.pool import PoolConfig
from verifier.types import EXTRACTION_MODES, Result, VerifyItem, VerifyOptions

_DEFAULT_WORKERS = 2
# Below this many items one worker: a second costs ~15% more CPU in all (its own start, cold
# caches) for a wall time that is short anyway (bench/verify_startup.py, docs/verifier-pool.md).
_SMALL_INPUT = 1024
_CHUNK = 16  # items per worker task: a chunk shares one item's budget (see PoolConfig.chunk_all)


@dataclass(frozen=True)
class _Line:
    """One input item and the id its output line echoes (None when the line has none)."""

    id: Any
    item: VerifyItem


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="grade a JSONL file of {id, gold, response} lines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="IN.jsonl", help="input file, or - for stdin")
    parser.add_argument("-o", "--output", default="-", help="output file (default: - = stdout)")
    parser.add_argument("--server", metavar="HOST:PORT", help="grade on a running service")
    parser.add_argument(
        "--workers", type=int, help="worker processes (in-process; default 2, 1 for small inputs)"
    )
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per item (in-process)")
    parser.add_argument("--require-think", action="store_true", help="both think tags required")
    parser.add_argument("--rel-tol", type=float, default=0.0, help="relative numeric tolerance")
    parser.add_argument("--percent-as-fraction", action="store_true", help="50%% may equal 0.5")
    parser.add_argument(
        "--extraction", choices=EXTRACTION_MODES, default="strict",
        help="where the answer is read: strict (default, for RL) or lenient (instruct-model "
        "evaluation: also 'Final answer' headings, the last math span or number)",
    )
    add_skip_bad_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    bad_workers = args.workers is not None and args.workers < 1
    if bad_workers or args.timeout <= 0 or not 0.0 <= args.rel_tol < 1.0:
        print(
            "mathreward verify: need --workers >= 1, --timeout > 0, 0 <= --rel-tol < 1",
            file=sys.stderr,
        )
        return 2
    options = VerifyOptions(
        require_think=args.require_think,
        rel_tol=args.rel_tol,
        percent_as_fraction=args.percent_as_fraction,
        extraction=args.extraction,
    )
    lines = load("verify", args.input, parse_item, skip_bad=args.skip_bad)
    if lines is None:
        return 2
    backend = make_backend(args.server, options, pool=_pool_config(args, len(lines.items)))
    if write_output("verify", args.server, args.output,
                    lambda sink: grade_lines(lines.items, backend, sink)):
        return 1
    report_skipped("verify", lines)
    return 0


def _pool_config(args: argparse.Namespace, items: int) -> PoolConfig:
    """Lazy: no worker process starts before an item needs one (plain numbers never do); items
    travel to the workers a chunk per task (a file has no latency to protect). Without
    --workers, one worker for a small input."""
    workers = args.workers or (1 if items < _SMALL_INPUT else _DEFAULT_WORKERS)
    return PoolConfig(
        workers=workers,
        item_timeout_s=args.timeout,
        lazy=True,
        chunk_all=True,
        plain_chunk_size=_CHUNK,
    )


def parse_item(record: dict, number: int) -> _Line:
    """One input object; ValueError saying why it is not an item."""
    line_id = record.get("id")
    gold = string(record, "gold", number_ok=True)
    response = string(record, "response")
    item_id = str(line_id) if line_id is not None else str(number)
    return _Line(line_id, VerifyItem(id=item_id, response=response, gold=gold))


async def grade_lines(lines: list[_Line], backend: Backend, sink: IO[str]) -> None:
    """Grade the items and write one output line per item, in input order."""
    bar = progress(len(lines))
    writer = _OrderedWriter(sink, bar)
    await backend.start()
    try:
        stream = backend.verify([line.item for line in lines])
        async with contextlib.aclosing(stream):
            async for position, result in stream:
                writer.put(position, _record(lines[position].id, result))
    finally:
        bar.close()
        await backend.close()


def _record(line_id: Any, result: Result) -> str:
    return json.dumps(
        {
            "id": line_id,
            "correct": result.correct,
            "verdict": result.verdict.value,
            "reward": result.reward,
            "extracted": result.extracted,
            "extracted_by": result.extracted_by,
            "reason": result.reason,
        }
    )


class _OrderedWriter:
    """Writes lines in input order as results arrive out of order (streams a long file)."""

    def __init__(self, sink: IO[str], bar: Progress) -> None:
        self._sink = sink
        self._progress = bar
        self._next = 0
        self._waiting: dict[int, str] = {}

    def put(self, index: int, text: str) -> None:
        self._waiting[index] = text
        while self._next in self._waiting:
            self._sink.write(self._waiting.pop(self._next) + "\n")
            self._next += 1
            self._progress.update(1)
