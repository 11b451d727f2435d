"""`mathreward verify`: grade a JSONL file of responses against their gold answers.

    .venv/bin/mathreward verify IN.jsonl [-o OUT.jsonl] [--server HOST:PORT] [--workers N]
        [--timeout S] [--require-think] [--rel-tol X] [--percent-as-fraction]
        [--extraction {strict,lenient}]

Start-up is kept lean: this process imports no sympy (it extracts the answers and decides plain
numbers itself, with the grader's own code), the workers start only when an item needs one, and a
small input gets one worker (`--workers` sets the number for any input).

Input lines `{"id", "gold", "response"}` (gold may also be a JSON number); output lines
`{"id", "correct", "verdict", "reward", "extracted", "extracted_by", "reason"}` in input order
(`extracted_by`: the extraction rule that found the answer, "" when none did). `-` is stdin /
stdout (the default output). Without `--server` the items are graded in this process's own
worker pool (same budget and verdicts as the service); with it, by a running service. A line that
is not a valid item gets verdict "unparseable" with the reason; blank lines are skipped. A progress
bar goes to stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from mathreward.commands._streams import open_input, open_output
from verifier.pool import PoolConfig, VerifierPool
from verifier.types import EXTRACTION_MODES, Result, Verdict, VerifyItem, VerifyOptions

_SERVER_CHUNK = 512  # items per VerifyAnswers request (well under the server's per-request cap)
_DEFAULT_WORKERS = 2
# Below this many items one worker: a second costs ~15% more CPU in all (its own start, cold
# caches) for a wall time that is short anyway (bench/verify_startup.py, docs/verifier-pool.md).
_SMALL_INPUT = 1024
_CHUNK = 16  # items per worker task: a chunk shares one item's budget (see PoolConfig.chunk_all)


@dataclass(frozen=True)
class VerifyCommandConfig:
    """Everything the command needs, built from the flags."""

    input_path: str
    output_path: str
    server: str | None
    pool: PoolConfig
    options: VerifyOptions
    fit_workers: bool = False  # no --workers given: one worker for a small input


@dataclass(frozen=True)
class _Line:
    """One non-blank input line: its item, or why it is not one."""

    index: int  # position among the output lines
    id: Any  # echoed unchanged (None when the line has none)
    item: VerifyItem | None
    error: str = ""


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    bad_workers = args.workers is not None and args.workers < 1
    if bad_workers or args.timeout <= 0 or not 0.0 <= args.rel_tol < 1.0:
        print(
            "mathreward verify: need --workers >= 1, --timeout > 0, 0 <= --rel-tol < 1",
            file=sys.stderr,
        )
        return 2
    config = VerifyCommandConfig(
        input_path=args.input,
        output_path=args.output,
        server=args.server,
        pool=_pool_config(args),
        options=VerifyOptions(
            require_think=args.require_think,
            rel_tol=args.rel_tol,
            percent_as_fraction=args.percent_as_fraction,
            extraction=args.extraction,
        ),
    )
    try:
        with open_input(config.input_path, binary=True) as source:
            lines = list(read_lines(source))
    except OSError as exc:
        print(f"mathreward verify: cannot read {config.input_path}: {exc}", file=sys.stderr)
        return 2
    fitted = dataclasses.replace(config, fit_workers=args.workers is None)
    with open_output(config.output_path) as sink:
        return grade_lines(lines, fitted, sink)


def _pool_config(args: argparse.Namespace) -> PoolConfig:
    """Lazy: no worker process starts before an item needs one (plain numbers never do); items
    travel to the workers a chunk per task (a file has no latency to protect)."""
    workers = args.workers or _DEFAULT_WORKERS
    return PoolConfig(
        workers=workers,
        item_timeout_s=args.timeout,
        lazy=True,
        chunk_all=True,
        plain_chunk_size=_CHUNK,
    )


def grade_lines(lines: list[_Line], config: VerifyCommandConfig, sink: IO[str]) -> int:
    """Grade the items and write one output line per input line, in order."""
    progress = _progress(len(lines))
    writer = _OrderedWriter(sink, progress)
    good = [line for line in lines if line.item is not None]
    for line in lines:
        if line.item is None:
            writer.put(line.index, _record(line.id, Result(Verdict.UNPARSEABLE, line.error)))
    try:
        if not config.server:
            _grade_in_process(good, config, writer)
            return 0
        try:
            _grade_on_server(good, config, writer)
        except Exception as exc:  # unreachable server, refused request: say so, exit non-zero
            print(f"mathreward verify: server {config.server}: {exc}", file=sys.stderr)
            return 1
        return 0
    finally:
        progress.close()


def _progress(total: int) -> Any:
    """A progress bar on a terminal; otherwise nothing (and no tqdm import)."""
    if not sys.stderr.isatty():
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, unit="item")


class _NoProgress:
    def update(self, _count: int) -> None:
        pass

    def close(self) -> None:
        pass


def _grade_in_process(good: list[_Line], config: VerifyCommandConfig, writer: _OrderedWriter):
    if not good:
        return
    pool_config = config.pool
    if config.fit_workers and len(good) < _SMALL_INPUT:
        pool_config = dataclasses.replace(pool_config, workers=1)
    with VerifierPool(pool_config) as pool:
        asyncio.run(_stream(pool, good, config.options, writer))


async def _stream(
    pool: VerifierPool, good: list[_Line], options: VerifyOptions, writer: _OrderedWriter
) -> None:
    items = [line.item for line in good]
    stream = pool.averify_stream(items, options)  # type: ignore[arg-type]  # all items set
    async with contextlib.aclosing(stream):
        async for position, result in stream:
            line = good[position]
            writer.put(line.index, _record(line.id, result))


def _grade_on_server(good: list[_Line], config: VerifyCommandConfig, writer: _OrderedWriter):
    from mathreward.client import SyncRewardClient  # grpc only on this path

    # No call deadline: the server answers every item within its per-item budget anyway.
    with SyncRewardClient(config.server, timeout_s=None) as client:
        for start in range(0, len(good), _SERVER_CHUNK):
            chunk = good[start : start + _SERVER_CHUNK]
            results = client.verify_answers([line.item for line in chunk], config.options)
            for line, result in zip(chunk, results, strict=True):
                writer.put(line.index, _record(line.id, result))


def read_lines(source: Iterable[bytes]) -> Iterator[_Line]:
    """Parse input lines; a bad line becomes a `_Line` with `error` set, never an exception."""
    index = 0
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        yield _parse_line(index, number, raw)
        index += 1


def _parse_line(index: int, number: int, raw: bytes) -> _Line:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _Line(index, None, None, f"line {number}: not UTF-8")
    except json.JSONDecodeError as exc:
        return _Line(index, None, None, f"line {number}: invalid JSON ({exc.msg})")
    if not isinstance(obj, dict):
        return _Line(index, None, None, f"line {number}: expected a JSON object")
    line_id = obj.get("id")
    gold = obj.get("gold")
    if isinstance(gold, int | float) and not isinstance(gold, bool):
        gold = str(gold)
    for name, value in (("gold", gold), ("response", obj.get("response"))):
        if not isinstance(value, str):
            return _Line(index, line_id, None, f"line {number}: '{name}' must be a string")
    item_id = str(line_id) if line_id is not None else str(number)
    return _Line(index, line_id, VerifyItem(id=item_id, response=obj["response"], gold=gold))


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

    def __init__(self, sink: IO[str], progress: Any) -> None:
        self._sink = sink
        self._progress = progress
        self._next = 0
        self._waiting: dict[int, str] = {}

    def put(self, index: int, text: str) -> None:
        self._waiting[index] = text
        while self._next in self._waiting:
            self._sink.write(self._waiting.pop(self._next) + "\n")
            self._next += 1
            self._progress.update(1)
