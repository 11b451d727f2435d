"""Fit the bundled model's score combiner on the dev split (families kept out of training).

    .venv/bin/python -m prm_train.data --split dev --n 600 --seed 41 -o /tmp/prm_dev.jsonl
    .venv/bin/python -m prm_train.calibrate /tmp/prm_dev.jsonl --prm prm/weights

On problem families it never saw, the model's step logit is less reliable than on its training
families, while the exact arithmetic flags are exactly as reliable. A logistic combiner
P = sigmoid(w0 * logit + sum_k w_k * flag_k + b), one weight per exact-check feature the model
was trained with (`features` in prm_format.json, see `prm/arith.py`), is fitted here on
steps of DEV-family solutions (never on the held-back split): first the weights by weighted
logistic loss, then the bias b at the middle of the range where the ProcessBench F1 at 0.5 on
the dev split is within a point of its best. The result goes to `prm_format.json`
("combiner"); the model itself is unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from pathlib import Path

import torch

from prm.arith import LEGACY_FEATURES, step_features
from prm.evaluate import score_records
from prm.formats.bundled import apply_combiner
from prm.metrics import evaluate


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _rows(record: dict, scores: list[float], features: tuple[str, ...]) -> list[list[float]]:
    """(logit, flag_1, ..., flag_k) for every step of one solution."""
    feats = step_features(record["problem"], record["steps"])
    return [[_logit(p), *(float(v) for v in f.flags(features))]
            for p, f in zip(scores, feats, strict=True)]


def _step_table(records: list[dict], rows: list[list[list[float]]]):
    """Feature rows and labels for the steps up to the first error of each solution."""
    x, y, w = [], [], []
    for r, xr in zip(records, rows, strict=True):
        upto = len(xr) if r["label"] < 0 else min(r["label"] + 1, len(xr))
        for i in range(upto):
            x.append(xr[i])
            y.append(0.0 if i == r["label"] else 1.0)
            w.append(3.0 if i == r["label"] else 1.0)  # few first-error steps: up-weight
    return torch.tensor(x), torch.tensor(y), torch.tensor(w)


def fit_weights(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> list[float]:
    """Weighted logistic regression: x (N, 1 + k) -> [w_logit, w_1..w_k, bias]."""
    k = x.shape[1]
    params = torch.zeros(k + 1, requires_grad=True)
    with torch.no_grad():
        params[0] = 1.0
    opt = torch.optim.LBFGS([params], max_iter=200)

    def closure():
        opt.zero_grad()
        z = x @ params[:k] + params[k]
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none")
                * w).sum() / w.sum() + 1e-3 * (params[:k] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return [float(v) for v in params.detach()]


def combine(x: torch.Tensor, params: list[float]) -> torch.Tensor:
    """x: (N, 1 + K) rows [step logit, flag...]; the served combiner (formats.bundled)."""
    return apply_combiner(params, x[:, 0], x[:, 1:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="dev-split JSONL (families kept out of training)")
    ap.add_argument("--prm", required=True, help="model directory with prm_format.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    fmt_file = Path(args.prm) / "prm_format.json"
    fmt = json.loads(fmt_file.read_text())
    fmt.pop("combiner", None)  # fit on the raw model scores
    fmt_file.write_text(json.dumps(fmt, indent=2) + "\n")
    with open(args.input) as f:
        records = [json.loads(line) for line in f if line.strip()]
    scores = asyncio.run(score_records(records, args.prm, "cpu", args.threads))
    # an item the model cannot score (over its context) has no step logits to fit on
    unscored = sum(s is None for s in scores)
    records = [r for r, s in zip(records, scores, strict=True) if s is not None]
    scores = [s for s in scores if s is not None]
    print(f"{len(records)} dev solutions scored, {unscored} unscored (left out of the fit)")
    labels = [int(r["label"]) for r in records]
    print(f"model alone:   {evaluate(labels, scores).row()}")
    features = tuple(fmt.get("features", LEGACY_FEATURES))
    all_x = [_rows(r, s, features) for r, s in zip(records, scores, strict=True)]
    params = fit_weights(*_step_table(records, all_x))
    # the bias: the middle of the shifts whose dev F1@0.5 is within 1 point of the best (the
    # F1 curve is flat and noisy near its top; its argmax alone swings the operating point)
    curve = []
    for shift in [v / 10 for v in range(-30, 31)]:
        trial = params[:-1] + [params[-1] + shift]
        combined = [combine(torch.tensor(xr), trial).tolist() for xr in all_x]
        curve.append((evaluate(labels, combined).f1, shift))
    top = max(f1 for f1, _ in curve)
    near_top = [shift for f1, shift in curve if f1 >= top - 1.0]
    params[-1] += near_top[len(near_top) // 2]
    combined = [combine(torch.tensor(xr), params).tolist() for xr in all_x]
    print(f"with combiner: {evaluate(labels, combined).row()}")
    fmt["combiner"] = [round(v, 4) for v in params]
    fmt_file.write_text(json.dumps(fmt, indent=2) + "\n")
    print(f"combiner [w_logit, {', '.join('w_' + f for f in features)}, bias] = {fmt['combiner']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
