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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

UNSCORED = -2  # the prediction for an item the model could not score: never right


def predicted_error(scores: Sequence[float] | None, threshold: float = 0.5) -> int:
    if scores is None:
        return UNSCORED
    return next((i for i, s in enumerate(scores) if s < threshold), -1)


@dataclass(frozen=True)
class Metrics:
    n: int
    error_acc: float
    correct_acc: float
    f1: float
    best_threshold: float
    best_f1: float
    auroc: float

    def row(self) -> str:
        return (f"n={self.n} error_acc={self.error_acc:.1f} correct_acc={self.correct_acc:.1f} "
                f"F1@0.5={self.f1:.1f} bestF1={self.best_f1:.1f}@{self.best_threshold:.2f} "
                f"AUROC={self.auroc:.3f}")


def f1_at(labels: Sequence[int], scores: Sequence[Sequence[float] | None],
          threshold: float) -> tuple[float, float, float]:
    """(error accuracy, correct accuracy, F1), in percent."""
    err = [predicted_error(s, threshold) == lab for lab, s in zip(labels, scores, strict=True)
           if lab >= 0]
    cor = [predicted_error(s, threshold) == -1 for lab, s in zip(labels, scores, strict=True)
           if lab < 0]
    ea = 100.0 * sum(err) / len(err) if err else 0.0
    ca = 100.0 * sum(cor) / len(cor) if cor else 0.0
    f1 = 2 * ea * ca / (ea + ca) if ea + ca > 0 else 0.0
    return ea, ca, f1


def auroc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """P(score of a right step > score of a first wrong step), ties count half (rank formula)."""
    if not pos or not neg:
        return float("nan")
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    rank_sum, i = 0.0, 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        avg_rank = (i + j + 1) / 2  # 1-based average rank of the tie group
        rank_sum += avg_rank * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    n_pos, n_neg = len(pos), len(neg)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def evaluate(labels: Sequence[int], scores: Sequence[Sequence[float] | None]) -> Metrics:
    ea, ca, f1 = f1_at(labels, scores, 0.5)
    best_t, best_f1 = 0.5, f1
    for k in range(1, 100):
        t = k / 100
        _, _, f = f1_at(labels, scores, t)
        if f > best_f1:
            best_t, best_f1 = t, f
    pos, neg = [], []
    for lab, s in zip(labels, scores, strict=True):
        if s is None:
            continue
        upto = len(s) if lab < 0 else min(lab + 1, len(s))
        for i in range(upto):
            (neg if i == lab else pos).append(s[i])
    return Metrics(len(labels), ea, ca, f1, best_t, best_f1, auroc(pos, neg))


async def _score_all(records: list[dict], model_path: str | None, device: str,
                     threads: int | None) -> list[list[float] | None]:
    """Scores per record; None where the model could not score it."""
    from prm.engine import PrmConfig, PrmEngine, StepStatus

    engine = PrmEngine(PrmConfig(model_path=model_path, device=device, threads=threads))
    await engine.start()
    out: list[list[float] | None] = []
    try:
        for k in range(0, len(records), 256):  # the bounded queue takes a chunk at a time
            chunk = records[k:k + 256]
            results = await engine.score_many([(r["problem"], r["steps"]) for r in chunk])
            out += [list(res.scores) if res.status == StepStatus.OK else None
                    for res in results]
    finally:
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
        scores = asyncio.run(_score_all(records, model_path, device, threads))
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
    scores = asyncio.run(_score_all(records, args.prm, args.device, args.threads))
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
