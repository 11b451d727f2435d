"""Fit the bundled model's decision calibration on training-distribution validation data.

    .venv/bin/python -m prm.data --split train --n 1000 --seed 31 -o /tmp/prm_val.jsonl
    .venv/bin/python -m prm.calibrate /tmp/prm_val.jsonl --prm prm/weights

The ProcessBench decision is "first step with P(correct) < 0.5". The step loss up-weights the
first wrong step (so the model learns to flag errors at all), which leaves its scores biased
low. This finds the threshold t* with the best F1 on a validation split drawn from the TRAINING
distribution (never the held-back split) and stores `logit_bias = log((1 - t*) / t*)` in
`prm_format.json`, so that t* maps to 0.5: P' = sigmoid(logit(P) + logit_bias).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from pathlib import Path

from prm.evaluate import _score_all, evaluate, f1_at


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="validation JSONL (training distribution)")
    ap.add_argument("--prm", required=True, help="model directory with prm_format.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    fmt_file = Path(args.prm) / "prm_format.json"
    fmt = json.loads(fmt_file.read_text())
    old_bias = float(fmt.get("logit_bias", 0.0))
    with open(args.input) as f:
        records = [json.loads(line) for line in f if line.strip()]
    labels = [int(r["label"]) for r in records]
    scores = asyncio.run(_score_all(records, args.prm, "cpu"))
    m = evaluate(labels, scores)
    t = m.best_threshold
    new_bias = old_bias + math.log((1 - t) / t)
    fmt["logit_bias"] = round(new_bias, 4)
    fmt_file.write_text(json.dumps(fmt, indent=2) + "\n")
    print(f"before: {m.row()}")
    print(f"threshold {t:.2f} -> logit_bias {old_bias:.4f} -> {new_bias:.4f} "
          f"(F1 at t*: {f1_at(labels, scores, t)[2]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
