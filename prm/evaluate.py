"""ProcessBench-style evaluation of a PRM on a JSONL of {"problem", "steps", "label"}.

    .venv/bin/python -m prm.evaluate /tmp/prm_heldout.jsonl [--prm prm/weights] [--by kind]
    .venv/bin/python -m prm.evaluate --processbench DIR [--limit N] [--prm PATH_OR_ID]

`--processbench DIR` reads the public ProcessBench files from DIR (gsm8k, math, olympiadbench,
omnimath; `.json` lists as published, or `.jsonl`) and prints one row per subset. Items the
model cannot score (too long for its context, an encoding error) count as wrong at every
threshold and are left out of the AUROC; their number is printed. Nothing is trained or
calibrated on these files.

Predicted error step = first step whose score is below the threshold (-1 if none). Accuracy on
erroneous solutions (predicted step == label) and on correct ones (prediction == -1); F1 is their
harmonic mean. Also: F1 at the best threshold and step-level AUROC (steps up to and including the
first error; the first error is the negative class).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from prm.metrics import evaluate


async def score_records(records: list[dict], model_path: str | None, device: str,
                        threads: int | None) -> list[list[float] | None]:
    """Scores per record; None where the model could not score it. A progress bar runs on
    stderr when it is a terminal."""
    from tqdm import tqdm

    from prm.engine import PrmConfig, PrmEngine, StepStatus

    engine = PrmEngine(PrmConfig(model_path=model_path, device=device, threads=threads))
    await engine.start()
    out: list[list[float] | None] = []
    bar = tqdm(total=len(records), unit="item", file=sys.stderr, disable=not sys.stderr.isatty())
    try:
        for k in range(0, len(records), 256):  # the bounded queue takes a chunk at a time
            chunk = records[k:k + 256]
            results = await engine.score_many([(r["problem"], r["steps"]) for r in chunk])
            out += [list(res.scores) if res.status == StepStatus.OK else None
                    for res in results]
            bar.update(len(chunk))
    finally:
        bar.close()
        await engine.close()
    return out


SUBSETS = ("gsm8k", "math", "olympiadbench", "omnimath")


def read_records(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def processbench(directory: Path, model_path: str | None, device: str, threads: int | None,
                 limit: int | None) -> int:
    for name in SUBSETS:
        path = next((p for p in (directory / f"{name}.json", directory / f"{name}.jsonl")
                     if p.is_file()), None)
        if path is None:
            print(f"{name:14s} (no {name}.json / .jsonl in {directory})")
            continue
        records = read_records(path)[:limit]
        scores = asyncio.run(score_records(records, model_path, device, threads))
        m = evaluate([int(r["label"]) for r in records], scores)
        unscored = sum(s is None for s in scores)
        print(f"{name:14s} {m.row()} unscored={unscored}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", nargs="?", help="JSONL with problem, steps, label")
    ap.add_argument("--processbench", type=Path, default=None, metavar="DIR",
                    help="directory with ProcessBench's gsm8k/math/olympiadbench/omnimath files")
    ap.add_argument("--limit", type=int, default=None, help="first N items of each file")
    ap.add_argument("--prm", default=None,
                    help="checkpoint directory or Hugging Face id in the local cache "
                    "(default: bundled)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--by", default=None, help="also report per value of this field (e.g. kind)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default: the cores this process may use, less one)")
    args = ap.parse_args(argv)
    if args.processbench is not None:
        return processbench(args.processbench, args.prm, args.device, args.threads, args.limit)
    if args.input is None:
        ap.error("give an input file or --processbench DIR")
    records = read_records(Path(args.input))[:args.limit]
    scores = asyncio.run(score_records(records, args.prm, args.device, args.threads))
    labels = [int(r["label"]) for r in records]
    print("all      ", evaluate(labels, scores).row())
    if args.by:
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            groups.setdefault(str(r.get(args.by)), []).append(i)
        for key, idx in sorted(groups.items()):
            # each error group is reported with all correct solutions, so its F1 is meaningful
            sel = sorted(set(idx) | {i for i, lab in enumerate(labels) if lab < 0})
            m = evaluate([labels[i] for i in sel], [scores[i] for i in sel])
            if all(labels[i] < 0 for i in idx):
                print(f"{key:16s} correct_acc={m.correct_acc:.1f} n={len(idx)}")
            else:
                print(f"{key:16s} error_acc={m.error_acc:.1f} n={len(idx)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
