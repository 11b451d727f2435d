"""CPU cost of scoring with PRM checkpoints, side by side in one run: per scored step, per token.

    OMP_NUM_THREADS=2 .venv/bin/python bench/prm_cost.py --prm /tmp/old_weights --prm prm/weights \
        [--input FILE] [--n 400] [--threads 2] [--rounds 2]

`--input` is a JSONL of {"problem", "steps"} records or a ProcessBench `.json` list (default: `--n`
synthetic held-out solutions). Each model scores the same items through the engine (its own
tokenizer, context and markers, default batching), rounds interleaved, best round kept. Tokens are
each model's own (a byte-level BPE and a word-level vocabulary cut the same text differently),
so the table also gives the cost per 1,000 characters of input, which is comparable across models.
Items a model cannot score (longer than its context) are counted and left out of its cost.

The previous bundled model is in git: `git archive 094da7a prm/weights | tar -x -C /tmp/old`
then `--prm /tmp/old/prm/weights`.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from prm import formats
from prm.engine import BUNDLED_WEIGHTS, PrmConfig, PrmEngine, StepStatus
from prm.evaluate import read_records
from prm_train import data


@dataclass(frozen=True)
class Cost:
    seconds: float
    scored: int  # items
    steps: int
    tokens: int  # the model's own tokens of the scored items
    chars: int  # characters of the scored items (problem + steps)


async def _score_all(path: str, items: list[tuple[str, list[str]]], threads: int) -> Cost:
    engine = PrmEngine(PrmConfig(model_path=path, device="cpu", threads=threads))
    await engine.start()
    try:
        await engine.score_many(items[:4])  # warm-up
        t0 = time.perf_counter()
        results = await engine.score_many(items)
        seconds = time.perf_counter() - t0
    finally:
        await engine.close()
    ok = [(it, r) for it, r in zip(items, results, strict=True) if r.status == StepStatus.OK]
    codec = formats.load_codec(path)  # the checkpoint's own encoding, as the engine uses it
    return Cost(seconds, len(ok), sum(len(r.scores) for _, r in ok),
                sum(len(codec.encode(p, s).ids) for (p, s), _ in ok),
                sum(len(p) + sum(map(len, s)) for (p, s), _ in ok))


def _params(path: str) -> int:
    """Parameters summed over the checkpoint's safetensors files (all ensemble members)."""
    from safetensors import safe_open

    total = 0
    for f in Path(path).glob("*.safetensors"):
        with safe_open(str(f), "pt") as st:
            total += sum(math.prod(st.get_slice(k).get_shape()) for k in st.keys())
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prm", action="append", default=None,
                    help="checkpoint directory; give it once per model (default: bundled)")
    ap.add_argument("--input", type=Path, default=None)
    ap.add_argument("--n", type=int, default=400, help="items (the first N of --input)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    models = args.prm or [str(BUNDLED_WEIGHTS)]
    recs = (read_records(args.input)[:args.n] if args.input
            else list(data.generate("heldout", args.n, seed=123)))
    items = [(r["problem"], list(r["steps"])) for r in recs]
    best: dict[str, Cost] = {}
    for _ in range(args.rounds):  # interleaved: a shared CPU disturbs every model alike
        for m in models:
            c = asyncio.run(_score_all(m, items, args.threads))
            if m not in best or c.seconds < best[m].seconds:
                best[m] = c
    src = args.input or "synthetic held-out"
    print(f"PRM CPU cost: {len(items)} items from {src}, {args.threads} torch threads, "
          f"best of {args.rounds} interleaved rounds")
    print("| model | params | scored / unscored | seconds | ms per step | µs per token "
          "| tokens per step | ms per 1k chars |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for m, c in best.items():
        print(f"| {m} | {_params(m) / 1e6:.2f}M | {c.scored} / {len(items) - c.scored} | "
              f"{c.seconds:.1f} | {1e3 * c.seconds / max(c.steps, 1):.2f} | "
              f"{1e6 * c.seconds / max(c.tokens, 1):.1f} | {c.tokens / max(c.steps, 1):.0f} | "
              f"{1e6 * c.seconds / max(c.chars, 1):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
