"""`mathreward score-steps`: step scores from the PRM for a JSONL of solutions.

    mathreward score-steps IN.jsonl [-o OUT.jsonl] [--prm PATH] [--max-batch-size N]
        [--device auto|cpu|cuda] [--server HOST:PORT]

Lines `{"id", "problem", "steps": [...]}` in (ProcessBench layout; a `"response"` string instead
of `"steps"` is split on blank lines, after the last `</think>`), lines `{"id", "step_scores"}`
out in the same order; an item that could not be scored also gets `"status"` and `"reason"`.
In-process (bundled model, or `--prm PATH` in any supported format) unless `--server` is given.
`-` means stdin / stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from typing import Any, TextIO

from mathreward.commands._streams import open_input, open_output

CHUNK = 256  # items per engine call: keeps the bounded queue far from full


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("score-steps", help="PRM step scores for a JSONL of solutions",
                              description=__doc__.split("\n\n")[0])
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
    p.set_defaults(func=run)


def _read(stream: TextIO, separator: str) -> Iterator[dict]:
    from prm.steps import split_steps

    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        steps = rec.get("steps")
        if steps is None:
            steps = split_steps(str(rec.get("response", "")), separator)
        yield {"id": str(rec.get("id", n - 1)), "problem": str(rec.get("problem", "")),
               "steps": [str(s) for s in steps]}


def _write(out: TextIO, item_id: str, scores, status: str = "ok", reason: str = "") -> None:
    row: dict[str, Any] = {"id": item_id, "step_scores": [round(float(s), 6) for s in scores]}
    if status != "ok":
        row.update(status=status, reason=reason)
    out.write(json.dumps(row) + "\n")


async def _in_process(items: list[dict], args: argparse.Namespace, out: TextIO) -> None:
    from prm.engine import PrmConfig, PrmEngine

    engine = PrmEngine(PrmConfig(model_path=args.prm, device=args.device,
                                 max_batch_size=args.max_batch_size,
                                 step_separator=args.separator, threads=args.threads))
    await engine.start()
    try:
        for s in range(0, len(items), CHUNK):
            chunk = items[s : s + CHUNK]
            results = await engine.score_many([(it["problem"], it["steps"]) for it in chunk])
            for it, res in zip(chunk, results, strict=True):
                _write(out, it["id"], res.scores, res.status.value, res.reason)
    finally:
        await engine.close()


def _via_server(items: list[dict], args: argparse.Namespace, out: TextIO) -> None:
    from mathreward.client import SyncRewardClient

    with SyncRewardClient(args.server) as client:
        for s in range(0, len(items), CHUNK):
            chunk = items[s : s + CHUNK]
            results = client.score_steps(chunk, step_separator=args.separator)
            for it, res in zip(chunk, results, strict=True):
                _write(out, it["id"], res.step_scores, res.status, res.reason)


def run(args: argparse.Namespace) -> int:
    if args.prm and not args.server:
        from prm.hub import CheckpointNotFound, resolve_checkpoint

        try:
            args.prm = resolve_checkpoint(args.prm)
        except CheckpointNotFound as exc:
            raise SystemExit(f"error: {exc}") from None
    with open_input(args.input) as src:
        items = list(_read(src, args.separator))
    with open_output(args.output) as out:
        if args.server:
            _via_server(items, args, out)
        else:
            asyncio.run(_in_process(items, args, out))
    return 0
